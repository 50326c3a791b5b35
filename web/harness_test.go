package web_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/testclock"
	"github.com/latchkey/latchkey/internal/webtest"
	"github.com/latchkey/latchkey/keyring"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/scim"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
	"github.com/latchkey/latchkey/web"
)

// start is the fake clock's first reading: a whole second, so that stored times round-trip
// exactly, and after the real date, so that nothing can lean on the wall clock unnoticed.
var start = time.Date(2030, time.March, 4, 9, 0, 0, 0, time.UTC)

// testHasher hashes with cheap parameters: the tests sign people in by the hundred, and the
// parameters travel with each hash, so every check is still a real argon2id verification.
// Its bound is wide: the tests run in parallel, and a busy refusal would be a flaky failure (the
// storm tests make hashers of their own with tight bounds).
var testHasher = password.NewHasher(password.HasherConfig{Params: password.InsecureTestParams, LightParams: password.InsecureTestParams, Limit: 64, Queue: 4096, Wait: time.Minute})

// The passwords of the seeded accounts.
const (
	goodPassword  = "correct horse battery staple"
	wrongPassword = "incorrect horse battery staple"
)

// env is one latchkey server with everything real behind it except the clock: a SQLite store
// in a temporary directory, the outbox mailer and the real router.
type env struct {
	store   *sqlstore.DB
	svc     *signin.Service
	adm     *admin.Service
	clock   *testclock.Clock
	outbox  string
	handler *web.Server
	srv     *httptest.Server // nil for an env made by newHandlerEnv
	base    *url.URL
	scim    *scim.Handler
}

// ssoClient is the servers' client to identity providers: it trusts httptest's TLS servers
// (they all share one certificate), so that a test can serve SAML metadata over https, as
// latchkey requires.
var ssoClient = func() *http.Client {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	c := srv.Client()
	c.Timeout = 10 * time.Second
	return c
}()

// newEnv starts a server at http://app.test whose only trusted proxy is the loopback address
// the test client comes from, so that X-Forwarded-For lets a test act as any client address.
func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, testHasher)
}

// newEnvWith is newEnv with its own password hasher (a tighter bound, for the storm tests).
func newEnvWith(t *testing.T, h *password.Hasher) *env {
	t.Helper()
	e := newHandlerEnvWith(t, "http://app.test", h)
	e.srv = httptest.NewServer(e.handler)
	t.Cleanup(e.srv.Close)
	return e
}

// newHandlerEnv builds the server for base without listening, for tests that call the handler
// directly (an https base URL cannot be served by a plain httptest.Server).
func newHandlerEnv(t *testing.T, base string) *env {
	t.Helper()
	return newHandlerEnvWith(t, base, testHasher)
}

