package admin_test

import (
	"testing"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/lifecycletest"
	"github.com/latchkey/latchkey/signin"
)

// Every administrative input checks its actor: a member and a token are refused with
// MsgAdminOnly by each method, and nothing is written.
func TestEveryInputChecksItsActor(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	c := e.EnableSSO(t)
	tok, _, err := e.Adm.CreateAPIToken(ctx, admin.NewAPIToken{Workspace: e.WS, Actor: latchkey.AdminActor(e.Admin)})
	if err != nil {
		t.Fatal(err)
	}
	before, err := e.Store.Events(ctx, e.WS.ID, latchkey.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	on := true
	for name, actor := range map[string]latchkey.Actor{"a member": latchkey.AdminActor(e.Bob), "a token": latchkey.TokenActor(tok.ID)} {
		conn := admin.ConnectionAction{Workspace: e.WS, ConnectionID: c.ID, Actor: actor}
		member := admin.MemberAction{Workspace: e.WS, AccountID: e.Bob.ID, Actor: actor}
		for what, call := range map[string]func() error{
			"Invite": func() error {
				_, _, err := e.Adm.Invite(ctx, admin.NewMember{Workspace: e.WS, Email: "carol@acme.example", Actor: actor})
				return err
			},
			"UnlockMember": func() error { _, err := e.Adm.UnlockMember(ctx, member); return err },
			"ResetTwoFactor": func() error {
				_, err := e.Adm.ResetTwoFactor(ctx, admin.TwoFactorReset{MemberAction: member, Password: lifecycletest.Password})
				return err
			},
			"ReinviteMember":    func() error { _, err := e.Adm.ReinviteMember(ctx, member); return err },
			"SendResetLink":     func() error { _, err := e.Adm.SendResetLink(ctx, member); return err },
			"EndMemberSessions": func() error { _, err := e.Adm.EndMemberSessions(ctx, member, ""); return err },
			"UnlinkIdentity":    func() error { return e.Adm.UnlinkIdentity(ctx, member, c.ID, "subject") },
			"UpdatePolicy": func() error {
				_, err := e.Adm.UpdatePolicy(ctx, admin.PolicyInput{Workspace: e.WS, Actor: actor})
				return err
			},
			"SetPolicySwitches": func() error {
				_, err := e.Adm.SetPolicySwitches(ctx, admin.PolicySwitches{Workspace: e.WS, Actor: actor, Require2FA: &on})
				return err
			},
			"SetPolicySwitches(passkeys)": func() error {
				off := false
				_, err := e.Adm.SetPolicySwitches(ctx, admin.PolicySwitches{Workspace: e.WS, Actor: actor, PasskeySignIn: &off})
				return err
			},
			"SetConnectionEnabled": func() error { _, err := e.Adm.SetConnectionEnabled(ctx, conn, false); return err },
			"MoveConnection":       func() error { return e.Adm.MoveConnection(ctx, conn, 1) },
			"RemoveConnection":     func() error { _, err := e.Adm.RemoveConnection(ctx, conn); return err },
			"EditConnection": func() error {
				_, err := e.Adm.EditConnection(ctx, admin.ConnectionChange{ConnectionAction: conn, Edit: func(c *latchkey.Connection) { c.Name = "Evil" }})
				return err
			},
			"CreateConnection": func() error {
				_, err := e.Adm.CreateConnection(ctx, admin.NewConnection{ConnectionAction: conn, Connection: latchkey.Connection{Kind: latchkey.KindGoogle}})
				return err
			},
			"AddDomain": func() error {
				_, err := e.Adm.AddDomain(ctx, admin.DomainAction{Workspace: e.WS, Domain: "evil.example", Actor: actor})
				return err
			},
			"RemoveDomain": func() error {
				return e.Adm.RemoveDomain(ctx, admin.DomainAction{Workspace: e.WS, Domain: "acme.example", Actor: actor})
			},
			"CreateAPIToken": func() error {
				_, _, err := e.Adm.CreateAPIToken(ctx, admin.NewAPIToken{Workspace: e.WS, Actor: actor, OwnerEmail: e.Admin.Email})
				return err
			},
			"APITokens":      func() error { _, err := e.Adm.APITokens(ctx, e.WS, actor); return err },
			"RevokeAPIToken": func() error { _, err := e.Adm.RevokeAPIToken(ctx, e.WS, actor, tok.ID, signin.Client{}); return err },
		} {
			lifecycletest.WantError(t, name+": "+what, call(), latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
		}
	}
	after, err := e.Store.Events(ctx, e.WS.ID, latchkey.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("refused actions audited %d events", len(after)-len(before))
	}
	if got := e.Workspace(t).Policy; got != e.WS.Policy {
		t.Fatalf("refused actions changed the policy: %+v", got)
	}
	if got, err := e.Store.Connection(ctx, e.WS.ID, c.ID); err != nil || got.Name != c.Name || !got.Enabled {
		t.Fatalf("refused actions changed the connection: %+v, %v", got, err)
	}
	if ts, err := e.Store.APITokens(ctx, e.WS.ID); err != nil || len(ts) != 1 || ts[0].Revoked() {
		t.Fatalf("refused actions changed the API tokens: %+v, %v", ts, err)
	}
}

// A connection change records who made it: the administrator's id from the console, none
// from the command line.
func TestConnectionEventsNameTheActor(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	c := e.EnableSSO(t)
	in := admin.ConnectionAction{Workspace: e.WS, ConnectionID: c.ID, Actor: latchkey.AdminActor(e.Admin), Client: signin.Client{Addr: "192.0.2.50"}}
	if _, err := e.Adm.SetConnectionEnabled(ctx, in, false); err != nil {
		t.Fatal(err)
	}
	ev := e.Events(t, latchkey.EventSSOConnection)[0]
	if ev.ActorID != e.Admin.ID || ev.AccountID != e.Admin.ID || ev.ClientAddr != "192.0.2.50" {
		t.Fatalf("console event %+v, want the administrator as actor", ev)
	}
	in.Actor, in.Client = latchkey.OperatorActor(), signin.Client{}
	if _, err := e.Adm.SetConnectionEnabled(ctx, in, true); err != nil {
		t.Fatal(err)
	}
	if ev := e.Events(t, latchkey.EventSSOConnection)[0]; ev.ActorID != "" || ev.AccountID != "" || ev.Detail != "enabled Okta ("+c.ID+")" {
		t.Fatalf("operator event %+v, want no actor id", ev)
	}
}
