package inventory_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/inventory"
	"github.com/latchkey/latchkey/keyring"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
)

// t0 is the tests' clock: the service never reads the wall clock.
var t0 = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// env is a Service on a real SQLite store in a temporary directory, with two workspaces:
// acme (an admin, and members pat and sam) and globex (its own admin and member).
type env struct {
	svc   *inventory.Service
	store *sqlstore.DB
	keys  *keyring.Keyring
	ws    latchkey.Workspace

	admin, pat, sam      inventory.Actor
	otherAdmin, outsider inventory.Actor
	patAccount           latchkey.Account
}

func newEnv(t *testing.T) *env {
	t.Helper()
	store, err := sqlstore.Open(t.Context(), sqlitetest.DSN(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	keys, err := keyring.Parse(keyring.NewKeyLine("k1"))
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return t0 }
	svc, err := inventory.New(inventory.Config{
		Hardware: store, Software: store, Requests: store, Accounts: store, Workspaces: store, Audit: store,
		Mail: mail.NewQueue(store, nil, now), Keys: keys, Now: now,
		WorkspaceURL: func(slug string) string { return "https://" + slug + ".app.example.com" },
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{svc: svc, store: store, keys: keys}
	var adminAcc latchkey.Account
	e.ws, adminAcc = newWorkspace(t, store, "acme")
	e.admin = inventory.ActorOf(adminAcc)
	e.patAccount = newMember(t, store, e.ws.ID, "pat@acme.test", latchkey.RoleMember)
	e.pat = inventory.ActorOf(e.patAccount)
	e.sam = inventory.ActorOf(newMember(t, store, e.ws.ID, "sam@acme.test", latchkey.RoleMember))
	other, otherAdmin := newWorkspace(t, store, "globex")
	e.otherAdmin = inventory.ActorOf(otherAdmin)
	e.outsider = inventory.ActorOf(newMember(t, store, other.ID, "pat@globex.test", latchkey.RoleMember))
	return e
}

func newWorkspace(t *testing.T, s *sqlstore.DB, slug string) (latchkey.Workspace, latchkey.Account) {
	t.Helper()
	w := latchkey.Workspace{ID: latchkey.NewID(), Slug: slug, Name: "Workspace " + slug, CreatedAt: t0}
	admin := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: w.ID, Email: "admin@" + slug + ".test", Name: "Admin",
		Role: latchkey.RoleAdmin, Status: latchkey.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateWorkspace(t.Context(), w, admin); err != nil {
		t.Fatal(err)
	}
	return w, admin
}

func newMember(t *testing.T, s *sqlstore.DB, ws, email string, role latchkey.Role) latchkey.Account {
	t.Helper()
	a := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws, Email: email, Name: "Person " + email,
		Role: role, Status: latchkey.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateAccount(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

// laptop adds an in-stock laptop to acme as its admin.
func (e *env) laptop(t *testing.T, tag string) latchkey.Hardware {
	t.Helper()
	h, err := e.svc.AddHardware(t.Context(), e.admin, inventory.HardwareInput{Name: "ThinkPad " + tag, AssetTag: tag, Type: "laptop", Serial: "SN" + tag})
	if err != nil {
		t.Fatalf("AddHardware(%s): %v", tag, err)
	}
	return h
}

// software adds software to acme as its admin.
func (e *env) software(t *testing.T, name, key string, seats int) inventory.SoftwareItem {
	t.Helper()
	sw, err := e.svc.AddSoftware(t.Context(), e.admin, inventory.SoftwareInput{Name: name, Vendor: "Vendor", LicenceKey: key, Seats: seats})
	if err != nil {
		t.Fatalf("AddSoftware(%s): %v", name, err)
	}
	return sw
}

// events returns the types of acme's audit events of this prefix, oldest first.
func (e *env) events(t *testing.T, prefix string) []latchkey.Event {
	t.Helper()
	es, err := e.store.Events(t.Context(), e.ws.ID, latchkey.EventFilter{TypePrefix: prefix, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(es)
	return es
}

func types(es []latchkey.Event) []latchkey.EventType {
	var ts []latchkey.EventType
	for _, e := range es {
		ts = append(ts, e.Type)
	}
	return ts
}

// mails returns the queued mail.
func (e *env) mails(t *testing.T) []latchkey.OutgoingMail {
	t.Helper()
	ms, err := e.store.PendingMail(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// must fails the test now if err is not nil.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// notFound fails the test unless err is ErrNotFound.
func notFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, latchkey.ErrNotFound) {
		t.Errorf("%s: err=%v, want not found", what, err)
	}
}

// wantError fails the test unless err is an *Error with this code and message.
func wantError(t *testing.T, what string, err error, code, message string) {
	t.Helper()
	if got := latchkey.ErrorCode(err); got != code {
		t.Errorf("%s: code %q (err %v), want %q", what, got, err, code)
		return
	}
	if got := latchkey.ErrorMessage(err); got != message {
		t.Errorf("%s: message %q, want %q", what, got, message)
	}
}

// forbidden fails the test unless err is CodeForbidden with MsgAdminOnly.
func forbidden(t *testing.T, what string, err error) {
	t.Helper()
	wantError(t, what, err, latchkey.CodeForbidden, latchkey.MsgAdminOnly)
}
