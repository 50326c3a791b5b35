package admin_test

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/lifecycletest"
	"github.com/latchkey/latchkey/signin"
)

func TestCreateAPITokenRules(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	for _, tc := range []struct {
		name             string
		in               admin.NewAPIToken
		code, msg, field string
	}{
		{"member", admin.NewAPIToken{Workspace: e.WS, Actor: latchkey.AdminActor(e.Bob)}, latchkey.CodeForbidden, latchkey.MsgAdminOnly, ""},
		{"admin of another workspace", admin.NewAPIToken{Workspace: latchkey.Workspace{ID: "other"}, Actor: latchkey.AdminActor(e.Admin)}, latchkey.CodeForbidden, latchkey.MsgAdminOnly, ""},
		{"name too long", admin.NewAPIToken{Workspace: e.WS, Actor: latchkey.AdminActor(e.Admin), Name: strings.Repeat("n", latchkey.MaxAPITokenName+1)}, latchkey.CodeInvalid, latchkey.MsgAPITokenNameTooLong, "name"},
		{"scope", admin.NewAPIToken{Workspace: e.WS, Actor: latchkey.AdminActor(e.Admin), Scope: "write"}, latchkey.CodeInvalid, latchkey.MsgAPIScopeInvalid, "scope"},
		{"CLI owner not an administrator", admin.NewAPIToken{Workspace: e.WS, Actor: latchkey.OperatorActor(), OwnerEmail: e.Bob.Email}, latchkey.CodeInvalid, latchkey.MsgAPITokenOwner, "owner"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.Adm.CreateAPIToken(ctx, tc.in)
			lifecycletest.WantError(t, "CreateAPIToken", err, tc.code, tc.msg, tc.field)
		})
	}
	if ts, _ := e.Store.APITokens(ctx, e.WS.ID); len(ts) != 0 {
		t.Fatalf("refused creations stored tokens: %+v", ts)
	}

	tok, secret, err := e.Adm.CreateAPIToken(ctx, admin.NewAPIToken{Workspace: e.WS, Actor: latchkey.AdminActor(e.Admin), Name: "  Asset \n sync "})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "Asset sync" || tok.Scope != latchkey.ScopeRead || !strings.HasPrefix(secret, latchkey.APITokenPrefix) || len(secret) != len(latchkey.APITokenPrefix)+43 {
		t.Fatalf("token %+v, secret %q", tok, secret)
	}
	got, acct, err := e.Svc.AuthenticateAPIToken(ctx, e.WS, secret, signin.Client{Addr: "192.0.2.1"})
	if err != nil || got.ID != tok.ID || acct.ID != e.Admin.ID {
		t.Fatalf("AuthenticateAPIToken = %+v, %s, %v", got, acct.ID, err)
	}
	// Counted before the check, forgiven when right: a right token leaves no failure behind.
	cs, err := e.Store.Counters(ctx, []string{"api:addr:192.0.2.1"})
	if err != nil || cs["api:addr:192.0.2.1"].Count != 0 {
		t.Fatalf("counter after a right token = %+v, %v", cs, err)
	}
}
