package signin_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
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

	_, err := e.svc.EndMemberSessions(ctx, e.act(e.bob, e.admin), "")
	wantError(t, "a member ending sessions", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
	_, err = e.svc.EndMemberSessions(ctx, e.act(e.admin, e.bob), adm.Session.ID)
	wantError(t, "the admin's session through bob", err, latchkey.CodeNotFound, latchkey.MsgSessionGone, "")
	if n, err := e.svc.EndMemberSessions(ctx, e.act(e.admin, latchkey.Account{ID: "nobody"}), ""); !errors.Is(err, latchkey.ErrNotFound) || n != 0 {
		t.Fatalf("an unknown member: %d, %v", n, err)
	}
	if got := len(e.sessions(t, e.bob)) + len(e.sessions(t, e.admin)); got != 4 {
		t.Fatalf("%d sessions after the refusals, want 4", got)
	}

	if n, err := e.svc.EndMemberSessions(ctx, e.act(e.admin, e.bob), one.Session.ID); err != nil || n != 1 {
		t.Fatalf("end one: %d, %v", n, err)
	}
	if _, _, err := e.svc.Authenticate(ctx, e.ws, one.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("the ended session: %v", err)
	}
	if n, err := e.svc.EndMemberSessions(ctx, e.act(e.admin, e.bob), ""); err != nil || n != 2 {
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

	_, err := e.svc.EndAllSessions(ctx, e.act(e.bob, latchkey.Account{}), bob.Session)
	wantError(t, "a member", err, latchkey.CodeForbidden, latchkey.MsgAdminOnly, "")
	if _, err := e.svc.EndAllSessions(ctx, e.act(e.admin, latchkey.Account{}), latchkey.Session{}); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("without a current session: %v", err)
	}
	if _, err := e.svc.EndAllSessions(ctx, e.act(e.admin, latchkey.Account{}), bob.Session); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("with another account's session as current: %v", err)
	}
	n, err := e.svc.EndAllSessions(ctx, e.act(e.admin, latchkey.Account{}), here.Session)
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

// TestRevokeOtherSessionsReauthenticates: past the reauthentication window, signing out
// everywhere else needs the password (ASVS 7.5.2).
func TestRevokeOtherSessionsReauthenticates(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	here := e.mustSignIn(t, e.bob.Email, lcPassword, "192.0.2.1")
	other := e.mustSignIn(t, e.bob.Email, lcPassword, "192.0.2.2")
	in := signin.SessionInput{Workspace: e.ws, Account: e.bob, Current: here.Session}
	e.clock.Advance(e.svc.Policy.ReauthWindow)

	_, err := e.svc.RevokeOtherSessions(ctx, in)
	wantError(t, "no password", err, latchkey.CodeInvalid, latchkey.MsgReauthRequired, "password")
	in.Password = lcPassword2
	_, err = e.svc.RevokeOtherSessions(ctx, in)
	wantError(t, "wrong password", err, latchkey.CodeUnauthorized, latchkey.MsgReauthWrong, "password")
	if _, _, err := e.svc.Authenticate(ctx, e.ws, other.Secret); err != nil {
		t.Fatalf("the other session after refusals: %v", err)
	}
	in.Password = lcPassword
	if n, err := e.svc.RevokeOtherSessions(ctx, in); err != nil || n != 1 {
		t.Fatalf("with the password: %d, %v", n, err)
	}
}

