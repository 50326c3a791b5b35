package admin_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/lifecycletest"
	"github.com/latchkey/latchkey/signin"
)

// operator is the CLI's MemberAction on target.
func (e *lcEnv) operator(target latchkey.Account) admin.MemberAction {
	return admin.MemberAction{Workspace: e.WS, AccountID: target.ID, Actor: latchkey.OperatorActor()}
}

func (e *lcEnv) act(actor latchkey.Account, target latchkey.Account) admin.MemberAction {
	return admin.MemberAction{Workspace: e.WS, AccountID: target.ID, Actor: latchkey.AdminActor(actor), Client: signin.Client{Addr: "192.0.2.50", UserAgent: "admin browser"}}
}

// activeAdmins counts the workspace's active administrators.
func (e *lcEnv) activeAdmins(t *testing.T) int {
	t.Helper()
	as, err := e.Store.Accounts(t.Context(), e.WS.ID, latchkey.AccountFilter{Status: latchkey.StatusActive, Role: latchkey.RoleAdmin})
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
	other := e.Member(t, "ops@acme.example", latchkey.RoleAdmin)
	if _, err := e.Adm.SuspendMember(ctx, e.act(e.Admin, other)); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		lifecycletest.WantError(t, what, err, latchkey.CodeConflict, latchkey.MsgLastAdmin, "")
		if got := e.Account(t, e.Admin); got.Role != latchkey.RoleAdmin || got.Status != latchkey.StatusActive {
			t.Fatalf("%s: the last admin is now %s, %s", what, got.Role, got.Status)
		}
	}
	_, err := e.Adm.SuspendMember(ctx, e.act(e.Admin, e.Admin))
	check("suspend the last admin", err)
	_, err = e.Adm.ChangeMemberRole(ctx, e.act(e.Admin, e.Admin), latchkey.RoleMember)
	check("demote the last admin", err)
	_, err = e.Adm.RemoveMember(ctx, e.act(e.Admin, e.Admin))
	check("remove the last admin", err)
	_, err = e.Adm.SuspendMember(ctx, e.operator(e.Admin))
	check("the operator suspends the last admin", err)

	// With a second active admin, each may go.
	bob, err := e.Adm.ChangeMemberRole(ctx, e.act(e.Admin, e.Bob), latchkey.RoleAdmin)
	if err != nil || bob.Role != latchkey.RoleAdmin {
		t.Fatalf("promote bob: %v, %v", bob.Role, err)
	}
	if _, err := e.Adm.ChangeMemberRole(ctx, e.act(e.Admin, e.Admin), latchkey.RoleMember); err != nil {
		t.Fatalf("demote yourself with another admin: %v", err)
	}
	_, err = e.Adm.ChangeMemberRole(ctx, e.act(bob, bob), latchkey.RoleMember)
	check2 := func(what string, err error) {
		t.Helper()
		lifecycletest.WantError(t, what, err, latchkey.CodeConflict, latchkey.MsgLastAdmin, "")
		if n := e.activeAdmins(t); n != 1 {
			t.Fatalf("%s: %d active admins", what, n)
		}
	}
	check2("bob demotes himself, the last admin", err)
	_, err = e.Adm.RemoveMember(ctx, e.act(bob, bob))
	check2("bob removes himself, the last admin", err)
}

