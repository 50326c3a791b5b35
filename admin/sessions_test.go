package admin_test

import (
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/lifecycletest"
	"github.com/latchkey/latchkey/signin"
)

// TestEndMemberSessions: an administrator ends one session of a member or all of them; a
// member cannot, and a session of another account is not ended through this one (ASVS 7.4.5).
func TestEndMemberSessions(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	one := e.MustSignIn(t, e.Bob.Email, lifecycletest.Password, "192.0.2.1")
	two := e.MustSignIn(t, e.Bob.Email, lifecycletest.Password, "192.0.2.2")
	three := e.MustSignIn(t, e.Bob.Email, lifecycletest.Password, "192.0.2.3")
	adm := e.MustSignIn(t, e.Admin.Email, lifecycletest.Password, "192.0.2.9")

	_, err := e.Adm.EndMemberSessions(ctx, e.act(e.Bob, e.Admin), "")
	lifecycletest.WantError(t, "a member ending sessions", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
	_, err = e.Adm.EndMemberSessions(ctx, e.act(e.Admin, e.Bob), adm.Session.ID)
	lifecycletest.WantError(t, "the admin's session through bob", err, latchkey.CodeNotFound, latchkey.MsgSessionGone, "")
	if n, err := e.Adm.EndMemberSessions(ctx, e.act(e.Admin, latchkey.Account{ID: "nobody"}), ""); !errors.Is(err, latchkey.ErrNotFound) || n != 0 {
		t.Fatalf("an unknown member: %d, %v", n, err)
	}
	if got := len(e.Sessions(t, e.Bob)) + len(e.Sessions(t, e.Admin)); got != 4 {
		t.Fatalf("%d sessions after the refusals, want 4", got)
	}

	if n, err := e.Adm.EndMemberSessions(ctx, e.act(e.Admin, e.Bob), one.Session.ID); err != nil || n != 1 {
		t.Fatalf("end one: %d, %v", n, err)
	}
	if _, _, err := e.Svc.Authenticate(ctx, e.WS, one.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("the ended session: %v", err)
	}
	if n, err := e.Adm.EndMemberSessions(ctx, e.act(e.Admin, e.Bob), ""); err != nil || n != 2 {
		t.Fatalf("end all: %d, %v; want 2", n, err)
	}
	for _, s := range []signin.Result{two, three} {
		if _, _, err := e.Svc.Authenticate(ctx, e.WS, s.Secret); !errors.Is(err, signin.ErrNoSession) {
			t.Fatalf("a session after end all: %v", err)
		}
	}
	if _, _, err := e.Svc.Authenticate(ctx, e.WS, adm.Secret); err != nil {
		t.Fatalf("the admin's session: %v", err)
	}
	evs := e.Events(t, latchkey.EventSessionRevoked)
	if len(evs) != 2 || evs[0].ActorID != e.Admin.ID || evs[0].AccountID != e.Bob.ID || evs[0].ClientAddr != "192.0.2.50" {
		t.Errorf("session.revoked events %+v", evs)
	}
}

// TestEndAllSessions: Sign out everyone ends every session of the workspace but the actor's
// current one (ASVS 7.4.5).
func TestEndAllSessions(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	bob := e.MustSignIn(t, e.Bob.Email, lifecycletest.Password, "192.0.2.1")
	here := e.MustSignIn(t, e.Admin.Email, lifecycletest.Password, "192.0.2.9")
	there := e.MustSignIn(t, e.Admin.Email, lifecycletest.Password, "192.0.2.8")

	_, err := e.Adm.EndAllSessions(ctx, e.act(e.Bob, latchkey.Account{}), bob.Session)
	lifecycletest.WantError(t, "a member", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
	if _, err := e.Adm.EndAllSessions(ctx, e.act(e.Admin, latchkey.Account{}), latchkey.Session{}); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("without a current session: %v", err)
	}
	if _, err := e.Adm.EndAllSessions(ctx, e.act(e.Admin, latchkey.Account{}), bob.Session); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("with another account's session as current: %v", err)
	}
	n, err := e.Adm.EndAllSessions(ctx, e.act(e.Admin, latchkey.Account{}), here.Session)
	if err != nil || n != 2 {
		t.Fatalf("EndAllSessions = %d, %v; want 2", n, err)
	}
	for _, s := range []signin.Result{bob, there} {
		if _, _, err := e.Svc.Authenticate(ctx, e.WS, s.Secret); !errors.Is(err, signin.ErrNoSession) {
			t.Fatalf("a session after sign out everyone: %v", err)
		}
	}
	if _, _, err := e.Svc.Authenticate(ctx, e.WS, here.Secret); err != nil {
		t.Fatalf("the actor's current session: %v", err)
	}
}

// TestWorkspaceSessionMax: a workspace's shorter absolute lifetime ends sessions opened before
// it was set, and UpdatePolicy keeps it between MinSessionMax and the operator's (ASVS 7.1.1).
func TestWorkspaceSessionMax(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	bob := e.MustSignIn(t, e.Bob.Email, lifecycletest.Password, "192.0.2.1")
	set := func(d time.Duration) error {
		_, err := e.Adm.UpdatePolicy(ctx, admin.PolicyInput{Workspace: e.Workspace(t), Actor: latchkey.AdminActor(e.Admin), Policy: latchkey.Policy{SessionMax: d}})
		return err
	}
	for _, d := range []time.Duration{time.Minute, signin.MinSessionMax - time.Second, e.Svc.Policy.SessionMax + time.Second} {
		if err := set(d); latchkey.ErrorCode(err) != latchkey.CodeInvalid {
			t.Errorf("lifetime %v: %v, want CodeInvalid", d, err)
		}
	}
	if err := set(2 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := e.Svc.SessionMax(e.Workspace(t)); got != 2*time.Hour {
		t.Fatalf("SessionMax = %v, want 2h", got)
	}
	e.Clock.Advance(time.Hour)
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), bob.Secret); err != nil {
		t.Fatalf("after 1h: %v", err)
	}
	e.Clock.Advance(time.Hour)
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), bob.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("after 2h: %v, want ErrNoSession", err)
	}
}
