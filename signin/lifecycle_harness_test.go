package signin_test

import (
	"errors"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/testclock"
	"github.com/latchkey/latchkey/keyring"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
)

// The account-lifecycle tests (reset, members, profile, mail queue) share this harness: the
// service as the server wires it, with a real SQLite store in a temporary directory, mail going
// through the durable queue, a mail worker delivering to an outbox, and a fake clock.

// lcStart is the fake clock's first reading: a whole second, so that stored times round-trip.
var lcStart = time.Date(2030, time.March, 4, 9, 0, 0, 0, time.UTC)

// The passwords of the seeded accounts, and a good new one.
const (
	lcPassword  = "ripe moose dance lantern"
	lcPassword2 = "quiet violet harbour engine"
)

// lcEnv is one latchkey node: store, service, queue and worker.
type lcEnv struct {
	file   string // the SQLite database
	outbox string
	store  *sqlstore.DB
	svc    *signin.Service
	adm    *admin.Service // creates the workspace, invites the members, sets the policy
	clock  *testclock.Clock
	worker *mail.Worker
	read   int // outbox messages already returned by delivered

	ws    latchkey.Workspace // acme, "Acme Corp"
	admin latchkey.Account   // admin@acme.example, active admin
	bob   latchkey.Account   // bob@acme.example, active member
}

// newLcEnv seeds workspace acme with an active administrator and an active member, both with
// lcPassword, and delivers (and forgets) the mail that took.
func newLcEnv(t *testing.T) *lcEnv {
	t.Helper()
	return newLcEnvOn(t, sqlitetest.DSN(t))
}

// newLcEnvOn is newLcEnv on the database at dsn: a SQLite file or a PostgreSQL URL.
func newLcEnvOn(t *testing.T, dsn string) *lcEnv {
	t.Helper()
	e := openLcEnv(t, dsn, filepath.Join(t.TempDir(), "outbox"), testclock.New(lcStart))
	ctx := t.Context()
	ws, admin, _, err := e.adm.CreateWorkspace(ctx, admin.NewWorkspace{Slug: "acme", Name: "Acme Corp", AdminEmail: "admin@acme.example", AdminName: "Ada Admin"})
	if err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	e.ws = ws
	e.admin = e.activate(t, admin, lcPassword)
	e.bob = e.member(t, "bob@acme.example", latchkey.RoleMember)
	e.delivered(t)
	return e
}

// openLcEnv opens a node on the database file and outbox directory, as a process start does.
func openLcEnv(t *testing.T, file, outbox string, clock *testclock.Clock) *lcEnv {
	t.Helper()
	store, err := sqlstore.Open(t.Context(), file)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	box, err := mail.NewOutbox(outbox, nil)
	if err != nil {
		t.Fatal(err)
	}
	base, err := url.Parse("http://app.test")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.Parse(keyring.NewKeyLine("lc"))
	if err != nil {
		t.Fatal(err)
	}
	svc := signin.New(signin.Config{Store: store, Mailer: mail.NewQueue(store, nil, clock.Now), BaseURL: base, Log: log, Now: clock.Now, Keys: keys, Passwords: password.NewHasher(password.HasherConfig{Params: password.InsecureTestParams, LightParams: password.InsecureTestParams})})
	return &lcEnv{file: file, outbox: outbox, store: store, svc: svc, adm: admin.New(admin.Config{Store: store, SignIn: svc, Log: log}), clock: clock, worker: mail.NewWorker(store, box, log, clock.Now)}
}