// TestRevokeSessionReauthenticates: past the reauthentication window, ending another session
// needs the password; ending the current one does not (ASVS 7.5.2).
func TestRevokeSessionReauthenticates(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	here := e.mustSignIn(t, e.bob.Email, lcPassword, "192.0.2.1")
	other := e.mustSignIn(t, e.bob.Email, lcPassword, "192.0.2.2")
	in := signin.SessionInput{Workspace: e.ws, Account: e.bob, Current: here.Session, SessionID: other.Session.ID}
	e.clock.Advance(e.svc.Policy.ReauthWindow)

	wantError(t, "no password", e.svc.RevokeSession(ctx, in), latchkey.CodeInvalid, latchkey.MsgReauthRequired, "password")
	in.Password = lcPassword2
	wantError(t, "wrong password", e.svc.RevokeSession(ctx, in), latchkey.CodeUnauthorized, latchkey.MsgReauthWrong, "password")
	if _, _, err := e.svc.Authenticate(ctx, e.ws, other.Secret); err != nil {
		t.Fatalf("the other session after refusals: %v", err)
	}
	in.Password = lcPassword
	if err := e.svc.RevokeSession(ctx, in); err != nil {
		t.Fatalf("with the password: %v", err)
	}
	in.Password, in.SessionID = "", here.Session.ID
	if err := e.svc.RevokeSession(ctx, in); err != nil {
		t.Fatalf("the current session, without the password: %v", err)
	}
}

// TestWorkspaceSessionMax: a workspace's shorter absolute lifetime ends sessions opened before
// it was set, and UpdatePolicy keeps it between MinSessionMax and the operator's (ASVS 7.1.1).
func TestWorkspaceSessionMax(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	bob := e.mustSignIn(t, e.bob.Email, lcPassword, "192.0.2.1")
	set := func(d time.Duration) error {
		_, err := e.svc.UpdatePolicy(ctx, signin.PolicyInput{Workspace: e.workspace(t), Actor: e.admin, Policy: latchkey.Policy{SessionMax: d}})
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

// TestAccessDeniedThrottled: AccessDenied records at most DeniedPerMinute events per address
// and workspace in a minute (ASVS 16.3.2).
func TestAccessDeniedThrottled(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	c := signin.Client{Addr: "192.0.2.66", UserAgent: "flood"}
	for range signin.DeniedPerMinute * 3 {
		e.svc.AccessDenied(ctx, e.ws.ID, e.bob, c, "test")
	}
	e.svc.AccessDenied(ctx, e.ws.ID, latchkey.Account{}, signin.Client{Addr: "192.0.2.67"}, "another address")
	evs := e.events(t, latchkey.EventAccessDenied)
	if len(evs) != signin.DeniedPerMinute+1 || evs[0].Detail != "another address" || evs[1].AccountID != e.bob.ID {
		t.Fatalf("%d events (%+v), want %d", len(evs), evs[0], signin.DeniedPerMinute+1)
	}
	e.clock.Advance(time.Minute)
	e.svc.AccessDenied(ctx, e.ws.ID, e.bob, c, "next minute")
	if got := len(e.events(t, latchkey.EventAccessDenied)); got != signin.DeniedPerMinute+2 {
		t.Fatalf("%d events after a minute, want %d", got, signin.DeniedPerMinute+2)
	}
}

// TestAccessDeniedThrottledAcrossAddresses: a flood from many addresses writes at most
// DeniedPerMinuteAll events to a workspace's log in a minute (ASVS 16.3.2).
func TestAccessDeniedThrottledAcrossAddresses(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	for i := range signin.DeniedPerMinuteAll + 20 {
		e.svc.AccessDenied(ctx, e.ws.ID, latchkey.Account{}, signin.Client{Addr: fmt.Sprintf("2001:db8::%x", i)}, "flood")
	}
	if got := len(e.eventsN(t, latchkey.EventAccessDenied, 1000)); got != signin.DeniedPerMinuteAll {
		t.Fatalf("%d events, want %d", got, signin.DeniedPerMinuteAll)
	}
}

// eventsN lists up to n of the workspace's audit events of one type, newest first.
func (e *lcEnv) eventsN(t *testing.T, typ latchkey.EventType, n int) []latchkey.Event {
	t.Helper()
	evs, err := e.store.Events(t.Context(), e.ws.ID, latchkey.EventFilter{Type: typ, Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
