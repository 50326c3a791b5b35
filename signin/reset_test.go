package signin_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/lifecycletest"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/signin"
)

// resetLink asks for a reset link for email and returns it, delivered.
func (e *lcEnv) resetLink(t *testing.T, email string) string {
	t.Helper()
	e.RequestReset(t, email, "192.0.2.7")
	ms := e.Delivered(t)
	if len(ms) != 1 {
		t.Fatalf("%d mails after a reset request, want 1", len(ms))
	}
	return lifecycletest.Link(t, ms[0], signin.ResetPath)
}

func (e *lcEnv) reset(t *testing.T, secret, email, pw, confirm, addr string) (latchkey.Account, error) {
	t.Helper()
	return e.Svc.ResetPassword(t.Context(), signin.ResetInput{
		Workspace: e.Workspace(t), Secret: secret, Email: email, Password: pw, Confirm: confirm, Client: signin.Client{Addr: addr},
	})
}

// An unknown email, an active, an invited and a suspended account all get the same answer; the
// request path only puts mail in the queue, and what was done is audited.
func TestRequestResetIsNeutral(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	_, oldInvite, err := e.Adm.Invite(t.Context(), admin.NewMember{Workspace: e.WS, Email: "carol@acme.example", Role: latchkey.RoleMember, Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatal(err)
	}
	dave := e.Member(t, "dave@acme.example", latchkey.RoleMember)
	e.SuspendByEmail(t, dave.Email)
	e.Delivered(t)

	tests := []struct {
		email, detail string
		mails         int
		subject       string
	}{
		{"nobody@acme.example", "unknown email: nothing sent", 0, ""},
		{"BOB@acme.example", "reset link sent", 1, "Reset your password for Acme Corp"},
		{"carol@acme.example", "not activated: invitation sent again", 1, "You have been invited to Acme Corp"},
		{"dave@acme.example", "suspended: nothing sent", 0, ""},
	}
	var invitation string
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			err := e.Svc.RequestReset(t.Context(), signin.ResetRequest{Workspace: e.WS, Email: tt.email, Client: signin.Client{Addr: "192.0.2.7"}})
			if err != nil {
				t.Fatalf("RequestReset = %v, want nil", err)
			}
			if n := e.OutboxCount(t); n != e.Read {
				t.Fatalf("the request sent mail itself (%d in the outbox, %d before): it must only enqueue", n, e.Read)
			}
			q := e.Queued(t)
			if len(q) != tt.mails {
				t.Fatalf("%d mails queued, want %d", len(q), tt.mails)
			}
			ms := e.Delivered(t)
			if len(ms) != tt.mails || tt.mails == 1 && ms[0].Subject != tt.subject {
				t.Fatalf("delivered %+v, want %d with subject %q", ms, tt.mails, tt.subject)
			}
			if strings.HasPrefix(tt.email, "carol") {
				invitation = lifecycletest.Link(t, ms[0], "/set-password/")
			}
			if ev := e.Events(t, latchkey.EventResetRequested)[0]; ev.Detail != tt.detail || !strings.EqualFold(ev.Email, tt.email) || ev.ClientAddr != "192.0.2.7" {
				t.Errorf("audit %+v, want detail %q for %s", ev, tt.detail, tt.email)
			}
		})
	}
	// The invitation sent instead of a reset link ends the old one, and works.
	if _, err := e.Svc.CheckLink(t.Context(), e.WS.ID, latchkey.PurposeSetPassword, lifecycletest.SecretOf(oldInvite)); latchkey.ErrorCode(err) != latchkey.CodeExpired {
		t.Errorf("the old invitation still works: %v", err)
	}
	set := signin.SetPasswordInput{Workspace: e.WS, Secret: lifecycletest.SecretOf(invitation), Password: lifecycletest.Password2, Confirm: lifecycletest.Password2}
	if a, err := e.Svc.SetPassword(t.Context(), set); err != nil || a.Status != latchkey.StatusActive {
		t.Errorf("the new invitation: %v, %v", a.Status, err)
	}
}