// member invites email and activates it with lcPassword.
func (e *lcEnv) member(t *testing.T, email string, role latchkey.Role) latchkey.Account {
	t.Helper()
	a, _, err := e.adm.Invite(t.Context(), admin.NewMember{Workspace: e.ws, Email: email, Name: "Someone", Role: role, Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	return e.activate(t, a, lcPassword)
}

// suspendByEmail suspends the account with this email as the operator does.
func (e *lcEnv) suspendByEmail(t *testing.T, email string) {
	t.Helper()
	a, err := e.store.AccountByEmail(t.Context(), e.ws.ID, email)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.adm.SuspendMember(t.Context(), admin.MemberAction{Workspace: e.ws, AccountID: a.ID, Actor: latchkey.OperatorActor()}); err != nil {
		t.Fatalf("suspend %s: %v", email, err)
	}
}

// enableSSO gives the workspace an enabled SAML connection, straight in the store, so that
// password sign-in may be turned off.
func (e *lcEnv) enableSSO(t *testing.T) latchkey.Connection {
	t.Helper()
	c := latchkey.Connection{ID: latchkey.NewID(), WorkspaceID: e.ws.ID, Kind: latchkey.KindSAML, Name: "Okta", Enabled: true,
		IdPEntityID: "https://idp.test", IdPSSOURL: "https://idp.test/sso", CreatedAt: lcStart, UpdatedAt: lcStart}
	if err := e.store.CreateConnection(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// activate gives the account a password and makes it active, straight in the store.
func (e *lcEnv) activate(t *testing.T, a latchkey.Account, pw string) latchkey.Account {
	t.Helper()
	hash, err := password.HashWith(pw, password.InsecureTestParams)
	if err != nil {
		t.Fatal(err)
	}
	return e.update(t, a, func(acc *latchkey.Account) { acc.PasswordHash, acc.Status = hash, latchkey.StatusActive })
}

// update changes an account straight in the store and returns it as stored.
func (e *lcEnv) update(t *testing.T, a latchkey.Account, fn func(*latchkey.Account)) latchkey.Account {
	t.Helper()
	var out latchkey.Account
	err := e.store.UpdateAccount(t.Context(), a.WorkspaceID, a.ID, func(acc *latchkey.Account) error {
		fn(acc)
		out = *acc
		return nil
	})
	if err != nil {
		t.Fatalf("update %s: %v", a.Email, err)
	}
	return out
}

// account reads an account back from the store.
func (e *lcEnv) account(t *testing.T, a latchkey.Account) latchkey.Account {
	t.Helper()
	got, err := e.store.Account(t.Context(), a.WorkspaceID, a.ID)
	if err != nil {
		t.Fatalf("read %s: %v", a.Email, err)
	}
	return got
}

// workspace reads the workspace back from the store.
func (e *lcEnv) workspace(t *testing.T) latchkey.Workspace {
	t.Helper()
	w, err := e.store.Workspace(t.Context(), e.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// queued lists the mail waiting in the queue.
func (e *lcEnv) queued(t *testing.T) []latchkey.OutgoingMail {
	t.Helper()
	ms, err := e.store.PendingMail(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// delivered runs the mail worker until the queue has nothing due, and returns the messages
// that reached the outbox since the last call, but for new-device alerts: the harness signs
// in from a new browser every time, and the alerts have tests of their own (alert_test.go,
// which reads them with deliveredAll).
func (e *lcEnv) delivered(t *testing.T) []mail.Message {
	t.Helper()
	var out []mail.Message
	for _, m := range e.deliveredAll(t) {
		if !strings.HasPrefix(m.Subject, "New sign-in to your ") {
			out = append(out, m)
		}
	}
	return out
}

// deliveredAll is delivered with the new-device alerts.
func (e *lcEnv) deliveredAll(t *testing.T) []mail.Message {
	t.Helper()
	if _, err := e.worker.Drain(t.Context()); err != nil {
		t.Fatalf("mail worker: %v", err)
	}
	all, err := mail.ReadOutbox(e.outbox)
	if err != nil {
		t.Fatal(err)
	}
	out := all[e.read:]
	e.read = len(all)
	return out
}

// outboxCount returns how many messages the outbox holds.
func (e *lcEnv) outboxCount(t *testing.T) int {
	t.Helper()
	all, err := mail.ReadOutbox(e.outbox)
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

// link returns the only link in m's text that contains path.
func link(t *testing.T, m mail.Message, path string) string {
	t.Helper()
	var found []string
	for _, l := range mail.Links(m.Text) {
		if strings.Contains(l, path) {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("mail %q has links %q, want one with %s", m.Subject, mail.Links(m.Text), path)
	}
	return found[0]
}

// secretOf returns the secret at the end of a link.
func secretOf(link string) string { return link[strings.LastIndexByte(link, '/')+1:] }

// signIn signs in with a password from addr.
func (e *lcEnv) signIn(t *testing.T, email, pw, addr string) (signin.Result, error) {
	t.Helper()
	return e.svc.PasswordSignIn(t.Context(), signin.PasswordInput{Workspace: e.workspace(t), Email: email, Password: pw, Client: signin.Client{Addr: addr, UserAgent: "test browser"}})
}

// mustSignIn signs in and fails the test unless a session starts.
func (e *lcEnv) mustSignIn(t *testing.T, email, pw, addr string) signin.Result {
	t.Helper()
	res, err := e.signIn(t, email, pw, addr)
	if err != nil {
		t.Fatalf("sign in %s from %s: %v", email, addr, err)
	}
	if res.Pending() {
		t.Fatalf("sign in %s: a two-factor challenge, want a session", email)
	}
	return res
}

// sessions lists the account's sessions in the store.
func (e *lcEnv) sessions(t *testing.T, a latchkey.Account) []latchkey.Session {
	t.Helper()
	ss, err := e.store.AccountSessions(t.Context(), a.WorkspaceID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

// events lists the workspace's audit events of one type, newest first.
func (e *lcEnv) events(t *testing.T, typ latchkey.EventType) []latchkey.Event {
	t.Helper()
	evs, err := e.store.Events(t.Context(), e.ws.ID, latchkey.EventFilter{Type: typ})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// wantError fails the test unless err is a *latchkey.Error with this code and message (and
// field, when field is not "-").
func wantError(t *testing.T, what string, err error, code, msg, field string) {
	t.Helper()
	var e *latchkey.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: err=%v, want %s %q", what, err, code, msg)
	}
	if e.Code != code || e.Message != msg {
		t.Fatalf("%s: %s %q, want %s %q", what, e.Code, e.Message, code, msg)
	}
	if field != "-" && e.Field != field {
		t.Fatalf("%s: field %q, want %q", what, e.Field, field)
	}
}
