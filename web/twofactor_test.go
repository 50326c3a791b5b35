package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/webtest"
	"github.com/latchkey/latchkey/signin"
)

// wantAlert fails the test unless r is the page at path with status and the alert msg, and set
// no session.
func wantAlert(t *testing.T, r *webtest.Response, status int, path, msg string) {
	t.Helper()
	wantPage(t, r, status, path)
	if got := r.Alert(); got != msg {
		t.Errorf("alert %q, want %q", got, msg)
	}
	noSession(t, r)
}

func TestChallengeAfterPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key, _ := e.with2FA(t, "acme", f.member.Email)
	b := e.newBrowser(t)

	r := b.login(t, e, "acme", f.member.Email, goodPassword)
	wantPage(t, r, http.StatusOK, "/two-factor")
	if len(r.Hops) != 1 || r.Hops[0].StatusCode != http.StatusSeeOther || r.Hops[0].Header.Get("Location") != "/two-factor" {
		t.Errorf("sign-in redirects %v, want one 303 to /two-factor", r.Hops)
	}
	noSession(t, r)
	c := r.SetCookie("latchkey_challenge")
	if c == nil {
		t.Fatal("no challenge cookie")
	}
	line := r.SetCookieLine("latchkey_challenge")
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge != 300 || c.Path != "/" || c.Domain != "" {
		t.Errorf("challenge cookie %q, want HttpOnly; SameSite=Lax; Max-Age=300; Path=/, no Domain", line)
	}
	if len(c.Value) < 43 {
		t.Errorf("challenge cookie value has %d characters, want at least 43", len(c.Value))
	}
	if evs := e.events(t, f.ws, latchkey.EventSignIn); len(evs) != 1 {
		t.Errorf("sign-in events %+v after the password, want only the set-up's", evs)
	}

	if got, want := r.Heading(), "Two-factor verification"; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	if got, want := r.Texts("title", ""), []string{"Two-factor verification · Acme · latchkey"}; !cmp.Equal(got, want) {
		t.Errorf("title %q, want %q", got, want)
	}
	if got, want := r.Texts("p", "sub"), []string{"Password accepted. Enter your code to continue."}; !cmp.Equal(got, want) {
		t.Errorf("lead %q, want %q", got, want)
	}
	if got, want := r.Texts("label", ""), []string{"6-digit code from your authenticator app"}; !cmp.Equal(got, want) {
		t.Errorf("labels %q, want %q", got, want)
	}
	if got, want := r.Texts("button", ""), []string{"Verify and sign in", "Sign in as a different user"}; !cmp.Equal(got, want) {
		t.Errorf("buttons %q, want %q", got, want)
	}
	if got, want := r.Texts("a", ""), []string{"Lost your phone? Use a recovery code"}; !cmp.Equal(got, want) {
		t.Errorf("links %q, want %q", got, want)
	}
	if got, want := r.Links(), []string{"/two-factor/recovery"}; !cmp.Equal(got, want) {
		t.Errorf("link targets %q, want %q", got, want)
	}
	if n := r.Input("code"); n == nil || webtest.Attr(n, "autocomplete") != "one-time-code" || webtest.Attr(n, "inputmode") != "numeric" {
		t.Errorf("code field %v, want a numeric one-time-code input", n)
	}

	// The password alone reaches nothing.
	if b.signedIn(t, e, "acme") {
		t.Fatal("signed in after the password alone")
	}

	r = b.Get(t, e.url("acme", "/two-factor/recovery"))
	wantPage(t, r, http.StatusOK, "/two-factor/recovery")
	if got, want := r.Texts("label", ""), []string{"Recovery code"}; !cmp.Equal(got, want) {
		t.Errorf("recovery form labels %q, want %q", got, want)
	}
	if got, want := r.Texts("button", ""), []string{"Use recovery code", "Sign in as a different user"}; !cmp.Equal(got, want) {
		t.Errorf("recovery form buttons %q, want %q", got, want)
	}

	r = b.verify(t, e, "acme", "")
	wantAlert(t, r, http.StatusBadRequest, "/two-factor", latchkey.MsgCodeRequired)

	r = b.verify(t, e, "acme", e.code(t, key, 0))
	wantPage(t, r, http.StatusOK, "/dashboard")
	s := r.SetCookie("latchkey_session")
	if s == nil || s.Value == "" {
		t.Fatal("no session cookie after the code")
	}
	if s.MaxAge != 0 {
		t.Errorf("session cookie %q outlives the browser without Keep me signed in", r.SetCookieLine("latchkey_session"))
	}
	if c := r.SetCookie("latchkey_challenge"); c == nil || c.MaxAge >= 0 {
		t.Errorf("challenge cookie not cleared: %v", c)
	}
	if got := b.Cookie(t, e.url("acme", "/"), "latchkey_challenge"); got != "" {
		t.Errorf("the browser still holds a challenge cookie %q", got)
	}
	evs := e.events(t, f.ws, latchkey.EventSignIn)
	if len(evs) != 2 || evs[0].AccountID != f.member.ID || evs[0].Detail != "totp" {
		t.Errorf("sign-in events %+v, want a new one with detail totp", evs)
	}
	if !b.signedIn(t, e, "acme") {
		t.Error("not signed in after the code")
	}

	t.Run("keep me signed in carries through", func(t *testing.T) {
		e.nextStep()
		b := e.newBrowser(t)
		b.passwordStep(t, e, "acme", f.member.Email, true)
		r := b.verify(t, e, "acme", e.code(t, key, 0))
		wantPage(t, r, http.StatusOK, "/dashboard")
		c := r.SetCookie("latchkey_session")
		if c == nil {
			t.Fatal("no session cookie")
		}
		want := 30 * 24 * time.Hour
		if got := time.Duration(c.MaxAge) * time.Second; got < want-time.Minute || got > want {
			t.Errorf("Max-Age %v, want about %v (%q)", got, want, r.SetCookieLine("latchkey_session"))
		}
		sess, _, err := e.store.Session(t.Context(), f.ws.ID, latchkey.HashSecret(c.Value))
		if err != nil || !sess.Persistent {
			t.Errorf("session %+v (%v), want a persistent one", sess, err)
		}
	})

	t.Run("return_to carries through", func(t *testing.T) {
		e.nextStep()
		b := e.newBrowser(t)
		r := b.Get(t, e.url("acme", "/profile/two-factor"))
		wantPage(t, r, http.StatusOK, "/login")
		r = b.Post(t, e.url("acme", "/login"), url.Values{
			"csrf": {r.CSRF()}, "email": {f.member.Email}, "password": {goodPassword}, "return_to": {"/profile/two-factor"},
		})
		wantPage(t, r, http.StatusOK, "/two-factor")
		r = b.Post(t, e.url("acme", "/two-factor"), url.Values{
			"csrf": {r.CSRF()}, "code": {e.code(t, key, 0)}, "return_to": {webtest.Attr(r.Input("return_to"), "value")},
		})
		wantPage(t, r, http.StatusOK, "/profile/two-factor")
	})
}

func TestTOTPWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key, _ := e.with2FA(t, "acme", f.member.Email)

	for i, tc := range []struct {
		name  string
		steps int64 // how far the device's clock is from the server's, in steps
		msg   string
		drift string // what the audit event says of the clock
	}{
		{"one step behind", -1, "", ""},
		{"one step ahead", 1, "", ""},
		// The page never tells a drift at sign-in: a code of a later step is a code that will be
		// valid, and an attacker must not learn which guess that was. The audit keeps it, for the
		// administrator's troubleshooting.
		{"two steps ahead", 2, latchkey.MsgCodeWrong, "totp; the device's clock is about 1 minute ahead"},
		{"two steps behind", -2, latchkey.MsgCodeWrong, "totp; the device's clock is about 1 minute behind"},
		{"five minutes ahead", 10, latchkey.MsgCodeWrong, "totp; the device's clock is about 5 minutes ahead"},
		{"five minutes behind", -10, latchkey.MsgCodeWrong, "totp; the device's clock is about 5 minutes behind"},
		{"more than five minutes ahead", 11, latchkey.MsgCodeWrong, "totp"},
		{"more than five minutes behind", -11, latchkey.MsgCodeWrong, "totp"},
		{"a wrong code", 0, latchkey.MsgCodeWrong, "totp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Far enough on that no step of an earlier case can be near, from an address of its
			// own so that the refusals do not add up in the throttle.
			e.clock.Advance(5 * time.Minute)
			b := e.newBrowser(t)
			b.Addr = fmt.Sprintf("203.0.113.%d", 100+i)
			b.passwordStep(t, e, "acme", f.member.Email, false)
			code := e.code(t, key, tc.steps)
			if tc.name == "a wrong code" {
				code = e.wrongCode(t, key)
			}
			r := b.verify(t, e, "acme", code)
			if tc.msg == "" {
				wantPage(t, r, http.StatusOK, "/dashboard")
				return
			}
			wantAlert(t, r, http.StatusUnauthorized, "/two-factor", tc.msg)
			if b.signedIn(t, e, "acme") {
				t.Fatal("signed in after a refused code")
			}
			if evs := e.events(t, f.ws, latchkey.EventTwoFactorFailed); len(evs) == 0 || evs[0].Detail != tc.drift {
				t.Fatalf("newest 2fa_failed event %+v, want detail %q", evs, tc.drift)
			}
		})
	}
	if evs := e.events(t, f.ws, latchkey.EventTwoFactorFailed); len(evs) != 7 {
		t.Errorf("%d 2fa_failed events, want 7", len(evs))
	}
}

func TestTOTPReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key, _ := e.with2FA(t, "acme", f.member.Email)
	b := e.newBrowser(t)
	code := e.code(t, key, 0)
	b.passwordStep(t, e, "acme", f.member.Email, false)
	wantPage(t, b.verify(t, e, "acme", code), http.StatusOK, "/dashboard")
	b.logout(t, e, "acme")

	// Within the same step, the same code again.
	e.clock.Advance(10 * time.Second)
	b.passwordStep(t, e, "acme", f.member.Email, false)
	r := b.verify(t, e, "acme", code)
	wantAlert(t, r, http.StatusUnauthorized, "/two-factor", latchkey.MsgCodeUsed)
	if evs := e.events(t, f.ws, latchkey.EventTwoFactorReplay); len(evs) != 1 || evs[0].AccountID != f.member.ID {
		t.Errorf("2fa_replay events %+v, want one", evs)
	}
	// An earlier code than the one used is refused too: its step is behind.
	r = b.verify(t, e, "acme", e.code(t, key, -1))
	wantAlert(t, r, http.StatusUnauthorized, "/two-factor", latchkey.MsgCodeUsed)
	if b.signedIn(t, e, "acme") {
		t.Fatal("signed in with a used code")
	}

	// The next code works on the same challenge.
	e.clock.Advance(20 * time.Second)
	wantPage(t, b.verify(t, e, "acme", e.code(t, key, 0)), http.StatusOK, "/dashboard")
}

func TestRecoveryCodeSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	_, codes := e.with2FA(t, "acme", f.member.Email)
	b := e.newBrowser(t)

	for i, typed := range []string{
		strings.ToUpper(codes[0]),
		strings.ReplaceAll(codes[1], "-", " "),
		strings.ReplaceAll(codes[2], "-", ""),
		" " + codes[3] + " ",
	} {
		b.passwordStep(t, e, "acme", f.member.Email, false)
		r := b.useRecovery(t, e, "acme", typed)
		wantPage(t, r, http.StatusOK, "/dashboard")
		if got, want := r.Notice(), fmt.Sprintf(latchkey.MsgRecoveryUsed, 9-i); got != want {
			t.Errorf("code %q: notice %q, want %q", typed, got, want)
		}
		if got, want := e.codesLeft(t, f.member), 9-i; got != want {
			t.Errorf("code %q: %d codes left, want %d", typed, got, want)
		}
		b.logout(t, e, "acme")
	}
	evs := e.events(t, f.ws, latchkey.EventRecoveryCodeUsed)
	if len(evs) != 4 || evs[0].Detail != "6 left" {
		t.Errorf("recovery-code events %+v, want four, the last with 6 left", evs)
	}

	// Each works once, in whatever form.
	b.passwordStep(t, e, "acme", f.member.Email, false)
	for _, typed := range []string{codes[0], strings.ToUpper(codes[1]), "not-a-code", "aaaa-bbbb-cccc-dddd"} {
		r := b.useRecovery(t, e, "acme", typed)
		wantAlert(t, r, http.StatusUnauthorized, "/two-factor/recovery", latchkey.MsgRecoveryWrong)
	}
	r := b.useRecovery(t, e, "acme", "")
	wantAlert(t, r, http.StatusBadRequest, "/two-factor/recovery", latchkey.MsgRecoveryRequired)
	if got, want := e.codesLeft(t, f.member), 6; got != want {
		t.Errorf("%d codes left after refusals, want %d", got, want)
	}

	// The dashboard's notice comes from the store, not the address.
	r = b.useRecovery(t, e, "acme", codes[9])
	wantPage(t, r, http.StatusOK, "/dashboard")
	if got, want := r.Notice(), fmt.Sprintf(latchkey.MsgRecoveryUsed, 5); got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	r = b.Get(t, e.url("acme", "/dashboard?m=recovery-used"))
	if got, want := r.Notice(), fmt.Sprintf(latchkey.MsgRecoveryUsed, 5); got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
}

func TestAbandonChallenge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key, _ := e.with2FA(t, "acme", f.member.Email)
	b := e.newBrowser(t)
	secret := b.passwordStep(t, e, "acme", f.member.Email, false)

	r := b.Submit(t, e.url("acme", "/two-factor"), e.url("acme", "/two-factor/abandon"), nil)
	wantPage(t, r, http.StatusOK, "/login")
	if r.Alert() != "" {
		t.Errorf("alert %q after abandoning", r.Alert())
	}
	if c := r.SetCookie("latchkey_challenge"); c == nil || c.MaxAge >= 0 {
		t.Errorf("challenge cookie not cleared: %v", c)
	}
	if evs := e.events(t, f.ws, latchkey.EventChallengeAbandon); len(evs) != 1 || evs[0].AccountID != f.member.ID {
		t.Errorf("2fa_abandoned events %+v, want one", evs)
	}

	// The challenge is gone on the server: its cookie, replayed, is worth nothing.
	b.SetCookie(t, e.url("acme", "/"), "latchkey_challenge", secret)
	r = b.Post(t, e.url("acme", "/two-factor"), url.Values{"csrf": {r.CSRF()}, "code": {e.code(t, key, 0)}})
	wantAlert(t, r, http.StatusOK, "/login", latchkey.MsgChallengeExpired)
	if b.signedIn(t, e, "acme") {
		t.Fatal("signed in with an abandoned challenge")
	}
	// The code was not spent on it.
	b.passwordStep(t, e, "acme", f.member.Email, false)
	wantPage(t, b.verify(t, e, "acme", e.code(t, key, 0)), http.StatusOK, "/dashboard")
}

func TestChallengeExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key, _ := e.with2FA(t, "acme", f.member.Email)

	t.Run("code after five minutes", func(t *testing.T) {
		b := e.newBrowser(t)
		b.passwordStep(t, e, "acme", f.member.Email, false)
		tok := b.CSRF(t, e.url("acme", "/two-factor"))
		e.clock.Advance(5*time.Minute - time.Second)
		wantPage(t, b.Get(t, e.url("acme", "/two-factor")), http.StatusOK, "/two-factor")
		e.clock.Advance(time.Second)
		r := b.Post(t, e.url("acme", "/two-factor"), url.Values{"csrf": {tok}, "code": {e.code(t, key, 0)}})
		wantAlert(t, r, http.StatusOK, "/login", latchkey.MsgChallengeExpired)
		if c := r.SetCookie("latchkey_challenge"); c == nil || c.MaxAge >= 0 {
			t.Errorf("challenge cookie not cleared: %v", c)
		}
		if b.signedIn(t, e, "acme") {
			t.Fatal("signed in on an expired challenge")
		}
		if evs := e.events(t, f.ws, latchkey.EventChallengeExpired); len(evs) != 1 || evs[0].AccountID != f.member.ID {
			t.Errorf("2fa_expired events %+v, want one", evs)
		}
	})

	t.Run("page after five minutes", func(t *testing.T) {
		b := e.newBrowser(t)
		secret := b.passwordStep(t, e, "acme", f.member.Email, false)
		e.clock.Advance(5 * time.Minute)
		r := b.Get(t, e.url("acme", "/two-factor"))
		wantAlert(t, r, http.StatusOK, "/login", latchkey.MsgChallengeExpired)
		// Deleted on the server, not only forgotten by the browser: with the clock turned back
		// to when it was live, the replayed cookie still finds nothing.
		b.SetCookie(t, e.url("acme", "/"), "latchkey_challenge", secret)
		e.clock.Advance(-5 * time.Minute)
		r = b.Post(t, e.url("acme", "/two-factor"), url.Values{"csrf": {r.CSRF()}, "code": {e.code(t, key, 0)}})
		e.clock.Advance(5 * time.Minute)
		wantAlert(t, r, http.StatusOK, "/login", latchkey.MsgChallengeExpired)
	})
}

func TestTooManyWrongCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key, _ := e.with2FA(t, "acme", f.member.Email)
	b := e.newBrowser(t)
	b.Addr = "203.0.113.60"
	secret := b.passwordStep(t, e, "acme", f.member.Email, false)
	wrong := e.wrongCode(t, key)

	for i := 1; i < signin.MaxChallengeAttempts; i++ {
		wantAlert(t, b.verify(t, e, "acme", wrong), http.StatusUnauthorized, "/two-factor", latchkey.MsgCodeWrong)
	}
	r := b.verify(t, e, "acme", wrong)
	wantAlert(t, r, http.StatusOK, "/login", latchkey.MsgTooManyCodes)

	// The sixth attempt, with the right code and the old cookie, does not sign in.
	b.SetCookie(t, e.url("acme", "/"), "latchkey_challenge", secret)
	r = b.Post(t, e.url("acme", "/two-factor"), url.Values{"csrf": {r.CSRF()}, "code": {e.code(t, key, 0)}})
	wantAlert(t, r, http.StatusOK, "/login", latchkey.MsgChallengeExpired)
	if b.signedIn(t, e, "acme") {
		t.Fatal("signed in after five wrong codes")
	}
	if evs := e.events(t, f.ws, latchkey.EventSignIn); len(evs) != 1 {
		t.Errorf("sign-in events %+v, want only the set-up's", evs)
	}

	// The five wrong codes count like wrong passwords: the password now waits.
	r = b.login(t, e, "acme", f.member.Email, goodPassword)
	wantAlert(t, r, http.StatusTooManyRequests, "/login", latchkey.MsgTooManyAttempts+". Try again in 1 minute.")
	if c := r.SetCookie("latchkey_challenge"); c != nil {
		t.Errorf("a challenge was started while throttled: %v", c)
	}
}

