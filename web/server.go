package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/inventory"
	"github.com/latchkey/latchkey/scim"
	"github.com/latchkey/latchkey/signin"
)

// Config is what a Server needs.
type Config struct {
	Service        *signin.Service
	BaseURL        *url.URL       // the central address; workspaces are its subdomains
	Secret         []byte         // at least 32 random bytes: keys the form tokens
	TrustedProxies []netip.Prefix // peers whose X-Forwarded-For is believed
	Log            *slog.Logger
	// Admin runs the console's administration (members, policy, sessions, SSO connections, API
	// tokens). If nil, New builds one on Service (its store, clock and log).
	Admin *admin.Service
	// Inventory serves the hardware, software and request pages. If nil, New builds one on
	// Service (its store, keyring and mailer).
	Inventory *inventory.Service
	// SCIM serves each workspace's SCIM 2.0 endpoint at /scim/v2 and its console page; nil
	// turns provisioning off (the endpoint answers 404).
	SCIM *scim.Handler
	// Unavailable reports whether an error says that the database could not be reached
	// (sqlstore.IsUnavailable): such a request gets 503 with Retry-After, and the page says the
	// database is unreachable. Passed in so that web does not depend on a store driver; nil
	// recognises no outage.
	Unavailable func(error) bool
}

// Server serves every workspace and the central address.
type Server struct {
	svc      *signin.Service
	adm      *admin.Service
	inv      *inventory.Service // nil without a keyring: its pages then fail
	store    latchkey.Store
	base     *url.URL
	baseHost string // hostname of the base URL, lower case, without port
	secure   bool   // https: Secure cookies with the __Host- prefix, HSTS
	csrfKey  []byte
	proxies  []netip.Prefix
	log      *slog.Logger
	scim     *scim.Handler
	// unavailable: see Config.Unavailable.
	unavailableErr func(error) bool
	metrics        *metrics
	pages          *pages
	handler        http.Handler
}

// New returns a Server. It parses the templates (and panics if they are broken: they are
// embedded, so that is a build defect, caught by every test).
func New(cfg Config) (*Server, error) {
	if cfg.Service == nil || cfg.BaseURL == nil {
		return nil, errors.New("web: Service and BaseURL are required")
	}
	if len(cfg.Secret) < 32 {
		return nil, errors.New("web: Secret must be at least 32 bytes")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	mac := hmac.New(sha256.New, cfg.Secret)
	mac.Write([]byte("latchkey form tokens v1"))
	s := &Server{
		svc:            cfg.Service,
		store:          cfg.Service.Store,
		base:           cfg.BaseURL,
		baseHost:       strings.ToLower(cfg.BaseURL.Hostname()),
		secure:         cfg.BaseURL.Scheme == "https",
		csrfKey:        mac.Sum(nil),
		proxies:        cfg.TrustedProxies,
		log:            cfg.Log,
		scim:           cfg.SCIM,
		unavailableErr: cfg.Unavailable,
		metrics:        newMetrics(),
		pages:          mustParsePages(),
	}
	if c, ok := cfg.Service.Store.(cacheStats); ok {
		s.metrics.watchCache(c)
	}
	s.adm = cfg.Admin
	if s.adm == nil {
		s.adm = admin.New(admin.Config{Store: cfg.Service.Store, SignIn: cfg.Service, Log: cfg.Log})
	}
	s.inv = cfg.Inventory
	if s.inv == nil && cfg.Service.Keys != nil {
		var err error
		if s.inv, err = newInventory(cfg.Service); err != nil {
			return nil, err
		}
	}
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// cookieName gives the name of a cookie: with the __Host- prefix on https, which makes the
// browser refuse it unless it is Secure, host-only and for path /, so a sibling workspace
// cannot plant one.
// Metrics is the Prometheus handler of this server's metrics. It is served on a listener of its
// own (--metrics-addr), never on the public addresses: request counts per route tell an
// outsider more than they should.
func (s *Server) Metrics() http.Handler { return s.metrics.handler() }

func (s *Server) cookieName(name string) string {
	if s.secure {
		return "__Host-" + name
	}
	return name
}
