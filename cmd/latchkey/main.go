// Command latchkey runs the latchkey sign-in server and administers its workspaces.
//
//	latchkey serve [--demo] [flags]       run the server
//	latchkey workspace create|list        create or list workspaces
//	latchkey account invite|resend|suspend|activate
//	latchkey scim token create|list|revoke SCIM provisioning tokens
//	latchkey connection add|list|show|enable|disable|remove   single sign-on connections
//	latchkey migrate                      apply database migrations
//	latchkey export|import                move a workspace between databases
//	latchkey api token create|list|revoke  tokens of the JSON API
//	latchkey bench [flags]                measure sign-ins and signed-in requests under load
//	latchkey version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/keyring"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/web"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "latchkey:", err)
		}
		os.Exit(1)
	}
}

// errUsage means the usage was already printed.
var errUsage = errors.New("usage")

const usage = `latchkey — sign-in and account access for multi-tenant workspaces

Usage:
  latchkey serve [--demo] [flags]                      run the server
  latchkey workspace create --slug S --name N --admin-email E [--admin-name A]
  latchkey workspace list
  latchkey workspace domains --workspace S [--add D]... [--remove D]...   approved SSO domains
  latchkey workspace policy --workspace S [--password-sign-in on|off] [--require-2fa on|off]
  latchkey account invite --workspace S --email E [--role member|admin] [--name N]
  latchkey account resend --workspace S --email E     send a fresh invitation link
  latchkey account suspend --workspace S --email E
  latchkey account activate --workspace S --email E
  latchkey account unlock --workspace S --email E     clear the sign-in limits (too many attempts)
  latchkey scim token create --workspace S [--name N]  a SCIM provisioning token, shown once, and the base URL
  latchkey scim token list --workspace S               name, created, last used, revoked
  latchkey scim token revoke --workspace S --token ID
  latchkey connection add --workspace S --kind oidc --name N --issuer URL --client-id ID --client-secret-file F [--jit] [--disabled]
  latchkey connection add --workspace S --kind google --client-id ID --client-secret-file F [--jit]
  latchkey connection add --workspace S --kind microsoft --tenant T [--tenant T2] --client-id ID --client-secret-file F [--jit]
  latchkey connection add --workspace S --kind saml --name N --metadata-file F | --metadata-url URL |
                          --idp-entity-id ID --idp-sso-url URL --idp-cert-file PEM [--idp-cert-file NEXT.pem] [--jit] [--idp-initiated]
                                                       the secret may come from LATCHKEY_CLIENT_SECRET, never a flag
  latchkey connection list --workspace S
  latchkey connection show|enable|disable|remove --workspace S --connection ID
  latchkey migrate                                     apply database migrations
  latchkey export --workspace S [--out FILE]           write a workspace as JSON (secret: holds password hashes)
  latchkey import [--in FILE]                          read such a file (or stdin) into --database
  latchkey api token create|list|revoke --workspace S [--name N] [--scope read|read-write]
                                                       per-workspace tokens of the JSON API (see docs/api.md)
  latchkey bench [--database URL | --url U --email E --password-file F] [--only S] [--json]
                                                       measure a server under load (see bench -h)
  latchkey version

Run "latchkey serve -h" for the configuration flags; every flag also reads LATCHKEY_<NAME>.
`

// run dispatches a command line.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	m := &Main{Config: DefaultConfig(getenv), Stdout: stdout, Stderr: stderr, Getenv: getenv}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return m.serveCommand(ctx, rest)
	case "workspace":
		return m.workspaceCommand(ctx, rest)
	case "account":
		return m.accountCommand(ctx, rest)
	case "scim":
		return m.scimCommand(ctx, rest)
	case "connection":
		return m.connectionCommand(ctx, rest)
	case "migrate":
		return m.migrateCommand(ctx, rest)
	case "export":
		return m.exportCommand(ctx, rest)
	case "import":
		return m.importCommand(ctx, rest)
	case "bench":
		return m.benchCommand(ctx, rest)
	case "api":
		return m.apiCommand(ctx, rest)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "latchkey", buildVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "latchkey: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}

func buildVersion() string {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
	}
	return v
}

// Main is one latchkey process: its configuration and, once opened, its store, mailer, flows
// and HTTP server. Tests boot it on 127.0.0.1:0.
type Main struct {
	Config Config
	Stdin  io.Reader // nil: os.Stdin
	Stdout io.Writer
	Stderr io.Writer
	Now    func() time.Time // nil: the wall clock
	// Listener, if set, is where Start serves, instead of listening on Config.Addr: a caller
	// that needs the address before the server starts (its base URL carries the port) opens it
	// itself, with no window in which another process could take the port.
	Listener net.Listener
	// Getenv reads the environment (LATCHKEY_CLIENT_SECRET); nil: os.Getenv.
	Getenv func(string) string

	Log     *slog.Logger
	Store   *sqlstore.DB
	Mailer  mail.Mailer // delivers: SMTP or the outbox
	Queue   *mail.Queue // what the flows send through: the durable queue in the store
	Worker  *mail.Worker
	Service *signin.Service
	// Admin runs the administration (members, policy, SSO connections, API tokens) that the
	// commands and the console share.
	Admin *admin.Service
	Keys  *keyring.Keyring
	// Passwords bounds password hashing process-wide.
	Passwords *password.Hasher

	listener net.Listener
	server   *http.Server
	stopBg   context.CancelFunc
	bgDone   chan struct{}
	mailDone chan struct{}

	// pprofListener and pprofServer serve the profiles when Config.PprofAddr is set.
	pprofListener net.Listener
	pprofServer   *http.Server
	// metricsListener and metricsServer serve /metrics when Config.MetricsAddr is set.
	metricsListener net.Listener
	metricsServer   *http.Server
}

