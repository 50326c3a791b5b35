package admin_test

import (
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/signin"
)

// TestEndMemberSessions: an administrator ends one session of a member or all of them; a
// member cannot, and a session of another account is not ended through this one (ASVS 7.4.5).
func TestEndMemberSessions(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	one := e.mustSignIn(t, e.bob.Email, lcPassword, "192.0.2.1")
	two := e.mustSignIn(t, e.bob.Email, lcPassword, "192.0.2.2")
	three := e.mustSignIn(t, e.bob.Email, lcPassword, "192.0.2.3")
	adm := e.mustSignIn(t, e.admin.Email, lcPassword, "192.0.2.9")

	_, err := e.adm.EndMemberSessions(ctx, e.act(e.bob, e.admin), "")
	wantError(t, "a member ending sessions", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
	_, err = e.adm.EndMemberSessions(ctx, e.act(e.admin, e.bob), adm.Session.ID)
	wantError(t, "the admin's session through bob", err, latchkey.CodeNotFound, latchkey.MsgSessionGone, "")
	if n, err := e.adm.EndMemberSessions(ctx, e.act(e.admin, latchkey.Account{ID: "nobody"}), ""); !errors.Is(err, latchkey.ErrNotFound) || n != 0 {
		t.Fatalf("an unknown member: %d, %v", n, err)
	}
	if got := len(e.sessions(t, e.bob)) + len(e.sessions(t, e.admin)); got != 4 {
		t.Fatalf("%d sessions after the refusals, want 4", got)
	}

	if n, err := e.adm.EndMemberSessions(ctx, e.act(e.admin, e.bob), one.Session.ID); err != nil || n != 1 {
		t.Fatalf("end one: %d, %v", n, err)
	}
	if _, _, err := e.svc.Authenticate(ctx, e.ws, one.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("the ended session: %v", err)
	}
	if n, err := e.adm.EndMemberSessions(ctx, e.act(e.admin, e.bob), ""); err != nil || n != 2 {
		t.Fatalf("end all: %d, %v; want 2", n, err)
	}
	for _, s := range []signin.Result{two, three} {
		if _, _, err := e.svc.Authenticate(ctx, e.ws, s.Secret); !errors.Is(err, signin.ErrNoSession) {
			t.Fatalf("a session after end all: %v", err)
		}
	}
	if _, _, err := e.svc.Authenticate(ctx, e.ws, adm.Secret); err != nil {
		t.Fatalf("the admin's session: %v", err)
	}
	evs := e.events(t, latchkey.EventSessionRevoked)
	if len(evs) != 2 || evs[0].ActorID != e.admin.ID || evs[0].AccountID != e.bob.ID || evs[0].ClientAddr != "192.0.2.50" {
		t.Errorf("session.revoked events %+v", evs)
	}
}

// TestEndAllSessions: Sign out everyone ends every session of the workspace but the actor's
// current one (ASVS 7.4.5).
func TestEndAllSessions(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	bob := e.mustSignIn(t, e.bob.Email, lcPassword, "192.0.2.1")
	here := e.mustSignIn(t, e.admin.Email, lcPassword, "192.0.2.9")
	there := e.mustSignIn(t, e.admin.Email, lcPassword, "192.0.2.8")

	_, err := e.adm.EndAllSessions(ctx, e.act(e.bob, latchkey.Account{}), bob.Session)
	wantError(t, "a member", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
	if _, err := e.adm.EndAllSessions(ctx, e.act(e.admin, latchkey.Account{}), latchkey.Session{}); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("without a current session: %v", err)
	}
	if _, err := e.adm.EndAllSessions(ctx, e.act(e.admin, latchkey.Account{}), bob.Session); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("with another account's session as current: %v", err)
	}
	n, err := e.adm.EndAllSessions(ctx, e.act(e.admin, latchkey.Account{}), here.Session)
	if err != nil || n != 2 {
		t.Fatalf("EndAllSessions = %d, %v; want 2", n, err)
	}
	for _, s := range []signin.Result{bob, there} {
		if _, _, err := e.svc.Authenticate(ctx, e.ws, s.Secret); !errors.Is(err, signin.ErrNoSession) {
			t.Fatalf("a session after sign out everyone: %v", err)
		}
	}
	if _, _, err := e.svc.Authenticate(ctx, e.ws, here.Secret); err != nil {
		t.Fatalf("the actor's current session: %v", err)
	}
}

// TestWorkspaceSessionMax: a workspace's shorter absolute lifetime ends sessions opened before
// it was set, and UpdatePolicy keeps it between MinSessionMax and the operator's (ASVS 7.1.1).
func TestWorkspaceSessionMax(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	bob := e.mustSignIn(t, e.bob.Email, lcPassword, "192.0.2.1")
	set := func(d time.Duration) error {
		_, err := e.adm.UpdatePolicy(ctx, admin.PolicyInput{Workspace: e.workspace(t), Actor: latchkey.AdminActor(e.admin), Policy: latchkey.Policy{SessionMax: d}})
		return err
	}
	for _, d := range []time.Duration{time.Minute, signin.MinSessionMax - time.Second, e.svc.Policy.SessionMax + time.Second} {
		if err := set(d); latchkey.ErrorCode(err) != latchkey.CodeInvalid {
			t.Errorf("lifetime %v: %v, want CodeInvalid", d, err)
		}
	}
	if err := set(2 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := e.svc.SessionMax(e.workspace(t)); got != 2*time.Hour {
		t.Fatalf("SessionMax = %v, want 2h", got)
	}
	e.clock.Advance(time.Hour)
	if _, _, err := e.svc.Authenticate(ctx, e.workspace(t), bob.Secret); err != nil {
		t.Fatalf("after 1h: %v", err)
	}
	e.clock.Advance(time.Hour)
	if _, _, err := e.svc.Authenticate(ctx, e.workspace(t), bob.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("after 2h: %v, want ErrNoSession", err)
	}
}