func newHandlerEnvWith(t *testing.T, base string, hasher *password.Hasher) *env {
	t.Helper()
	dir := t.TempDir()
	// A copy of a migrated template: the migrations ran once for the whole test process.
	store, err := sqlstore.Open(t.Context(), sqlitetest.DSN(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	outboxDir := filepath.Join(dir, "outbox")
	outbox, err := mail.NewOutbox(outboxDir, nil)
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	baseURL, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c := testclock.New(start)
	keys, err := keyring.Parse(keyring.NewKeyLine("test"))
	if err != nil {
		t.Fatal(err)
	}
	svc := signin.New(signin.Config{Store: store, Mailer: outbox, BaseURL: baseURL, Now: c.Now, Keys: keys, Passwords: hasher, PrivateIdPs: true, SSOClient: ssoClient})
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	provisioning, err := scim.New(scim.Config{Store: store, Domains: store, Now: c.Now, ClientAddr: web.ClientAddr(proxies)})
	if err != nil {
		t.Fatal(err)
	}
	adm := admin.New(admin.Config{Store: store, SignIn: svc})
	h, err := web.New(web.Config{
		Service:        svc,
		Admin:          adm,
		BaseURL:        baseURL,
		Secret:         []byte("0123456789abcdef0123456789abcdef"),
		TrustedProxies: proxies,
		Log:            slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		SCIM:           provisioning,
	})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	return &env{store: store, svc: svc, adm: adm, clock: c, outbox: outboxDir, handler: h, base: baseURL, scim: provisioning}
}

// url returns the address of path on the workspace with this slug, or on the central address
// when slug is "".
func (e *env) url(slug, path string) string {
	if slug == "" {
		return e.base.Scheme + "://" + e.base.Host + path
	}
	return e.base.Scheme + "://" + slug + "." + e.base.Host + path
}

// createWorkspace creates a workspace through the service, as the CLI does. Its administrator
// is admin@<slug>.example, still invited; the welcome link is returned.
func (e *env) createWorkspace(t *testing.T, slug, name string) (latchkey.Workspace, latchkey.Account, string) {
	t.Helper()
	ws, first, link, err := e.adm.CreateWorkspace(t.Context(), admin.NewWorkspace{
		Slug: slug, Name: name, AdminEmail: "admin@" + slug + ".example", AdminName: "Ada Admin",
	})
	if err != nil {
		t.Fatalf("create workspace %s: %v", slug, err)
	}
	return ws, first, link
}

// invite invites email into ws through the service and returns the account and its link.
func (e *env) invite(t *testing.T, ws latchkey.Workspace, email string, role latchkey.Role) (latchkey.Account, string) {
	t.Helper()
	a, link, err := e.adm.Invite(t.Context(), admin.NewMember{Workspace: ws, Email: email, Name: "Someone", Role: role, Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	return a, link
}

// activate gives the account a password and makes it active, straight in the store.
func (e *env) activate(t *testing.T, a latchkey.Account, pw string) {
	t.Helper()
	e.setAccount(t, a, func(acc *latchkey.Account) {
		hash, err := password.HashWith(pw, password.InsecureTestParams)
		if err != nil {
			t.Fatal(err)
		}
		acc.PasswordHash = hash
		acc.Status = latchkey.StatusActive
	})
}

// suspend suspends a as the operator does (latchkey account suspend).
func (e *env) suspend(t *testing.T, ws latchkey.Workspace, a latchkey.Account) {
	t.Helper()
	if _, err := e.adm.SuspendMember(t.Context(), admin.MemberAction{Workspace: ws, AccountID: a.ID, Actor: latchkey.OperatorActor()}); err != nil {
		t.Fatalf("suspend %s: %v", a.Email, err)
	}
}

// switchPolicy sets the workspace's policy switches as the administrator a does on the security
// page.
func (e *env) switchPolicy(t *testing.T, ws latchkey.Workspace, a latchkey.Account, sw admin.PolicySwitches) {
	t.Helper()
	sw.Workspace, sw.Actor = ws, e.adminActor(t, a)
	if _, err := e.adm.SetPolicySwitches(t.Context(), sw); err != nil {
		t.Fatalf("set policy switches: %v", err)
	}
}

// adminActor is a, as stored now, as the actor of an administrative action (the fixtures hold
// accounts as they were created, before activate).
func (e *env) adminActor(t *testing.T, a latchkey.Account) latchkey.Actor {
	t.Helper()
	cur, err := e.store.Account(t.Context(), a.WorkspaceID, a.ID)
	if err != nil {
		t.Fatalf("read account %s: %v", a.Email, err)
	}
	return latchkey.AdminActor(cur)
}

// setAccount changes an account in the store.
func (e *env) setAccount(t *testing.T, a latchkey.Account, fn func(*latchkey.Account)) {
	t.Helper()
	err := e.store.UpdateAccount(t.Context(), a.WorkspaceID, a.ID, func(acc *latchkey.Account) error {
		fn(acc)
		return nil
	})
	if err != nil {
		t.Fatalf("update account %s: %v", a.Email, err)
	}
}

// member invites email into ws with role and activates it with pw.
func (e *env) member(t *testing.T, ws latchkey.Workspace, email string, role latchkey.Role, pw string) latchkey.Account {
	t.Helper()
	a, _ := e.invite(t, ws, email, role)
	e.activate(t, a, pw)
	return a
}

// acme is the usual fixture: workspace acme with an active administrator and an active
// member, both with goodPassword.
type acme struct {
	ws     latchkey.Workspace
	admin  latchkey.Account
	member latchkey.Account
}

func (e *env) seedAcme(t *testing.T) acme {
	t.Helper()
	ws, admin, _ := e.createWorkspace(t, "acme", "Acme")
	e.activate(t, admin, goodPassword)
	m := e.member(t, ws, "bob@acme.example", latchkey.RoleMember, goodPassword)
	return acme{ws: ws, admin: admin, member: m}
}

// events returns the workspace's audit events of one type, newest first.
func (e *env) events(t *testing.T, ws latchkey.Workspace, typ latchkey.EventType) []latchkey.Event {
	t.Helper()
	evs, err := e.store.Events(t.Context(), ws.ID, latchkey.EventFilter{Type: typ})
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	return evs
}

// mail returns every message in the outbox, oldest first.
func (e *env) mail(t *testing.T) []mail.Message {
	t.Helper()
	msgs, err := mail.ReadOutbox(e.outbox)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// sessionExists reports whether the store still holds the session behind a cookie value.
func (e *env) sessionExists(t *testing.T, ws latchkey.Workspace, cookie string) bool {
	t.Helper()
	_, _, err := e.store.Session(t.Context(), ws.ID, latchkey.HashSecret(cookie))
	switch {
	case err == nil:
		return true
	case errors.Is(err, latchkey.ErrNotFound):
		return false
	}
	t.Fatalf("read session: %v", err)
	return false
}

// browser is one browser on e's server (webtest.Client), with the steps of latchkey's own
// pages: signing in, and whether it is signed in.
type browser struct {
	*webtest.Client
}

// newBrowser returns a browser that reaches e's server whatever the host in the URL (an
// address, such as a test's identity provider on 127.0.0.1, is dialled as it is), follows
// redirects and remembers the redirect responses it followed.
func (e *env) newBrowser(t *testing.T) *browser {
	t.Helper()
	return &browser{webtest.New(t, webtest.Options{Dial: e.srv.Listener.Addr().String()})}
}

// login signs in to the workspace with this slug through its sign-in page.
func (b *browser) login(t *testing.T, e *env, slug, email, pw string) *webtest.Response {
	t.Helper()
	return b.Submit(t, e.url(slug, "/login"), e.url(slug, "/login"), url.Values{"email": {email}, "password": {pw}})
}

// mustLogin signs in and fails the test unless the dashboard loads. It returns the session
// cookie's value.
func (b *browser) mustLogin(t *testing.T, e *env, slug, email, pw string) string {
	t.Helper()
	r := b.login(t, e, slug, email, pw)
	if r.Status != http.StatusOK || r.URL.Path != "/dashboard" {
		t.Fatalf("sign in as %s: %d at %s, alert %q", email, r.Status, r.URL, r.Alert())
	}
	c := r.SetCookie("latchkey_session")
	if c == nil {
		t.Fatalf("sign in as %s: no session cookie", email)
	}
	return c.Value
}

// signedIn reports whether the browser reaches the workspace's dashboard.
func (b *browser) signedIn(t *testing.T, e *env, slug string) bool {
	t.Helper()
	r := b.Get(t, e.url(slug, "/dashboard"))
	switch {
	case r.Status == http.StatusOK && r.URL.Path == "/dashboard":
		return true
	case r.Status == http.StatusOK && r.URL.Path == "/login":
		return false
	}
	t.Fatalf("GET /dashboard: %d at %s", r.Status, r.URL)
	return false
}

// wantPage fails the test unless r has the status and the final path.
func wantPage(t *testing.T, r *webtest.Response, status int, path string) {
	t.Helper()
	if r.Status != status || r.URL.Path != path {
		t.Fatalf("got %d at %s (alert %q), want %d at %s", r.Status, r.URL, r.Alert(), status, path)
	}
}

// noSession fails the test if r set a session cookie with a value.
func noSession(t *testing.T, r *webtest.Response) {
	t.Helper()
	if c := r.SetCookie("latchkey_session"); c != nil && c.Value != "" {
		t.Fatalf("a session cookie was set: %s", r.SetCookieLine("latchkey_session"))
	}
}
