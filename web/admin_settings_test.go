package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/webtest"
)

// setPolicy stores the workspace's policy straight in the store.
func setPolicy(t *testing.T, e *env, ws latchkey.Workspace, p latchkey.Policy) {
	t.Helper()
	err := e.store.UpdateWorkspace(t.Context(), ws.ID, func(w *latchkey.Workspace) error {
		w.Policy = p
		return nil
	})
	if err != nil {
		t.Fatalf("set policy: %v", err)
	}
}

// policy reads the workspace's stored policy.
func (e *env) policy(t *testing.T, ws latchkey.Workspace) latchkey.Policy {
	t.Helper()
	w, err := e.store.Workspace(t.Context(), ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	return w.Policy
}

// options returns the values of the select's options, and the selected one.
func options(r *webtest.Response, name string) (values []string, selected string) {
	for _, sel := range r.Find(func(n *html.Node) bool { return n.Data == "select" && webtest.Attr(n, "name") == name }) {
		for o := range sel.Descendants() {
			if o.Type == html.ElementNode && o.Data == "option" {
				values = append(values, webtest.Attr(o, "value"))
				if webtest.HasAttr(o, "selected") {
					selected = webtest.Attr(o, "value")
				}
			}
		}
	}
	return values, selected
}

// checkedRadio returns the value of the checked radio button named name.
func checkedRadio(r *webtest.Response, name string) string {
	for _, n := range r.Find(func(n *html.Node) bool {
		return n.Data == "input" && webtest.Attr(n, "name") == name && webtest.HasAttr(n, "checked")
	}) {
		return webtest.Attr(n, "value")
	}
	return ""
}

// saveSettings submits the settings form.
func (b *browser) saveSettings(t *testing.T, e *env, minLength, passwordSignIn, idle string) *webtest.Response {
	t.Helper()
	return b.Submit(t, e.url("acme", "/admin/settings"), e.url("acme", "/admin/settings"),
		url.Values{"min_length": {minLength}, "password_signin": {passwordSignIn}, "session_idle": {idle}})
}

func TestSettingsPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.mustLogin(t, e, "acme", f.admin.Email, goodPassword)

	r := b.Get(t, e.url("acme", "/admin/settings"))
	wantPage(t, r, http.StatusOK, "/admin/settings")
	if got, want := r.Heading(), "Workspace settings"; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	if got, want := labelOf(r, "min_length"), "Minimum password length"; got != want {
		t.Errorf("min_length label %q, want %q", got, want)
	}
	if got, want := webtest.Attr(r.Input("min_length"), "value"), "12"; got != want {
		t.Errorf("minimum length shown %q, want %q", got, want)
	}
	if got, want := checkedRadio(r, "password_signin"), "on"; got != want {
		t.Errorf("password sign-in %q, want %q", got, want)
	}
	if labelOf(r, "session_idle") == "" {
		t.Error("the idle timeout has no label")
	}
	values, selected := options(r, "session_idle")
	if want := []string{"0", "5m0s", "15m0s", "30m0s", "1h0m0s", "2h0m0s", "4h0m0s"}; !cmp.Equal(values, want) {
		t.Errorf("idle timeouts offered %q, want %q (none above the operator's 8 hours)", values, want)
	}
	if selected != "0" {
		t.Errorf("idle timeout selected %q, want the operator's (0)", selected)
	}
	for _, want := range []string{"The operator's maximum: 8 hours", "At most the operator's maximum, 8 hours.", "Warning:"} {
		if !containsText(r, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	if !containsLink(r, "/admin/security") {
		t.Error("no link to the security page, where two-factor authentication is required")
	}
	if r.Input("require_2fa") != nil {
		t.Error("the settings page has its own Require two-factor field")
	}

	// Members get nothing.
	m := e.newBrowser(t)
	m.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	if r := m.Get(t, e.url("acme", "/admin/settings")); r.Status != http.StatusNotFound {
		t.Errorf("member GET /admin/settings: %d, want 404", r.Status)
	}
	r = m.Submit(t, e.url("acme", "/dashboard"), e.url("acme", "/admin/settings"), url.Values{"min_length": {"20"}, "password_signin": {"off"}, "session_idle": {"0"}})
	if r.Status != http.StatusNotFound {
		t.Errorf("member POST /admin/settings: %d, want 404", r.Status)
	}
	if got := e.policy(t, f.ws); got != (latchkey.Policy{}) {
		t.Errorf("a member changed the policy to %+v", got)
	}
}

func TestSettingsValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	idleRange := fmt.Sprintf(latchkey.MsgSessionIdleRange, "8 hours")

	for _, tc := range []struct {
		name, minLength, idle string
		field, msg            string
	}{
		{"11 characters", "11", "0", "min_length", latchkey.MsgMinLengthRange},
		{"65 characters", "65", "0", "min_length", latchkey.MsgMinLengthRange},
		{"not a number", "twelve", "0", "min_length", latchkey.MsgMinLengthRange},
		{"empty", "", "0", "min_length", latchkey.MsgMinLengthRange},
		{"idle under 5 minutes", "12", "4m", "session_idle", idleRange},
		{"idle over the operator's", "12", "9h", "session_idle", idleRange},
		{"idle not a duration", "12", "forever", "session_idle", idleRange},
		{"idle negative", "12", "-1h", "session_idle", idleRange},
	} {
		r := b.saveSettings(t, e, tc.minLength, "off", tc.idle)
		wantPage(t, r, http.StatusBadRequest, "/admin/settings")
		if got := r.Alert(); got != tc.msg {
			t.Errorf("%s: alert %q, want %q", tc.name, got, tc.msg)
		}
		wantInvalid(t, r, tc.field)
		if got := webtest.Attr(r.Input("min_length"), "value"); got != tc.minLength {
			t.Errorf("%s: the field holds %q, want what was typed, %q", tc.name, got, tc.minLength)
		}
		if got, want := checkedRadio(r, "password_signin"), "off"; got != want {
			t.Errorf("%s: password sign-in shown %q, want what was chosen, %q", tc.name, got, want)
		}
	}
	if got := e.policy(t, f.ws); got != (latchkey.Policy{}) {
		t.Errorf("refused settings changed the policy to %+v", got)
	}
	if evs := e.events(t, f.ws, latchkey.EventWorkspacePolicy); len(evs) != 0 {
		t.Errorf("refused settings were audited: %+v", evs)
	}
}

func TestSettingsSave(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.Addr = "198.51.100.60"
	b.mustLogin(t, e, "acme", f.admin.Email, goodPassword)

	r := b.saveSettings(t, e, "16", "on", "30m0s")
	wantPage(t, r, http.StatusOK, "/admin/settings")
	if got, want := r.Notice(), latchkey.MsgPolicySaved; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	want := latchkey.Policy{PasswordMinLength: 16, SessionIdle: 30 * time.Minute}
	if got := e.policy(t, f.ws); got != want {
		t.Errorf("policy %+v, want %+v", got, want)
	}
	if got := webtest.Attr(r.Input("min_length"), "value"); got != "16" {
		t.Errorf("minimum shown %q after saving 16", got)
	}
	if _, selected := options(r, "session_idle"); selected != "30m0s" {
		t.Errorf("idle timeout shown %q after saving 30m", selected)
	}
	evs := e.events(t, f.ws, latchkey.EventWorkspacePolicy)
	if len(evs) != 1 || evs[0].ActorID != f.admin.ID || evs[0].ClientAddr != "198.51.100.60" {
		t.Fatalf("workspace.policy events %+v, want one by the admin from 198.51.100.60", evs)
	}
	if got, want := evs[0].Detail, "minimum password length: 0 → 16; session idle timeout: 0s → 30m0s"; got != want {
		t.Errorf("audit detail %q, want %q", got, want)
	}

	// 12 is the product's minimum: it is stored as "not raised", and saving the same settings
	// again changes nothing and audits nothing.
	b.saveSettings(t, e, "12", "on", "0")
	if got := e.policy(t, f.ws); got != (latchkey.Policy{}) {
		t.Errorf("policy %+v, want the defaults", got)
	}
	b.saveSettings(t, e, "12", "on", "0")
	if evs := e.events(t, f.ws, latchkey.EventWorkspacePolicy); len(evs) != 2 {
		t.Errorf("%d workspace.policy events, want 2 (an unchanged save is not audited)", len(evs))
	}
}

// Require two-factor authentication is set on the security page; saving the settings keeps it.
func TestSettingsKeepRequire2FA(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key := turnOnTOTP(t, e, f.ws, f.admin)
	setPolicy(t, e, f.ws, latchkey.Policy{Require2FA: true})
	b := e.newBrowser(t)
	b.login2FA(t, e, "acme", f.admin.Email, key)
	r := b.saveSettings(t, e, "20", "on", "0")
	wantPage(t, r, http.StatusOK, "/admin/settings")
	if got, want := e.policy(t, f.ws), (latchkey.Policy{Require2FA: true, PasswordMinLength: 20}); got != want {
		t.Errorf("policy %+v, want %+v", got, want)
	}
}

// A raised minimum applies to the next password set, by any path.
func TestSettingsMinLengthApplies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	wantPage(t, b.saveSettings(t, e, "30", "on", "0"), http.StatusOK, "/admin/settings")

	// Passwords already set keep working.
	e.wantPasswordIs(t, "acme", f.member.Email, goodPassword)

	const fourteen = "fourteen chars"
	tooShort := fmt.Sprintf(latchkey.MsgPasswordTooShortN, 30)
	_, link := e.invite(t, f.ws, "ines@acme.example", latchkey.RoleMember)
	r := e.newBrowser(t).setPassword(t, link, goodPassword, goodPassword)
	if r.Status != http.StatusBadRequest || r.Alert() != tooShort {
		t.Errorf("invitation with %d characters: %d %q, want 400 %q", len(goodPassword), r.Status, r.Alert(), tooShort)
	}

	resetLink := e.requestResetLink(t, "acme", f.member.Email)
	rb := e.newBrowser(t)
	r = rb.Get(t, resetLink)
	if !containsText(r, "At least 30 characters.") {
		t.Errorf("the reset page does not state the workspace's minimum: %q", r.Text())
	}
	r = rb.reset(t, resetLink, f.member.Email, fourteen, fourteen)
	if r.Status != http.StatusBadRequest || r.Alert() != tooShort {
		t.Errorf("reset with 14 characters: %d %q, want 400 %q", r.Status, r.Alert(), tooShort)
	}
	const long = "thirty one characters long, ok."
	wantPage(t, rb.reset(t, resetLink, f.member.Email, long, long), http.StatusOK, "/login")
	e.wantPasswordIs(t, "acme", f.member.Email, long)
}

