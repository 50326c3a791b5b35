package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/latchkey/latchkey/internal/webtest"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/totp"
)

// shownKey returns the authenticator key of a set-up page as a person types it into their app:
// the text of code#totp-key with the spaces between its groups removed.
func shownKey(t *testing.T, r *webtest.Response) string {
	t.Helper()
	ns := r.Find(func(n *html.Node) bool { return n.Data == "code" && webtest.Attr(n, "id") == "totp-key" })
	if len(ns) != 1 {
		t.Fatalf("%d at %s (alert %q): %d code#totp-key elements, want 1", r.Status, r.URL, r.Alert(), len(ns))
	}
	key := strings.ReplaceAll(webtest.Text(ns[0]), " ", "")
	if key == "" {
		t.Fatalf("%s: the key shown is empty", r.URL)
	}
	return key
}

// shownCodes returns the recovery codes a recovery-codes page shows, one per line of
// pre#recovery-codes.
func shownCodes(r *webtest.Response) []string {
	ns := r.Find(func(n *html.Node) bool { return n.Data == "pre" && webtest.Attr(n, "id") == "recovery-codes" })
	if len(ns) != 1 {
		return nil
	}
	var b strings.Builder
	for d := range ns[0].Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.Fields(b.String())
}

// code is the authenticator code for the key at the step that is steps away from the fake
// clock's now: what an app on a device whose clock is that far off shows.
func (e *env) code(t *testing.T, key string, steps int64) string {
	t.Helper()
	c, err := totp.Code(key, totp.Step(e.clock.Now())+steps)
	if err != nil {
		t.Fatalf("totp code for key %q: %v", key, err)
	}
	return c
}

// wrongCode returns six digits that are not the key's code at any step within 11 of now, so
// that it can neither pass nor read as a clock that is off.
func (e *env) wrongCode(t *testing.T, key string) string {
	t.Helper()
	near := map[string]bool{}
	for d := int64(-11); d <= 11; d++ {
		near[e.code(t, key, d)] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333", "444444", "555555"} {
		if !near[c] {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

// nextStep moves the fake clock one TOTP step on, so that the next code has not been used.
func (e *env) nextStep() { e.clock.Advance(totp.Period * time.Second) }

// passwordStep submits the sign-in form for an account with two-factor authentication on and
// fails the test unless it lands on the two-factor page. It returns the challenge cookie's
// value.
func (b *browser) passwordStep(t *testing.T, e *env, slug, email string, remember bool) string {
	t.Helper()
	fields := url.Values{"email": {email}, "password": {goodPassword}}
	if remember {
		fields.Set("remember", "1")
	}
	r := b.Submit(t, e.url(slug, "/login"), e.url(slug, "/login"), fields)
	wantPage(t, r, http.StatusOK, "/two-factor")
	noSession(t, r)
	c := r.SetCookie("latchkey_challenge")
	if c == nil || c.Value == "" {
		t.Fatalf("sign in as %s: no challenge cookie", email)
	}
	return c.Value
}

// verify submits an authenticator code on the two-factor page.
func (b *browser) verify(t *testing.T, e *env, slug, code string) *webtest.Response {
	t.Helper()
	return b.Submit(t, e.url(slug, "/two-factor"), e.url(slug, "/two-factor"), url.Values{"code": {code}})
}

// useRecovery submits a recovery code on the recovery-code form of the two-factor page.
func (b *browser) useRecovery(t *testing.T, e *env, slug, code string) *webtest.Response {
	t.Helper()
	return b.Submit(t, e.url(slug, "/two-factor/recovery"), e.url(slug, "/two-factor/recovery"), url.Values{"code": {code}})
}

// login2FA signs in with the password and the current code of key, and fails the test unless
// the dashboard loads. It returns the session cookie's value.
func (b *browser) login2FA(t *testing.T, e *env, slug, email, key string) string {
	t.Helper()
	b.passwordStep(t, e, slug, email, false)
	r := b.verify(t, e, slug, e.code(t, key, 0))
	wantPage(t, r, http.StatusOK, "/dashboard")
	c := r.SetCookie("latchkey_session")
	if c == nil || c.Value == "" {
		t.Fatalf("sign in as %s: no session cookie after the code", email)
	}
	return c.Value
}

// logout signs the browser out of the workspace through the sign-out form.
func (b *browser) logout(t *testing.T, e *env, slug string) {
	t.Helper()
	r := b.Submit(t, e.url(slug, "/dashboard"), e.url(slug, "/logout"), nil)
	wantPage(t, r, http.StatusOK, "/login")
}

// confirmSetup submits the set-up form of page (a set-up page) with the password and code.
func (b *browser) confirmSetup(t *testing.T, e *env, slug string, page *webtest.Response, pw, code string) *webtest.Response {
	t.Helper()
	sealed := page.Input("sealed")
	if sealed == nil {
		t.Fatalf("%s: no sealed field on the set-up page", page.URL)
	}
	return b.Post(t, e.url(slug, "/profile/two-factor/setup"), url.Values{
		"csrf": {page.CSRF()}, "sealed": {webtest.Attr(sealed, "value")}, "password": {pw}, "code": {code},
	})
}

// enable2FA sets up two-factor authentication through the profile pages of a signed-in browser,
// reading the key from the page. It returns the key and the recovery codes shown, and moves the
// clock to the next step, so that the confirming code is not the next one asked.
func (b *browser) enable2FA(t *testing.T, e *env, slug string) (key string, codes []string) {
	t.Helper()
	page := b.Get(t, e.url(slug, "/profile/two-factor/setup"))
	wantPage(t, page, http.StatusOK, "/profile/two-factor/setup")
	key = shownKey(t, page)
	r := b.confirmSetup(t, e, slug, page, goodPassword, e.code(t, key, 0))
	wantPage(t, r, http.StatusOK, "/profile/two-factor/setup")
	codes = shownCodes(r)
	if len(codes) == 0 {
		t.Fatalf("set-up confirmed with alert %q and notice %q, but no recovery codes shown", r.Alert(), r.Notice())
	}
	e.nextStep()
	return key, codes
}

// with2FA signs in as email in a browser of its own, sets up two-factor authentication and
// signs out. It returns the key and recovery codes.
func (e *env) with2FA(t *testing.T, slug, email string) (key string, codes []string) {
	t.Helper()
	b := e.newBrowser(t)
	b.mustLogin(t, e, slug, email, goodPassword)
	key, codes = b.enable2FA(t, e, slug)
	b.logout(t, e, slug)
	return key, codes
}

// signinClient is the client a test names when it calls the service directly, as an
// administrator's tool would.
var signinClient = signin.Client{Addr: "192.0.2.1", UserAgent: "latchkey-test"}
