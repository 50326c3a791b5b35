package oidc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
)

// Limits on every call to a provider.
const (
	// Timeout bounds each request (discovery, keys, token exchange) made with a Cache whose
	// client has no timeout of its own.
	Timeout = 10 * time.Second
	// MaxResponse bounds each response body read from a provider.
	MaxResponse = 1 << 20
	// Rediscover is how long a discovered provider is used before discovery runs again.
	// Keys are refreshed sooner, whenever a token names a kid the cached set lacks.
	Rediscover = 24 * time.Hour
)

// ErrResponseTooLarge is the error reading a provider's response body that is over
// MaxResponse.
var ErrResponseTooLarge = errors.New("provider response over 1 MiB")

// Cache keeps what latchkey learns from providers, shared by every connection and request of
// a server: discovery documents per issuer (fetched again after Rediscover) and key sets per
// jwks_uri (fetched again, by go-oidc, when a token names an unknown kid). Its methods are
// safe for concurrent use; concurrent first sign-ins to one issuer share one discovery.
type Cache struct {
	client *http.Client

	mu      sync.Mutex
	entries map[string]*entry // by discovery URL base
	keys    map[string]*gooidc.RemoteKeySet
}

type entry struct {
	mu        sync.Mutex
	disc      *discovered
	fetchedAt time.Time
}

// discovered is what one discovery document says, checked.
type discovered struct {
	provider     *gooidc.Provider
	keys         *gooidc.RemoteKeySet
	algs         []string
	issParam     bool // RFC 9207 authorization_response_iss_parameter_supported
	authMethods  []string
	discoveryURL string
}

// NewCache returns an empty cache whose provider calls go through client, or a new client
// when nil. The cache works on a copy of client whose transport refuses response bodies over
// MaxResponse, which has Timeout when client has none, and which, unless client has its own
// CheckRedirect, follows a redirect only if it keeps the scheme (never https to http).
func NewCache(client *http.Client) *Cache {
	c := &http.Client{}
	if client != nil {
		*c = *client
	}
	if c.Timeout == 0 {
		c.Timeout = Timeout
	}
	if c.CheckRedirect == nil {
		c.CheckRedirect = sameScheme
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = limitTransport{base}
	return &Cache{client: c, entries: map[string]*entry{}, keys: map[string]*gooidc.RemoteKeySet{}}
}

// sameScheme refuses a redirect that changes the scheme of the first request, and more than
// five redirects.
func sameScheme(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Scheme != via[0].URL.Scheme {
		return fmt.Errorf("refused a redirect from %s to %s", via[0].URL.Scheme, req.URL.Scheme)
	}
	return nil
}

// clientContext carries the cache's client to go-oidc and x/oauth2.
func (c *Cache) clientContext(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, c.client)
}

// discover returns the provider whose discovery document is at base/.well-known/... and
// names issuer: base itself, as the specification has it, or for Microsoft's organizations
// endpoint the template <authority>/{tenantid}/v2.0.
func (c *Cache) discover(ctx context.Context, base, issuer string, now time.Time) (*discovered, error) {
	key := base + "\n" + issuer
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		e = &entry{}
		c.entries[key] = e
	}
	c.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.disc != nil && now.Sub(e.fetchedAt) < Rediscover {
		return e.disc, nil
	}
	d, err := c.fetch(ctx, base, issuer)
	if err != nil {
		if e.disc != nil {
			// A provider that is briefly down keeps working with what it said yesterday; the
			// next sign-in tries again.
			return e.disc, nil
		}
		return nil, err
	}
	e.disc, e.fetchedAt = d, now
	return d, nil
}

func (c *Cache) fetch(ctx context.Context, base, issuer string) (*discovered, error) {
	ctx = c.clientContext(ctx)
	if issuer != base {
		// go-oidc compares the document's issuer with base only; this one names another.
		ctx = gooidc.InsecureIssuerURLContext(ctx, issuer)
	}
	p, err := gooidc.NewProvider(ctx, base)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", base, err)
	}
	var meta struct {
		Issuer      string   `json:"issuer"`
		JWKSURI     string   `json:"jwks_uri"`
		Algs        []string `json:"id_token_signing_alg_values_supported"`
		IssParam    bool     `json:"authorization_response_iss_parameter_supported"`
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("discover %s: %w", base, err)
	}
	if meta.Issuer != issuer {
		return nil, fmt.Errorf("discover %s: %w", base, &gooidc.IssuerMismatchError{Provided: issuer, Discovered: meta.Issuer})
	}
	if meta.JWKSURI == "" || p.Endpoint().AuthURL == "" || p.Endpoint().TokenURL == "" {
		return nil, fmt.Errorf("discover %s: the document lacks jwks_uri, authorization_endpoint or token_endpoint", base)
	}
	for _, u := range []string{meta.JWKSURI, p.Endpoint().AuthURL, p.Endpoint().TokenURL} {
		if err := validateEndpoint(base, u); err != nil {
			return nil, fmt.Errorf("discover %s: %w", base, err)
		}
	}
	var algs []string
	for _, a := range meta.Algs {
		if slices.Contains(signingAlgs, a) {
			algs = append(algs, a)
		}
	}
	if len(meta.Algs) > 0 && len(algs) == 0 {
		return nil, fmt.Errorf("discover %s: no supported ID token signing algorithm in %q", base, meta.Algs)
	}
	return &discovered{
		provider:     p,
		keys:         c.keySet(meta.JWKSURI),
		algs:         algs,
		issParam:     meta.IssParam,
		authMethods:  meta.AuthMethods,
		discoveryURL: base,
	}, nil
}

// validateEndpoint holds a discovered endpoint to the issuer's scheme: https, or http on a
// loopback host only when the issuer itself is plain http there, so that an https issuer never
// has the code, the client secret or its keys travel over plain http. A query is allowed
// (Azure AD B2C puts its policy in one).
func validateEndpoint(issuer, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("endpoint %q is not an absolute URL without credentials or fragment", endpoint)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && strings.HasPrefix(issuer, "http:") && loopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("endpoint %q must use https like the issuer", endpoint)
}

// signingAlgs are the asymmetric algorithms an ID token may be signed with: never none, and
// never HMAC, whose key would be the client secret.
var signingAlgs = []string{
	gooidc.RS256, gooidc.RS384, gooidc.RS512,
	gooidc.ES256, gooidc.ES384, gooidc.ES512,
	gooidc.PS256, gooidc.PS384, gooidc.PS512,
	gooidc.EdDSA,
}

// keySet returns the one remote key set for jwksURL, so that issuers sharing keys (Entra's
// tenants) share one cache of them.
func (c *Cache) keySet(jwksURL string) *gooidc.RemoteKeySet {
	c.mu.Lock()
	defer c.mu.Unlock()
	ks, ok := c.keys[jwksURL]
	if !ok {
		// The context only carries the client: go-oidc ignores its cancellation.
		ks = gooidc.NewRemoteKeySet(c.clientContext(context.Background()), jwksURL)
		c.keys[jwksURL] = ks
	}
	return ks
}

// limitTransport refuses response bodies over MaxResponse.
type limitTransport struct{ base http.RoundTripper }

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: MaxResponse}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrResponseTooLarge
	}
	// Read one byte more than allowed, to tell a body of exactly MaxResponse from a longer one.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n - int(-b.left), ErrResponseTooLarge
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
