// Package oidctest runs a real OpenID provider inside a test, so that the oidc connector, the
// web flows and the CLI can be tested end to end without a browser or the internet.
//
// The provider is github.com/oauth2-proxy/mockoidc (authorization code flow, PKCE, RS256 ID
// tokens, discovery, JWKS), served by an httptest.Server. This package adds, around it and
// without changing its protocol code:
//
//   - Google-, Entra- and generic-shaped users (Google, Entra, Generic), each with every claim
//     under the test's control (User.With, User.Without), which is also how attacks are staged:
//     a wrong aud, iss or nonce, an exp in the past;
//   - Entra's per-tenant issuers: discovery at <Authority>/<tid>/v2.0 names the issuer
//     <Authority>/<tid>/v2.0, and <Authority>/organizations/v2.0 names the template issuer
//     <Authority>/{tenantid}/v2.0, as Microsoft does;
//   - RFC 9207: the authorization response carries iss, and discovery says so;
//   - client_secret_basic at the token endpoint (mockoidc advertises it but reads only the form);
//   - a token signed by a key the JWKS does not hold (User.OtherKey), or not signed with RS256
//     at all (User.Alg: alg "none", or HS256 keyed with the client secret), key rotation (RotateKey),
//     an error redirect instead of a sign-in (Deny), and the provider going down (Close);
//   - a clock for iat, nbf and exp (Options.Now), request counts per path (Requests), and one
//     lock around mockoidc, whose session map is not safe for concurrent use;
//   - Follow, which plays the browser: it opens the authorization URL and returns the query the
//     provider redirects back with (code, state, iss, or error).
package oidctest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// Options configure a Server. The zero value is a provider on the real clock.
type Options struct {
	// Now is the provider's clock, used for iat, nbf and exp (which last TTL). Default time.Now.
	Now func() time.Time
	// TTL is how long ID tokens are valid. Default 10 minutes.
	TTL time.Duration
	// NoIssParam leaves iss out of authorization responses and out of discovery, as providers
	// that predate RFC 9207 (Google, Microsoft) do.
	NoIssParam bool
}

// Server is a running OpenID provider. Its methods are safe for concurrent use.
type Server struct {
	// URL is the provider's base URL (http://127.0.0.1:port); it is also the Entra authority.
	URL string
	// ClientID and ClientSecret are the one client the provider knows.
	ClientID, ClientSecret string

	srv  *httptest.Server
	opts Options

	mu       sync.Mutex // serialises every request into mockoidc and guards the fields below
	m        *mockoidc.MockOIDC
	next     []User
	denials  []denial
	requests map[string]int
	other    *mockoidc.Keypair // claims the published kid, is never published
}

type denial struct{ code, description string }

// New starts a provider and closes it when t ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("oidctest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a provider; the caller must Close it.
func Start(opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TTL == 0 {
		opts.TTL = 10 * time.Minute
	}
	key, err := testKey()
	if err != nil {
		return nil, err
	}
	m, err := mockoidc.NewServer(key)
	if err != nil {
		return nil, fmt.Errorf("mockoidc: %w", err)
	}
	m.CodeChallengeMethodsSupported = []string{mockoidc.CodeChallengeMethodS256}
	s := &Server{
		ClientID:     m.ClientID,
		ClientSecret: m.ClientSecret,
		opts:         opts,
		m:            m,
		requests:     map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc(mockoidc.AuthorizationEndpoint, s.authorize)
	mux.HandleFunc(mockoidc.TokenEndpoint, s.token)
	mux.HandleFunc(mockoidc.UserinfoEndpoint, s.locked(m.Userinfo))
	mux.HandleFunc(mockoidc.JWKSEndpoint, s.locked(m.JWKS))
	mux.HandleFunc(mockoidc.DiscoveryEndpoint, s.discovery)
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.discovery)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	// mockoidc derives every URL it publishes from Server.Addr; it is never started itself,
	// the httptest.Server above serves its handlers.
	m.Server = &http.Server{Addr: s.srv.Listener.Addr().String()}
	return s, nil
}

// Close stops the provider: every later request to it fails to connect, which is how tests
// stage "provider down". Close may be called more than once.
func (s *Server) Close() { s.srv.Close() }

// Issuer is the generic (and Google-shaped) issuer: discovery lives under it.
func (s *Server) Issuer() string { return s.m.Issuer() }

