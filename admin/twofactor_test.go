package admin_test

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/lifecycletest"
	"github.com/latchkey/latchkey/signin"
)

// An administrator resets a member's two-factor only with their own password, asked again
// even on a fresh session, and never their own; nothing changes on a refusal.
func TestResetTwoFactorByAnAdministrator(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	bobs := e.MustSignIn(t, e.Bob.Email, lifecycletest.Password, "192.0.2.1")
	e.WithTOTP(t)
	admins := e.MustSignIn(t, e.Admin.Email, lifecycletest.Password, "192.0.2.9")
	reset := func(id, pw string) error {
		_, err := e.Adm.ResetTwoFactor(ctx, admin.TwoFactorReset{
			MemberAction: admin.MemberAction{Workspace: e.WS, AccountID: id, Actor: latchkey.AdminActor(e.Admin), Client: signin.Client{Addr: "192.0.2.9"}},
			Session:      admins.Session, Password: pw,
		})
		return err
	}

	lifecycletest.WantError(t, "no password", reset(e.Bob.ID, ""), latchkey.CodeInvalid, latchkey.MsgReauthRequired, "password")
	lifecycletest.WantError(t, "a wrong password", reset(e.Bob.ID, "not the password"), latchkey.CodeUnauthorized, latchkey.MsgReauthWrong, "password")
	lifecycletest.WantError(t, "their own", reset(e.Admin.ID, lifecycletest.Password), latchkey.CodeForbidden, latchkey.MsgResetOwnTwoFactor, "")
	if err := reset("no-such-account", lifecycletest.Password); latchkey.ErrorCode(err) != latchkey.CodeNotFound {
		t.Fatalf("an unknown account: %v, want not found", err)
	}
	if e.Account(t, e.Bob).TOTPSecret == "" || len(e.Sessions(t, e.Bob)) != 1 || len(e.Events(t, latchkey.EventTwoFactorReset)) != 0 {
		t.Fatal("a refused reset changed the member's two-factor, sessions or log")
	}

	if err := reset(e.Bob.ID, lifecycletest.Password); err != nil {
		t.Fatal(err)
	}
	if a := e.Account(t, e.Bob); a.TOTPSecret != "" || !a.TOTPEnabledAt.IsZero() {
		t.Errorf("after the reset: TOTP secret %q enabled %v, want none", a.TOTPSecret, a.TOTPEnabledAt)
	}
	if ss := e.Sessions(t, e.Bob); len(ss) != 0 {
		t.Errorf("bob's sessions after the reset: %d (one was %s), want none", len(ss), bobs.Session.ID)
	}
	evs := e.Events(t, latchkey.EventTwoFactorReset)
	if len(evs) != 1 || evs[0].AccountID != e.Bob.ID || evs[0].ActorID != e.Admin.ID || evs[0].ClientAddr != "192.0.2.9" {
		t.Fatalf("2fa.reset events %+v, want one about bob by the administrator", evs)
	}
	ms := e.Delivered(t)
	if len(ms) != 1 || ms[0].To != e.Bob.Email || !strings.Contains(ms[0].Text, "("+e.Admin.Email+") reset the two-factor authentication") {
		t.Fatalf("mail after the reset: %+v, want bob told who reset it", ms)
	}
	lifecycletest.WantError(t, "again", reset(e.Bob.ID, lifecycletest.Password), latchkey.CodeConflict, latchkey.MsgTwoFactorNotOn, "")
}

// The operator at the command line (latchkey account reset-2fa) is not asked for a password, and
// may reset an administrator's: the way back in for a workspace's only administrator.
func TestResetTwoFactorByTheOperator(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	e.Admin = e.Update(t, e.Admin, func(a *latchkey.Account) { a.TOTPSecret, a.TOTPEnabledAt = "sealed", e.Clock.Now() })
	a, err := e.Adm.ResetTwoFactor(t.Context(), admin.TwoFactorReset{MemberAction: admin.MemberAction{Workspace: e.WS, AccountID: e.Admin.ID, Actor: latchkey.OperatorActor()}})
	if err != nil || a.ID != e.Admin.ID {
		t.Fatalf("ResetTwoFactor by the operator: %+v, %v", a, err)
	}
	if e.Account(t, e.Admin).TOTPSecret != "" {
		t.Error("the administrator's authenticator is still on")
	}
	if evs := e.Events(t, latchkey.EventTwoFactorReset); len(evs) != 1 || evs[0].ActorID != "" || evs[0].AccountID != e.Admin.ID {
		t.Errorf("2fa.reset events %+v, want one about the administrator with no actor account", evs)
	}
	ms := e.Delivered(t)
	if len(ms) != 1 || !strings.Contains(ms[0].Text, "An administrator of Acme Corp reset the two-factor authentication") {
		t.Fatalf("mail after the operator's reset: %+v", ms)
	}
}
