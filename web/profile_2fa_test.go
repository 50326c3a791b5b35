package web_test

import (
	"bytes"
	"encoding/base64"
	"image/png"
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
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/webtest"
	"github.com/latchkey/latchkey/totp"
)

// recoveryFormat is how a recovery code is shown: four groups of four from the alphabet without
// look-alikes.
var recoveryFormat = regexp.MustCompile(`^[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){3}$`)

// twoFactorOn reads from the store whether the account has two-factor authentication on.
func (e *env) twoFactorOn(t *testing.T, a latchkey.Account) bool {
	t.Helper()
	acc, err := e.store.Account(t.Context(), a.WorkspaceID, a.ID)
	if err != nil {
		t.Fatalf("read account %s: %v", a.Email, err)
	}
	return acc.TwoFactor()
}

// codesLeft reads from the store how many unused recovery codes the account has.
func (e *env) codesLeft(t *testing.T, a latchkey.Account) int {
	t.Helper()
	codes, err := e.store.RecoveryCodes(t.Context(), a.WorkspaceID, a.ID)
	if err != nil {
		t.Fatalf("recovery codes of %s: %v", a.Email, err)
	}
	return len(codes)
}

// qrImage returns the src of the set-up page's QR code image.
func qrImage(t *testing.T, r *webtest.Response) string {
	t.Helper()
	imgs := r.Find(func(n *html.Node) bool { return n.Data == "img" && strings.Contains(webtest.Attr(n, "class"), "qr") })
	if len(imgs) != 1 {
		t.Fatalf("%d QR images on %s, want 1", len(imgs), r.URL)
	}
	return webtest.Attr(imgs[0], "src")
}

func TestSetUpTwoFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.Addr = "198.51.100.50"
	b.mustLogin(t, e, "acme", f.member.Email, goodPassword)

	r := b.Get(t, e.url("acme", "/profile/two-factor"))
	wantPage(t, r, http.StatusOK, "/profile/two-factor")
	if got, want := r.Texts("h2", ""), []string{"Off", "Passkeys"}; !cmp.Equal(got, want) {
		t.Errorf("settings sections %q, want %q", got, want)
	}
	if !slices.Contains(r.Links(), "/profile/two-factor/setup") {
		t.Errorf("settings page links %q, want the set-up page", r.Links())
	}

	page := b.Get(t, e.url("acme", "/profile/two-factor/setup"))
	wantPage(t, page, http.StatusOK, "/profile/two-factor/setup")
	key := shownKey(t, page)
	src := qrImage(t, page)
	raw, ok := strings.CutPrefix(src, "data:image/png;base64,")
	if !ok {
		t.Fatalf("QR src %.40q…, want a data:image/png;base64 URL", src)
	}
	pngBytes, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		t.Fatalf("QR src is not base64: %v", err)
	}
	if _, err := png.Decode(bytes.NewReader(pngBytes)); err != nil {
		t.Fatalf("QR src is not a PNG: %v", err)
	}
	// The QR encoding is deterministic: the image shown is the one of the otpauth URI with the
	// workspace name as issuer and the email as account, for the key shown as text.
	k, err := totp.KeyFor(f.ws.Name, f.member.Email, key)
	if err != nil {
		t.Fatalf("the key shown (%q) is not a TOTP key: %v", key, err)
	}
	if want, err := totp.QR(k.URI); err != nil || want != src {
		t.Errorf("the QR code is not the one of %s (err %v)", k.URI, err)
	}
	u, err := url.Parse(k.URI)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Query().Get("issuer"), "Acme"; got != want {
		t.Errorf("issuer %q, want %q", got, want)
	}
	if got, want := strings.TrimPrefix(u.Path, "/"), "Acme:"+f.member.Email; got != want {
		t.Errorf("label %q, want %q", got, want)
	}

	t.Run("wrong password", func(t *testing.T) {
		r := b.confirmSetup(t, e, "acme", page, wrongPassword, e.code(t, key, 0))
		wantPage(t, r, http.StatusUnauthorized, "/profile/two-factor/setup")
		if got, want := r.Alert(), latchkey.MsgReauthWrong; got != want {
			t.Errorf("alert %q, want %q", got, want)
		}
		if got := shownKey(t, r); got != key {
			t.Errorf("key shown again %q, want the same %q", got, key)
		}
		if e.twoFactorOn(t, f.member) {
			t.Error("two-factor turned on with a wrong password")
		}
	})

	t.Run("wrong code", func(t *testing.T) {
		r := b.confirmSetup(t, e, "acme", page, goodPassword, e.wrongCode(t, key))
		wantPage(t, r, http.StatusUnauthorized, "/profile/two-factor/setup")
		if got, want := r.Alert(), latchkey.MsgCodeWrong; got != want {
			t.Errorf("alert %q, want %q", got, want)
		}
		if got := shownKey(t, r); got != key {
			t.Errorf("key shown again %q, want the same %q", got, key)
		}
		if got := qrImage(t, r); got != src {
			t.Error("a different QR code is shown after a wrong code")
		}
		if e.twoFactorOn(t, f.member) {
			t.Error("two-factor turned on with a wrong code")
		}
	})

	t.Run("tampered key", func(t *testing.T) {
		sealed := webtest.Attr(page.Input("sealed"), "value")
		tampered := sealed[:len(sealed)-2] + "AA"
		if tampered == sealed {
			tampered = sealed[:len(sealed)-2] + "BB"
		}
		r := b.Post(t, e.url("acme", "/profile/two-factor/setup"), url.Values{
			"csrf": {page.CSRF()}, "sealed": {tampered}, "password": {goodPassword}, "code": {e.code(t, key, 0)},
		})
		wantPage(t, r, http.StatusGone, "/profile/two-factor/setup")
		if got, want := r.Alert(), latchkey.MsgSetupExpired; got != want {
			t.Errorf("alert %q, want %q", got, want)
		}
		if got := shownKey(t, r); got == key {
			t.Error("the tampered form shows the old key again, want a new one")
		}
		if e.twoFactorOn(t, f.member) {
			t.Error("two-factor turned on from a tampered form")
		}
	})

	t.Run("key of another session", func(t *testing.T) {
		other := e.newBrowser(t)
		other.mustLogin(t, e, "acme", f.member.Email, goodPassword)
		r := other.Post(t, e.url("acme", "/profile/two-factor/setup"), url.Values{
			"csrf": {other.CSRF(t, e.url("acme", "/dashboard"))}, "sealed": {webtest.Attr(page.Input("sealed"), "value")},
			"password": {goodPassword}, "code": {e.code(t, key, 0)},
		})
		wantPage(t, r, http.StatusGone, "/profile/two-factor/setup")
		if got, want := r.Alert(), latchkey.MsgSetupExpired; got != want {
			t.Errorf("alert %q, want %q", got, want)
		}
		if e.twoFactorOn(t, f.member) {
			t.Error("two-factor turned on with a key sealed for another session")
		}
	})

	r = b.confirmSetup(t, e, "acme", page, goodPassword, e.code(t, key, 0))
	wantPage(t, r, http.StatusOK, "/profile/two-factor/setup")
	if got, want := r.Heading(), "Your recovery codes"; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	if got, want := r.Notice(), latchkey.MsgTwoFactorOn; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	codes := shownCodes(r)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown (%q), want 10", len(codes), codes)
	}
	for _, c := range codes {
		if !recoveryFormat.MatchString(c) {
			t.Errorf("recovery code %q, want the form xxxx-xxxx-xxxx-xxxx", c)
		}
	}
	if uniq := slices.Compact(slices.Sorted(slices.Values(codes))); len(uniq) != len(codes) {
		t.Errorf("recovery codes repeat: %q", codes)
	}
	var download string
	for _, a := range r.Find(func(n *html.Node) bool { return n.Data == "a" && webtest.HasAttr(n, "download") }) {
		download = webtest.Attr(a, "href")
	}
	body, ok := strings.CutPrefix(download, "data:text/plain;charset=utf-8,")
	if !ok {
		t.Fatalf("download link %.40q…, want a data:text/plain URL", download)
	}
	if body, err = url.PathUnescape(body); err != nil {
		t.Fatalf("download link: %v", err)
	}
	for _, c := range codes {
		if !strings.Contains(body, c+"\n") {
			t.Errorf("the download lacks the code %q: %q", c, body)
		}
	}

	if !e.twoFactorOn(t, f.member) {
		t.Fatal("two-factor is not on in the store")
	}
	if got, want := e.codesLeft(t, f.member), 10; got != want {
		t.Errorf("%d recovery codes stored, want %d", got, want)
	}
	evs := e.events(t, f.ws, latchkey.EventTwoFactorEnable)
	if len(evs) != 1 || evs[0].AccountID != f.member.ID || evs[0].ClientAddr != "198.51.100.50" {
		t.Errorf("2fa.enable events %+v, want one for %s from 198.51.100.50", evs, f.member.Email)
	}

	// The settings page now says it is on; the set-up page sends back to it.
	r = b.Get(t, e.url("acme", "/profile/two-factor"))
	if got := r.Texts("h2", ""); len(got) == 0 || got[0] != "On" {
		t.Errorf("settings sections %q, want the first to be On", got)
	}
	if !strings.Contains(r.Text(), "You have 10 unused recovery codes.") {
		t.Errorf("settings page does not count 10 codes: %q", r.Text())
	}
	wantPage(t, b.Get(t, e.url("acme", "/profile/two-factor/setup")), http.StatusOK, "/profile/two-factor")

	// The confirming code is spent.
	b.logout(t, e, "acme")
	b.passwordStep(t, e, "acme", f.member.Email, false)
	r = b.verify(t, e, "acme", e.code(t, key, 0))
	wantPage(t, r, http.StatusUnauthorized, "/two-factor")
	if got, want := r.Alert(), latchkey.MsgCodeUsed; got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
}

func TestRegenerateRecoveryCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key, old := e.with2FA(t, "acme", f.member.Email)
	b := e.newBrowser(t)
	b.login2FA(t, e, "acme", f.member.Email, key)
	settings := e.url("acme", "/profile/two-factor")
	regen := e.url("acme", "/profile/two-factor/recovery-codes")

	// A young session needs no password: the form does not ask for one.
	r := b.Get(t, settings)
	if n := r.Input("password"); n == nil || webtest.Attr(n, "id") != "off-password" {
		t.Errorf("the young session's settings page asks a password for new codes")
	}
	r = b.Submit(t, settings, regen, nil)
	wantPage(t, r, http.StatusOK, "/profile/two-factor/recovery-codes")
	if got, want := r.Notice(), latchkey.MsgCodesRegenerated; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	fresh := shownCodes(r)
	if len(fresh) != 10 {
		t.Fatalf("%d new codes, want 10", len(fresh))
	}
	for _, c := range fresh {
		if slices.Contains(old, c) {
			t.Errorf("new code %q was in the old set", c)
		}
	}
	if evs := e.events(t, f.ws, latchkey.EventRecoveryCodesNew); len(evs) != 1 || evs[0].AccountID != f.member.ID {
		t.Errorf("2fa.recovery_codes events %+v, want one", evs)
	}

	// The old set stopped working at once; the new one works.
	b.logout(t, e, "acme")
	b.passwordStep(t, e, "acme", f.member.Email, false)
	r = b.useRecovery(t, e, "acme", old[0])
	wantPage(t, r, http.StatusUnauthorized, "/two-factor/recovery")
	if got, want := r.Alert(), latchkey.MsgRecoveryWrong; got != want {
		t.Errorf("old code: alert %q, want %q", got, want)
	}
	noSession(t, r)
	r = b.useRecovery(t, e, "acme", fresh[0])
	wantPage(t, r, http.StatusOK, "/dashboard")

	// Ten minutes into the session the password is needed again.
	e.clock.Advance(10 * time.Minute)
	r = b.Get(t, settings)
	if n := r.Input("password"); n == nil || webtest.Attr(n, "id") != "regen-password" {
		t.Errorf("the older session's settings page does not ask the password for new codes")
	}
	r = b.Submit(t, settings, regen, nil)
	wantPage(t, r, http.StatusBadRequest, "/profile/two-factor/recovery-codes")
	if got, want := r.Alert(), latchkey.MsgReauthRequired; got != want {
		t.Errorf("no password: alert %q, want %q", got, want)
	}
	if shownCodes(r) != nil {
		t.Errorf("codes shown without the password")
	}
	r = b.Submit(t, settings, regen, url.Values{"password": {wrongPassword}})
	wantPage(t, r, http.StatusUnauthorized, "/profile/two-factor/recovery-codes")
	if got, want := r.Alert(), latchkey.MsgReauthWrong; got != want {
		t.Errorf("wrong password: alert %q, want %q", got, want)
	}
	if got, want := e.codesLeft(t, f.member), 9; got != want {
		t.Errorf("%d codes left after refused regenerations, want %d", got, want)
	}
	r = b.Submit(t, settings, regen, url.Values{"password": {goodPassword}})
	wantPage(t, r, http.StatusOK, "/profile/two-factor/recovery-codes")
	if got := len(shownCodes(r)); got != 10 {
		t.Errorf("%d codes with the password, want 10", got)
	}
	if got, want := e.codesLeft(t, f.member), 10; got != want {
		t.Errorf("%d codes stored, want %d", got, want)
	}
}

func TestTurnOffTwoFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key, _ := e.with2FA(t, "acme", f.member.Email)
	b := e.newBrowser(t)
	b.login2FA(t, e, "acme", f.member.Email, key)
	settings := e.url("acme", "/profile/two-factor")
	disable := e.url("acme", "/profile/two-factor/disable")

	for _, tc := range []struct {
		name   string
		pw     string
		status int
		msg    string
	}{
		{"no password", "", http.StatusBadRequest, latchkey.MsgReauthRequired},
		{"wrong password", wrongPassword, http.StatusUnauthorized, latchkey.MsgReauthWrong},
	} {
		// Even a young session gives the password to turn it off.
		r := b.Submit(t, settings, disable, url.Values{"password": {tc.pw}})
		wantPage(t, r, tc.status, "/profile/two-factor/disable")
		if got := r.Alert(); got != tc.msg {
			t.Errorf("%s: alert %q, want %q", tc.name, got, tc.msg)
		}
		if !e.twoFactorOn(t, f.member) || e.codesLeft(t, f.member) != 10 {
			t.Fatalf("%s: two-factor changed", tc.name)
		}
	}
	if evs := e.events(t, f.ws, latchkey.EventTwoFactorDisable); len(evs) != 0 {
		t.Errorf("2fa.disable events %+v after refusals", evs)
	}

	// While the workspace requires it, not even the password turns it off.
	e.switchPolicy(t, f.ws, f.admin, admin.PolicySwitches{Require2FA: new(true)})
	r := b.Get(t, settings)
	if slices.Contains(r.Texts("button", ""), "Turn off two-factor authentication") || !strings.Contains(r.Text(), latchkey.MsgTwoFactorMandatory) {
		t.Errorf("settings page %q offers to turn off what the workspace requires", r.Text())
	}
	r = b.Submit(t, settings, disable, url.Values{"password": {goodPassword}})
	wantPage(t, r, http.StatusForbidden, "/profile/two-factor/disable")
	if got, want := r.Alert(), latchkey.MsgTwoFactorMandatory; got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
	if !e.twoFactorOn(t, f.member) {
		t.Fatal("two-factor turned off although the workspace requires it")
	}
	e.switchPolicy(t, f.ws, f.admin, admin.PolicySwitches{Require2FA: new(false)})

	r = b.Submit(t, settings, disable, url.Values{"password": {goodPassword}})
	wantPage(t, r, http.StatusOK, "/profile/two-factor")
	if got, want := r.Notice(), latchkey.MsgTwoFactorOff; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	if e.twoFactorOn(t, f.member) {
		t.Fatal("two-factor is still on in the store")
	}
	if got := e.codesLeft(t, f.member); got != 0 {
		t.Errorf("%d recovery codes left after turning off, want 0", got)
	}
	if evs := e.events(t, f.ws, latchkey.EventTwoFactorDisable); len(evs) != 1 || evs[0].AccountID != f.member.ID {
		t.Errorf("2fa.disable events %+v, want one", evs)
	}

	// Sign-in is password-only again.
	b.logout(t, e, "acme")
	r = b.login(t, e, "acme", f.member.Email, goodPassword)
	wantPage(t, r, http.StatusOK, "/dashboard")
	if c := r.SetCookie("latchkey_challenge"); c != nil {
		t.Errorf("a challenge cookie was set: %v", c)
	}
}

// A set-up form left open in another tab cannot replace the key once two-factor is on: the
// recovery codes just shown keep working.
func TestSetUpTwiceKeepsFirstKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	first := b.Get(t, e.url("acme", "/profile/two-factor/setup"))
	second := b.Get(t, e.url("acme", "/profile/two-factor/setup"))
	key1, key2 := shownKey(t, first), shownKey(t, second)
	if key1 == key2 {
		t.Fatal("two set-up pages show the same key")
	}
	r := b.confirmSetup(t, e, "acme", first, goodPassword, e.code(t, key1, 0))
	codes := shownCodes(r)
	if len(codes) != 10 {
		t.Fatalf("%d codes, want 10", len(codes))
	}

	r = b.confirmSetup(t, e, "acme", second, goodPassword, e.code(t, key2, 0))
	wantPage(t, r, http.StatusOK, "/profile/two-factor")
	if shownCodes(r) != nil {
		t.Error("the second set-up showed recovery codes")
	}
	if evs := e.events(t, f.ws, latchkey.EventTwoFactorEnable); len(evs) != 1 {
		t.Errorf("%d 2fa.enable events, want 1", len(evs))
	}

	e.nextStep()
	b.logout(t, e, "acme")
	b.passwordStep(t, e, "acme", f.member.Email, false)
	wantAlert(t, b.verify(t, e, "acme", e.code(t, key2, 0)), http.StatusUnauthorized, "/two-factor", latchkey.MsgCodeWrong)
	wantPage(t, b.verify(t, e, "acme", e.code(t, key1, 0)), http.StatusOK, "/dashboard")
	b.logout(t, e, "acme")
	b.passwordStep(t, e, "acme", f.member.Email, false)
	wantPage(t, b.useRecovery(t, e, "acme", codes[0]), http.StatusOK, "/dashboard")
}
