// Package lifecycletest is the harness of the account-lifecycle tests of signin and admin
// (reset, members, profile, invitations, the mail queue): the two services as the server wires
// them, with a real store (SQLite in a temporary directory, or PostgreSQL), mail going through
// the durable queue, a mail worker delivering to an outbox, and a fake clock.
//
// A test package embeds *Env in a type of its own and adds the helpers only it needs.
package lifecycletest

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
	"github.com/latchkey/latchkey/totp"
)

// Start is the fake clock's first reading: a whole second, so that stored times round-trip.
var Start = time.Date(2030, time.March, 4, 9, 0, 0, 0, time.UTC)

// Password is the password of the seeded accounts; Password2 is another good one.
const (
	Password  = "ripe moose dance lantern"
	Password2 = "quiet violet harbour engine"
)

// Env is one latchkey node: store, services, queue and worker, and the seeded workspace.
type Env struct {
	File   string // the database: a SQLite file or a PostgreSQL URL
	Outbox string // the directory the mail worker delivers to
	Store  *sqlstore.DB
	Svc    *signin.Service
	Adm    *admin.Service // creates the workspace, invites the members, sets the policy
	Clock  *testclock.Clock
	Worker *mail.Worker
	Read   int // outbox messages already returned by Delivered

	WS    latchkey.Workspace // acme, "Acme Corp"
	Admin latchkey.Account   // admin@acme.example, active admin
	Bob   latchkey.Account   // bob@acme.example, active member
}

// New seeds workspace acme on a SQLite store, created by the operator, with an active
// administrator and an active member, both with Password, and delivers (and forgets) the mail
// that took.
func New(t *testing.T) *Env {
	t.Helper()
	return NewOn(t, sqlitetest.DSN(t))
}

// NewOn is New on the database at dsn: a SQLite file or a PostgreSQL URL.
func NewOn(t *testing.T, dsn string) *Env {
	t.Helper()
	e := Open(t, dsn, filepath.Join(t.TempDir(), "outbox"), testclock.New(Start))
	ws, first, _, err := e.Adm.CreateWorkspace(t.Context(), admin.NewWorkspace{Slug: "acme", Name: "Acme Corp", AdminEmail: "admin@acme.example", AdminName: "Ada Admin"})
	if err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	e.WS = ws
	e.Admin = e.Activate(t, first, Password)
	e.Bob = e.Member(t, "bob@acme.example", latchkey.RoleMember)
	e.Delivered(t)
	return e
}

// Open opens a node on the database and outbox directory, as a process start does, and seeds
// nothing: a second node on New's database sees its workspace and accounts.
func Open(t *testing.T, dsn, outbox string, clock *testclock.Clock) *Env {
	t.Helper()
	store, err := sqlstore.Open(t.Context(), dsn)
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
	cheap := password.NewHasher(password.HasherConfig{Params: password.InsecureTestParams, LightParams: password.InsecureTestParams})
	svc := signin.New(signin.Config{Store: store, Mailer: mail.NewQueue(store, nil, clock.Now), BaseURL: base, Log: log, Now: clock.Now, Keys: keys, Passwords: cheap})
	return &Env{File: dsn, Outbox: outbox, Store: store, Svc: svc, Adm: admin.New(admin.Config{Store: store, SignIn: svc, Log: log}),
		Clock: clock, Worker: mail.NewWorker(store, box, log, clock.Now)}
}

