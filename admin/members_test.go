package admin_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/signin"
)

// operator is the CLI's MemberAction on target.
func (e *lcEnv) operator(target latchkey.Account) admin.MemberAction {
	return admin.MemberAction{Workspace: e.ws, AccountID: target.ID, Actor: latchkey.OperatorActor()}
}

func (e *lcEnv) act(actor latchkey.Account, target latchkey.Account) admin.MemberAction {
	return admin.MemberAction{Workspace: e.ws, AccountID: target.ID, Actor: latchkey.AdminActor(actor), Client: signin.Client{Addr: "192.0.2.50", UserAgent: "admin browser"}}
}

// activeAdmins counts the workspace's active administrators.
func (e *lcEnv) activeAdmins(t *testing.T) int {
	t.Helper()
	as, err := e.store.Accounts(t.Context(), e.ws.ID, latchkey.AccountFilter{Status: latchkey.StatusActive, Role: latchkey.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	return len(as)
}

// The last active administrator cannot be suspended, demoted or removed, by anyone, themselves
// included; a suspended administrator does not count.
func TestLastAdminGuard(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	other := e.member(t, "ops@acme.example", latchkey.RoleAdmin)
	if _, err := e.adm.SuspendMember(ctx, e.act(e.admin, other)); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		wantError(t, what, err, latchkey.CodeConflict, latchkey.MsgLastAdmin, "")
		if got := e.account(t, e.admin); got.Role != latchkey.RoleAdmin || got.Status != latchkey.StatusActive {
			t.Fatalf("%s: the last admin is now %s, %s", what, got.Role, got.Status)
		}
	}
	_, err := e.adm.SuspendMember(ctx, e.act(e.admin, e.admin))
	check("suspend the last admin", err)
	_, err = e.adm.ChangeMemberRole(ctx, e.act(e.admin, e.admin), latchkey.RoleMember)
	check("demote the last admin", err)
	_, err = e.adm.RemoveMember(ctx, e.act(e.admin, e.admin))
	check("remove the last admin", err)
	_, err = e.adm.SuspendMember(ctx, e.operator(e.admin))
	check("the operator suspends the last admin", err)

	// With a second active admin, each may go.
	bob, err := e.adm.ChangeMemberRole(ctx, e.act(e.admin, e.bob), latchkey.RoleAdmin)
	if err != nil || bob.Role != latchkey.RoleAdmin {
		t.Fatalf("promote bob: %v, %v", bob.Role, err)
	}
	if _, err := e.adm.ChangeMemberRole(ctx, e.act(e.admin, e.admin), latchkey.RoleMember); err != nil {
		t.Fatalf("demote yourself with another admin: %v", err)
	}
	_, err = e.adm.ChangeMemberRole(ctx, e.act(bob, bob), latchkey.RoleMember)
	check2 := func(what string, err error) {
		t.Helper()
		wantError(t, what, err, latchkey.CodeConflict, latchkey.MsgLastAdmin, "")
		if n := e.activeAdmins(t); n != 1 {
			t.Fatalf("%s: %d active admins", what, n)
		}
	}
	check2("bob demotes himself, the last admin", err)
	_, err = e.adm.RemoveMember(ctx, e.act(bob, bob))
	check2("bob removes himself, the last admin", err)
}

// Two administrators demoting each other at the same moment never leave the workspace without
// one.
func TestLastAdminGuardConcurrent(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	for round := range 10 {
		a := e.update(t, e.admin, func(acc *latchkey.Account) { acc.Role, acc.Status = latchkey.RoleAdmin, latchkey.StatusActive })
		b := e.update(t, e.bob, func(acc *latchkey.Account) { acc.Role, acc.Status = latchkey.RoleAdmin, latchkey.StatusActive })
		var wg sync.WaitGroup
		wg.Go(func() {
			if round%2 == 0 {
				e.adm.ChangeMemberRole(ctx, e.act(a, b), latchkey.RoleMember)
			} else {
				e.adm.SuspendMember(ctx, e.act(a, b))
			}
		})
		wg.Go(func() { e.adm.ChangeMemberRole(ctx, e.act(b, a), latchkey.RoleMember) })
		wg.Wait()
		if n := e.activeAdmins(t); n < 1 {
			t.Fatalf("round %d: no active administrator left", round)
		}
	}
}

// Suspending ends every session of the member at once; reactivating lets them sign in again.
// Both are audited with the actor.
func TestSuspendAndReactivate(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	s1 := e.mustSignIn(t, "bob@acme.example", lcPassword, "192.0.2.1")
	e.mustSignIn(t, "bob@acme.example", lcPassword, "192.0.2.2")
	a, err := e.adm.SuspendMember(ctx, e.act(e.admin, e.bob))
	if err != nil || a.Status != latchkey.StatusSuspended {
		t.Fatalf("suspend: %v, %v", a.Status, err)
	}
	if ss := e.sessions(t, e.bob); len(ss) != 0 {
		t.Fatalf("%d sessions left after suspending", len(ss))
	}
	if _, _, err := e.svc.Authenticate(ctx, e.workspace(t), s1.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("a session of a suspended member: %v", err)
	}
	ev := e.events(t, latchkey.EventAccountSuspend)[0]
	if ev.AccountID != e.bob.ID || ev.ActorID != e.admin.ID || ev.ClientAddr != "192.0.2.50" || ev.Detail != "was active; 2 sessions ended" {
		t.Errorf("audit %+v", ev)
	}
	_, err = e.adm.SuspendMember(ctx, e.act(e.admin, e.bob))
	wantError(t, "suspend twice", err, latchkey.CodeConflict, latchkey.MsgAlreadySuspended, "")
	_, err = e.signIn(t, "bob@acme.example", lcPassword, "192.0.2.1")
	wantError(t, "sign in while suspended", err, latchkey.CodeForbidden, latchkey.MsgNotActive, "")

	if a, err = e.adm.ReactivateMember(ctx, e.act(e.admin, e.bob)); err != nil || a.Status != latchkey.StatusActive {
		t.Fatalf("reactivate: %v, %v", a.Status, err)
	}
	if ev := e.events(t, latchkey.EventAccountActivate)[0]; ev.ActorID != e.admin.ID || ev.Detail != "now active" {
		t.Errorf("audit %+v", ev)
	}
	_, err = e.adm.ReactivateMember(ctx, e.act(e.admin, e.bob))
	wantError(t, "reactivate an active member", err, latchkey.CodeConflict, latchkey.MsgNotSuspended, "")
	e.mustSignIn(t, "bob@acme.example", lcPassword, "192.0.2.1")
}

// Only an active administrator of the workspace may manage members.
func TestMemberActionsNeedAnAdmin(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	other, _, _, err := e.adm.CreateWorkspace(ctx, admin.NewWorkspace{Slug: "globex", Name: "Globex", AdminEmail: "admin@globex.example"})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := e.store.AccountByEmail(ctx, other.ID, "admin@globex.example")
	if err != nil {
		t.Fatal(err)
	}
	foreign.Status = latchkey.StatusActive
	suspendedAdmin := e.admin
	suspendedAdmin.Status = latchkey.StatusSuspended
	for name, actor := range map[string]latchkey.Account{
		"a member":                  e.bob,
		"an admin of another space": foreign,
		"a suspended admin":         suspendedAdmin,
		"nobody (the zero account)": {},
	} {
		in := e.act(actor, e.bob)
		_, err := e.adm.SuspendMember(ctx, in)
		wantError(t, name+" suspends", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
		_, err = e.adm.ChangeMemberRole(ctx, in, latchkey.RoleAdmin)
		wantError(t, name+" promotes", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
		_, err = e.adm.RemoveMember(ctx, in)
		wantError(t, name+" removes", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
		_, err = e.adm.UpdatePolicy(ctx, admin.PolicyInput{Workspace: e.ws, Actor: latchkey.AdminActor(actor)})
		wantError(t, name+" updates the policy", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
	}
	if got := e.account(t, e.bob); got.Status != latchkey.StatusActive || got.Role != latchkey.RoleMember {
		t.Fatalf("bob is now %s, %s", got.Role, got.Status)
	}
	// A member of another workspace cannot be reached through this one.
	_, err = e.adm.SuspendMember(ctx, e.act(e.admin, foreign))
	if !errors.Is(err, latchkey.ErrNotFound) {
		t.Fatalf("suspend an account of another workspace: %v, want not found", err)
	}
}

// Removing a member deletes its sessions and links with it; the audit stays.
func TestRemoveMember(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	res := e.mustSignIn(t, "bob@acme.example", lcPassword, "192.0.2.1")
	e.requestReset(t, "bob@acme.example", "192.0.2.1")
	a, err := e.adm.RemoveMember(ctx, e.act(e.admin, e.bob))
	if err != nil || a.ID != e.bob.ID {
		t.Fatalf("remove: %v, %v", a.Email, err)
	}
	if _, err := e.store.Account(ctx, e.ws.ID, e.bob.ID); !errors.Is(err, latchkey.ErrNotFound) {
		t.Fatalf("the account is still there: %v", err)
	}
	if _, _, err := e.store.Session(ctx, e.ws.ID, res.Session.ID); !errors.Is(err, latchkey.ErrNotFound) {
		t.Fatalf("a session of a removed member is still stored: %v", err)
	}
	if _, _, err := e.svc.Authenticate(ctx, e.workspace(t), res.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("a removed member's session: %v", err)
	}
	evs, err := e.store.Events(ctx, e.ws.ID, latchkey.EventFilter{AccountID: e.bob.ID})
	if err != nil || len(evs) < 2 || evs[0].Type != latchkey.EventAccountRemove || evs[0].ActorID != e.admin.ID || evs[0].Detail != "member, active" {
		t.Fatalf("audit after removal: %+v, %v", evs, err)
	}
	if _, err := e.adm.RemoveMember(ctx, e.act(e.admin, e.bob)); !errors.Is(err, latchkey.ErrNotFound) {
		t.Fatalf("remove twice: %v, want not found", err)
	}
	// The removed member's email can be invited again, as a new account.
	if _, _, err := e.adm.Invite(ctx, admin.NewMember{Workspace: e.ws, Email: "bob@acme.example", Actor: latchkey.OperatorActor()}); err != nil {
		t.Fatalf("invite again: %v", err)
	}
}

// Changing a role is audited with the change and ends the member's sessions (a privilege change
// never keeps a session id); the new role applies from the next sign-in.
func TestChangeMemberRole(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	res := e.mustSignIn(t, "bob@acme.example", lcPassword, "192.0.2.1")
	if _, err := e.adm.ChangeMemberRole(ctx, e.act(e.admin, e.bob), "owner"); latchkey.ErrorMessage(err) != latchkey.MsgRoleInvalid {
		t.Fatalf("an unknown role: %v", err)
	}
	if _, err := e.adm.ChangeMemberRole(ctx, e.act(e.admin, e.bob), latchkey.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if ev := e.events(t, latchkey.EventAccountRole)[0]; ev.AccountID != e.bob.ID || ev.ActorID != e.admin.ID || ev.Detail != "member → admin" {
		t.Errorf("audit %+v", ev)
	}
	if _, _, err := e.svc.Authenticate(ctx, e.workspace(t), res.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("bob's session from before the promotion: %v, want it ended", err)
	}
	res = e.mustSignIn(t, "bob@acme.example", lcPassword, "192.0.2.1")
	_, acct, err := e.svc.Authenticate(ctx, e.workspace(t), res.Secret)
	if err != nil || acct.Role != latchkey.RoleAdmin {
		t.Fatalf("bob's new session after the promotion: %v, %v", acct.Role, err)
	}
	// The same role again changes nothing and is not audited.
	if _, err := e.adm.ChangeMemberRole(ctx, e.act(e.admin, e.bob), latchkey.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if n := len(e.events(t, latchkey.EventAccountRole)); n != 1 {
		t.Errorf("%d role events, want 1", n)
	}
}

// Resend invitation sends a fresh link and ends the old one; it is for invited accounts only.
func TestReinviteMember(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	carol, old, err := e.adm.Invite(ctx, admin.NewMember{Workspace: e.ws, Email: "carol@acme.example", Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatal(err)
	}
	e.delivered(t)
	fresh, err := e.adm.ReinviteMember(ctx, e.act(e.admin, carol))
	if err != nil {
		t.Fatal(err)
	}
	if ms := e.delivered(t); len(ms) != 1 || link(t, ms[0], "/set-password/") != fresh {
		t.Fatalf("mail after resend: %+v", ms)
	}
	if _, err := e.svc.CheckLink(ctx, e.ws.ID, latchkey.PurposeSetPassword, secretOf(old)); latchkey.ErrorCode(err) != latchkey.CodeExpired {
		t.Fatalf("the old link: %v, want expired", err)
	}
	if _, err := e.svc.CheckLink(ctx, e.ws.ID, latchkey.PurposeSetPassword, secretOf(fresh)); err != nil {
		t.Fatalf("the new link: %v", err)
	}
	if ev := e.events(t, latchkey.EventAccountInvite)[0]; ev.ActorID != e.admin.ID || ev.Detail != "resend" {
		t.Errorf("audit %+v", ev)
	}
	_, err = e.adm.ReinviteMember(ctx, e.act(e.admin, e.bob))
	wantError(t, "resend to an active member", err, latchkey.CodeConflict, latchkey.MsgNotInvited, "-")
}

func TestUpdatePolicy(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	tests := []struct {
		name  string
		p     latchkey.Policy
		msg   string
		field string
	}{
		{"defaults", latchkey.Policy{}, "", ""},
		{"minimum 12", latchkey.Policy{PasswordMinLength: 12}, "", ""},
		{"minimum 64", latchkey.Policy{PasswordMinLength: 64}, "", ""},
		{"minimum 11", latchkey.Policy{PasswordMinLength: 11}, latchkey.MsgMinLengthRange, "min_length"},
		{"minimum 65", latchkey.Policy{PasswordMinLength: 65}, latchkey.MsgMinLengthRange, "min_length"},
		{"idle 5 minutes", latchkey.Policy{SessionIdle: 5 * time.Minute}, "", ""},
		{"idle the operator's", latchkey.Policy{SessionIdle: 8 * time.Hour}, "", ""},
		{"idle 4 minutes", latchkey.Policy{SessionIdle: 4 * time.Minute}, "Choose a session idle timeout from 5 minutes to 8 hours", "session_idle"},
		{"idle over the operator's", latchkey.Policy{SessionIdle: 9 * time.Hour}, "Choose a session idle timeout from 5 minutes to 8 hours", "session_idle"},
		{"all", latchkey.Policy{PasswordMinLength: 16, SessionIdle: time.Hour, Require2FA: true, PasswordSignInOff: true}, "", ""},
	}
	e.enableSSO(t) // password sign-in may be turned off
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.workspace(t)
			w, err := e.adm.UpdatePolicy(t.Context(), admin.PolicyInput{Workspace: before, Actor: latchkey.AdminActor(e.admin), Policy: tt.p})
			if tt.msg != "" {
				wantError(t, "UpdatePolicy", err, latchkey.CodeInvalid, tt.msg, tt.field)
				if got := e.workspace(t).Policy; got != before.Policy {
					t.Fatalf("a refused policy was stored: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.p
			want.Require2FA = before.Policy.Require2FA // not the settings form's to change
			if w.Policy != want || e.workspace(t).Policy != want {
				t.Fatalf("stored %+v, want %+v", e.workspace(t).Policy, want)
			}
		})
	}
	ev := e.events(t, latchkey.EventWorkspacePolicy)[0]
	want := "minimum password length: 0 → 16; password sign-in: on → off; session idle timeout: 8h0m0s → 1h0m0s"
	if ev.ActorID != e.admin.ID || ev.Detail != want {
		t.Errorf("audit %q by %s, want %q by the admin", ev.Detail, ev.ActorID, want)
	}
}

// Saving the settings form while another administrator turns "Require two-factor" on from the
// security page does not turn it off again: the form writes only its own fields.
func TestUpdatePolicyKeepsRequire2FA(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	loaded := e.workspace(t) // the settings page, loaded before the change
	if err := e.adm.SetRequire2FA(t.Context(), loaded, true, latchkey.AdminActor(e.admin), signin.Client{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.adm.UpdatePolicy(t.Context(), admin.PolicyInput{Workspace: loaded, Actor: latchkey.AdminActor(e.admin), Policy: latchkey.Policy{PasswordMinLength: 14}}); err != nil {
		t.Fatal(err)
	}
	if got := e.workspace(t).Policy; !got.Require2FA || got.PasswordMinLength != 14 {
		t.Fatalf("policy after saving the settings page: %+v, want Require2FA kept and the length saved", got)
	}
}

// A workspace's shorter idle timeout ends its sessions; the operator's still bounds it.
func TestWorkspaceSessionIdle(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	if _, err := e.adm.UpdatePolicy(ctx, admin.PolicyInput{Workspace: e.ws, Actor: latchkey.AdminActor(e.admin), Policy: latchkey.Policy{SessionIdle: 30 * time.Minute}}); err != nil {
		t.Fatal(err)
	}
	if got := e.svc.SessionIdle(e.workspace(t)); got != 30*time.Minute {
		t.Fatalf("SessionIdle = %v, want 30m", got)
	}
	res := e.mustSignIn(t, "bob@acme.example", lcPassword, "192.0.2.1")
	e.clock.Advance(30*time.Minute - time.Second)
	if _, _, err := e.svc.Authenticate(ctx, e.workspace(t), res.Secret); err != nil {
		t.Fatalf("used again within 30 minutes: %v", err)
	}
	e.clock.Advance(30 * time.Minute)
	if _, _, err := e.svc.Authenticate(ctx, e.workspace(t), res.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("unused for 30 minutes: %v, want the session ended", err)
	}
	// A policy below the floor (say, from an import) counts as MinSessionIdle, and one above the
	// operator's as the operator's.
	for _, tt := range []struct{ set, want time.Duration }{{time.Minute, signin.MinSessionIdle}, {48 * time.Hour, 8 * time.Hour}, {0, 8 * time.Hour}} {
		w := e.ws
		w.Policy.SessionIdle = tt.set
		if got := e.svc.SessionIdle(w); got != tt.want {
			t.Errorf("SessionIdle(policy %v) = %v, want %v", tt.set, got, tt.want)
		}
	}
}

// The operator acts through the same methods as an administrator, with no account: the
// audit event has no actor id, and the same rules hold.
func TestOperatorActsAsAdministrator(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	carol, _, err := e.adm.Invite(ctx, admin.NewMember{Workspace: e.ws, Email: "carol@acme.example", Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.adm.SuspendMember(ctx, e.operator(carol))
	if err != nil || a.Status != latchkey.StatusSuspended {
		t.Fatalf("operator suspends: %s, %v", a.Status, err)
	}
	if ev := e.events(t, latchkey.EventAccountSuspend)[0]; ev.ActorID != "" || ev.AccountID != carol.ID {
		t.Fatalf("audit %+v, want carol with no actor id", ev)
	}
	// Never activated: reactivating leaves carol invited.
	if a, err = e.adm.ReactivateMember(ctx, e.operator(carol)); err != nil || a.Status != latchkey.StatusInvited {
		t.Fatalf("operator reactivates: %s, %v; want invited", a.Status, err)
	}
	if _, err := e.adm.ReinviteMember(ctx, e.operator(carol)); err != nil {
		t.Fatalf("operator resends the invitation: %v", err)
	}
	if _, err := e.adm.UnlockMember(ctx, e.operator(carol)); err != nil {
		t.Fatalf("operator unlocks: %v", err)
	}
	// A token is no administrator of members.
	if _, err := e.adm.SuspendMember(ctx, admin.MemberAction{Workspace: e.ws, AccountID: carol.ID, Actor: latchkey.TokenActor("t1")}); latchkey.ErrorMessage(err) != latchkey.MsgAdminOnly {
		t.Fatalf("a token suspends: %v, want MsgAdminOnly", err)
	}
}