var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

// Open validates the configuration and opens the store (applying migrations), the mailer and the
// sign-in service.
func (m *Main) Open(ctx context.Context) error {
	if err := m.openStore(ctx); err != nil {
		return err
	}
	var err error
	if m.Config.SMTP != "" {
		m.Mailer, err = mail.NewSMTP(m.Config.SMTP, m.Config.MailFrom)
	} else {
		var o *mail.Outbox
		o, err = mail.NewOutbox(filepath.Join(m.Config.DataDir, "outbox"), m.Log)
		if err == nil {
			o.From = m.Config.MailFrom
		}
		m.Mailer = o
	}
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if m.Keys, err = keyring.LoadOrCreate(m.Config.secretKeyPath()); err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	m.warnReadable()
	policy := signin.Policy{SessionIdle: m.Config.SessionIdle, SessionMax: m.Config.SessionMax, ChallengeTTL: m.Config.ChallengeTTL}
	// The flows only enqueue: a request's reply and timing never wait for the mail server, and
	// nothing is lost if it is down.
	m.Queue = mail.NewQueue(m.Store, m.Keys, m.Now)
	m.Passwords = password.NewHasher(password.HasherConfig{Params: m.Config.HashParams, LightParams: m.Config.HashParams, Limit: m.Config.HashLimit, Queue: m.Config.HashQueue})
	m.Service = signin.New(signin.Config{Store: m.Store, Mailer: m.Queue, BaseURL: m.Config.baseURL, Policy: policy, Log: m.Log, Now: m.Now, Keys: m.Keys, Passwords: m.Passwords, Jobs: m.Queue, PrivateIdPs: m.Config.PrivateIdPs})
	// The worker delivers, on every node, each message once, and runs the sign-in service's jobs.
	m.Worker = &mail.Worker{Queue: m.Store, Mailer: m.Mailer, Log: m.Log, Now: m.Service.Now, Wake: m.Queue.Wake(), Sealer: m.Keys, Jobs: m.Service.Jobs()}
	m.Admin = admin.New(admin.Config{Store: m.Store, SignIn: m.Service, Log: m.Log})
	return nil
}

// warnReadable logs a warning for the secret key file and the SQLite database when anyone but
// their owner can read them: the key opens every sealed secret, and the database holds password
// hashes. It changes nothing: the operator may have a reason (a group that runs backups).
func (m *Main) warnReadable() {
	files := []string{m.Config.secretKeyPath()}
	if dsn := m.Config.databaseDSN(); !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		files = append(files, strings.TrimPrefix(dsn, "sqlite:"))
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.Mode().Perm()&0o077 != 0 {
			m.Log.Warn("file is readable by others than its owner: chmod 600 it", "file", f, "mode", fmt.Sprintf("%04o", fi.Mode().Perm()))
		}
	}
}

// openStore validates the configuration, sets up the log and opens the store with the
// configured pool, applying migrations. It is all that export and import need: they must not
// create a secret key or an outbox in a data directory that only names the database.
func (m *Main) openStore(ctx context.Context) error {
	if err := m.Config.Validate(); err != nil {
		return err
	}
	opts := &slog.HandlerOptions{Level: logLevels[m.Config.LogLevel]}
	if m.Config.LogFormat == "json" {
		m.Log = slog.New(slog.NewJSONHandler(m.Stderr, opts))
	} else {
		m.Log = slog.New(slog.NewTextHandler(m.Stderr, opts))
	}
	db, err := sqlstore.OpenWith(ctx, m.Config.databaseDSN(), m.Config.storeOptions())
	if err != nil {
		return fmt.Errorf("open database %s: %w", redact(m.Config.databaseDSN()), err)
	}
	m.Store = db
	return nil
}