func TestWrongCodesThrottle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key, _ := e.with2FA(t, "acme", f.member.Email)
	b := e.newBrowser(t)
	b.Addr = "203.0.113.61"
	tok := b.CSRF(t, e.url("acme", "/login"))

	// Three wrong passwords, then the right one and a wrong code: four failures.
	for range 3 {
		wantAlert(t, attempt(t, e, b, tok, f.member.Email, wrongPassword), http.StatusUnauthorized, "/login", latchkey.MsgBadCredentials)
	}
	b.passwordStep(t, e, "acme", f.member.Email, false)
	wantAlert(t, b.verify(t, e, "acme", e.wrongCode(t, key)), http.StatusUnauthorized, "/two-factor", latchkey.MsgCodeWrong)

	// The fifth, a wrong code, starts the wait on the two-factor page...
	r := b.verify(t, e, "acme", e.wrongCode(t, key))
	wantAlert(t, r, http.StatusTooManyRequests, "/two-factor", tooMany)
	if got, want := r.Header.Get("Retry-After"), "60"; got != want {
		t.Errorf("Retry-After %q, want %q", got, want)
	}
	// ...where even the right code waits...
	r = b.verify(t, e, "acme", e.code(t, key, 0))
	wantAlert(t, r, http.StatusTooManyRequests, "/two-factor", tooMany)
	// ...and on the password page.
	wantAlert(t, attempt(t, e, b, tok, f.member.Email, goodPassword), http.StatusTooManyRequests, "/login", tooMany)

	// After the wait, the challenge still open takes the right code, and that resets the count.
	e.clock.Advance(time.Minute)
	wantPage(t, b.verify(t, e, "acme", e.code(t, key, 0)), http.StatusOK, "/dashboard")
	b.logout(t, e, "acme")
	wantAlert(t, attempt(t, e, b, tok, f.member.Email, wrongPassword), http.StatusUnauthorized, "/login", latchkey.MsgBadCredentials)
}

func TestChallengeBoundToBrowserAndWorkspace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	beta, betaAdmin, _ := e.createWorkspace(t, "beta", "Beta")
	e.activate(t, betaAdmin, goodPassword)
	e.member(t, beta, f.member.Email, latchkey.RoleMember, goodPassword)
	key, _ := e.with2FA(t, "acme", f.member.Email)
	b := e.newBrowser(t)
	secret := b.passwordStep(t, e, "acme", f.member.Email, false)

	t.Run("another browser without the cookie", func(t *testing.T) {
		other := e.newBrowser(t)
		r := other.Submit(t, e.url("acme", "/login"), e.url("acme", "/two-factor"), url.Values{"code": {e.code(t, key, 0)}})
		wantAlert(t, r, http.StatusOK, "/login", latchkey.MsgChallengeExpired)
		if other.signedIn(t, e, "acme") {
			t.Fatal("another browser completed the challenge")
		}
	})

	t.Run("the cookie on another workspace", func(t *testing.T) {
		if got := b.Cookie(t, e.url("beta", "/"), "latchkey_challenge"); got != "" {
			t.Fatalf("the challenge cookie is sent to beta: %q", got)
		}
		b.SetCookie(t, e.url("beta", "/"), "latchkey_challenge", secret)
		r := b.Submit(t, e.url("beta", "/login"), e.url("beta", "/two-factor"), url.Values{"code": {e.code(t, key, 0)}})
		wantAlert(t, r, http.StatusOK, "/login", latchkey.MsgChallengeExpired)
		if r.URL.Host != "beta.app.test" {
			t.Errorf("ended at %s, want beta's sign-in page", r.URL)
		}
		if b.signedIn(t, e, "beta") {
			t.Fatal("signed in to beta with acme's challenge")
		}
	})

	// Neither spent the challenge nor the code: the browser that holds it completes it.
	wantPage(t, b.verify(t, e, "acme", e.code(t, key, 0)), http.StatusOK, "/dashboard")
}

