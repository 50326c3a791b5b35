package web_test

import (
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

// User agents of real browsers.
const (
	firefoxWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
	chromeMac      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
	safariIPhone   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

// sessionRow is one row of the security page's session list.
type sessionRow struct {
	Device, Address, SignedIn, LastActive string
	Revoke                                string // the action of its Sign out form
}

// sessionRows returns the rows of the session list, in order.
func sessionRows(t *testing.T, r *webtest.Response) []sessionRow {
	t.Helper()
	var rows []sessionRow
	for _, tr := range r.Find(func(n *html.Node) bool { return n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" }) {
		var cells []*html.Node
		for c := range tr.ChildNodes() {
			if c.Type == html.ElementNode && c.Data == "td" {
				cells = append(cells, c)
			}
		}
		if len(cells) != 5 {
			t.Fatalf("a session row has %d cells, want 5: %q", len(cells), webtest.Text(tr))
		}
		row := sessionRow{Device: webtest.Text(cells[0]), Address: webtest.Text(cells[1]), SignedIn: webtest.Text(cells[2]), LastActive: webtest.Text(cells[3])}
		for n := range cells[4].Descendants() {
			if n.Type == html.ElementNode && n.Data == "form" {
				row.Revoke = webtest.Attr(n, "action")
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// signedInAs signs email in on a new browser with this user agent and address, and returns
// the browser and its session cookie.
func (e *env) signedInAs(t *testing.T, email, userAgent, addr string) (*browser, string) {
	t.Helper()
	b := e.newBrowser(t)
	b.UserAgent, b.Addr = userAgent, addr
	return b, b.mustLogin(t, e, "acme", email, goodPassword)
}

// changePassword submits the Change password form.
func (b *browser) changePassword(t *testing.T, e *env, current, pw, confirm string) *webtest.Response {
	t.Helper()
	return b.Submit(t, e.url("acme", "/profile/security"), e.url("acme", "/profile/security/password"),
		url.Values{"current": {current}, "password": {pw}, "confirm": {confirm}})
}

func TestSecurityPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	laptop, laptopCookie := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.1")
	e.clock.Advance(2 * time.Minute)
	_, phoneCookie := e.signedInAs(t, f.member.Email, safariIPhone, "198.51.100.2")
	e.clock.Advance(2 * time.Minute)
	_, macCookie := e.signedInAs(t, f.member.Email, chromeMac, "198.51.100.3")
	e.clock.Advance(2 * time.Minute)
	e.signedInAs(t, f.member.Email, "curl/8.8.0 "+strings.Repeat("x", 80), "198.51.100.4")

	r := laptop.Get(t, e.url("acme", "/profile/security"))
	wantPage(t, r, http.StatusOK, "/profile/security")
	if got, want := r.Heading(), "Security"; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	wantNoInline(t, r)
	for id, want := range map[string]string{"current": "Current password", "password": "New password", "confirm": "Confirm new password"} {
		if got := labelOf(r, id); got != want {
			t.Errorf("label of %s %q, want %q", id, got, want)
		}
	}
	if got, want := r.Texts("button", ""), []string{"Sign out", "Change password", "Sign out", "Sign out", "Sign out", "Sign out", "Sign out everywhere else", "Turn alerts off"}; !cmp.Equal(got, want) {
		t.Errorf("buttons %q, want %q", got, want)
	}
	rev := func(cookie string) string {
		return "/profile/security/sessions/" + latchkey.HashSecret(cookie) + "/revoke"
	}
	at := func(minutes int) string { return date(start.Add(time.Duration(minutes) * time.Minute)) }
	want := []sessionRow{
		{"curl/8.8.0 " + strings.Repeat("x", 49) + "…", "198.51.100.4", at(6), at(6), ""},
		{"Chrome on macOS", "198.51.100.3", at(4), at(4), rev(macCookie)},
		{"Safari on iPhone", "198.51.100.2", at(2), at(2), rev(phoneCookie)},
		{"Firefox on Windows This browser", "198.51.100.1", at(0), at(6), rev(laptopCookie)},
	}
	got := sessionRows(t, r)
	if len(got) == 4 {
		want[0].Revoke = got[0].Revoke // the odd browser's cookie is not needed elsewhere
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sessions (-want +got):\n%s", diff)
	}
	if !containsLink(r, "/profile/security") {
		t.Error("the navigation has no link to the security page")
	}
	for _, admin := range []string{"/admin/members", "/admin/audit", "/admin/settings"} {
		if containsLink(r, admin) {
			t.Errorf("a member's navigation links to %s", admin)
		}
	}

	// Signed out, the page asks to sign in.
	r = e.newBrowser(t).Get(t, e.url("acme", "/profile/security"))
	wantPage(t, r, http.StatusOK, "/login")
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b, cookie := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.1")
	other, otherCookie := e.signedInAs(t, f.member.Email, chromeMac, "198.51.100.2")
	adminBrowser := e.adminBrowser(t, f)
	hash := e.passwordHash(t, f.member)
	const newPassword = "a new long passphrase"

	for _, tc := range []struct {
		name, current, pw, confirm string
		status                     int
		field, msg                 string
	}{
		{"no current", "", newPassword, newPassword, http.StatusBadRequest, "current", latchkey.MsgCurrentPassword},
		{"wrong current", wrongPassword, newPassword, newPassword, http.StatusUnauthorized, "current", latchkey.MsgCurrentWrong},
		{"short", goodPassword, "short", "short", http.StatusBadRequest, "password", latchkey.MsgPasswordTooShort},
		{"email in it", goodPassword, "bob is a great name", "bob is a great name", http.StatusBadRequest, "password", latchkey.MsgPasswordContainsEmail},
		{"mismatch", goodPassword, newPassword, "another long passphrase", http.StatusBadRequest, "confirm", latchkey.MsgPasswordMismatch},
	} {
		r := b.changePassword(t, e, tc.current, tc.pw, tc.confirm)
		wantPage(t, r, tc.status, "/profile/security/password")
		if got := r.Alert(); got != tc.msg {
			t.Errorf("%s: alert %q, want %q", tc.name, got, tc.msg)
		}
		wantInvalid(t, r, tc.field)
		if r.Notice() != "" {
			t.Errorf("%s: notice %q", tc.name, r.Notice())
		}
	}
	if e.passwordHash(t, f.member) != hash || !e.sessionExists(t, f.ws, otherCookie) {
		t.Fatal("a refused change changed the password or ended a session")
	}

	n := len(e.mail(t))
	r := b.changePassword(t, e, goodPassword, newPassword, newPassword)
	wantPage(t, r, http.StatusOK, "/profile/security/password")
	if got, want := r.Notice(), latchkey.MsgPasswordChanged+" 1 other session ended."; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	// This browser stays signed in, under a new session id: the old id is dead (ASVS 7.2.4).
	if e.sessionExists(t, f.ws, cookie) {
		t.Error("the session id from before the change still works")
	}
	if c := r.SetCookie("latchkey_session"); c == nil || c.Value == "" || c.Value == cookie {
		t.Errorf("session cookie after the change %v, want a new id", c)
	}
	if !b.signedIn(t, e, "acme") {
		t.Error("changing the password signed this browser out")
	}
	if e.sessionExists(t, f.ws, otherCookie) || other.signedIn(t, e, "acme") {
		t.Error("the other session outlived the change")
	}
	if !adminBrowser.signedIn(t, e, "acme") {
		t.Error("another account's session ended")
	}
	if rows := sessionRows(t, r); len(rows) != 1 || !strings.HasSuffix(rows[0].Device, "This browser") {
		t.Errorf("sessions after the change %+v, want only this browser", rows)
	}
	msgs := e.newMail(t, n)
	if len(msgs) != 1 || msgs[0].To != f.member.Email || msgs[0].Subject != latchkey.SubjectPasswordChanged {
		t.Errorf("mails %+v, want the notice to bob", msgs)
	}
	evs := e.events(t, f.ws, latchkey.EventPasswordChanged)
	if len(evs) != 1 || evs[0].AccountID != f.member.ID || evs[0].ClientAddr != "198.51.100.1" {
		t.Errorf("password.changed events %+v", evs)
	}
	wantRefused(t, e.newBrowser(t).login(t, e, "acme", f.member.Email, goodPassword), http.StatusUnauthorized, latchkey.MsgBadCredentials)
	e.wantPasswordIs(t, "acme", f.member.Email, newPassword)

	// Alone (wantPasswordIs signed in elsewhere: sign that out first), the notice says so.
	b.Submit(t, e.url("acme", "/profile/security"), e.url("acme", "/profile/security/sessions/revoke-others"), nil)
	const newer = "an even newer long passphrase"
	r = b.changePassword(t, e, newPassword, newer, newer)
	if got, want := r.Notice(), latchkey.MsgPasswordChanged+" You had no other sessions."; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
}

func TestRevokeSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b, cookie := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.1")
	phone, phoneCookie := e.signedInAs(t, f.member.Email, safariIPhone, "198.51.100.2")
	mac, macCookie := e.signedInAs(t, f.member.Email, chromeMac, "198.51.100.3")
	tablet, tabletCookie := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.4")
	admin := e.adminBrowser(t, f)
	adminCookie := admin.Cookie(t, e.url("acme", "/"), "latchkey_session")
	revoke := func(b *browser, cookie string) *webtest.Response {
		return b.Submit(t, e.url("acme", "/profile/security"), e.url("acme", "/profile/security/sessions/"+latchkey.HashSecret(cookie)+"/revoke"), nil)
	}

	// One session.
	r := revoke(b, phoneCookie)
	wantPage(t, r, http.StatusOK, "/profile/security")
	if got, want := r.Notice(), latchkey.MsgSessionSignedOut; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	if e.sessionExists(t, f.ws, phoneCookie) || phone.signedIn(t, e, "acme") {
		t.Error("the phone is still signed in")
	}
	if len(sessionRows(t, r)) != 3 || !b.signedIn(t, e, "acme") {
		t.Error("signing out the phone ended more than the phone")
	}
	if evs := e.events(t, f.ws, latchkey.EventSessionRevoked); len(evs) != 1 || evs[0].Detail != "one session, from 198.51.100.2" {
		t.Errorf("session.revoked events %+v", evs)
	}

	// Another account's session, or one that has ended, is not there to sign out.
	for name, c := range map[string]string{"the admin's": adminCookie, "an ended": phoneCookie} {
		r := revoke(b, c)
		wantPage(t, r, http.StatusNotFound, "/profile/security/sessions/"+latchkey.HashSecret(c)+"/revoke")
		if got, want := r.Alert(), latchkey.MsgSessionGone; got != want {
			t.Errorf("%s session: alert %q, want %q", name, got, want)
		}
	}
	if !e.sessionExists(t, f.ws, adminCookie) || !admin.signedIn(t, e, "acme") {
		t.Fatal("bob signed the administrator out")
	}
	r = b.Submit(t, e.url("acme", "/profile/security"), e.url("acme", "/profile/security/sessions/nonsense/revoke"), nil)
	if r.Status != http.StatusNotFound {
		t.Errorf("an unknown session: %d, want 404", r.Status)
	}

	// Everywhere else.
	r = b.Submit(t, e.url("acme", "/profile/security"), e.url("acme", "/profile/security/sessions/revoke-others"), nil)
	wantPage(t, r, http.StatusOK, "/profile/security")
	if got, want := r.Notice(), latchkey.MsgOthersSignedOut; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	for _, c := range []string{macCookie, tabletCookie} {
		if e.sessionExists(t, f.ws, c) {
			t.Error("a session outlived Sign out everywhere else")
		}
	}
	if mac.signedIn(t, e, "acme") || tablet.signedIn(t, e, "acme") {
		t.Error("another browser is still signed in")
	}
	if !b.signedIn(t, e, "acme") || !admin.signedIn(t, e, "acme") {
		t.Error("Sign out everywhere else ended this session or another account's")
	}
	if rows := sessionRows(t, r); len(rows) != 1 {
		t.Errorf("%d sessions listed, want this one", len(rows))
	}
	if slices.Contains(r.Texts("button", ""), "Sign out everywhere else") || !containsText(r, "You are not signed in anywhere else.") {
		t.Error("the page offers to sign out elsewhere with nowhere else signed in")
	}

	// This session: signed out, and back to sign in.
	r = revoke(b, cookie)
	wantPage(t, r, http.StatusOK, "/login")
	if got, want := r.Notice(), latchkey.MsgSignedOut; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	if c := r.SetCookie("latchkey_session"); c == nil || c.MaxAge >= 0 {
		t.Errorf("the session cookie was not cleared: %q", r.SetCookieLine("latchkey_session"))
	}
	if e.sessionExists(t, f.ws, cookie) || b.signedIn(t, e, "acme") {
		t.Error("the session outlived its own Sign out")
	}
}

// In an SSO-only workspace there is no password to change; the sessions are still listed.
func TestSecurityPageSSOOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b, _ := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.1")
	hash := e.passwordHash(t, f.member)
	tok := b.CSRF(t, e.url("acme", "/profile/security"))
	setPolicy(t, e, f.ws, latchkey.Policy{PasswordSignInOff: true})

	r := b.Get(t, e.url("acme", "/profile/security"))
	wantPage(t, r, http.StatusOK, "/profile/security")
	if r.Input("current") != nil {
		t.Error("the change-password form is shown")
	}
	if len(sessionRows(t, r)) != 1 {
		t.Error("the sessions are not listed")
	}
	r = b.Post(t, e.url("acme", "/profile/security/password"), url.Values{"csrf": {tok}, "current": {goodPassword}, "password": {"a new long passphrase"}, "confirm": {"a new long passphrase"}})
	wantPage(t, r, http.StatusForbidden, "/profile/security/password")
	if got, want := r.Alert(), latchkey.MsgPasswordSignInOff; got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
	if e.passwordHash(t, f.member) != hash {
		t.Error("the password changed")
	}
}