// A shorter idle timeout applies to sessions already open.
func TestSettingsIdleTimeoutApplies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	m := e.newBrowser(t)
	m.mustLogin(t, e, "acme", f.member.Email, goodPassword)

	wantPage(t, admin.saveSettings(t, e, "12", "on", "15m0s"), http.StatusOK, "/admin/settings")
	e.clock.Advance(14 * time.Minute)
	if !m.signedIn(t, e, "acme") {
		t.Fatal("signed out after 14 idle minutes with a 15-minute timeout")
	}
	e.clock.Advance(15 * time.Minute)
	r := m.Get(t, e.url("acme", "/dashboard"))
	wantPage(t, r, http.StatusOK, "/login")
	if got, want := r.Notice(), latchkey.MsgSessionEnded; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
}

// With password sign-in off, the sign-in page has no password form and refuses a posted one,
// and no invitations are sent.
func TestSettingsPasswordSignInOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	b := e.newBrowser(t)
	tok := b.CSRF(t, e.url("acme", "/login"))

	r := admin.saveSettings(t, e, "12", "off", "0")
	if r.Status != http.StatusConflict || r.Alert() != latchkey.MsgPasswordOffNoSSO {
		t.Fatalf("password sign-in off without a connection: %d %q", r.Status, r.Alert())
	}
	e.enableSSO(t, f.ws)
	r = admin.saveSettings(t, e, "12", "off", "0")
	wantPage(t, r, http.StatusOK, "/admin/settings")
	if got, want := e.policy(t, f.ws), (latchkey.Policy{PasswordSignInOff: true}); got != want {
		t.Fatalf("policy %+v, want %+v", got, want)
	}
	if got, want := checkedRadio(r, "password_signin"), "off"; got != want {
		t.Errorf("password sign-in shown %q, want %q", got, want)
	}

	r = b.Get(t, e.url("acme", "/login"))
	wantPage(t, r, http.StatusOK, "/login")
	if r.Input("password") != nil || r.Input("email") != nil {
		t.Error("the sign-in page still has the password form")
	}
	if got, want := r.Texts("button", ""), []string{"Continue with Okta", "Sign in with a passkey"}; !cmp.Equal(got, want) {
		t.Errorf("buttons %q, want %q: the connection's and the passkey's", got, want)
	}
	if containsLink(r, "/forgot-password") {
		t.Error("the sign-in page still offers Forgot password?")
	}
	if !containsText(r, "This workspace signs in with single sign-on or a passkey") {
		t.Errorf("the sign-in page does not explain itself: %q", r.Text())
	}
	r = b.Post(t, e.url("acme", "/login"), url.Values{"csrf": {tok}, "email": {f.member.Email}, "password": {goodPassword}})
	wantRefused(t, r, http.StatusForbidden, latchkey.MsgPasswordSignInOff)
	if evs := e.events(t, f.ws, latchkey.EventSignIn); len(evs) != 1 {
		t.Errorf("%d sign-in events, want the administrator's only", len(evs))
	}

	// The members page has no invitation form, and a posted invitation is refused.
	r = admin.Get(t, e.url("acme", "/admin/members"))
	if r.Input("name") != nil || !containsText(r, latchkey.MsgInviteSSOOnly) {
		t.Errorf("members page: invite form %v; want none, and %q", r.Input("name") != nil, latchkey.MsgInviteSSOOnly)
	}
	n := len(e.mail(t))
	r = admin.Submit(t, e.url("acme", "/admin/members"), e.url("acme", "/admin/members/invite"), url.Values{"email": {"new@acme.example"}, "role": {"member"}})
	wantPage(t, r, http.StatusForbidden, "/admin/members/invite")
	if got, want := r.Alert(), latchkey.MsgInviteSSOOnly; got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
	if _, err := e.store.AccountByEmail(t.Context(), f.ws.ID, "new@acme.example"); err == nil {
		t.Error("an SSO-only workspace created an invited account")
	}
	if len(e.newMail(t, n)) != 0 {
		t.Error("an SSO-only workspace sent mail")
	}

	// Turned back on, the form is back.
	wantPage(t, admin.saveSettings(t, e, "12", "on", "0"), http.StatusOK, "/admin/settings")
	b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
}

// containsText reports whether the page's visible text holds s.
func containsText(r *webtest.Response, s string) bool { return strings.Contains(r.Text(), s) }

// containsLink reports whether the page links to href.
func containsLink(r *webtest.Response, href string) bool { return slices.Contains(r.Links(), href) }
