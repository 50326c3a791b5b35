package signin_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/lifecycletest"
	"github.com/latchkey/latchkey/signin"
)

// TestRevokeOtherSessionsReauthenticates: past the reauthentication window, signing out
// everywhere else needs the password (ASVS 7.5.2).
func TestRevokeOtherSessionsReauthenticates(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	here := e.MustSignIn(t, e.Bob.Email, lifecycletest.Password, "192.0.2.1")
	other := e.MustSignIn(t, e.Bob.Email, lifecycletest.Password, "192.0.2.2")
	in := signin.SessionInput{Workspace: e.WS, Account: e.Bob, Current: here.Session}
	e.Clock.Advance(e.Svc.Policy.ReauthWindow)

	_, err := e.Svc.RevokeOtherSessions(ctx, in)
	lifecycletest.WantError(t, "no password", err, latchkey.CodeInvalid, latchkey.MsgReauthRequired, "password")
	in.Password = lifecycletest.Password2
	_, err = e.Svc.RevokeOtherSessions(ctx, in)
	lifecycletest.WantError(t, "wrong password", err, latchkey.CodeUnauthorized, latchkey.MsgReauthWrong, "password")
	if _, _, err := e.Svc.Authenticate(ctx, e.WS, other.Secret); err != nil {
		t.Fatalf("the other session after refusals: %v", err)
	}
	in.Password = lifecycletest.Password
	if n, err := e.Svc.RevokeOtherSessions(ctx, in); err != nil || n != 1 {
		t.Fatalf("with the password: %d, %v", n, err)
	}
}

// TestRevokeSessionReauthenticates: past the reauthentication window, ending another session
// needs the password; ending the current one does not (ASVS 7.5.2).
func TestRevokeSessionReauthenticates(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	here := e.MustSignIn(t, e.Bob.Email, lifecycletest.Password, "192.0.2.1")
	other := e.MustSignIn(t, e.Bob.Email, lifecycletest.Password, "192.0.2.2")
	in := signin.SessionInput{Workspace: e.WS, Account: e.Bob, Current: here.Session, SessionID: other.Session.ID}
	e.Clock.Advance(e.Svc.Policy.ReauthWindow)

	lifecycletest.WantError(t, "no password", e.Svc.RevokeSession(ctx, in), latchkey.CodeInvalid, latchkey.MsgReauthRequired, "password")
	in.Password = lifecycletest.Password2
	lifecycletest.WantError(t, "wrong password", e.Svc.RevokeSession(ctx, in), latchkey.CodeUnauthorized, latchkey.MsgReauthWrong, "password")
	if _, _, err := e.Svc.Authenticate(ctx, e.WS, other.Secret); err != nil {
		t.Fatalf("the other session after refusals: %v", err)
	}
	in.Password = lifecycletest.Password
	if err := e.Svc.RevokeSession(ctx, in); err != nil {
		t.Fatalf("with the password: %v", err)
	}
	in.Password, in.SessionID = "", here.Session.ID
	if err := e.Svc.RevokeSession(ctx, in); err != nil {
		t.Fatalf("the current session, without the password: %v", err)
	}
}

// TestAccessDeniedThrottled: AccessDenied records at most DeniedPerMinute events per address
// and workspace in a minute (ASVS 16.3.2).
func TestAccessDeniedThrottled(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	c := signin.Client{Addr: "192.0.2.66", UserAgent: "flood"}
	for range signin.DeniedPerMinute * 3 {
		e.Svc.AccessDenied(ctx, e.WS.ID, e.Bob, c, "test")
	}
	e.Svc.AccessDenied(ctx, e.WS.ID, latchkey.Account{}, signin.Client{Addr: "192.0.2.67"}, "another address")
	evs := e.Events(t, latchkey.EventAccessDenied)
	if len(evs) != signin.DeniedPerMinute+1 || evs[0].Detail != "another address" || evs[1].AccountID != e.Bob.ID {
		t.Fatalf("%d events (%+v), want %d", len(evs), evs[0], signin.DeniedPerMinute+1)
	}
	e.Clock.Advance(time.Minute)
	e.Svc.AccessDenied(ctx, e.WS.ID, e.Bob, c, "next minute")
	if got := len(e.Events(t, latchkey.EventAccessDenied)); got != signin.DeniedPerMinute+2 {
		t.Fatalf("%d events after a minute, want %d", got, signin.DeniedPerMinute+2)
	}
}

// TestAccessDeniedThrottledAcrossAddresses: a flood from many addresses writes at most
// DeniedPerMinuteAll events to a workspace's log in a minute (ASVS 16.3.2).
func TestAccessDeniedThrottledAcrossAddresses(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	for i := range signin.DeniedPerMinuteAll + 20 {
		e.Svc.AccessDenied(ctx, e.WS.ID, latchkey.Account{}, signin.Client{Addr: fmt.Sprintf("2001:db8::%x", i)}, "flood")
	}
	if got := len(e.eventsN(t, latchkey.EventAccessDenied, 1000)); got != signin.DeniedPerMinuteAll {
		t.Fatalf("%d events, want %d", got, signin.DeniedPerMinuteAll)
	}
}

// eventsN lists up to n of the workspace's audit events of one type, newest first.
func (e *lcEnv) eventsN(t *testing.T, typ latchkey.EventType, n int) []latchkey.Event {
	t.Helper()
	evs, err := e.Store.Events(t.Context(), e.WS.ID, latchkey.EventFilter{Type: typ, Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