// The whole reset: the link carries a 256-bit secret stored only as its hash; the reset sets
// the password, ends every session, does not sign in, is audited, and mails a notice.
func TestResetPassword(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	s1 := e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.1")
	e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.2")

	l := e.resetLink(t, "bob@acme.example")
	if want := "http://acme.app.test/reset-password/"; !strings.HasPrefix(l, want) {
		t.Fatalf("link %q, want it under %s", l, want)
	}
	secret := lifecycletest.SecretOf(l)
	if len(secret) < 22 { // 22 base64url characters are 132 bits
		t.Fatalf("secret %q is shorter than 128 bits", secret)
	}
	if _, err := e.Store.Token(t.Context(), latchkey.PurposeReset, secret, e.Clock.Now()); !errors.Is(err, latchkey.ErrNotFound) {
		t.Fatalf("the store finds the token by its secret (%v): it must keep only the hash", err)
	}
	tok, err := e.Store.Token(t.Context(), latchkey.PurposeReset, latchkey.HashSecret(secret), e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tok.ExpiresAt, e.Clock.Now().Add(time.Hour); !got.Equal(want) {
		t.Errorf("the link expires at %v, want %v", got, want)
	}
	if err := e.Svc.CheckResetLink(t.Context(), e.WS, secret); err != nil {
		t.Fatalf("CheckResetLink = %v", err)
	}

	a, err := e.reset(t, secret, "bob@acme.example", lifecycletest.Password2, lifecycletest.Password2, "192.0.2.9")
	if err != nil {
		t.Fatalf("ResetPassword = %v", err)
	}
	if a.ID != e.Bob.ID {
		t.Fatalf("reset account %s, want bob", a.Email)
	}
	if ss := e.Sessions(t, e.Bob); len(ss) != 0 {
		t.Fatalf("%d sessions after the reset, want none (and the reset must not sign in)", len(ss))
	}
	if _, _, err := e.Svc.Authenticate(t.Context(), e.Workspace(t), s1.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("an old session still works after the reset: %v", err)
	}
	if _, err := e.SignIn(t, "bob@acme.example", lifecycletest.Password, "192.0.2.1"); latchkey.ErrorCode(err) != latchkey.CodeUnauthorized {
		t.Fatalf("old password: %v, want refused", err)
	}
	e.MustSignIn(t, "bob@acme.example", lifecycletest.Password2, "192.0.2.1")
	if !strings.HasPrefix(e.Account(t, e.Bob).PasswordHash, "$argon2id$") {
		t.Error("the new password is not stored as an argon2id hash")
	}
	evs := e.Events(t, latchkey.EventPasswordReset)
	if len(evs) != 1 || evs[0].AccountID != e.Bob.ID || evs[0].ClientAddr != "192.0.2.9" || evs[0].Detail != "2 sessions ended" {
		t.Errorf("audit %+v, want one password.reset for bob from 192.0.2.9 that ended 2 sessions", evs)
	}
	ms := e.Delivered(t)
	if len(ms) != 1 || ms[0].Subject != latchkey.SubjectPasswordChanged || ms[0].To != "bob@acme.example" || !strings.Contains(ms[0].Text, "signed out everywhere") {
		t.Fatalf("mail after the reset %+v, want the password-changed notice to bob", ms)
	}
	// Single use.
	_, err = e.reset(t, secret, "bob@acme.example", lifecycletest.Password, lifecycletest.Password, "192.0.2.9")
	lifecycletest.WantError(t, "second use of the link", err, latchkey.CodeExpired, latchkey.MsgResetLinkInvalid, "")
	lifecycletest.WantError(t, "CheckResetLink after use", e.Svc.CheckResetLink(t.Context(), e.WS, secret), latchkey.CodeExpired, latchkey.MsgResetLinkInvalid, "")
}

// Of many resets with one link at once, exactly one succeeds.
func TestResetConcurrentSingleUse(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	secret := lifecycletest.SecretOf(e.resetLink(t, "bob@acme.example"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, expired := 0, 0
	for i := range 8 {
		wg.Go(func() {
			pw := fmt.Sprintf("%s %d", lifecycletest.Password2, i)
			_, err := e.reset(t, secret, "bob@acme.example", pw, pw, "192.0.2.9")
			mu.Lock()
			defer mu.Unlock()
			switch latchkey.ErrorCode(err) {
			case "":
				ok++
			case latchkey.CodeExpired:
				expired++
			default:
				t.Errorf("reset: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || expired != 7 {
		t.Fatalf("%d resets succeeded and %d were refused, want 1 and 7", ok, expired)
	}
}

// A link works until one hour after it was sent, not a microsecond longer.
func TestResetLinkExpiry(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	secret := lifecycletest.SecretOf(e.resetLink(t, "bob@acme.example"))
	e.Clock.Advance(time.Hour - time.Microsecond)
	if err := e.Svc.CheckResetLink(t.Context(), e.WS, secret); err != nil {
		t.Fatalf("a microsecond before the hour: %v", err)
	}
	e.Clock.Advance(time.Microsecond)
	lifecycletest.WantError(t, "CheckResetLink at the hour", e.Svc.CheckResetLink(t.Context(), e.WS, secret), latchkey.CodeExpired, latchkey.MsgResetLinkInvalid, "")
	_, err := e.reset(t, secret, "bob@acme.example", lifecycletest.Password2, lifecycletest.Password2, "192.0.2.9")
	lifecycletest.WantError(t, "ResetPassword at the hour", err, latchkey.CodeExpired, latchkey.MsgResetLinkInvalid, "")
}

// A second request ends the first link at once: an older link does not stay alive.
func TestNewerResetEndsOlderLink(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	first := lifecycletest.SecretOf(e.resetLink(t, "bob@acme.example"))
	e.Clock.Advance(time.Minute)
	second := lifecycletest.SecretOf(e.resetLink(t, "bob@acme.example"))
	lifecycletest.WantError(t, "the first link", e.Svc.CheckResetLink(t.Context(), e.WS, first), latchkey.CodeExpired, latchkey.MsgResetLinkInvalid, "")
	if err := e.Svc.CheckResetLink(t.Context(), e.WS, second); err != nil {
		t.Fatalf("the second link: %v", err)
	}
}

// Mistakes re-render the form and leave the link usable: a wrong email, an empty one, a short,
// common or personal password, a confirmation that does not match.
func TestResetMistakesKeepTheLink(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	secret := lifecycletest.SecretOf(e.resetLink(t, "bob@acme.example"))
	tests := []struct {
		name, email, pw, confirm string
		code, msg, field         string
	}{
		{"wrong email", "admin@acme.example", lifecycletest.Password2, lifecycletest.Password2, latchkey.CodeInvalid, latchkey.MsgResetEmailMismatch, "email"},
		{"no email", " ", lifecycletest.Password2, lifecycletest.Password2, latchkey.CodeInvalid, latchkey.MsgEmailRequired, "email"},
		{"short", "bob@acme.example", "short", "short", latchkey.CodeInvalid, latchkey.MsgPasswordTooShort, "password"},
		{"common", "bob@acme.example", "qwertyuiop123", "qwertyuiop123", latchkey.CodeInvalid, latchkey.MsgPasswordCommon, "password"},
		{"email local part", "bob@acme.example", "bob likes long walks", "bob likes long walks", latchkey.CodeInvalid, latchkey.MsgPasswordContainsEmail, "password"},
		{"workspace name", "bob@acme.example", "acme corp forever!", "acme corp forever!", latchkey.CodeInvalid, latchkey.MsgPasswordContainsWorkspace, "password"},
		{"mismatch", "bob@acme.example", lifecycletest.Password2, lifecycletest.Password2 + "x", latchkey.CodeInvalid, latchkey.MsgPasswordMismatch, "confirm"},
	}
	for _, tt := range tests {
		_, err := e.reset(t, secret, tt.email, tt.pw, tt.confirm, "192.0.2.9")
		lifecycletest.WantError(t, tt.name, err, tt.code, tt.msg, tt.field)
		if err := e.Svc.CheckResetLink(t.Context(), e.WS, secret); err != nil {
			t.Fatalf("after %s the link no longer works: %v", tt.name, err)
		}
	}
	if ok := e.Account(t, e.Bob).PasswordHash == e.Bob.PasswordHash; !ok {
		t.Fatal("a refused reset changed the password")
	}
	// The email is compared case-insensitively.
	if _, err := e.reset(t, secret, " BOB@Acme.Example ", lifecycletest.Password2, lifecycletest.Password2, "192.0.2.9"); err != nil {
		t.Fatalf("reset with the email in capitals: %v", err)
	}
}

// After ResetEmailMismatches wrong emails the link ends: whoever holds it does not know whose
// it is.
func TestResetWrongEmailsEndTheLink(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	secret := lifecycletest.SecretOf(e.resetLink(t, "bob@acme.example"))
	for i := 1; i < signin.ResetEmailMismatches; i++ {
		_, err := e.reset(t, secret, fmt.Sprintf("guess%d@acme.example", i), lifecycletest.Password2, lifecycletest.Password2, "192.0.2.9")
		lifecycletest.WantError(t, fmt.Sprintf("wrong email %d", i), err, latchkey.CodeInvalid, latchkey.MsgResetEmailMismatch, "email")
	}
	_, err := e.reset(t, secret, "last-guess@acme.example", lifecycletest.Password2, lifecycletest.Password2, "192.0.2.9")
	lifecycletest.WantError(t, "the last wrong email", err, latchkey.CodeExpired, latchkey.MsgResetLinkInvalid, "")
	_, err = e.reset(t, secret, "bob@acme.example", lifecycletest.Password2, lifecycletest.Password2, "192.0.2.9")
	lifecycletest.WantError(t, "the right email after that", err, latchkey.CodeExpired, latchkey.MsgResetLinkInvalid, "")
}

// A reset clears the account's sign-in throttle: the per-account counter, and the counter of
// the account with the address the reset came from.
func TestResetClearsThrottle(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	const here, elsewhere = "198.51.100.1", "198.51.100.2"
	for range signin.PairFree {
		e.SignIn(t, "bob@acme.example", "wrong password!!", here)
	}
	if _, err := e.SignIn(t, "bob@acme.example", lifecycletest.Password, here); latchkey.ErrorCode(err) != latchkey.CodeThrottled {
		t.Fatalf("after %d failures: %v, want throttled", signin.PairFree, err)
	}
	acctKey := signin.PasswordThrottleKeys(e.WS.ID, "bob@acme.example", elsewhere)[2]
	for range signin.AccountLimit {
		if _, err := e.Store.AddFailure(t.Context(), acctKey, e.Clock.Now(), 24*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.SignIn(t, "bob@acme.example", lifecycletest.Password, elsewhere); latchkey.ErrorCode(err) != latchkey.CodeThrottled {
		t.Fatalf("after %d failures of the account: %v, want throttled", signin.AccountLimit, err)
	}

	secret := lifecycletest.SecretOf(e.resetLink(t, "bob@acme.example"))
	if _, err := e.reset(t, secret, "bob@acme.example", lifecycletest.Password2, lifecycletest.Password2, here); err != nil {
		t.Fatal(err)
	}
	for _, key := range signin.PasswordThrottleKeys(e.WS.ID, "bob@acme.example", here) {
		c, err := e.Store.Counter(t.Context(), key, e.Clock.Now(), 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(key, ":addr:") && c.Count != 0 {
			t.Errorf("counter %s = %d after the reset, want 0", key, c.Count)
		}
	}
	e.MustSignIn(t, "bob@acme.example", lifecycletest.Password2, here)
	e.MustSignIn(t, "bob@acme.example", lifecycletest.Password2, elsewhere)
}

// A reset leaves two-factor authentication on: the next sign-in still asks for the code.
func TestResetKeepsTwoFactor(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	e.Bob = e.Update(t, e.Bob, func(a *latchkey.Account) { a.TOTPSecret, a.TOTPEnabledAt = "sealed-key", lifecycletest.Start })
	secret := lifecycletest.SecretOf(e.resetLink(t, "bob@acme.example"))
	if _, err := e.reset(t, secret, "bob@acme.example", lifecycletest.Password2, lifecycletest.Password2, "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	if got := e.Account(t, e.Bob); got.TOTPSecret != "sealed-key" || !got.TOTPEnabledAt.Equal(lifecycletest.Start) {
		t.Fatalf("two-factor after the reset: %q %v, want unchanged", got.TOTPSecret, got.TOTPEnabledAt)
	}
	res, err := e.SignIn(t, "bob@acme.example", lifecycletest.Password2, "192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pending() || res.Session.ID != "" || res.Secret != "" {
		t.Fatalf("sign-in after the reset: %+v, want a pending challenge and no session", res)
	}
}

// Requests over the limits get the same answer and send nothing; they are audited.
func TestResetRequestThrottle(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	for range signin.ResetPerEmail {
		e.RequestReset(t, "bob@acme.example", "192.0.2.7")
	}
	if n := len(e.Delivered(t)); n != signin.ResetPerEmail {
		t.Fatalf("%d mails for %d requests", n, signin.ResetPerEmail)
	}
	e.RequestReset(t, "Bob@acme.example", "192.0.2.7") // the same address, the same email
	if q := e.Queued(t); len(q) != 0 {
		t.Fatalf("a request over the per-email limit queued %d mails", len(q))
	}
	if ev := e.Events(t, latchkey.EventResetRequested)[0]; ev.Detail != "throttled: nothing sent" {
		t.Errorf("audit detail %q, want the throttle", ev.Detail)
	}
	// Someone else asking for bob's link five times does not stop bob's own request from his
	// address (the limit is per address, not per email alone).
	e.RequestReset(t, "bob@acme.example", "192.0.2.8")
	if n := len(e.Delivered(t)); n != 1 {
		t.Fatalf("the owner's request from another address: %d mails, want 1", n)
	}
	e.Clock.Advance(signin.ResetWindow)
	e.RequestReset(t, "bob@acme.example", "192.0.2.7")
	if n := len(e.Delivered(t)); n != 1 {
		t.Fatalf("an hour later: %d mails, want 1", n)
	}

	// Per address, whatever the emails.
	for i := range signin.ResetPerAddr {
		e.RequestReset(t, fmt.Sprintf("nobody%d@acme.example", i), "203.0.113.5")
	}
	e.RequestReset(t, "admin@acme.example", "203.0.113.5")
	if q := e.Queued(t); len(q) != 0 {
		t.Fatalf("a request over the per-address limit queued %d mails", len(q))
	}
}

// A suspended account's link stops working, and a workspace that signs in with SSO only
// offers no reset.
func TestResetRefused(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	secret := lifecycletest.SecretOf(e.resetLink(t, "bob@acme.example"))
	e.SuspendByEmail(t, "bob@acme.example")
	_, err := e.reset(t, secret, "bob@acme.example", lifecycletest.Password2, lifecycletest.Password2, "192.0.2.9")
	lifecycletest.WantError(t, "reset of a suspended account", err, latchkey.CodeExpired, latchkey.MsgResetLinkInvalid, "")

	e.EnableSSO(t)
	w, err := e.Adm.UpdatePolicy(t.Context(), admin.PolicyInput{Workspace: e.WS, Actor: latchkey.AdminActor(e.Admin), Policy: latchkey.Policy{PasswordSignInOff: true}})
	if err != nil {
		t.Fatal(err)
	}
	err = e.Svc.RequestReset(t.Context(), signin.ResetRequest{Workspace: w, Email: "admin@acme.example"})
	lifecycletest.WantError(t, "RequestReset in an SSO-only workspace", err, latchkey.CodeForbidden, latchkey.MsgPasswordSignInOff, "")
	lifecycletest.WantError(t, "CheckResetLink in an SSO-only workspace", e.Svc.CheckResetLink(t.Context(), w, secret), latchkey.CodeForbidden, latchkey.MsgPasswordSignInOff, "")
	_, err = e.SignIn(t, "admin@acme.example", lifecycletest.Password, "192.0.2.9")
	lifecycletest.WantError(t, "password sign-in in an SSO-only workspace", err, latchkey.CodeForbidden, latchkey.MsgPasswordSignInOff, "")
	_, _, err = e.Adm.Invite(t.Context(), admin.NewMember{Workspace: w, Email: "erin@acme.example", Actor: latchkey.OperatorActor()})
	lifecycletest.WantError(t, "Invite in an SSO-only workspace", err, latchkey.CodeForbidden, latchkey.MsgInviteSSOOnly, "")
	if q := e.Queued(t); len(q) != 0 {
		t.Fatalf("%d mails queued in an SSO-only workspace", len(q))
	}
}

// Setting the first password through an invitation follows the workspace's policy, and an
// expired invitation says to ask the administrator.
func TestSetPasswordPolicy(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	if _, err := e.Adm.UpdatePolicy(t.Context(), admin.PolicyInput{Workspace: e.WS, Actor: latchkey.AdminActor(e.Admin), Policy: latchkey.Policy{PasswordMinLength: 30}}); err != nil {
		t.Fatal(err)
	}
	w := e.Workspace(t)
	_, l, err := e.Adm.Invite(t.Context(), admin.NewMember{Workspace: w, Email: "erin@acme.example", Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatal(err)
	}
	secret := lifecycletest.SecretOf(l)
	set := func(pw string) error {
		_, err := e.Svc.SetPassword(t.Context(), signin.SetPasswordInput{Workspace: w, Secret: secret, Password: pw, Confirm: pw})
		return err
	}
	lifecycletest.WantError(t, "shorter than the workspace minimum", set(lifecycletest.Password), latchkey.CodeInvalid, "Use at least 30 characters for your password", "password")
	lifecycletest.WantError(t, "common", set("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"), latchkey.CodeInvalid, latchkey.MsgPasswordCommon, "password")
	lifecycletest.WantError(t, "email", set("erin erin erin erin erin erin erin"), latchkey.CodeInvalid, latchkey.MsgPasswordContainsEmail, "password")
	e.Clock.Advance(7 * 24 * time.Hour)
	lifecycletest.WantError(t, "expired invitation", set(lifecycletest.Password+" and more words"), latchkey.CodeExpired, latchkey.MsgLinkInvalid, "")
	if !strings.Contains(latchkey.MsgLinkInvalid, "Ask your administrator") {
		t.Errorf("MsgLinkInvalid %q does not tell the user to ask their administrator", latchkey.MsgLinkInvalid)
	}
}

func TestResetMessagesFromTheSeed(t *testing.T) {
	t.Parallel()
	got := []string{latchkey.MsgForgotLink, latchkey.MsgForgotTitle, latchkey.MsgResetButton, latchkey.MsgResetTitle, latchkey.MsgResetSubmit}
	want := []string{"Forgot password?", "Forgot your password?", "Email me a reset link", "Set a new password", "Set new password"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("labels (-seed +messages.go):\n%s", diff)
	}
}

// With a job queue, a reset request's own work is the same whatever the email: its throttle
// count and one queued job, and nothing else (no look-up result, no token, no audit event yet):
// so neither its answer nor its time can tell whether the account exists. The worker then
// does the look-up, mails the link for the real account only, and audits both.
func TestRequestResetDefersTheWorkToAJob(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	q := mail.NewQueue(e.Store, nil, e.Clock.Now)
	svc := signin.New(signin.Config{Store: e.Store, Mailer: q, Jobs: q, BaseURL: e.Svc.BaseURL, Now: e.Clock.Now, Keys: e.Svc.Keys, Passwords: e.Svc.Passwords})
	e.Worker.Jobs = svc.Jobs()
	for _, email := range []string{"bob@acme.example", "nobody@acme.example"} {
		if err := svc.RequestReset(t.Context(), signin.ResetRequest{Workspace: e.Workspace(t), Email: email, Client: signin.Client{Addr: "192.0.2.50"}}); err != nil {
			t.Fatal(err)
		}
	}
	queued := e.Queued(t)
	if len(queued) != 2 {
		t.Fatalf("%d queued after two requests, want two jobs", len(queued))
	}
	for _, m := range queued {
		if m.Kind != signin.JobResetRequest || m.To != "" {
			t.Fatalf("queued %+v, want a reset job with no recipient", m)
		}
	}
	if evs := e.Events(t, latchkey.EventResetRequested); len(evs) != 0 {
		t.Fatalf("audited on the request path: %+v", evs)
	}
	ms := e.Delivered(t)
	if len(ms) != 1 || ms[0].To != "bob@acme.example" || !strings.Contains(ms[0].Text, signin.ResetPath) {
		t.Fatalf("mail after the jobs ran: %+v, want bob's reset link only", ms)
	}
	details := map[string]string{}
	for _, ev := range e.Events(t, latchkey.EventResetRequested) {
		details[latchkey.NormalizeEmail(ev.Email)] = ev.Detail
	}
	if diff := cmp.Diff(map[string]string{"bob@acme.example": "reset link sent", "nobody@acme.example": "unknown email: nothing sent"}, details); diff != "" {
		t.Fatalf("audit after the jobs (-want +got):\n%s", diff)
	}
}
