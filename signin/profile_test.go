package signin_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/lifecycletest"
	"github.com/latchkey/latchkey/signin"
)

func (e *lcEnv) changePassword(t *testing.T, res signin.Result, current, pw, confirm string) (int, error) {
	t.Helper()
	n, _, err := e.changePasswordRotated(t, res, current, pw, confirm)
	return n, err
}

func (e *lcEnv) changePasswordRotated(t *testing.T, res signin.Result, current, pw, confirm string) (int, signin.Result, error) {
	t.Helper()
	return e.Svc.ChangePassword(t.Context(), signin.ChangePasswordInput{
		Workspace: e.Workspace(t), Account: e.Account(t, res.Account), Session: res.Session,
		Current: current, Password: pw, Confirm: confirm, Client: signin.Client{Addr: res.Session.ClientAddr},
	})
}

// Changing the password needs the current one, follows the policy, ends the other sessions but
// not this one, is audited and mailed.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	here := e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.1")
	other1 := e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.2")
	other2 := e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.3")

	for _, tt := range []struct {
		name, current, pw, confirm string
		code, msg, field           string
	}{
		{"no current password", "", lifecycletest.Password2, lifecycletest.Password2, latchkey.CodeInvalid, latchkey.MsgCurrentPassword, "current"},
		{"wrong current password", "not my password", lifecycletest.Password2, lifecycletest.Password2, latchkey.CodeUnauthorized, latchkey.MsgCurrentWrong, "current"},
		{"short", lifecycletest.Password, "short", "short", latchkey.CodeInvalid, latchkey.MsgPasswordTooShort, "password"},
		{"common", lifecycletest.Password, "1qaz2wsx3edc", "1qaz2wsx3edc", latchkey.CodeInvalid, latchkey.MsgPasswordCommon, "password"},
		{"workspace name", lifecycletest.Password, "acme-corp all day", "acme-corp all day", latchkey.CodeInvalid, latchkey.MsgPasswordContainsWorkspace, "password"},
		{"mismatch", lifecycletest.Password, lifecycletest.Password2, "something else entirely", latchkey.CodeInvalid, latchkey.MsgPasswordMismatch, "confirm"},
	} {
		_, err := e.changePassword(t, here, tt.current, tt.pw, tt.confirm)
		lifecycletest.WantError(t, tt.name, err, tt.code, tt.msg, tt.field)
	}
	if len(e.Sessions(t, e.Bob)) != 3 {
		t.Fatal("a refused change ended sessions")
	}

	n, rotated, err := e.changePasswordRotated(t, here, lifecycletest.Password, lifecycletest.Password2, lifecycletest.Password2)
	if err != nil || n != 2 {
		t.Fatalf("ChangePassword = %d, %v; want 2 other sessions ended", n, err)
	}
	// The current session goes on under a new id; the old id is dead (ASVS 7.2.4).
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), here.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("the session id from before the change: %v, want it ended", err)
	}
	if rotated.Secret == here.Secret || rotated.Session.Persistent != here.Session.Persistent {
		t.Fatalf("rotated session %+v does not replace %+v", rotated.Session, here.Session)
	}
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), rotated.Secret); err != nil {
		t.Fatalf("the rotated session after the change: %v", err)
	}
	for _, other := range []signin.Result{other1, other2} {
		if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), other.Secret); !errors.Is(err, signin.ErrNoSession) {
			t.Fatalf("another session after the change: %v", err)
		}
	}
	e.MustSignIn(t, "bob@acme.example", lifecycletest.Password2, "192.0.2.1")
	if ev := e.Events(t, latchkey.EventPasswordChanged)[0]; ev.AccountID != e.Bob.ID || ev.Detail != "2 other sessions ended" {
		t.Errorf("audit %+v", ev)
	}
	ms := e.Delivered(t)
	if len(ms) != 1 || ms[0].Subject != latchkey.SubjectPasswordChanged || !strings.Contains(ms[0].Text, "security page") {
		t.Fatalf("mail after the change: %+v", ms)
	}
}

// Wrong current passwords count toward the sign-in throttle.
func TestChangePasswordThrottled(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	here := e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.1")
	var err error
	for range signin.PairFree {
		_, err = e.changePassword(t, here, "not my password", lifecycletest.Password2, lifecycletest.Password2)
	}
	if latchkey.ErrorCode(err) != latchkey.CodeThrottled {
		t.Fatalf("after %d wrong current passwords: %v, want throttled", signin.PairFree, err)
	}
	_, err = e.changePassword(t, here, lifecycletest.Password, lifecycletest.Password2, lifecycletest.Password2)
	if latchkey.ErrorCode(err) != latchkey.CodeThrottled {
		t.Fatalf("the right password while throttled: %v, want throttled", err)
	}
}