// Authority is the Entra authority, for a microsoft connection's Issuer field.
func (s *Server) Authority() string { return s.URL }

// TenantIssuer is the issuer of Entra tenant tid: <Authority>/<tid>/v2.0.
func (s *Server) TenantIssuer(tid string) string { return s.URL + "/" + tid + "/v2.0" }

// Next queues the user for the next authorization request; with none queued, the next one
// signs in Generic("1234567890", "jane.doe@example.com").
func (s *Server) Next(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = append(s.next, u)
}

// Deny makes the next authorization request redirect back with error=code (and
// error_description) instead of signing anyone in, as a provider does when the user cancels
// (access_denied) or the client is not allowed.
func (s *Server) Deny(code, description string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denials = append(s.denials, denial{code, description})
}

// Requests returns how many requests reached path (such as
// "/oidc/.well-known/openid-configuration", or mockoidc.JWKSEndpoint).
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// DiscoveryPath is the path of the generic issuer's discovery document, for Requests.
const DiscoveryPath = mockoidc.DiscoveryEndpoint

// JWKSPath is the path of the key set, for Requests.
const JWKSPath = mockoidc.JWKSEndpoint

// RotateKey replaces the signing key with a fresh one (and a new kid) in tokens and the JWKS,
// as a provider does on key rollover.
func (s *Server) RotateKey() error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("rotate key: %w", err)
	}
	kp, err := mockoidc.NewKeypair(key)
	if err != nil {
		return fmt.Errorf("rotate key: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.Keypair = kp
	return nil
}

func (s *Server) count(r *http.Request) {
	s.requests[r.URL.Path]++
}

func (s *Server) locked(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.count(r)
		h(w, r)
	}
}

// discovery serves mockoidc's discovery document with the issuer the path asks for (the
// generic one, or an Entra tenant's) and, unless NoIssParam, RFC 9207's flag.
func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count(r)
	rec := httptest.NewRecorder()
	s.m.Discovery(rec, r)
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	switch tenant := r.PathValue("tenant"); tenant {
	case "":
	case "organizations", "common", "consumers":
		doc["issuer"] = s.URL + "/{tenantid}/v2.0"
	default:
		doc["issuer"] = s.TenantIssuer(tenant)
	}
	if !s.opts.NoIssParam {
		doc["authorization_response_iss_parameter_supported"] = true
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(doc)
}

// authorize hands the next queued user to mockoidc's authorization endpoint, or redirects
// back with a queued denial, and adds RFC 9207's iss to the redirect.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count(r)
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(s.denials) > 0 {
		d := s.denials[0]
		s.denials = s.denials[1:]
		back, err := url.Parse(r.Form.Get("redirect_uri"))
		if err != nil || r.Form.Get("client_id") != s.ClientID {
			http.Error(w, "invalid redirect_uri or client_id", http.StatusBadRequest)
			return
		}
		q := back.Query()
		q.Set("error", d.code)
		if d.description != "" {
			q.Set("error_description", d.description)
		}
		q.Set("state", r.Form.Get("state"))
		if !s.opts.NoIssParam {
			q.Set("iss", s.Issuer())
		}
		back.RawQuery = q.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
		return
	}
	u := Generic("1234567890", "jane.doe@example.com")
	if len(s.next) > 0 {
		u, s.next = s.next[0], s.next[1:]
	}
	s.m.QueueUser(&user{User: u, s: s})

	rec := httptest.NewRecorder()
	s.m.Authorize(rec, r)
	if loc := rec.Header().Get("Location"); rec.Code == http.StatusFound && loc != "" {
		back, err := url.Parse(loc)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		q := back.Query()
		// The iss of the authorization response names the provider that answered, never
		// what the (possibly tampered) ID token will claim: a test of a wrong iss claim must
		// reach the token check, not the mix-up check.
		iss := s.Issuer()
		if tid, ok := u.Claims["tid"].(string); ok {
			iss = s.TenantIssuer(tid)
		}
		if !s.opts.NoIssParam {
			q.Set("iss", iss)
		}
		back.RawQuery = q.Encode()
		rec.Header().Set("Location", back.String())
	}
	copyResponse(w, rec)
}