// Member has the operator invite email, and activates it with Password.
func (e *Env) Member(t *testing.T, email string, role latchkey.Role) latchkey.Account {
	t.Helper()
	a, _, err := e.Adm.Invite(t.Context(), admin.NewMember{Workspace: e.WS, Email: email, Name: "Someone", Role: role, Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	return e.Activate(t, a, Password)
}

// SuspendByEmail suspends the account with this email as the operator does.
func (e *Env) SuspendByEmail(t *testing.T, email string) {
	t.Helper()
	a, err := e.Store.AccountByEmail(t.Context(), e.WS.ID, email)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Adm.SuspendMember(t.Context(), admin.MemberAction{Workspace: e.WS, AccountID: a.ID, Actor: latchkey.OperatorActor()}); err != nil {
		t.Fatalf("suspend %s: %v", email, err)
	}
}

// EnableSSO gives the workspace an enabled SAML connection, straight in the store, so that
// password sign-in may be turned off.
func (e *Env) EnableSSO(t *testing.T) latchkey.Connection {
	t.Helper()
	c := latchkey.Connection{ID: latchkey.NewID(), WorkspaceID: e.WS.ID, Kind: latchkey.KindSAML, Name: "Okta", Enabled: true,
		IdPEntityID: "https://idp.test", IdPSSOURL: "https://idp.test/sso", CreatedAt: Start, UpdatedAt: Start}
	if err := e.Store.CreateConnection(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// Require2FA turns "Require two-factor authentication" on, as the administrator on the security
// page does.
func (e *Env) Require2FA(t *testing.T) {
	t.Helper()
	on := true
	if _, err := e.Adm.SetPolicySwitches(t.Context(), admin.PolicySwitches{Workspace: e.WS, Actor: latchkey.AdminActor(e.Admin), Require2FA: &on}); err != nil {
		t.Fatalf("require two-factor: %v", err)
	}
}

// WithTOTP turns two-factor authentication on for Bob, straight in the store, and returns the
// authenticator's secret.
func (e *Env) WithTOTP(t *testing.T) string {
	t.Helper()
	k, err := totp.Generate("Acme Corp", e.Bob.Email)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := e.Svc.Keys.Seal([]byte(k.Secret), []byte(e.Bob.ID))
	if err != nil {
		t.Fatal(err)
	}
	e.Bob = e.Update(t, e.Bob, func(a *latchkey.Account) { a.TOTPSecret, a.TOTPEnabledAt = sealed, e.Clock.Now() })
	return k.Secret
}

// Activate gives the account a password and makes it active, straight in the store.
func (e *Env) Activate(t *testing.T, a latchkey.Account, pw string) latchkey.Account {
	t.Helper()
	hash, err := password.HashWith(pw, password.InsecureTestParams)
	if err != nil {
		t.Fatal(err)
	}
	return e.Update(t, a, func(acc *latchkey.Account) { acc.PasswordHash, acc.Status = hash, latchkey.StatusActive })
}

// Update changes an account straight in the store and returns it as stored.
func (e *Env) Update(t *testing.T, a latchkey.Account, fn func(*latchkey.Account)) latchkey.Account {
	t.Helper()
	var out latchkey.Account
	err := e.Store.UpdateAccount(t.Context(), a.WorkspaceID, a.ID, func(acc *latchkey.Account) error {
		fn(acc)
		out = *acc
		return nil
	})
	if err != nil {
		t.Fatalf("update %s: %v", a.Email, err)
	}
	return out
}

// Account reads an account back from the store.
func (e *Env) Account(t *testing.T, a latchkey.Account) latchkey.Account {
	t.Helper()
	got, err := e.Store.Account(t.Context(), a.WorkspaceID, a.ID)
	if err != nil {
		t.Fatalf("read %s: %v", a.Email, err)
	}
	return got
}

// Workspace reads the workspace back from the store.
func (e *Env) Workspace(t *testing.T) latchkey.Workspace {
	t.Helper()
	w, err := e.Store.Workspace(t.Context(), e.WS.ID)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Queued lists the mail waiting in the queue.
func (e *Env) Queued(t *testing.T) []latchkey.OutgoingMail {
	t.Helper()
	ms, err := e.Store.PendingMail(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// Delivered runs the mail worker until the queue has nothing due, and returns the messages
// that reached the outbox since the last call, but for new-device alerts: the harness signs
// in from a new browser every time, and the alerts have tests of their own (signin's
// alert_test.go, which reads them with DeliveredAll).
func (e *Env) Delivered(t *testing.T) []mail.Message {
	t.Helper()
	var out []mail.Message
	for _, m := range e.DeliveredAll(t) {
		if !strings.HasPrefix(m.Subject, "New sign-in to your ") {
			out = append(out, m)
		}
	}
	return out
}

// DeliveredAll is Delivered with the new-device alerts.
func (e *Env) DeliveredAll(t *testing.T) []mail.Message {
	t.Helper()
	if _, err := e.Worker.Drain(t.Context()); err != nil {
		t.Fatalf("mail worker: %v", err)
	}
	all, err := mail.ReadOutbox(e.Outbox)
	if err != nil {
		t.Fatal(err)
	}
	out := all[e.Read:]
	e.Read = len(all)
	return out
}

// OutboxCount returns how many messages the outbox holds.
func (e *Env) OutboxCount(t *testing.T) int {
	t.Helper()
	all, err := mail.ReadOutbox(e.Outbox)
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

// Link returns the only link in m's text that contains path.
func Link(t *testing.T, m mail.Message, path string) string {
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

// SecretOf returns the secret at the end of a link.
func SecretOf(link string) string { return link[strings.LastIndexByte(link, '/')+1:] }

// SignIn signs in with a password from addr.
func (e *Env) SignIn(t *testing.T, email, pw, addr string) (signin.Result, error) {
	t.Helper()
	return e.Svc.PasswordSignIn(t.Context(), signin.PasswordInput{Workspace: e.Workspace(t), Email: email, Password: pw, Client: signin.Client{Addr: addr, UserAgent: "test browser"}})
}

// MustSignIn signs in and fails the test unless a session starts.
func (e *Env) MustSignIn(t *testing.T, email, pw, addr string) signin.Result {
	t.Helper()
	res, err := e.SignIn(t, email, pw, addr)
	if err != nil {
		t.Fatalf("sign in %s from %s: %v", email, addr, err)
	}
	if res.Pending() {
		t.Fatalf("sign in %s: a two-factor challenge, want a session", email)
	}
	return res
}

// RequestReset asks for a reset link for email from addr.
func (e *Env) RequestReset(t *testing.T, email, addr string) {
	t.Helper()
	if err := e.Svc.RequestReset(t.Context(), signin.ResetRequest{Workspace: e.Workspace(t), Email: email, Client: signin.Client{Addr: addr}}); err != nil {
		t.Fatalf("request reset for %s: %v", email, err)
	}
}

// Sessions lists the account's sessions in the store.
func (e *Env) Sessions(t *testing.T, a latchkey.Account) []latchkey.Session {
	t.Helper()
	ss, err := e.Store.AccountSessions(t.Context(), a.WorkspaceID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

// Events lists the workspace's audit events of one type, newest first.
func (e *Env) Events(t *testing.T, typ latchkey.EventType) []latchkey.Event {
	t.Helper()
	evs, err := e.Store.Events(t.Context(), e.WS.ID, latchkey.EventFilter{Type: typ})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// WantError fails the test unless err is a *latchkey.Error with this code and message (and
// field, when field is not "-").
func WantError(t *testing.T, what string, err error, code, msg, field string) {
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
