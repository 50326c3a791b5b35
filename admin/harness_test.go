package admin_test

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

// The administration tests run the services as the server wires them: a real SQLite store in a
// temporary directory, mail through the durable queue to an outbox, and a fake clock. The
// sign-in service is there to sign members in and to check what an action did to their
// sessions and links.

// lcStart is the fake clock's first reading: a whole second, so that stored times round-trip.
var lcStart = time.Date(2030, time.March, 4, 9, 0, 0, 0, time.UTC)

// The password of the seeded accounts, and another.
const (
	lcPassword  = "ripe moose dance lantern"
	lcPassword2 = "quiet violet harbour engine"
)

// lcEnv is one latchkey node.
type lcEnv struct {
	outbox string
	store  *sqlstore.DB
	svc    *signin.Service
	adm    *admin.Service
	clock  *testclock.Clock
	worker *mail.Worker
	read   int // outbox messages already returned by delivered

	ws    latchkey.Workspace // acme, "Acme Corp"
	admin latchkey.Account   // admin@acme.example, active admin
	bob   latchkey.Account   // bob@acme.example, active member
}

// newLcEnv seeds workspace acme, created by the operator, with an active administrator and an
// active member, both with lcPassword, and delivers (and forgets) the mail that took.
func newLcEnv(t *testing.T) *lcEnv {
	t.Helper()
	store, err := sqlstore.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	clock := testclock.New(lcStart)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	outbox := filepath.Join(t.TempDir(), "outbox")
	box, err := mail.NewOutbox(outbox, nil)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://app.test")
	keys, err := keyring.Parse(keyring.NewKeyLine("admin"))
	if err != nil {
		t.Fatal(err)
	}
	light := password.NewHasher(password.HasherConfig{Params: password.InsecureTestParams, LightParams: password.InsecureTestParams})
	svc := signin.New(signin.Config{Store: store, Mailer: mail.NewQueue(store, nil, clock.Now), BaseURL: base, Log: log, Now: clock.Now, Keys: keys, Passwords: light})
	e := &lcEnv{outbox: outbox, store: store, svc: svc, adm: admin.New(admin.Config{Store: store, SignIn: svc, Log: log}), clock: clock,
		worker: mail.NewWorker(store, box, log, clock.Now)}
	ws, first, _, err := e.adm.CreateWorkspace(t.Context(), admin.NewWorkspace{Slug: "acme", Name: "Acme Corp", AdminEmail: "admin@acme.example", AdminName: "Ada Admin"})
	if err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	e.ws = ws
	e.admin = e.activate(t, first, lcPassword)
	e.bob = e.member(t, "bob@acme.example", latchkey.RoleMember)
	e.delivered(t)
	return e
}

// member has the operator invite email, and activates it with lcPassword.
func (e *lcEnv) member(t *testing.T, email string, role latchkey.Role) latchkey.Account {
	t.Helper()
	a, _, err := e.adm.Invite(t.Context(), admin.NewMember{Workspace: e.ws, Email: email, Name: "Someone", Role: role, Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	return e.activate(t, a, lcPassword)
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

// delivered runs the mail worker until the queue has nothing due, and returns the messages
// that reached the outbox since the last call, but for new-device alerts (the harness signs in
// from a new browser every time).
func (e *lcEnv) delivered(t *testing.T) []mail.Message {
	t.Helper()
	if _, err := e.worker.Drain(t.Context()); err != nil {
		t.Fatalf("mail worker: %v", err)
	}
	all, err := mail.ReadOutbox(e.outbox)
	if err != nil {
		t.Fatal(err)
	}
	var out []mail.Message
	for _, m := range all[e.read:] {
		if !strings.HasPrefix(m.Subject, "New sign-in to your ") {
			out = append(out, m)
		}
	}
	e.read = len(all)
	return out
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

// requestReset asks for a reset link for email from addr.
func (e *lcEnv) requestReset(t *testing.T, email, addr string) {
	t.Helper()
	if err := e.svc.RequestReset(t.Context(), signin.ResetRequest{Workspace: e.workspace(t), Email: email, Client: signin.Client{Addr: addr}}); err != nil {
		t.Fatalf("request reset for %s: %v", email, err)
	}
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