// The session list shows the live sessions; Sign out ends one of the account's own sessions and
// nobody else's; Sign out everywhere else keeps the current one.
func TestSessions(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	stale := e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.9")
	e.Clock.Advance(9 * time.Hour) // past the idle timeout, not yet cleaned up
	here := e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.1")
	phone := e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.2")
	laptop := e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.3")
	adminSess := e.MustSignIn(t, "admin@acme.example", lifecycletest.Password, "192.0.2.4")
	in := signin.SessionInput{Workspace: e.WS, Account: e.Bob, Current: here.Session, Client: signin.Client{Addr: "192.0.2.1"}}

	ss, err := e.Svc.Sessions(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range ss {
		ids = append(ids, s.ID)
		if s.ID == stale.Session.ID {
			t.Error("an idle session is listed")
		}
		if s.UserAgent != "test browser" || s.ClientAddr == "" || s.LastSeenAt.IsZero() {
			t.Errorf("session %+v lacks its device, address or last activity", s)
		}
	}
	if len(ids) != 3 {
		t.Fatalf("%d sessions listed, want 3", len(ids))
	}

	// Another account's session, an unknown one and an empty id are refused alike.
	for name, id := range map[string]string{"another account's": adminSess.Session.ID, "unknown": strings.Repeat("0", 64), "empty": ""} {
		in.SessionID = id
		lifecycletest.WantError(t, "revoke "+name+" session", e.Svc.RevokeSession(ctx, in), latchkey.CodeNotFound, latchkey.MsgSessionGone, "")
	}
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), adminSess.Secret); err != nil {
		t.Fatalf("the admin's session after bob tried to end it: %v", err)
	}

	in.SessionID = phone.Session.ID
	if err := e.Svc.RevokeSession(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), phone.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("the revoked session: %v", err)
	}
	lifecycletest.WantError(t, "revoke it again", e.Svc.RevokeSession(ctx, in), latchkey.CodeNotFound, latchkey.MsgSessionGone, "")
	if ev := e.Events(t, latchkey.EventSessionRevoked)[0]; ev.AccountID != e.Bob.ID || ev.Detail != "one session, from 192.0.2.2" {
		t.Errorf("audit %+v", ev)
	}

	n, err := e.Svc.RevokeOtherSessions(ctx, in)
	if err != nil || n != 2 { // the laptop and the stale one
		t.Fatalf("RevokeOtherSessions = %d, %v; want 2", n, err)
	}
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), laptop.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("the laptop after sign out everywhere else: %v", err)
	}
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), here.Secret); err != nil {
		t.Fatalf("the current session after sign out everywhere else: %v", err)
	}
	if _, _, err := e.Svc.Authenticate(ctx, e.Workspace(t), adminSess.Secret); err != nil {
		t.Fatalf("another account's session after sign out everywhere else: %v", err)
	}
}

// Mail put in the queue by one process is delivered by the next one on the same database: the
// request path never talks to the mail server, and nothing is lost on restart.
func TestMailSurvivesRestart(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	carol, _, err := e.Adm.Invite(t.Context(), admin.NewMember{Workspace: e.WS, Email: "carol@acme.example", Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatal(err)
	}
	e.RequestReset(t, "bob@acme.example", "192.0.2.7")
	if q := e.Queued(t); len(q) != 2 || q[0].WorkspaceID != e.WS.ID {
		t.Fatalf("queue %+v, want two messages of the workspace", q)
	}
	if n := e.OutboxCount(t); n != e.Read {
		t.Fatal("mail was sent on the request path")
	}
	// The process stops before its worker runs.
	if err := e.Store.Close(); err != nil {
		t.Fatal(err)
	}

	next := openLcEnv(t, e.File, filepath.Join(t.TempDir(), "outbox"), e.Clock)
	next.WS = e.WS
	ms := next.Delivered(t)
	if len(ms) != 2 {
		t.Fatalf("the next process delivered %d messages, want 2", len(ms))
	}
	byTo := map[string]string{}
	for _, m := range ms {
		byTo[m.To] = m.Subject
	}
	if byTo[carol.Email] != "You have been invited to Acme Corp" || byTo["bob@acme.example"] != "Reset your password for Acme Corp" {
		t.Fatalf("delivered %v", byTo)
	}
	for _, m := range ms {
		if m.To == "bob@acme.example" {
			if err := next.Svc.CheckResetLink(t.Context(), next.WS, lifecycletest.SecretOf(lifecycletest.Link(t, m, signin.ResetPath))); err != nil {
				t.Fatalf("the reset link from before the restart: %v", err)
			}
		}
	}
	if q := next.Queued(t); len(q) != 0 {
		t.Fatalf("%d messages left in the queue", len(q))
	}
}