// token runs mockoidc's token endpoint, first accepting client_secret_basic (which mockoidc
// advertises but does not read), for a user with OtherKey signing with the other key, and for
// a user with Alg replacing the signature (resign).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count(r)
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if id, secret, ok := r.BasicAuth(); ok {
		// RFC 6749 section 2.3.1: the id and secret are form-encoded before Basic encoding.
		id, err1 := url.QueryUnescape(id)
		secret, err2 := url.QueryUnescape(secret)
		if err := errors.Join(err1, err2); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Form.Set("client_id", id)
		r.Form.Set("client_secret", secret)
	}
	var alg string
	if sess, err := s.m.SessionStore.GetSessionByID(r.Form.Get("code")); err == nil {
		if u, _ := sess.User.(*user); u != nil {
			alg = u.Alg
			if u.OtherKey {
				other, err := s.otherKey()
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				published := s.m.Keypair
				s.m.Keypair = other
				defer func() { s.m.Keypair = published }()
			}
		}
	}
	if alg == "" {
		s.m.Token(w, r)
		return
	}
	rec := httptest.NewRecorder()
	s.m.Token(rec, r)
	if rec.Code == http.StatusOK {
		if err := s.resign(rec, alg); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	copyResponse(w, rec)
}

// resign replaces the signature of the ID token in a token response with alg's (User.Alg).
func (s *Server) resign(rec *httptest.ResponseRecorder, alg string) error {
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		return err
	}
	raw, _ := body["id_token"].(string)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return fmt.Errorf("the ID token has %d parts", len(parts))
	}
	head, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return err
	}
	var h map[string]any
	if err := json.Unmarshal(head, &h); err != nil {
		return err
	}
	h["alg"] = alg
	head, err = json.Marshal(h)
	if err != nil {
		return err
	}
	signed := base64.RawURLEncoding.EncodeToString(head) + "." + parts[1]
	sig := ""
	if alg == AlgHS256 {
		mac := hmac.New(sha256.New, []byte(s.ClientSecret))
		mac.Write([]byte(signed))
		sig = base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}
	body["id_token"] = signed + "." + sig
	out, err := json.Marshal(body)
	if err != nil {
		return err
	}
	rec.Body = bytes.NewBuffer(out)
	rec.Header().Del("Content-Length")
	return nil
}

// otherKey is a key pair that is never published but claims the published key's kid, so that
// the only thing wrong with a token it signs is the signature.
func (s *Server) otherKey() (*mockoidc.Keypair, error) {
	kid, err := s.m.Keypair.KeyID()
	if err != nil {
		return nil, err
	}
	if s.other == nil {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		s.other = &mockoidc.Keypair{PrivateKey: key, PublicKey: &key.PublicKey}
	}
	s.other.Kid = kid
	return s.other, nil
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	maps.Copy(w.Header(), rec.Header())
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// testKey is mockoidc's fixed default key: generating a 2048-bit key per server would cost
// every test a fraction of a second on a small machine.
func testKey() (*rsa.PrivateKey, error) {
	kp, err := mockoidc.DefaultKeypair()
	if err != nil {
		return nil, fmt.Errorf("mockoidc key: %w", err)
	}
	return kp.PrivateKey, nil
}

// Follow plays the browser: it opens authURL (a connector's Start.URL) at the provider and
// returns the query string of the redirect back to the client's callback: code, state and iss
// on success, error and state when the provider refused. It does not follow that redirect.
func (s *Server) Follow(ctx context.Context, authURL string) (url.Values, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, fmt.Errorf("follow: %w", err)
	}
	client := &http.Client{
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("follow: %w", err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(http.MaxBytesReader(nil, resp.Body, 64<<10))
	if resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("follow: the provider answered %s: %s", resp.Status, strings.TrimSpace(body.String()))
	}
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("follow: %w", err)
	}
	want, err := url.Parse(req.URL.Query().Get("redirect_uri"))
	if err != nil {
		return nil, fmt.Errorf("follow: redirect_uri: %w", err)
	}
	if loc.Scheme != want.Scheme || loc.Host != want.Host || loc.Path != want.Path {
		return nil, fmt.Errorf("follow: the provider redirected to %s, not to the redirect_uri %s", loc, want)
	}
	return loc.Query(), nil
}

