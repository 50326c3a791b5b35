package signin

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector/oidc"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/keyring"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/passkey"
	"github.com/latchkey/latchkey/password"
)

// Policy holds the operator's limits. Zero fields take the defaults of DefaultPolicy.
type Policy struct {
	SessionIdle    time.Duration // inactivity timeout (default 8h)
	SessionMax     time.Duration // absolute session lifetime (default 30 days)
	SetPasswordTTL time.Duration // welcome and invitation links (default 7 days)
	ResetTTL       time.Duration // forgotten-password links (default 1 hour)
	TouchEvery     time.Duration // how often a session's last-seen time is written (default 1 minute)
	ChallengeTTL   time.Duration // how long a two-factor challenge waits for a code (default 5 minutes)
	ReauthWindow   time.Duration // a session this young may make security changes without the password again (default 10 minutes)
}

// DefaultPolicy is the policy of SPEC.md.
var DefaultPolicy = Policy{
	SessionIdle:    8 * time.Hour,
	SessionMax:     30 * 24 * time.Hour,
	SetPasswordTTL: 7 * 24 * time.Hour,
	ResetTTL:       time.Hour,
	TouchEvery:     time.Minute,
	ChallengeTTL:   5 * time.Minute,
	ReauthWindow:   10 * time.Minute,
}

func (p Policy) withDefaults() Policy {
	d := DefaultPolicy
	if p.SessionIdle > 0 {
		d.SessionIdle = p.SessionIdle
	}
	if p.SessionMax > 0 {
		d.SessionMax = p.SessionMax
	}
	if p.SetPasswordTTL > 0 {
		d.SetPasswordTTL = p.SetPasswordTTL
	}
	if p.ResetTTL > 0 {
		d.ResetTTL = p.ResetTTL
	}
	if p.TouchEvery > 0 {
		d.TouchEvery = p.TouchEvery
	}
	if p.ChallengeTTL > 0 {
		d.ChallengeTTL = p.ChallengeTTL
	}
	if p.ReauthWindow > 0 {
		d.ReauthWindow = p.ReauthWindow
	}
	return d
}

// Service runs the sign-in flows. Its fields are its dependencies, set once by New; Now is the
// only clock the flows use.
type Service struct {
	Store latchkey.Store
	// Mailer sends the flows' mail. The server gives it a *mail.Queue on Store, with a
	// mail.Worker sending from the queue, so that requests only enqueue (see send).
	Mailer  mail.Mailer
	BaseURL *url.URL // e.g. https://app.example.com; workspaces live at <slug>.<host>
	Now     func() time.Time
	Log     *slog.Logger
	Policy  Policy
	// Keys seals TOTP secrets at rest and signs device cookies.
	Keys *keyring.Keyring
	// Passwords hashes and verifies every password and recovery code, with a bound on how many
	// run at once.
	Passwords *password.Hasher

	// ssoClient makes every call to an identity provider (OIDC discovery, keys and tokens,
	// SAML metadata), and oidc caches what OpenID providers publish, for every connection.
	ssoClient *http.Client
	oidc      *oidc.Cache

	deviceKey []byte
	jobs      JobQueue
	passkeys  *passkey.Service
	events    audit.Recorder
}

// A JobQueue takes work that must stay off the request path (*mail.Queue).
type JobQueue interface {
	EnqueueJob(ctx context.Context, workspaceID, kind string, payload []byte) error
}

// Config is what New needs. Store, BaseURL and Keys are required; the rest have defaults: the
// policy's defaults, a discarding logger, the wall clock, and a Hasher with password.Default
// parameters bounded to the core count.
type Config struct {
	Store     latchkey.Store
	Mailer    mail.Mailer
	BaseURL   *url.URL
	Policy    Policy
	Log       *slog.Logger
	Now       func() time.Time
	Keys      *keyring.Keyring
	Passwords *password.Hasher
	// Jobs queues work for the server's mail.Worker to run (Service.Jobs); nil runs it at once.
	Jobs JobQueue
	// SSOClient makes the calls to identity providers; nil means a client with oidc.Timeout
	// that refuses private-network addresses unless PrivateIdPs.
	SSOClient *http.Client
	// PrivateIdPs lets the default SSOClient reach identity providers on private-network and
	// link-local addresses (an on-premises Keycloak). Off, a workspace administrator cannot make
	// the server call into its network (SSRF) by naming such an address as an issuer or
	// metadata URL. Loopback is always allowed (local development, a provider on the host).
	PrivateIdPs bool
}

// New returns a Service for c.
func New(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Passwords == nil {
		c.Passwords = password.NewHasher(password.HasherConfig{})
	}
	s := &Service{Store: c.Store, Mailer: c.Mailer, BaseURL: c.BaseURL, Now: c.Now, Log: c.Log, Policy: c.Policy.withDefaults(), Keys: c.Keys, Passwords: c.Passwords, jobs: c.Jobs}
	s.passkeys = passkey.New(passkey.Config{Stores: passkey.Stores{Passkeys: c.Store, Ceremonies: c.Store, Accounts: c.Store}, Now: c.Now})
	s.ssoClient = c.SSOClient
	if s.ssoClient == nil {
		s.ssoClient = defaultHTTPClient(c.PrivateIdPs)
	}
	s.oidc = oidc.NewCache(s.ssoClient)
	s.events = audit.Recorder{Log: c.Store, Now: c.Now, Logger: c.Log}
	if c.Keys != nil {
		s.deviceKey = c.Keys.Derive("device cookie")
	}
	return s
}

// WorkspaceURL returns the address of the workspace with this slug: the base URL's scheme, the
// slug as a subdomain of its host, and its port.
func (s *Service) WorkspaceURL(slug string) string {
	u := url.URL{Scheme: s.BaseURL.Scheme, Host: slug + "." + s.BaseURL.Host}
	return u.String()
}

// Client describes the request a flow runs for, for the audit log and the throttle.
type Client struct {
	Addr      string // client IP address
	UserAgent string
}

// audit records an event (audit.Recorder): a write that fails is logged, and the decision
// stands.
func (s *Service) audit(ctx context.Context, e latchkey.Event) { s.events.Record(ctx, e) }

func event(t latchkey.EventType, ws string, a latchkey.Account, c Client) latchkey.Event {
	return latchkey.Event{Type: t, WorkspaceID: ws, AccountID: a.ID, Email: a.Email, ClientAddr: c.Addr, UserAgent: c.UserAgent}
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
