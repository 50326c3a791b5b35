package admin_test

import (
	"errors"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/lifecycletest"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
)

func TestInviteNameTooLong(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := sqlstore.Open(t.Context(), sqlitetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	outbox, _ := mail.NewOutbox(filepath.Join(dir, "outbox"), nil)
	base, _ := url.Parse("http://app.test")
	svc := admin.New(admin.Config{Store: store, SignIn: signin.New(signin.Config{Store: store, Mailer: outbox, BaseURL: base, Passwords: password.NewHasher(password.HasherConfig{Params: password.InsecureTestParams, LightParams: password.InsecureTestParams})})})
	ws, _, _, err := svc.CreateWorkspace(t.Context(), admin.NewWorkspace{Slug: "acme", Name: "Acme", AdminEmail: "admin@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = svc.Invite(t.Context(), admin.NewMember{Workspace: ws, Email: "bob@acme.test", Name: strings.Repeat("b", 101), Actor: latchkey.OperatorActor()})
	var le *latchkey.Error
	if !errors.As(err, &le) || le.Message != latchkey.MsgNameTooLong || le.Field != "name" {
		t.Fatalf("Invite with a 101-byte name = %v, want %q on name", err, latchkey.MsgNameTooLong)
	}
	if _, err := store.AccountByEmail(t.Context(), ws.ID, "bob@acme.test"); !errors.Is(err, latchkey.ErrNotFound) {
		t.Fatalf("the refused invitation created an account: %v", err)
	}
	if _, _, err := svc.Invite(t.Context(), admin.NewMember{Workspace: ws, Email: "bob@acme.test", Name: strings.Repeat("b", 100), Actor: latchkey.OperatorActor()}); err != nil {
		t.Fatalf("Invite with a 100-byte name: %v", err)
	}
}

// Names with line breaks or other control characters are refused, for members and workspaces:
// they would forge lines in the audit log and mail.
func TestNamesRefuseControlCharacters(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	for _, name := range []string{"Eve\r\nAdmin", "Eve\nx", "tab\there", "nul\x00", "del\x7f", "c1\u0085x"} {
		_, _, err := e.Adm.Invite(t.Context(), admin.NewMember{Workspace: e.WS, Email: "eve@acme.example", Name: name, Actor: latchkey.OperatorActor()})
		lifecycletest.WantError(t, "Invite "+strconv.Quote(name), err, latchkey.CodeInvalid, latchkey.MsgNameControl, "name")
		_, _, _, err = e.Adm.CreateWorkspace(t.Context(), admin.NewWorkspace{Slug: "evil", Name: name, AdminEmail: "eve@evil.example"})
		lifecycletest.WantError(t, "CreateWorkspace "+strconv.Quote(name), err, latchkey.CodeInvalid, latchkey.MsgNameControl, "name")
	}
	if _, err := e.Store.AccountByEmail(t.Context(), e.WS.ID, "eve@acme.example"); !errors.Is(err, latchkey.ErrNotFound) {
		t.Fatalf("a refused invitation created an account: %v", err)
	}
	if _, _, err := e.Adm.Invite(t.Context(), admin.NewMember{Workspace: e.WS, Email: "eve@acme.example", Name: "Ève Ünïcode", Actor: latchkey.OperatorActor()}); err != nil {
		t.Fatalf("a plain non-ASCII name: %v", err)
	}
}