// FollowT is Follow for tests: it fails t on error.
func (s *Server) FollowT(t testing.TB, authURL string) url.Values {
	t.Helper()
	q, err := s.Follow(t.Context(), authURL)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// User is the next person to sign in and every claim of their ID token.
type User struct {
	// Subject is the sub claim.
	Subject string
	// Claims are added to the ID token after the registered ones (iss, aud, exp, iat, nbf,
	// sub, jti, nonce), which they may override: that is how tests stage a wrong audience,
	// issuer or nonce, or an expired token. An Entra user (one with a tid claim) gets
	// iss = TenantIssuer(tid) unless Claims sets iss.
	Claims map[string]any
	// Absent names claims to leave out, registered ones included (such as "nonce").
	Absent []string
	// OtherKey signs the ID token with a key the provider never published, under the
	// published kid.
	OtherKey bool
	// Alg, if not "", replaces the ID token's RS256 signature, keeping its claims and kid:
	// AlgNone leaves it unsigned, AlgHS256 signs it with HMAC keyed with the client secret
	// (the algorithm-confusion attack on clients that let the token pick its algorithm).
	Alg string
}

// The algorithms User.Alg stages.
const (
	AlgNone  = "none"
	AlgHS256 = "HS256"
)

// Generic is a user of any OpenID provider, with a verified email.
func Generic(sub, email string) User {
	return User{Subject: sub, Claims: map[string]any{
		"email":          email,
		"email_verified": true,
		"name":           nameOf(email),
	}}
}

// Google is a Google Workspace user of domain hd, as Google's ID tokens show one.
func Google(sub, email, hd string) User {
	u := Generic(sub, email)
	u.Claims["hd"] = hd
	u.Claims["azp"] = OwnClientID // Google names the client as the authorized party
	return u
}

// Entra is a Microsoft Entra user: tenant tid, object id oid, and an email claim. Its sub is
// pairwise (per application), as Entra's is, so only tid and oid identify the person.
func Entra(tid, oid, email string) User {
	return User{Subject: "pairwise-" + oid, Claims: map[string]any{
		"tid":                tid,
		"oid":                oid,
		"email":              email,
		"preferred_username": email,
		"name":               nameOf(email),
		"ver":                "2.0",
	}}
}

// OwnClientID, as a claim's value or an element of a []any claim, stands for the provider's
// client id, which a test only learns once the server runs: With("aud", []any{OwnClientID,
// "someone-else"}) makes a token with two audiences.
var OwnClientID any = ownClientID{}

type ownClientID struct{}

func (s *Server) resolve(v any) any {
	switch v := v.(type) {
	case ownClientID:
		return s.ClientID
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = s.resolve(e)
		}
		return out
	}
	return v
}

// With returns a copy of u with claim name set to value.
func (u User) With(name string, value any) User {
	u.Claims = maps.Clone(u.Claims)
	if u.Claims == nil {
		u.Claims = map[string]any{}
	}
	u.Claims[name] = value
	return u
}

// Without returns a copy of u without claim name.
func (u User) Without(name string) User {
	u.Claims = maps.Clone(u.Claims)
	delete(u.Claims, name)
	u.Absent = append(append([]string(nil), u.Absent...), name)
	return u
}

func nameOf(email string) string {
	local, _, _ := strings.Cut(email, "@")
	return strings.ReplaceAll(local, ".", " ")
}

// user adapts User to mockoidc.User.
type user struct {
	User
	s *Server
}

func (u *user) ID() string { return u.Subject }

func (u *user) Userinfo([]string) ([]byte, error) {
	claims := map[string]any{"sub": u.Subject}
	for _, k := range []string{"email", "email_verified", "name", "preferred_username"} {
		if v, ok := u.User.Claims[k]; ok {
			claims[k] = v
		}
	}
	return json.Marshal(claims)
}

// Claims builds the ID token from mockoidc's registered claims and the user's, on the
// provider's clock. It runs under s.mu (inside the token endpoint).
func (u *user) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	raw, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	claims := jwt.MapClaims{}
	if err := json.Unmarshal(raw, &claims); err != nil {
		return nil, err
	}
	now := u.s.opts.Now()
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Unix()
	claims["exp"] = now.Add(u.s.opts.TTL).Unix()
	if tid, ok := u.User.Claims["tid"].(string); ok {
		claims["iss"] = u.s.TenantIssuer(tid)
	}
	for k, v := range u.User.Claims {
		claims[k] = u.s.resolve(v)
	}
	for _, k := range u.Absent {
		delete(claims, k)
	}
	return claims, nil
}