// Start opens everything, listens on Config.Addr and serves in the background. URL tells where.
func (m *Main) Start(ctx context.Context) error {
	if err := m.Open(ctx); err != nil {
		return err
	}
	provisioning, err := m.newSCIM()
	if err != nil {
		return err
	}
	srv, err := web.New(web.Config{Service: m.Service, Admin: m.Admin, BaseURL: m.Config.baseURL, Secret: m.Keys.Derive("web forms"), TrustedProxies: m.Config.proxies, Log: m.Log, Unavailable: sqlstore.IsUnavailable, SCIM: provisioning})
	if err != nil {
		return err
	}
	ln := m.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", m.Config.Addr); err != nil {
			return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
		}
	}
	m.listener = ln
	if err := m.startPprof(); err != nil {
		ln.Close()
		return err
	}
	if err := m.startMetrics(srv.Metrics()); err != nil {
		ln.Close()
		return err
	}
	m.server = &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("server stopped", "err", err)
		}
	}()
	bg, stop := context.WithCancel(context.Background())
	m.stopBg, m.bgDone, m.mailDone = stop, make(chan struct{}), make(chan struct{})
	go m.cleanup(bg)
	go func() {
		defer close(m.mailDone)
		m.Worker.Run(bg)
	}()
	m.Log.Info("latchkey listening", "addr", ln.Addr().String(), "base_url", m.Config.baseURL.String(), "version", buildVersion())
	return nil
}

// Addr is the address the server listens on, once started.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// cleanup sweeps every ten minutes.
func (m *Main) cleanup(ctx context.Context) {
	defer close(m.bgDone)
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := m.sweep(ctx)
		// SAML metadata by URL: each connection is fetched again once a day; a failure keeps
		// the last good copy and is logged (and shown in the console after two days).
		if refreshed, err := m.Admin.RefreshMetadata(ctx); err != nil && ctx.Err() == nil {
			m.Log.Warn("saml metadata refresh", "err", err)
		} else if refreshed > 0 {
			m.Log.Info("saml metadata refreshed", "connections", refreshed)
		}
		if err != nil && ctx.Err() == nil {
			m.Log.Error("cleanup", "err", err)
			continue
		}
		m.Log.Debug("cleanup", "sessions", n.sessions, "tokens", n.tokens, "challenges", n.challenges, "ceremonies", n.ceremonies, "counters", n.counters, "failed_mail_bodies", n.failedMail)
	}
}

// swept counts the rows one sweep deleted (or, for failed mail, emptied).
type swept struct{ sessions, tokens, challenges, ceremonies, counters, failedMail int }

// sweep deletes expired sessions, links, two-factor challenges, WebAuthn ceremonies and SSO
// flows, and stale throttle counters.
// Every node sweeps, with no leader and no lease: each deletion is one DELETE … WHERE on the
// rows' own times, so sweeps that overlap on several nodes delete each row once (on
// PostgreSQL the later DELETE waits for the earlier one's row locks, then skips the rows it
// removed) and count it once.
func (m *Main) sweep(ctx context.Context) (swept, error) {
	var n swept
	var err1, err2, err3, err4, err5, err6, err7 error
	now := m.Service.Now().UTC()
	n.sessions, err1 = m.Store.DeleteExpiredSessions(ctx, now, now.Add(-m.Service.Policy.SessionIdle))
	n.tokens, err2 = m.Store.DeleteExpiredTokens(ctx, now)
	n.challenges, err3 = m.Store.DeleteExpiredChallenges(ctx, now)
	n.counters, err4 = m.Store.DeleteStaleCounters(ctx, now.Add(-48*time.Hour))
	// Mail that failed for good is kept for the operator, but not its body: it may hold a link.
	n.failedMail, err5 = m.Store.PurgeFailedMail(ctx, now.Add(-mail.FailedBodyRetention))
	n.ceremonies, err6 = m.Store.DeleteExpiredCeremonies(ctx, now)
	_, err7 = m.Store.DeleteExpiredFlows(ctx, now)
	return n, errors.Join(err1, err2, err3, err4, err5, err6, err7)
}

// Close stops the server gracefully (in-flight requests get up to ten seconds), then the
// background work and the store.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		errs = append(errs, m.server.Shutdown(ctx))
	}
	if m.metricsServer != nil {
		errs = append(errs, m.metricsServer.Close())
	}
	if m.pprofServer != nil {
		// A profile in progress is cut short: it is a diagnostic, not a request to drain.
		errs = append(errs, m.pprofServer.Close())
	}
	if m.stopBg != nil {
		m.stopBg()
		<-m.bgDone
		<-m.mailDone
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errors.Join(errs...)
}

// deliver sends what the queue holds now, for one-shot commands that enqueued mail and are
// about to exit. A message that cannot be delivered yet stays queued, and "latchkey serve"
// retries it; deliver then says so.
func (m *Main) deliver(ctx context.Context) {
	if _, err := m.Worker.Drain(ctx); err != nil {
		fmt.Fprintf(m.Stderr, "latchkey: mail stays queued: %v\n", err)
		return
	}
	pending, err := m.Store.PendingMail(ctx, 1)
	if err == nil && len(pending) > 0 && pending[0].LastError != "" {
		fmt.Fprintf(m.Stderr, "latchkey: some mail could not be delivered yet (%s); it stays queued and \"latchkey serve\" retries it\n", pending[0].LastError)
	}
}

func (m *Main) getenv(k string) string {
	if m.Getenv == nil {
		return os.Getenv(k)
	}
	return m.Getenv(k)
}

// workspaceURL is where a workspace lives, for messages.
func (m *Main) workspaceURL(w latchkey.Workspace) string { return m.Service.WorkspaceURL(w.Slug) }