// Two administrators demoting each other at the same moment never leave the workspace without
// one.
func TestLastAdminGuardConcurrent(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	for round := range 10 {
		a := e.Update(t, e.Admin, func(acc *latchkey.Account) { acc.Role, acc.Status = latchkey.RoleAdmin, latchkey.StatusActive })
		b := e.Update(t, e.Bob, func(acc *latchkey.Account) { acc.Role, acc.Status = latchkey.RoleAdmin, latchkey.StatusActive })
		var wg sync.WaitGroup
		wg.Go(func() {
			if round%2 == 0 {
				e.Adm.ChangeMemberRole(ctx, e.act(a, b), latchkey.RoleMember)
			} else {
				e.Adm.SuspendMember(ctx, e.act(a, b))
			}
		})
		wg.Go(func() { e.Adm.ChangeMemberRole(ctx, e.act(b, a), latchkey.RoleMember) })
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
	s1 := e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.1")
	e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.2")
	a, err := e.Adm.SuspendMember(ctx, e.act(e.Admin, e.Bob))
	if err != nil || a.Status != latchkey.StatusSuspended {
		t.Fatalf("suspend: %v, %v", a.Status, err)
	}
	if ss := e.Sessions(t, e.Bob); len(ss) != 0 {
		t.Fatalf("%d sessions left after suspending", len(ss))
	}
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), s1.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("a session of a suspended member: %v", err)
	}
	ev := e.Events(t, latchkey.EventAccountSuspend)[0]
	if ev.AccountID != e.Bob.ID || ev.ActorID != e.Admin.ID || ev.ClientAddr != "192.0.2.50" || ev.Detail != "was active; 2 sessions ended" {
		t.Errorf("audit %+v", ev)
	}
	_, err = e.Adm.SuspendMember(ctx, e.act(e.Admin, e.Bob))
	lifecycletest.WantError(t, "suspend twice", err, latchkey.CodeConflict, latchkey.MsgAlreadySuspended, "")
	_, err = e.SignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.1")
	lifecycletest.WantError(t, "sign in while suspended", err, latchkey.CodeForbidden, latchkey.MsgNotActive, "")

	if a, err = e.Adm.ReactivateMember(ctx, e.act(e.Admin, e.Bob)); err != nil || a.Status != latchkey.StatusActive {
		t.Fatalf("reactivate: %v, %v", a.Status, err)
	}
	if ev := e.Events(t, latchkey.EventAccountActivate)[0]; ev.ActorID != e.Admin.ID || ev.Detail != "now active" {
		t.Errorf("audit %+v", ev)
	}
	_, err = e.Adm.ReactivateMember(ctx, e.act(e.Admin, e.Bob))
	lifecycletest.WantError(t, "reactivate an active member", err, latchkey.CodeConflict, latchkey.MsgNotSuspended, "")
	e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.1")
}

