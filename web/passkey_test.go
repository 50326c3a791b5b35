package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/webtest"
	"github.com/latchkey/latchkey/passkey/passkeytest"
	"github.com/latchkey/latchkey/signin"
	"golang.org/x/net/html"
)

// jsonPost is passkey.js's fetch: JSON, with the form token in the X-CSRF-Token header.
func (b *browser) jsonPost(t *testing.T, u, tok string, body any) *webtest.Response {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", tok)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.Do(t, req)
}

// begin calls a begin endpoint and returns the options.
func (b *browser) begin(t *testing.T, u, tok string) []byte {
	t.Helper()
	r := b.jsonPost(t, u, tok, struct{}{})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"publicKey"`) {
		t.Fatalf("POST %s: %d %s", u, r.Status, r.Body)
	}
	return []byte(r.Body)
}

// finish calls a finish endpoint with the credential and returns the status and the answer.
func (b *browser) finish(t *testing.T, u, tok string, cred []byte, extra map[string]any) (int, map[string]string) {
	t.Helper()
	body := map[string]any{"credential": json.RawMessage(cred)}
	for k, v := range extra {
		body[k] = v
	}
	r := b.jsonPost(t, u, tok, body)
	var got map[string]string
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
		t.Fatalf("POST %s: %d, not JSON: %q", u, r.Status, r.Body)
	}
	return r.Status, got
}

// addPasskey registers a passkey of the signed-in browser's account with the authenticator.
func (b *browser) addPasskey(t *testing.T, e *env, a *passkeytest.Authenticator, name string) *passkeytest.Credential {
	t.Helper()
	tok := b.CSRF(t, e.url("acme", "/profile/two-factor"))
	opts := b.begin(t, e.url("acme", "/profile/passkeys/begin"), tok)
	cred, c, err := a.Create(opts)
	if err != nil {
		t.Fatalf("authenticator: %v", err)
	}
	status, got := b.finish(t, e.url("acme", "/profile/passkeys/finish"), tok, cred, map[string]any{"name": name})
	if status != http.StatusOK || got["redirect"] != "/profile/two-factor?m=passkey-added" {
		t.Fatalf("add passkey: %d %v", status, got)
	}
	return c
}

// passkeySignIn runs the passwordless ceremony in the browser and returns the finish answer.
func (b *browser) passkeySignIn(t *testing.T, e *env, a *passkeytest.Authenticator) (int, map[string]string) {
	t.Helper()
	tok := passkeyToken(t, b.Get(t, e.url("acme", "/login")))
	opts := b.begin(t, e.url("acme", "/login/passkey/begin"), tok)
	cred, err := a.Get(opts)
	if err != nil {
		t.Fatalf("authenticator: %v", err)
	}
	return b.finish(t, e.url("acme", "/login/passkey/finish"), tok, cred, nil)
}

// passkeyToken is the form token the page hands passkey.js (data-csrf of its passkey box).
func passkeyToken(t *testing.T, r *webtest.Response) string {
	t.Helper()
	boxes := r.Find(func(n *html.Node) bool { return webtest.HasAttr(n, "data-passkey") })
	if len(boxes) == 0 {
		t.Fatalf("%s has no passkey button", r.URL)
	}
	return webtest.Attr(boxes[0], "data-csrf")
}

func newAuthenticator(e *env) *passkeytest.Authenticator {
	return passkeytest.New(e.url("acme", ""))
}

func wantRefusedJSON(t *testing.T, what string, status int, got map[string]string, wantStatus int, wantMsg string) {
	t.Helper()
	if status != wantStatus || got["error"] != wantMsg {
		t.Errorf("%s: %d %v, want %d %q", what, status, got, wantStatus, wantMsg)
	}
}

// lastRefusal is the detail of the newest signin.passkey_refused event.
func (e *env) lastRefusal(t *testing.T, ws latchkey.Workspace) string {
	t.Helper()
	evs := e.events(t, ws, latchkey.EventPasskeyRefused)
	if len(evs) == 0 {
		t.Fatal("no passkey refusal audited")
	}
	return evs[0].Detail
}

// Register a passkey on the settings page, sign in with it and no password in another
// browser, and use it as the second factor after a password in a third.
func TestPasskeyRegisterSignInAndSecondFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	a := newAuthenticator(e)

	b := e.newBrowser(t)
	b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	oldSession := b.Cookie(t, e.url("acme", "/"), "latchkey_session")
	b.addPasskey(t, e, a, "Work laptop")
	if now := b.Cookie(t, e.url("acme", "/"), "latchkey_session"); now == oldSession || e.sessionExists(t, f.ws, oldSession) {
		t.Error("adding a passkey did not replace the session id")
	}
	r := b.Get(t, e.url("acme", "/profile/two-factor?m=passkey-added"))
	if got := r.Notice(); got != latchkey.MsgPasskeyAdded {
		t.Errorf("notice %q", got)
	}
	if !strings.Contains(r.Text(), "Work laptop") || !strings.Contains(r.Text(), "never") {
		t.Errorf("settings page does not list the new passkey, never used: %q", r.Text())
	}
	if ev := e.events(t, f.ws, latchkey.EventPasskeyAdd); len(ev) != 1 || ev[0].AccountID != f.member.ID || ev[0].Detail != "Work laptop" {
		t.Errorf("passkey.add events %+v", ev)
	}
	ps, err := e.store.Passkeys(t.Context(), f.ws.ID, f.member.ID)
	if err != nil || len(ps) != 1 || !bytes.Equal(ps[0].AAGUID, a.AAGUID) {
		t.Fatalf("stored passkeys %+v, %v", ps, err)
	}

	// Passwordless, in another browser: no challenge.
	other := e.newBrowser(t)
	status, got := other.passkeySignIn(t, e, a)
	if status != http.StatusOK || got["redirect"] != "/dashboard" {
		t.Fatalf("passkey sign-in: %d %v", status, got)
	}
	if !other.signedIn(t, e, "acme") {
		t.Fatal("not signed in after the passkey")
	}
	if ev := e.events(t, f.ws, latchkey.EventSignIn); len(ev) == 0 || ev[0].Detail != "passkey" || ev[0].AccountID != f.member.ID {
		t.Errorf("newest sign-in event %+v, want detail passkey", ev[0])
	}
	if ev := e.events(t, f.ws, latchkey.EventPasskeyUsed); len(ev) != 1 || ev[0].Detail != "passwordless: Work laptop" {
		t.Errorf("signin.passkey events %+v", ev)
	}
	r = b.Get(t, e.url("acme", "/profile/two-factor"))
	if strings.Count(r.Text(), "never") != 0 {
		t.Errorf("the passkey's last use is not shown: %q", r.Text())
	}

	// After the password, the account with a passkey is challenged; the page offers the
	// passkey (and no code field: the account has no authenticator app).
	third := e.newBrowser(t)
	r = third.login(t, e, "acme", f.member.Email, goodPassword)
	wantPage(t, r, http.StatusOK, "/two-factor")
	if r.Input("code") != nil {
		t.Error("a code field for an account without an authenticator app")
	}
	if !strings.Contains(r.Body, "Use a passkey") || !strings.Contains(r.Body, `data-begin="/two-factor/passkey/begin"`) {
		t.Error("the challenge page does not offer the passkey")
	}
	tok := r.CSRF()
	opts := third.begin(t, e.url("acme", "/two-factor/passkey/begin"), tok)
	cred, err := a.Get(opts)
	if err != nil {
		t.Fatal(err)
	}
	status, got = third.finish(t, e.url("acme", "/two-factor/passkey/finish"), tok, cred, nil)
	if status != http.StatusOK || got["redirect"] != "/dashboard" {
		t.Fatalf("passkey second factor: %d %v", status, got)
	}
	if !third.signedIn(t, e, "acme") {
		t.Fatal("not signed in after the passkey second factor")
	}
	if ev := e.events(t, f.ws, latchkey.EventPasskeyUsed); len(ev) != 2 || ev[0].Detail != "second factor: Work laptop" {
		t.Errorf("signin.passkey events %+v", ev)
	}
}

// An account with an authenticator app gets both at the challenge: the code field and the
// passkey button; the code keeps working.
func TestPasskeyBesideTheCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	b.addPasskey(t, e, newAuthenticator(e), "Key")
	e.setAccount(t, f.member, func(a *latchkey.Account) { a.TOTPSecret = "sealed" })
	r := e.newBrowser(t).login(t, e, "acme", f.member.Email, goodPassword)
	wantPage(t, r, http.StatusOK, "/two-factor")
	if r.Input("code") == nil || !strings.Contains(r.Body, "Use a passkey") {
		t.Errorf("the challenge page does not have both the code field and the passkey: %q", r.Text())
	}
}

// The refusals: wrong origin, another workspace's RP ID, a replayed challenge, a cloned
// counter, a removed credential; each is audited with its cause.
func TestPasskeyRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	other, _, _ := e.createWorkspace(t, "other", "Other")
	_ = other
	a := newAuthenticator(e)
	owner := e.newBrowser(t)
	owner.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	c := owner.addPasskey(t, e, a, "Phone")

	t.Run("wrong origin", func(t *testing.T) {
		a.Origin = "http://evil.test"
		defer func() { a.Origin = e.url("acme", "") }()
		status, got := e.newBrowser(t).passkeySignIn(t, e, a)
		wantRefusedJSON(t, "an assertion from another origin", status, got, http.StatusUnauthorized, latchkey.MsgPasskeyRefused)
		if d := e.lastRefusal(t, f.ws); d != "sign-in: response not verified" {
			t.Errorf("audit detail %q", d)
		}
	})
	t.Run("another workspace's RP ID", func(t *testing.T) {
		a.RPID = "other.app.test"
		defer func() { a.RPID = "" }()
		b := e.newBrowser(t)
		tok := b.CSRF(t, e.url("acme", "/login"))
		opts := b.begin(t, e.url("acme", "/login/passkey/begin"), tok)
		challenge, err := passkeytest.Challenge(opts)
		if err != nil {
			t.Fatal(err)
		}
		cred, err := a.Assert(c, "other.app.test", challenge)
		if err != nil {
			t.Fatal(err)
		}
		status, got := b.finish(t, e.url("acme", "/login/passkey/finish"), tok, cred, nil)
		wantRefusedJSON(t, "an assertion for other.app.test", status, got, http.StatusUnauthorized, latchkey.MsgPasskeyRefused)
	})
	t.Run("replayed challenge", func(t *testing.T) {
		b := e.newBrowser(t)
		tok := b.CSRF(t, e.url("acme", "/login"))
		opts := b.begin(t, e.url("acme", "/login/passkey/begin"), tok)
		cred, err := a.Get(opts)
		if err != nil {
			t.Fatal(err)
		}
		// The ceremony cookie is cleared by the first finish; a replay puts it back.
		secret := b.Cookie(t, e.url("acme", "/"), "latchkey_passkey")
		if status, got := b.finish(t, e.url("acme", "/login/passkey/finish"), tok, cred, nil); status != http.StatusOK {
			t.Fatalf("first use: %d %v", status, got)
		}
		replay := e.newBrowser(t)
		rtok := replay.CSRF(t, e.url("acme", "/login"))
		u, _ := url.Parse(e.url("acme", "/"))
		replay.Jar.SetCookies(u, []*http.Cookie{{Name: "latchkey_passkey", Value: secret}})
		status, got := replay.finish(t, e.url("acme", "/login/passkey/finish"), rtok, cred, nil)
		wantRefusedJSON(t, "a replayed ceremony in another browser", status, got, http.StatusGone, latchkey.MsgChallengeExpired)
		// In the same browser too: the ceremony was consumed.
		b2 := e.newBrowser(t)
		tok2 := b2.CSRF(t, e.url("acme", "/login"))
		b2.begin(t, e.url("acme", "/login/passkey/begin"), tok2)
		status, got = b2.finish(t, e.url("acme", "/login/passkey/finish"), tok2, cred, nil)
		wantRefusedJSON(t, "an old assertion on a new ceremony", status, got, http.StatusUnauthorized, latchkey.MsgPasskeyRefused)
		if d := e.lastRefusal(t, f.ws); d != "sign-in: response not verified" {
			t.Errorf("audit detail %q", d)
		}
	})
	t.Run("cloned counter", func(t *testing.T) {
		c.Counter = 0 // the clone's counter is behind: its next assertion says 1
		status, got := e.newBrowser(t).passkeySignIn(t, e, a)
		wantRefusedJSON(t, "a cloned authenticator", status, got, http.StatusUnauthorized, latchkey.MsgPasskeyRefused)
		if d := e.lastRefusal(t, f.ws); !strings.Contains(d, "cloned") {
			t.Errorf("audit detail %q", d)
		}
		c.Counter = 100
	})
	t.Run("removed credential", func(t *testing.T) {
		ps, err := e.store.Passkeys(t.Context(), f.ws.ID, f.member.ID)
		if err != nil || len(ps) != 1 {
			t.Fatal(ps, err)
		}
		page := e.url("acme", "/profile/two-factor")
		r := owner.Submit(t, page, e.url("acme", "/profile/passkeys/"+ps[0].ID+"/remove"), url.Values{"password": {"not the password"}})
		if r.Status != http.StatusUnauthorized || r.Alert() != latchkey.MsgReauthWrong {
			t.Fatalf("remove with a wrong password: %d %q", r.Status, r.Alert())
		}
		r = owner.Submit(t, page, e.url("acme", "/profile/passkeys/"+ps[0].ID+"/remove"), url.Values{"password": {goodPassword}})
		wantPage(t, r, http.StatusOK, "/profile/two-factor")
		if r.Notice() != latchkey.MsgPasskeyRemoved || strings.Contains(r.Text(), "Phone") {
			t.Errorf("after removing: notice %q, page %q", r.Notice(), r.Text())
		}
		if ev := e.events(t, f.ws, latchkey.EventPasskeyRemove); len(ev) != 1 || ev[0].Detail != "Phone" {
			t.Errorf("passkey.remove events %+v", ev)
		}
		b := e.newBrowser(t)
		tok := b.CSRF(t, e.url("acme", "/login"))
		opts := b.begin(t, e.url("acme", "/login/passkey/begin"), tok)
		challenge, _ := passkeytest.Challenge(opts)
		cred, err := a.Assert(c, "acme.app.test", challenge)
		if err != nil {
			t.Fatal(err)
		}
		status, got := b.finish(t, e.url("acme", "/login/passkey/finish"), tok, cred, nil)
		wantRefusedJSON(t, "a removed passkey", status, got, http.StatusUnauthorized, latchkey.MsgPasskeyRefused)
		if d := e.lastRefusal(t, f.ws); d != "sign-in: unknown or removed passkey" {
			t.Errorf("audit detail %q", d)
		}
		// And the password alone signs in again: no second factor is left.
		e.newBrowser(t).mustLogin(t, e, "acme", f.member.Email, goodPassword)
	})
}

// The form token is required on the JSON endpoints too.
func TestPasskeyEndpointsNeedTheFormToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAcme(t)
	b := e.newBrowser(t)
	b.Get(t, e.url("acme", "/login"))
	r := b.jsonPost(t, e.url("acme", "/login/passkey/begin"), "forged", struct{}{})
	if r.Status != http.StatusForbidden {
		t.Errorf("begin with a forged token: %d", r.Status)
	}
}

// An administrator turns passkey sign-in off: the button goes, the endpoints refuse, and the
// passkey still works as the second factor. Password sign-in off leaves passkeys on.
func TestPasskeySignInOffByTheAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	a := newAuthenticator(e)
	b := e.newBrowser(t)
	b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	b.addPasskey(t, e, a, "Key")

	console := e.newBrowser(t)
	console.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	r := console.Submit(t, e.url("acme", "/admin/security"), e.url("acme", "/admin/security/passkeys"), url.Values{})
	wantPage(t, r, http.StatusOK, "/admin/security")
	if n := r.Input("passkey_sign_in"); n == nil || webtest.HasAttr(n, "checked") {
		t.Errorf("passkey_sign_in checkbox %v, want present and clear", n)
	}
	if ev := e.events(t, f.ws, latchkey.EventWorkspacePolicy); len(ev) == 0 || ev[0].Detail != "passkey sign-in: on → off" {
		t.Errorf("policy events %+v", ev)
	}

	c := e.newBrowser(t)
	r = c.Get(t, e.url("acme", "/login"))
	if strings.Contains(r.Body, "Sign in with a passkey") || strings.Contains(r.Body, "webauthn") {
		t.Error("the sign-in page still offers passkey sign-in")
	}
	rb := c.jsonPost(t, e.url("acme", "/login/passkey/begin"), r.CSRF(), struct{}{})
	if rb.Status != http.StatusForbidden || !strings.Contains(rb.Body, latchkey.MsgPasskeySignInOff) {
		t.Errorf("begin with passkey sign-in off: %d %s", rb.Status, rb.Body)
	}
	// Second factor still.
	r = c.login(t, e, "acme", f.member.Email, goodPassword)
	wantPage(t, r, http.StatusOK, "/two-factor")
	tok := r.CSRF()
	cred, err := a.Get(c.begin(t, e.url("acme", "/two-factor/passkey/begin"), tok))
	if err != nil {
		t.Fatal(err)
	}
	if status, got := c.finish(t, e.url("acme", "/two-factor/passkey/finish"), tok, cred, nil); status != http.StatusOK {
		t.Errorf("second factor with passkey sign-in off: %d %v", status, got)
	}

	// On again, and password sign-in off: the passkey signs in.
	e.switchPolicy(t, f.ws, f.admin, admin.PolicySwitches{PasskeySignIn: new(true)})
	if err := e.store.UpdateWorkspace(t.Context(), f.ws.ID, func(w *latchkey.Workspace) error { w.Policy.PasswordSignInOff = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if status, got := e.newBrowser(t).passkeySignIn(t, e, a); status != http.StatusOK {
		t.Errorf("passkey sign-in with password sign-in off: %d %v", status, got)
	}
}

// A suspended account cannot sign in with its passkey.
func TestPasskeySignInSuspended(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	a := newAuthenticator(e)
	b := e.newBrowser(t)
	b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	b.addPasskey(t, e, a, "Key")
	e.setAccount(t, f.member, func(acc *latchkey.Account) { acc.Status = latchkey.StatusSuspended })
	status, got := e.newBrowser(t).passkeySignIn(t, e, a)
	wantRefusedJSON(t, "a suspended account", status, got, http.StatusForbidden, latchkey.MsgNotActive)
}

// A passkey counts as two-factor authentication for a workspace that requires it.
func TestPasskeyMeetsRequire2FA(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	e.switchPolicy(t, f.ws, f.admin, admin.PolicySwitches{Require2FA: new(true)})
	r := b.Get(t, e.url("acme", "/dashboard"))
	wantPage(t, r, http.StatusOK, "/profile/two-factor/setup")
	b.addPasskey(t, e, newAuthenticator(e), "Key")
	r = b.Get(t, e.url("acme", "/dashboard"))
	wantPage(t, r, http.StatusOK, "/dashboard")
}

// Failed passkey sign-ins are counted per address before they are checked: past the limit
// the next one is refused without a check.
func TestPasskeySignInThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	a := newAuthenticator(e)
	owner := e.newBrowser(t)
	owner.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	owner.addPasskey(t, e, a, "Key")
	a.Origin = "http://evil.test"
	b := e.newBrowser(t)
	b.Addr = "203.0.113.66"
	tok := b.CSRF(t, e.url("acme", "/login"))
	var status int
	for i := 0; i <= signin.AddrLimit; i++ {
		opts := b.begin(t, e.url("acme", "/login/passkey/begin"), tok)
		cred, err := a.Get(opts)
		if err != nil {
			t.Fatal(err)
		}
		status, _ = b.finish(t, e.url("acme", "/login/passkey/finish"), tok, cred, nil)
		if status == http.StatusTooManyRequests {
			break
		}
	}
	if status != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: %d, want 429", signin.AddrLimit, status)
	}
	// The right passkey from the same address now waits too; from another it works.
	a.Origin = e.url("acme", "")
	if st, _ := b.passkeySignIn(t, e, a); st != http.StatusTooManyRequests {
		t.Errorf("the right passkey from the throttled address: %d", st)
	}
	c := e.newBrowser(t)
	c.Addr = "198.51.100.3"
	if st, got := c.passkeySignIn(t, e, a); st != http.StatusOK {
		t.Errorf("from another address: %d %v", st, got)
	}
}

// New-device alerts through the web: a sign-in from a new browser mails the person; the
// Security page turns the alert off, and the admin page shows it.
func TestNewDeviceAlertSetting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	alerts := func() int {
		n := 0
		for _, m := range e.mail(t) {
			if m.Subject == "New sign-in to your Acme account" {
				n++
			}
		}
		return n
	}
	first := e.newBrowser(t)
	first.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	first.Get(t, e.url("acme", "/dashboard"))
	if n := alerts(); n != 0 {
		t.Fatalf("first sign-in sent %d alerts", n)
	}
	e.newBrowser(t).mustLogin(t, e, "acme", f.member.Email, goodPassword)
	if n := alerts(); n != 1 {
		t.Fatalf("a new browser sent %d alerts, want 1", n)
	}
	// The known browser again: none.
	first.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	if n := alerts(); n != 1 {
		t.Fatalf("a known browser sent an alert (%d in all)", n)
	}
	r := first.Submit(t, e.url("acme", "/profile/security"), e.url("acme", "/profile/security/alerts"), url.Values{"alerts": {"off"}})
	wantPage(t, r, http.StatusOK, "/profile/security")
	if r.Notice() != latchkey.MsgAlertsOff || !strings.Contains(r.Body, "Turn alerts on") {
		t.Errorf("after turning alerts off: %q", r.Notice())
	}
	e.newBrowser(t).mustLogin(t, e, "acme", f.member.Email, goodPassword)
	if n := alerts(); n != 1 {
		t.Errorf("an alert after the opt-out (%d in all)", n)
	}
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	if got := securityRows(admin.Get(t, e.url("acme", "/admin/security")))[f.member.Email]; !strings.Contains(got, "None Off") {
		t.Errorf("admin row %q does not show alerts off", got)
	}
}

// An administrator's two-factor reset removes the member's passkeys too: otherwise the member
// who lost them would still be asked for one.
func TestAdminResetRemovesPasskeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	b.addPasskey(t, e, newAuthenticator(e), "Lost phone")
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	page := e.url("acme", "/admin/security")
	r := admin.Submit(t, page, e.url("acme", "/admin/members/"+f.member.ID+"/reset-2fa"), url.Values{"password": {goodPassword}})
	wantPage(t, r, http.StatusOK, "/admin/security")
	if got := securityRows(r)[f.member.Email]; got != f.member.Email+" member active Off None On" {
		t.Errorf("member row after the reset %q", got)
	}
	if ps, err := e.store.Passkeys(t.Context(), f.ws.ID, f.member.ID); err != nil || len(ps) != 0 {
		t.Errorf("passkeys after the reset: %+v, %v", ps, err)
	}
	if ev := e.events(t, f.ws, latchkey.EventPasskeyRemove); len(ev) != 1 || ev[0].ActorID != f.admin.ID {
		t.Errorf("passkey.remove events %+v", ev)
	}
	e.newBrowser(t).mustLogin(t, e, "acme", f.member.Email, goodPassword)
}

// At the challenge, a refused passkey is a wrong attempt like a wrong code: the fifth ends the
// step and sends the browser back to sign in.
func TestPasskeySecondFactorRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	a := newAuthenticator(e)
	owner := e.newBrowser(t)
	owner.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	owner.addPasskey(t, e, a, "Key")

	a.Origin = "http://evil.test"
	b := e.newBrowser(t)
	r := b.login(t, e, "acme", f.member.Email, goodPassword)
	wantPage(t, r, http.StatusOK, "/two-factor")
	tok := r.CSRF()
	for i := 1; i <= signin.MaxChallengeAttempts; i++ {
		cred, err := a.Get(b.begin(t, e.url("acme", "/two-factor/passkey/begin"), tok))
		if err != nil {
			t.Fatal(err)
		}
		status, got := b.finish(t, e.url("acme", "/two-factor/passkey/finish"), tok, cred, nil)
		if i < signin.MaxChallengeAttempts {
			wantRefusedJSON(t, "a passkey from another origin at the challenge", status, got, http.StatusUnauthorized, latchkey.MsgPasskeyRefused)
			continue
		}
		if status != http.StatusGone || got["redirect"] != "/login?e=too-many-codes" {
			t.Errorf("attempt %d: %d %v, want the step ended", i, status, got)
		}
	}
	if d := e.lastRefusal(t, f.ws); d != "second factor: response not verified" {
		t.Errorf("audit detail %q", d)
	}
	// The step is gone: the right passkey cannot begin again.
	a.Origin = e.url("acme", "")
	rb := b.jsonPost(t, e.url("acme", "/two-factor/passkey/begin"), tok, struct{}{})
	if rb.Status != http.StatusGone {
		t.Errorf("begin after the step ended: %d %s", rb.Status, rb.Body)
	}
}

// Begun passwordless ceremonies are stored, so one address may begin only so many an hour.
func TestPasskeyBeginLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAcme(t)
	b := e.newBrowser(t)
	b.Addr = "203.0.113.77"
	tok := passkeyToken(t, b.Get(t, e.url("acme", "/login")))
	for range signin.PasskeyBeginLimit {
		b.begin(t, e.url("acme", "/login/passkey/begin"), tok)
	}
	if r := b.jsonPost(t, e.url("acme", "/login/passkey/begin"), tok, struct{}{}); r.Status != http.StatusTooManyRequests {
		t.Errorf("begin %d: %d, want 429", signin.PasskeyBeginLimit+1, r.Status)
	}
	e.clock.Advance(time.Hour)
	b.begin(t, e.url("acme", "/login/passkey/begin"), tok)
}
