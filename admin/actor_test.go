package admin_test

import (
	"testing"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/signin"
)

// Every administrative input checks its actor: a member and a token are refused with
// MsgAdminOnly by each method, and nothing is written.
func TestEveryInputChecksItsActor(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	c := e.enableSSO(t)
	tok, _, err := e.adm.CreateAPIToken(ctx, admin.NewAPIToken{Workspace: e.ws, Actor: latchkey.AdminActor(e.admin)})
	if err != nil {
		t.Fatal(err)
	}
	before, err := e.store.Events(ctx, e.ws.ID, latchkey.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	on := true
	for name, actor := range map[string]latchkey.Actor{"a member": latchkey.AdminActor(e.bob), "a token": latchkey.TokenActor(tok.ID)} {
		conn := admin.ConnectionAction{Workspace: e.ws, ConnectionID: c.ID, Actor: actor}
		member := admin.MemberAction{Workspace: e.ws, AccountID: e.bob.ID, Actor: actor}
		for what, call := range map[string]func() error{
			"Invite": func() error {
				_, _, err := e.adm.Invite(ctx, admin.NewMember{Workspace: e.ws, Email: "carol@acme.example", Actor: actor})
				return err
			},
			"UnlockMember":      func() error { _, err := e.adm.UnlockMember(ctx, member); return err },
			"ReinviteMember":    func() error { _, err := e.adm.ReinviteMember(ctx, member); return err },
			"SendResetLink":     func() error { _, err := e.adm.SendResetLink(ctx, member); return err },
			"EndMemberSessions": func() error { _, err := e.adm.EndMemberSessions(ctx, member, ""); return err },
			"UnlinkIdentity":    func() error { return e.adm.UnlinkIdentity(ctx, member, c.ID, "subject") },
			"UpdatePolicy": func() error {
				_, err := e.adm.UpdatePolicy(ctx, admin.PolicyInput{Workspace: e.ws, Actor: actor})
				return err
			},
			"SetRequire2FA":    func() error { return e.adm.SetRequire2FA(ctx, e.ws, true, actor, signin.Client{}) },
			"SetPasskeySignIn": func() error { return e.adm.SetPasskeySignIn(ctx, e.ws, false, actor, signin.Client{}) },
			"SetPolicySwitches": func() error {
				_, err := e.adm.SetPolicySwitches(ctx, admin.PolicySwitches{Workspace: e.ws, Actor: actor, Require2FA: &on})
				return err
			},
			"SetConnectionEnabled": func() error { _, err := e.adm.SetConnectionEnabled(ctx, conn, false); return err },
			"MoveConnection":       func() error { return e.adm.MoveConnection(ctx, conn, 1) },
			"RemoveConnection":     func() error { _, err := e.adm.RemoveConnection(ctx, conn); return err },
			"EditConnection": func() error {
				_, err := e.adm.EditConnection(ctx, admin.ConnectionChange{ConnectionAction: conn, Edit: func(c *latchkey.Connection) { c.Name = "Evil" }})
				return err
			},
			"CreateConnection": func() error {
				_, err := e.adm.CreateConnection(ctx, admin.NewConnection{ConnectionAction: conn, Connection: latchkey.Connection{Kind: latchkey.KindGoogle}})
				return err
			},
			"AddDomain": func() error {
				_, err := e.adm.AddDomain(ctx, admin.DomainAction{Workspace: e.ws, Domain: "evil.example", Actor: actor})
				return err
			},
			"RemoveDomain": func() error {
				return e.adm.RemoveDomain(ctx, admin.DomainAction{Workspace: e.ws, Domain: "acme.example", Actor: actor})
			},
			"CreateAPIToken": func() error {
				_, _, err := e.adm.CreateAPIToken(ctx, admin.NewAPIToken{Workspace: e.ws, Actor: actor, OwnerEmail: e.admin.Email})
				return err
			},
			"APITokens":      func() error { _, err := e.adm.APITokens(ctx, e.ws, actor); return err },
			"RevokeAPIToken": func() error { _, err := e.adm.RevokeAPIToken(ctx, e.ws, actor, tok.ID, signin.Client{}); return err },
		} {
			wantError(t, name+": "+what, call(), latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
		}
	}
	after, err := e.store.Events(ctx, e.ws.ID, latchkey.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("refused actions audited %d events", len(after)-len(before))
	}
	if got := e.workspace(t).Policy; got != e.ws.Policy {
		t.Fatalf("refused actions changed the policy: %+v", got)
	}
	if got, err := e.store.Connection(ctx, e.ws.ID, c.ID); err != nil || got.Name != c.Name || !got.Enabled {
		t.Fatalf("refused actions changed the connection: %+v, %v", got, err)
	}
	if ts, err := e.store.APITokens(ctx, e.ws.ID); err != nil || len(ts) != 1 || ts[0].Revoked() {
		t.Fatalf("refused actions changed the API tokens: %+v, %v", ts, err)
	}
}

// A connection change records who made it: the administrator's id from the console, none
// from the command line.
func TestConnectionEventsNameTheActor(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	c := e.enableSSO(t)
	in := admin.ConnectionAction{Workspace: e.ws, ConnectionID: c.ID, Actor: latchkey.AdminActor(e.admin), Client: signin.Client{Addr: "192.0.2.50"}}
	if _, err := e.adm.SetConnectionEnabled(ctx, in, false); err != nil {
		t.Fatal(err)
	}
	ev := e.events(t, latchkey.EventSSOConnection)[0]
	if ev.ActorID != e.admin.ID || ev.AccountID != e.admin.ID || ev.ClientAddr != "192.0.2.50" {
		t.Fatalf("console event %+v, want the administrator as actor", ev)
	}
	in.Actor, in.Client = latchkey.OperatorActor(), signin.Client{}
	if _, err := e.adm.SetConnectionEnabled(ctx, in, true); err != nil {
		t.Fatal(err)
	}
	if ev := e.events(t, latchkey.EventSSOConnection)[0]; ev.ActorID != "" || ev.AccountID != "" || ev.Detail != "enabled Okta ("+c.ID+")" {
		t.Fatalf("operator event %+v, want no actor id", ev)
	}
}