// Only an active administrator of the workspace may manage members.
func TestMemberActionsNeedAnAdmin(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	other, _, _, err := e.Adm.CreateWorkspace(ctx, admin.NewWorkspace{Slug: "globex", Name: "Globex", AdminEmail: "admin@globex.example"})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := e.Store.AccountByEmail(ctx, other.ID, "admin@globex.example")
	if err != nil {
		t.Fatal(err)
	}
	foreign.Status = latchkey.StatusActive
	suspendedAdmin := e.Admin
	suspendedAdmin.Status = latchkey.StatusSuspended
	for name, actor := range map[string]latchkey.Account{
		"a member":                  e.Bob,
		"an admin of another space": foreign,
		"a suspended admin":         suspendedAdmin,
		"nobody (the zero account)": {},
	} {
		in := e.act(actor, e.Bob)
		_, err := e.Adm.SuspendMember(ctx, in)
		lifecycletest.WantError(t, name+" suspends", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
		_, err = e.Adm.ChangeMemberRole(ctx, in, latchkey.RoleAdmin)
		lifecycletest.WantError(t, name+" promotes", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
		_, err = e.Adm.RemoveMember(ctx, in)
		lifecycletest.WantError(t, name+" removes", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
		_, err = e.Adm.UpdatePolicy(ctx, admin.PolicyInput{Workspace: e.WS, Actor: latchkey.AdminActor(actor)})
		lifecycletest.WantError(t, name+" updates the policy", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
	}
	if got := e.Account(t, e.Bob); got.Status != latchkey.StatusActive || got.Role != latchkey.RoleMember {
		t.Fatalf("bob is now %s, %s", got.Role, got.Status)
	}
	// A member of another workspace cannot be reached through this one.
	_, err = e.Adm.SuspendMember(ctx, e.act(e.Admin, foreign))
	if !errors.Is(err, latchkey.ErrNotFound) {
		t.Fatalf("suspend an account of another workspace: %v, want not found", err)
	}
}

// Removing a member deletes its sessions and links with it; the audit stays.
func TestRemoveMember(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	res := e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.1")
	e.RequestReset(t, "bob@acme.example", "192.0.2.1")
	a, err := e.Adm.RemoveMember(ctx, e.act(e.Admin, e.Bob))
	if err != nil || a.ID != e.Bob.ID {
		t.Fatalf("remove: %v, %v", a.Email, err)
	}
	if _, err := e.Store.Account(ctx, e.WS.ID, e.Bob.ID); !errors.Is(err, latchkey.ErrNotFound) {
		t.Fatalf("the account is still there: %v", err)
	}
	if _, _, err := e.Store.Session(ctx, e.WS.ID, res.Session.ID); !errors.Is(err, latchkey.ErrNotFound) {
		t.Fatalf("a session of a removed member is still stored: %v", err)
	}
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), res.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("a removed member's session: %v", err)
	}
	evs, err := e.Store.Events(ctx, e.WS.ID, latchkey.EventFilter{AccountID: e.Bob.ID})
	if err != nil || len(evs) < 2 || evs[0].Type != latchkey.EventAccountRemove || evs[0].ActorID != e.Admin.ID || evs[0].Detail != "member, active" {
		t.Fatalf("audit after removal: %+v, %v", evs, err)
	}
	if _, err := e.Adm.RemoveMember(ctx, e.act(e.Admin, e.Bob)); !errors.Is(err, latchkey.ErrNotFound) {
		t.Fatalf("remove twice: %v, want not found", err)
	}
	// The removed member's email can be invited again, as a new account.
	if _, _, err := e.Adm.Invite(ctx, admin.NewMember{Workspace: e.WS, Email: "bob@acme.example", Actor: latchkey.OperatorActor()}); err != nil {
		t.Fatalf("invite again: %v", err)
	}
}

// Changing a role is audited with the change and ends the member's sessions (a privilege change
// never keeps a session id); the new role applies from the next sign-in.
func TestChangeMemberRole(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	res := e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.1")
	if _, err := e.Adm.ChangeMemberRole(ctx, e.act(e.Admin, e.Bob), "owner"); latchkey.ErrorMessage(err) != latchkey.MsgRoleInvalid {
		t.Fatalf("an unknown role: %v", err)
	}
	if _, err := e.Adm.ChangeMemberRole(ctx, e.act(e.Admin, e.Bob), latchkey.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if ev := e.Events(t, latchkey.EventAccountRole)[0]; ev.AccountID != e.Bob.ID || ev.ActorID != e.Admin.ID || ev.Detail != "member → admin" {
		t.Errorf("audit %+v", ev)
	}
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), res.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("bob's session from before the promotion: %v, want it ended", err)
	}
	res = e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.1")
	_, acct, err := e.Svc.Authenticate(ctx, e.Workspace(t), res.Secret)
	if err != nil || acct.Role != latchkey.RoleAdmin {
		t.Fatalf("bob's new session after the promotion: %v, %v", acct.Role, err)
	}
	// The same role again changes nothing and is not audited.
	if _, err := e.Adm.ChangeMemberRole(ctx, e.act(e.Admin, e.Bob), latchkey.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if n := len(e.Events(t, latchkey.EventAccountRole)); n != 1 {
		t.Errorf("%d role events, want 1", n)
	}
}

// Resend invitation sends a fresh link and ends the old one; it is for invited accounts only.
func TestReinviteMember(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	carol, old, err := e.Adm.Invite(ctx, admin.NewMember{Workspace: e.WS, Email: "carol@acme.example", Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatal(err)
	}
	e.Delivered(t)
	fresh, err := e.Adm.ReinviteMember(ctx, e.act(e.Admin, carol))
	if err != nil {
		t.Fatal(err)
	}
	if ms := e.Delivered(t); len(ms) != 1 || lifecycletest.Link(t, ms[0], "/set-password/") != fresh {
		t.Fatalf("mail after resend: %+v", ms)
	}
	if _, err := e.Svc.CheckLink(ctx, e.WS.ID, latchkey.PurposeSetPassword, lifecycletest.SecretOf(old)); latchkey.ErrorCode(err) != latchkey.CodeExpired {
		t.Fatalf("the old link: %v, want expired", err)
	}
	if _, err := e.Svc.CheckLink(ctx, e.WS.ID, latchkey.PurposeSetPassword, lifecycletest.SecretOf(fresh)); err != nil {
		t.Fatalf("the new link: %v", err)
	}
	if ev := e.Events(t, latchkey.EventAccountInvite)[0]; ev.ActorID != e.Admin.ID || ev.Detail != "resend" {
		t.Errorf("audit %+v", ev)
	}
	_, err = e.Adm.ReinviteMember(ctx, e.act(e.Admin, e.Bob))
	lifecycletest.WantError(t, "resend to an active member", err, latchkey.CodeConflict, latchkey.MsgNotInvited, "-")
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
	e.EnableSSO(t) // password sign-in may be turned off
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.Workspace(t)
			w, err := e.Adm.UpdatePolicy(t.Context(), admin.PolicyInput{Workspace: before, Actor: latchkey.AdminActor(e.Admin), Policy: tt.p})
			if tt.msg != "" {
				lifecycletest.WantError(t, "UpdatePolicy", err, latchkey.CodeInvalid, tt.msg, tt.field)
				if got := e.Workspace(t).Policy; got != before.Policy {
					t.Fatalf("a refused policy was stored: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.p
			want.Require2FA = before.Policy.Require2FA // not the settings form's to change
			if w.Policy != want || e.Workspace(t).Policy != want {
				t.Fatalf("stored %+v, want %+v", e.Workspace(t).Policy, want)
			}
		})
	}
	ev := e.Events(t, latchkey.EventWorkspacePolicy)[0]
	want := "minimum password length: 0 → 16; password sign-in: on → off; session idle timeout: 8h0m0s → 1h0m0s"
	if ev.ActorID != e.Admin.ID || ev.Detail != want {
		t.Errorf("audit %q by %s, want %q by the admin", ev.Detail, ev.ActorID, want)
	}
}

// Saving the settings form while another administrator turns "Require two-factor" on from the
// security page does not turn it off again: the form writes only its own fields.
func TestUpdatePolicyKeepsRequire2FA(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	loaded := e.Workspace(t) // the settings page, loaded before the change
	e.Require2FA(t)
	if _, err := e.Adm.UpdatePolicy(t.Context(), admin.PolicyInput{Workspace: loaded, Actor: latchkey.AdminActor(e.Admin), Policy: latchkey.Policy{PasswordMinLength: 14}}); err != nil {
		t.Fatal(err)
	}
	if got := e.Workspace(t).Policy; !got.Require2FA || got.PasswordMinLength != 14 {
		t.Fatalf("policy after saving the settings page: %+v, want Require2FA kept and the length saved", got)
	}
}

// A workspace's shorter idle timeout ends its sessions; the operator's still bounds it.
func TestWorkspaceSessionIdle(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	if _, err := e.Adm.UpdatePolicy(ctx, admin.PolicyInput{Workspace: e.WS, Actor: latchkey.AdminActor(e.Admin), Policy: latchkey.Policy{SessionIdle: 30 * time.Minute}}); err != nil {
		t.Fatal(err)
	}
	if got := e.Svc.SessionIdle(e.Workspace(t)); got != 30*time.Minute {
		t.Fatalf("SessionIdle = %v, want 30m", got)
	}
	res := e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.1")
	e.Clock.Advance(30*time.Minute - time.Second)
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), res.Secret); err != nil {
		t.Fatalf("used again within 30 minutes: %v", err)
	}
	e.Clock.Advance(30 * time.Minute)
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), res.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("unused for 30 minutes: %v, want the session ended", err)
	}
	// A policy below the floor (say, from an import) counts as MinSessionIdle, and one above the
	// operator's as the operator's.
	for _, tt := range []struct{ set, want time.Duration }{{time.Minute, signin.MinSessionIdle}, {48 * time.Hour, 8 * time.Hour}, {0, 8 * time.Hour}} {
		w := e.WS
		w.Policy.SessionIdle = tt.set
		if got := e.Svc.SessionIdle(w); got != tt.want {
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
	carol, _, err := e.Adm.Invite(ctx, admin.NewMember{Workspace: e.WS, Email: "carol@acme.example", Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Adm.SuspendMember(ctx, e.operator(carol))
	if err != nil || a.Status != latchkey.StatusSuspended {
		t.Fatalf("operator suspends: %s, %v", a.Status, err)
	}
	if ev := e.Events(t, latchkey.EventAccountSuspend)[0]; ev.ActorID != "" || ev.AccountID != carol.ID {
		t.Fatalf("audit %+v, want carol with no actor id", ev)
	}
	// Never activated: reactivating leaves carol invited.
	if a, err = e.Adm.ReactivateMember(ctx, e.operator(carol)); err != nil || a.Status != latchkey.StatusInvited {
		t.Fatalf("operator reactivates: %s, %v; want invited", a.Status, err)
	}
	if _, err := e.Adm.ReinviteMember(ctx, e.operator(carol)); err != nil {
		t.Fatalf("operator resends the invitation: %v", err)
	}
	if _, err := e.Adm.UnlockMember(ctx, e.operator(carol)); err != nil {
		t.Fatalf("operator unlocks: %v", err)
	}
	// A token is no administrator of members.
	if _, err := e.Adm.SuspendMember(ctx, admin.MemberAction{Workspace: e.WS, AccountID: carol.ID, Actor: latchkey.TokenActor("t1")}); latchkey.ErrorMessage(err) != latchkey.MsgAdminOnly {
		t.Fatalf("a token suspends: %v, want MsgAdminOnly", err)
	}
}