// The set-password link never signs in, so it never meets the second factor either: after it,
// the password page asks for the code like any other sign-in.
func TestSetPasswordThenChallenge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key, _ := e.with2FA(t, "acme", f.member.Email)
	carol, link := e.invite(t, f.ws, "carol@acme.example", latchkey.RoleMember)
	b := e.newBrowser(t)
	r := b.setPassword(t, link, goodPassword, goodPassword)
	wantPage(t, r, http.StatusOK, "/login")
	noSession(t, r)
	if c := r.SetCookie("latchkey_challenge"); c != nil {
		t.Errorf("the set-password flow set a challenge cookie: %v", c)
	}
	b.mustLogin(t, e, "acme", carol.Email, goodPassword)
	b.logout(t, e, "acme")
	b.passwordStep(t, e, "acme", f.member.Email, false)
	wantPage(t, b.verify(t, e, "acme", e.code(t, key, 0)), http.StatusOK, "/dashboard")
}

// The links of the challenge page lead to its two forms and nowhere else; the forms post to
// this workspace only.
func TestChallengeFormsPostHere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	e.with2FA(t, "acme", f.member.Email)
	b := e.newBrowser(t)
	b.passwordStep(t, e, "acme", f.member.Email, false)
	for _, page := range []string{"/two-factor", "/two-factor/recovery"} {
		r := b.Get(t, e.url("acme", page))
		var actions []string
		for _, n := range r.Find(func(n *html.Node) bool { return n.Data == "form" }) {
			actions = append(actions, webtest.Attr(n, "action"))
		}
		if want := []string{page, "/two-factor/abandon"}; !slices.Equal(actions, want) {
			t.Errorf("%s: form actions %q, want %q", page, actions, want)
		}
	}
}

// Passing a challenge in a browser that is still signed in (as someone else) replaces that
// session on the server too, as a password sign-in does.
func TestChallengeReplacesOldSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key, _ := e.with2FA(t, "acme", f.member.Email)
	b := e.newBrowser(t)
	old := b.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	tok := b.CSRF(t, e.url("acme", "/dashboard"))
	r := b.Post(t, e.url("acme", "/login"), url.Values{"csrf": {tok}, "email": {f.member.Email}, "password": {goodPassword}})
	if c := r.SetCookie("latchkey_challenge"); c == nil {
		t.Fatalf("no challenge: %d at %s", r.Status, r.URL)
	}
	r = b.Post(t, e.url("acme", "/two-factor"), url.Values{"csrf": {tok}, "code": {e.code(t, key, 0)}})
	wantPage(t, r, http.StatusOK, "/dashboard")
	if got, want := r.Heading(), "Your dashboard"; got != want {
		t.Errorf("heading %q, want the member's %q", got, want)
	}
	if e.sessionExists(t, f.ws, old) {
		t.Error("the administrator's session outlived the member's sign-in in the same browser")
	}
}

// memberID is the account ID in an administrator's per-member form action.
var memberID = regexp.MustCompile(`/admin/members/[^/"]+/`)

func TestTwoFactorPagesGolden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key, _ := e.with2FA(t, "acme", f.member.Email)
	b := e.newBrowser(t)
	b.Addr = "198.51.100.41"
	b.passwordStep(t, e, "acme", f.member.Email, false)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)

	for _, tc := range []struct {
		name   string
		status int
		do     func() *webtest.Response
	}{
		{"two-factor", http.StatusOK, func() *webtest.Response { return b.Get(t, e.url("acme", "/two-factor")) }},
		{"two-factor-wrong-code", http.StatusUnauthorized, func() *webtest.Response { return b.verify(t, e, "acme", e.wrongCode(t, key)) }},
		{"two-factor-recovery", http.StatusOK, func() *webtest.Response { return b.Get(t, e.url("acme", "/two-factor/recovery")) }},
		{"two-factor-settings-off", http.StatusOK, func() *webtest.Response { return admin.Get(t, e.url("acme", "/profile/two-factor")) }},
		{"admin-security", http.StatusOK, func() *webtest.Response {
			r := admin.Get(t, e.url("acme", "/admin/security"))
			r.Body = memberID.ReplaceAllString(r.Body, "/admin/members/ID/")
			return r
		}},
	} {
		r := tc.do()
		if r.Status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, r.Status, tc.status)
		}
		golden(t, tc.name, r)
	}
}
