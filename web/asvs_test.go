package web_test

// Tests named by docs/asvs.md: each fails when the ASVS requirement it names breaks.

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/testclock"
	"github.com/latchkey/latchkey/internal/webtest"
	"github.com/latchkey/latchkey/keyring"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
	"github.com/latchkey/latchkey/web"
)

// TestAdminEndsMemberSessions: an administrator signs out one session of a member, then all of
// them, from the member's sessions page; a member cannot (ASVS 7.4.5).
func TestAdminEndsMemberSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	laptop, laptopCookie := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.1")
	_, phoneCookie := e.signedInAs(t, f.member.Email, safariIPhone, "198.51.100.2")
	_, macCookie := e.signedInAs(t, f.member.Email, chromeMac, "198.51.100.3")
	admin := e.adminBrowser(t, f)
	adminCookie := admin.Cookie(t, e.url("acme", "/"), "latchkey_session")
	page := e.url("acme", "/admin/members/"+f.member.ID+"/sessions")
	end := e.url("acme", "/admin/members/"+f.member.ID+"/sessions/end")

	members := admin.Get(t, e.url("acme", "/admin/members"))
	if !contains(members.Links(), "/admin/members/"+f.member.ID+"/sessions") {
		t.Fatalf("the members page has no link to bob's sessions: %q", members.Links())
	}
	r := admin.Get(t, page)
	wantPage(t, r, http.StatusOK, "/admin/members/"+f.member.ID+"/sessions")
	if got := len(sessionRows(t, r)); got != 3 {
		t.Fatalf("%d sessions listed, want 3", got)
	}

	// One session.
	r = admin.Submit(t, page, end, url.Values{"session": {latchkey.HashSecret(phoneCookie)}})
	if got, want := r.Notice(), fmt.Sprintf(latchkey.MsgMemberSessionEnded, f.member.Email); r.Status != http.StatusOK || got != want {
		t.Fatalf("end one session: %d, notice %q, want 200, %q", r.Status, got, want)
	}
	if e.sessionExists(t, f.ws, phoneCookie) || !e.sessionExists(t, f.ws, laptopCookie) || !e.sessionExists(t, f.ws, macCookie) {
		t.Fatal("ending the phone's session did not end exactly the phone's")
	}
	// The admin's own session is not bob's to end through bob's page.
	r = admin.Submit(t, page, end, url.Values{"session": {latchkey.HashSecret(adminCookie)}})
	if r.Status != http.StatusGone || r.Alert() != latchkey.MsgSessionGone || !e.sessionExists(t, f.ws, adminCookie) {
		t.Fatalf("ending another account's session through bob's page: %d, alert %q, admin session kept %v", r.Status, r.Alert(), e.sessionExists(t, f.ws, adminCookie))
	}
	if r := admin.Submit(t, page, e.url("acme", "/admin/members/nobody/sessions/end"), nil); r.Status != http.StatusNotFound {
		t.Fatalf("an unknown member: %d, want 404", r.Status)
	}

	// A member cannot end anyone's sessions.
	r = laptop.Post(t, end, url.Values{"csrf": {laptop.CSRF(t, e.url("acme", "/dashboard"))}})
	if r.Status != http.StatusNotFound || !e.sessionExists(t, f.ws, macCookie) {
		t.Fatalf("a member ending sessions: %d, want 404 and nothing ended", r.Status)
	}

	// All of them.
	r = admin.Submit(t, page, end, nil)
	if got, want := r.Notice(), fmt.Sprintf(latchkey.MsgMemberSignedOut, f.member.Email, 2); got != want {
		t.Fatalf("end all: notice %q, want %q", got, want)
	}
	for _, c := range []string{laptopCookie, macCookie} {
		if e.sessionExists(t, f.ws, c) {
			t.Error("a session of bob outlived Sign out everywhere")
		}
	}
	if laptop.signedIn(t, e, "acme") || !admin.signedIn(t, e, "acme") {
		t.Error("after Sign out everywhere, bob is signed in or the administrator is not")
	}
	evs := e.events(t, f.ws, latchkey.EventSessionRevoked)
	if len(evs) != 2 || evs[0].ActorID != f.admin.ID || evs[0].AccountID != f.member.ID || evs[0].Detail != "by an administrator: all sessions: 2" ||
		evs[1].Detail != "by an administrator: one session, from 198.51.100.2" {
		t.Errorf("session.revoked events %+v", evs)
	}
}

// TestSignOutEveryone: Sign out everyone ends every session of the workspace but the acting
// administrator's current one, and no other workspace's (ASVS 7.4.5).
func TestSignOutEveryone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	_, bobCookie := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.1")
	admin := e.adminBrowser(t, f)
	adminCookie := admin.Cookie(t, e.url("acme", "/"), "latchkey_session")
	_, adminElsewhere := e.signedInAs(t, f.admin.Email, chromeMac, "198.51.100.9")
	beta, betaAdmin, _ := e.createWorkspace(t, "beta", "Beta")
	e.activate(t, betaAdmin, goodPassword)
	betaCookie := e.newBrowser(t).mustLogin(t, e, "beta", betaAdmin.Email, goodPassword)

	r := admin.Submit(t, e.url("acme", "/admin/members"), e.url("acme", "/admin/sessions/end-all"), nil)
	if got, want := r.Notice(), fmt.Sprintf(latchkey.MsgEveryoneSignedOut, 2); r.Status != http.StatusOK || got != want {
		t.Fatalf("sign out everyone: %d, notice %q, want 200, %q", r.Status, got, want)
	}
	if e.sessionExists(t, f.ws, bobCookie) || e.sessionExists(t, f.ws, adminElsewhere) {
		t.Error("a session outlived Sign out everyone")
	}
	if !e.sessionExists(t, f.ws, adminCookie) || !admin.signedIn(t, e, "acme") {
		t.Error("Sign out everyone signed out the administrator who pressed it")
	}
	if !e.sessionExists(t, beta, betaCookie) {
		t.Error("Sign out everyone reached another workspace")
	}
	if evs := e.events(t, f.ws, latchkey.EventSessionRevoked); len(evs) != 1 || evs[0].ActorID != f.admin.ID {
		t.Errorf("session.revoked events %+v", evs)
	}
	// A member cannot.
	bob, _ := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.1")
	r = bob.Post(t, e.url("acme", "/admin/sessions/end-all"), url.Values{"csrf": {bob.CSRF(t, e.url("acme", "/dashboard"))}})
	if r.Status != http.StatusNotFound || !e.sessionExists(t, f.ws, adminCookie) {
		t.Fatalf("a member signing out everyone: %d", r.Status)
	}
}

// TestSignOutEverywhereElseNeedsPassword: past the reauthentication window, Sign out
// everywhere else asks for the password again (ASVS 7.5.2).
func TestSignOutEverywhereElseNeedsPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b, _ := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.1")
	_, other := e.signedInAs(t, f.member.Email, chromeMac, "198.51.100.2")
	page, action := e.url("acme", "/profile/security"), e.url("acme", "/profile/security/sessions/revoke-others")
	if b.Get(t, page).Input("password") != nil && webtest.Attr(b.Get(t, page).Input("password"), "id") == "others-password" {
		t.Fatal("a fresh session is asked for its password")
	}
	e.clock.Advance(e.svc.Policy.ReauthWindow)

	sec := b.Get(t, page)
	if in := sec.Find(func(n *html.Node) bool { return n.Data == "input" && webtest.Attr(n, "id") == "others-password" }); len(in) != 1 || webtest.Attr(in[0], "type") != "password" {
		t.Fatal("past the window, Sign out everywhere else has no password field")
	}
	for name, pw := range map[string]string{"no password": "", "wrong password": wrongPassword} {
		r := b.Submit(t, page, action, url.Values{"password": {pw}})
		if r.Status == http.StatusOK && r.Notice() != "" || r.Alert() == "" {
			t.Errorf("%s: %d, notice %q, alert %q; want refused", name, r.Status, r.Notice(), r.Alert())
		}
		if !e.sessionExists(t, f.ws, other) {
			t.Fatalf("%s: the other session ended", name)
		}
	}
	r := b.Submit(t, page, action, url.Values{"password": {goodPassword}})
	if got, want := r.Notice(), latchkey.MsgOthersSignedOut; got != want {
		t.Fatalf("with the password: notice %q (alert %q), want %q", got, r.Alert(), want)
	}
	if e.sessionExists(t, f.ws, other) {
		t.Fatal("the other session outlived Sign out everywhere else")
	}
}

// TestSignOutOneSessionNeedsPassword: past the reauthentication window, signing out another
// session asks for the password on a page of its own; signing out this one does not (ASVS
// 7.5.2).
func TestSignOutOneSessionNeedsPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b, cookie := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.1")
	_, other := e.signedInAs(t, f.member.Email, chromeMac, "198.51.100.2")
	revoke := e.url("acme", "/profile/security/sessions/"+latchkey.HashSecret(other)+"/revoke")
	e.clock.Advance(e.svc.Policy.ReauthWindow)

	r := b.Submit(t, e.url("acme", "/profile/security"), revoke, nil)
	if r.Status != http.StatusBadRequest || r.Alert() != latchkey.MsgReauthRequired || r.Heading() != "Sign out a session" {
		t.Fatalf("without the password: %d, heading %q, alert %q", r.Status, r.Heading(), r.Alert())
	}
	if pw := r.Input("password"); pw == nil || webtest.Attr(pw, "type") != "password" {
		t.Fatal("the confirmation page has no password field")
	}
	if !e.sessionExists(t, f.ws, other) {
		t.Fatal("the session ended without the password")
	}
	if r := b.Post(t, revoke, url.Values{"csrf": {r.CSRF()}, "password": {wrongPassword}}); r.Status != http.StatusUnauthorized || !e.sessionExists(t, f.ws, other) {
		t.Fatalf("a wrong password: %d, want 401 and the session kept", r.Status)
	}
	r = b.Post(t, revoke, url.Values{"csrf": {r.CSRF()}, "password": {goodPassword}})
	if got := r.Notice(); got != latchkey.MsgSessionSignedOut || e.sessionExists(t, f.ws, other) {
		t.Fatalf("with the password: notice %q, session kept %v", got, e.sessionExists(t, f.ws, other))
	}
	// Signing out this browser is signing out: no password.
	r = b.Submit(t, e.url("acme", "/profile/security"), e.url("acme", "/profile/security/sessions/"+latchkey.HashSecret(cookie)+"/revoke"), nil)
	wantPage(t, r, http.StatusOK, "/login")
	if e.sessionExists(t, f.ws, cookie) {
		t.Fatal("signing out this browser left its session")
	}
}

// TestWorkspaceSessionLifetime: a workspace shortens the absolute session lifetime on its
// settings page, and it applies to sessions already open (ASVS 7.1.1, 7.3.2).
func TestWorkspaceSessionLifetime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	bob, bobCookie := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.1")
	admin := e.adminBrowser(t, f)
	settings := e.url("acme", "/admin/settings")
	form := url.Values{"min_length": {"12"}, "password_signin": {"on"}, "session_idle": {"0"}}

	form.Set("session_max", "30m")
	r := admin.Submit(t, settings, settings, form)
	if r.Status != http.StatusBadRequest || !strings.HasPrefix(r.Alert(), "Choose a session lifetime") {
		t.Fatalf("30 minutes: %d, alert %q; want 400 and the range", r.Status, r.Alert())
	}
	form.Set("session_max", (31 * 24 * time.Hour).String())
	if r := admin.Submit(t, settings, settings, form); r.Status != http.StatusBadRequest {
		t.Fatalf("more than the operator's: %d, want 400", r.Status)
	}
	form.Set("session_max", "4h0m0s")
	r = admin.Submit(t, settings, settings, form)
	wantPage(t, r, http.StatusOK, "/admin/settings")
	ws, err := e.store.Workspace(t.Context(), f.ws.ID)
	if err != nil || ws.Policy.SessionMax != 4*time.Hour {
		t.Fatalf("stored lifetime %v, %v; want 4h", ws.Policy.SessionMax, err)
	}
	if evs := e.events(t, f.ws, latchkey.EventWorkspacePolicy); len(evs) == 0 || !strings.Contains(evs[0].Detail, "session lifetime: 0s → 4h0m0s") {
		t.Errorf("workspace.policy events %+v", evs)
	}

	// Keep bob active, so that only the lifetime can end his session.
	for range 7 {
		e.clock.Advance(30 * time.Minute)
		if !bob.signedIn(t, e, "acme") {
			t.Fatal("bob's session ended before its 4 hours")
		}
	}
	e.clock.Advance(30 * time.Minute)
	if bob.signedIn(t, e, "acme") || e.sessionExists(t, f.ws, bobCookie) {
		t.Fatal("bob's session outlived the workspace's 4-hour lifetime")
	}
}

// TestDashboardSingleFactor: the admin dashboard counts the members and administrators who sign
// in with a password alone and requires two-factor in one click (ASVS 6.3.3).
func TestDashboardSingleFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	e.member(t, f.ws, "carol@acme.example", latchkey.RoleMember, goodPassword)
	e.member(t, f.ws, "dan@acme.example", latchkey.RoleAdmin, goodPassword)
	e.with2FA(t, "acme", "carol@acme.example")
	e.invite(t, f.ws, "eve@acme.example", latchkey.RoleMember) // invited: not counted
	admin := e.adminBrowser(t, f)

	r := admin.Get(t, e.url("acme", "/dashboard"))
	var got []string
	for _, li := range r.Find(func(n *html.Node) bool {
		return n.Data == "li" && n.Parent != nil && strings.Contains(webtest.Attr(n.Parent, "class"), "second-factor")
	}) {
		got = append(got, webtest.Text(li))
	}
	if want := []string{"1 member without it", "2 administrators without it"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("counts %q, want %q", got, want)
	}
	buttons := r.Find(func(n *html.Node) bool { return n.Data == "button" && webtest.Text(n) == "Require two-factor" })
	if len(buttons) != 1 {
		t.Fatal("no Require two-factor button on the dashboard")
	}
	form := buttons[0].Parent
	if webtest.Attr(form, "action") != "/admin/security/policy" {
		t.Fatalf("the button posts to %q", webtest.Attr(form, "action"))
	}
	admin.Post(t, e.url("acme", "/admin/security/policy"), url.Values{"csrf": {r.CSRF()}, "require_2fa": {"1"}})
	ws, err := e.store.Workspace(t.Context(), f.ws.ID)
	if err != nil || !ws.Policy.Require2FA {
		t.Fatalf("after the dashboard's button, Require2FA %v, %v", ws.Policy.Require2FA, err)
	}
}

// TestFindThrottled: the central Find your workspace form answers FindLimit look-ups per
// address per window, counted before the look-up (ASVS 2.4.1).
func TestFindThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAcme(t)
	b := e.newBrowser(t)
	b.Addr = "203.0.113.7"
	find := func(b *browser, name string) *webtest.Response {
		return b.Post(t, e.url("", "/find"), url.Values{"workspace": {name}})
	}
	for i := range web.FindLimit {
		if r := find(b, fmt.Sprintf("nothing%d", i)); r.Status != http.StatusNotFound {
			t.Fatalf("look-up %d: %d, want 404", i+1, r.Status)
		}
	}
	r := find(b, "acme")
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.HasPrefix(r.Alert(), latchkey.MsgFindThrottled) {
		t.Fatalf("look-up past the limit: %d, Retry-After %q, alert %q", r.Status, r.Header.Get("Retry-After"), r.Alert())
	}
	other := e.newBrowser(t)
	other.Addr = "203.0.113.8"
	wantPage(t, find(other, "acme"), http.StatusOK, "/login")
	e.clock.Advance(web.FindWindow)
	wantPage(t, find(b, "acme"), http.StatusOK, "/login")
}

// TestAccessDeniedAudited: refused requests are audit events that administrators see, and a
// flood writes at most DeniedPerMinute of them per address (ASVS 16.3.2, 16.3.3).
func TestAccessDeniedAudited(t *testing.T) {
	t.Parallel()
	denied := func(t *testing.T, e *env, ws latchkey.Workspace) []latchkey.Event {
		t.Helper()
		return e.events(t, ws, latchkey.EventAccessDenied)
	}
	t.Run("member on an admin page", func(t *testing.T) {
		e := newEnv(t)
		f := e.seedAcme(t)
		bob, _ := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.5")
		if r := bob.Get(t, e.url("acme", "/admin/members")); r.Status != http.StatusNotFound {
			t.Fatalf("a member on /admin/members: %d", r.Status)
		}
		r := bob.Post(t, e.url("acme", "/admin/members/"+f.admin.ID+"/suspend"), url.Values{"csrf": {bob.CSRF(t, e.url("acme", "/dashboard"))}})
		if r.Status != http.StatusNotFound {
			t.Fatalf("a member suspending: %d", r.Status)
		}
		evs := denied(t, e, f.ws)
		if len(evs) != 2 || evs[0].AccountID != f.member.ID || evs[0].ClientAddr != "198.51.100.5" ||
			evs[0].Detail != "member on an administrators' page: POST /admin/members/{id}/suspend" ||
			evs[1].Detail != "member on an administrators' page: GET /admin/members" {
			t.Fatalf("access.denied events %+v", evs)
		}
		// Administrators see them on the audit page.
		audit := e.adminBrowser(t, f).Get(t, e.url("acme", "/admin/audit?what=access"))
		if n := strings.Count(audit.Text(), "Access refused"); n != 2 {
			t.Errorf("the audit page shows %d refused accesses, want 2", n)
		}
	})
	t.Run("wrong or missing form token", func(t *testing.T) {
		e := newEnv(t)
		f := e.seedAcme(t)
		bob, cookie := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.5")
		for _, tok := range []string{"", "forged"} {
			if r := bob.Post(t, e.url("acme", "/logout"), url.Values{"csrf": {tok}}); r.Status != http.StatusForbidden {
				t.Fatalf("logout with token %q: %d, want 403", tok, r.Status)
			}
		}
		if !e.sessionExists(t, f.ws, cookie) {
			t.Fatal("a forged logout signed bob out")
		}
		evs := denied(t, e, f.ws)
		if len(evs) != 2 || evs[0].Detail != "wrong or missing form token: POST /logout" || evs[0].AccountID != f.member.ID {
			t.Fatalf("access.denied events %+v", evs)
		}
	})
	t.Run("cross-origin", func(t *testing.T) {
		e := newEnv(t)
		f := e.seedAcme(t)
		b := e.newBrowser(t)
		b.Addr = "198.51.100.6"
		req := webtest.FormRequest(t, e.url("acme", "/login"), url.Values{"email": {f.member.Email}, "password": {goodPassword}})
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := b.Do(t, req); r.Status != http.StatusForbidden {
			t.Fatalf("cross-origin POST: %d, want 403", r.Status)
		}
		evs := denied(t, e, f.ws)
		if len(evs) != 1 || evs[0].Detail != "POST cross-origin request refused (origin https://evil.example)" || evs[0].ClientAddr != "198.51.100.6" {
			t.Fatalf("access.denied events %+v", evs)
		}
	})
	t.Run("cross-workspace", func(t *testing.T) {
		e := newEnv(t)
		f := e.seedAcme(t)
		e.createWorkspace(t, "beta", "Beta")
		b := e.newBrowser(t)
		req := webtest.FormRequest(t, e.url("acme", "/logout"), nil)
		req.Header.Set("Origin", e.url("beta", ""))
		req.Header.Set("Sec-Fetch-Site", "same-site")
		if r := b.Do(t, req); r.Status != http.StatusForbidden {
			t.Fatalf("cross-workspace POST: %d, want 403", r.Status)
		}
		evs := denied(t, e, f.ws)
		if len(evs) != 1 || !strings.HasPrefix(evs[0].Detail, "POST cross-workspace request refused, from beta") {
			t.Fatalf("access.denied events %+v", evs)
		}
	})
	t.Run("flood", func(t *testing.T) {
		e := newEnv(t)
		f := e.seedAcme(t)
		b := e.newBrowser(t)
		b.Addr = "198.51.100.7"
		other := e.newBrowser(t)
		other.Addr = "198.51.100.8"
		for range signin.DeniedPerMinute + 5 {
			b.Post(t, e.url("acme", "/logout"), url.Values{"csrf": {"forged"}})
		}
		if got := len(denied(t, e, f.ws)); got != signin.DeniedPerMinute {
			t.Fatalf("%d events after a flood, want %d", got, signin.DeniedPerMinute)
		}
		other.Post(t, e.url("acme", "/logout"), url.Values{"csrf": {"forged"}})
		e.clock.Advance(time.Minute)
		b.Post(t, e.url("acme", "/logout"), url.Values{"csrf": {"forged"}})
		if got := len(denied(t, e, f.ws)); got != signin.DeniedPerMinute+2 {
			t.Fatalf("%d events, want %d: another address, and the next minute, are recorded", got, signin.DeniedPerMinute+2)
		}
	})
}

// TestRecoveryCodesStoredHashed: recovery codes (about 80 bits) are kept only as salted
// argon2id hashes, never as the codes (ASVS 6.5.2).
func TestRecoveryCodesStoredHashed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	_, codes := e.with2FA(t, "acme", f.member.Email)
	stored, err := e.store.RecoveryCodes(t.Context(), f.ws.ID, f.member.ID)
	if err != nil || len(stored) != len(codes) {
		t.Fatalf("stored codes %d, %v; want %d", len(stored), err, len(codes))
	}
	salts := map[string]bool{}
	for _, rc := range stored {
		if !strings.HasPrefix(rc.Hash, "$argon2id$") {
			t.Fatalf("stored code %q is not an argon2id hash", rc.Hash)
		}
		parts := strings.Split(rc.Hash, "$") // "", argon2id, v=19, m=…,t=…,p=…, salt, hash
		if len(parts) != 6 || len(parts[4]) < 11 {
			t.Fatalf("stored code %q has no salt of at least 64 bits", rc.Hash)
		}
		salts[parts[4]] = true
		for _, c := range codes {
			plain := strings.ReplaceAll(c, "-", "")
			if strings.Contains(rc.Hash, c) || strings.Contains(rc.Hash, plain) || strings.Contains(rc.ID, plain) {
				t.Fatalf("a stored code holds the code %q", c)
			}
		}
	}
	if len(salts) != len(stored) {
		t.Errorf("%d distinct salts for %d codes", len(salts), len(stored))
	}
}

// syncBuffer is a log sink that handlers on other goroutines write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newLoggedEnv is newEnv with every log line, debug ones included, of the server and the
// sign-in service kept.
func newLoggedEnv(t *testing.T) (*env, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dir := t.TempDir()
	store, err := sqlstore.Open(t.Context(), sqlitetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	outboxDir := filepath.Join(dir, "outbox")
	outbox, err := mail.NewOutbox(outboxDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	baseURL, _ := url.Parse("http://app.test")
	c := testclock.New(start)
	keys, err := keyring.Parse(keyring.NewKeyLine("test"))
	if err != nil {
		t.Fatal(err)
	}
	svc := signin.New(signin.Config{Store: store, Mailer: outbox, BaseURL: baseURL, Now: c.Now, Keys: keys, Passwords: testHasher, Log: log})
	adm := admin.New(admin.Config{Store: store, SignIn: svc, Log: log})
	h, err := web.New(web.Config{
		Service: svc, Admin: adm, BaseURL: baseURL, Secret: []byte("0123456789abcdef0123456789abcdef"),
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: store, svc: svc, adm: adm, clock: c, outbox: outboxDir, handler: h, base: baseURL}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e, logs
}

// TestNoSecretsInLogsOrAudit: over a sign-in, a wrong password, a reset, two-factor set-up and
// a two-factor sign-in with a code and a recovery code, no password, cookie, form token, code
// or link secret appears in any log line or audit row (ASVS 16.2.5, 14.2.1).
func TestNoSecretsInLogsOrAudit(t *testing.T) {
	t.Parallel()
	e, logs := newLoggedEnv(t)
	f := e.seedAcme(t)
	secrets := map[string]string{"password": goodPassword, "wrong password": wrongPassword}

	b := e.newBrowser(t)
	b.login(t, e, "acme", f.member.Email, wrongPassword)
	secrets["session cookie"] = b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	secrets["form token"] = b.CSRF(t, e.url("acme", "/dashboard"))
	secrets["nonce cookie"] = e.newBrowser(t).Get(t, e.url("acme", "/login")).SetCookie("latchkey_nonce").Value
	key, codes := b.enable2FA(t, e, "acme")
	secrets["totp key"] = key
	b.logout(t, e, "acme")

	link := e.requestResetLink(t, "acme", f.member.Email)
	secrets["reset link secret"] = link[strings.LastIndex(link, "/")+1:]
	const newPassword = "a brand new passphrase, sturdy"
	secrets["new password"] = newPassword
	if r := e.newBrowser(t).reset(t, link, f.member.Email, newPassword, newPassword); r.Status != http.StatusOK || r.URL.Path != "/login" {
		t.Fatalf("reset: %d at %s, alert %q", r.Status, r.URL, r.Alert())
	}

	b2 := e.newBrowser(t)
	fields := url.Values{"email": {f.member.Email}, "password": {newPassword}}
	r := b2.Submit(t, e.url("acme", "/login"), e.url("acme", "/login"), fields)
	wantPage(t, r, http.StatusOK, "/two-factor")
	secrets["challenge cookie"] = r.SetCookie("latchkey_challenge").Value
	e.nextStep()
	code := e.code(t, key, 0)
	secrets["totp code"] = code
	wantPage(t, b2.verify(t, e, "acme", code), http.StatusOK, "/dashboard")
	b2.logout(t, e, "acme")
	b3 := e.newBrowser(t)
	b3.Submit(t, e.url("acme", "/login"), e.url("acme", "/login"), fields)
	secrets["recovery code"] = codes[0]
	wantPage(t, b3.useRecovery(t, e, "acme", codes[0]), http.StatusOK, "/dashboard")
	_, invite := e.invite(t, f.ws, "carol@acme.example", latchkey.RoleMember)
	secrets["invitation link secret"] = invite[strings.LastIndex(invite, "/")+1:]
	e.newBrowser(t).Get(t, invite)

	evs, err := e.store.Events(t.Context(), f.ws.ID, latchkey.EventFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var audit strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&audit, "%+v\n", ev)
	}
	if !strings.Contains(logs.String(), "route=") || len(evs) < 8 {
		t.Fatalf("the run left %d audit events and logs %q: it did not run", len(evs), logs.String())
	}
	for name, secret := range secrets {
		if secret == "" {
			t.Fatalf("no %s captured", name)
		}
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds the %s", name)
		}
		if strings.Contains(audit.String(), secret) {
			t.Errorf("an audit row holds the %s", name)
		}
	}
}

// TestGetChangesNothing: no state changes on GET or HEAD: sign out, ending sessions, suspend,
// remove, role, two-factor off and policy routes answer 405 (or the not-found page) and leave
// everything as it was (ASVS 3.5.3).
func TestGetChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	bob, bobCookie := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.1")
	admin := e.adminBrowser(t, f)
	adminCookie := admin.Cookie(t, e.url("acme", "/"), "latchkey_session")
	m := f.member.ID
	paths := []string{
		"/logout",
		"/profile/security/sessions/" + latchkey.HashSecret(bobCookie) + "/revoke",
		"/profile/security/sessions/revoke-others",
		"/admin/members/" + m + "/suspend", "/admin/members/" + m + "/remove?confirm=yes",
		"/admin/members/" + m + "/role?role=admin", "/admin/members/" + m + "/reset-2fa",
		"/admin/members/" + m + "/sessions/end", "/admin/sessions/end-all",
		"/admin/security/policy?require_2fa=1", "/profile/two-factor/disable",
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		for _, p := range paths {
			req, err := http.NewRequestWithContext(t.Context(), method, e.url("acme", p), nil)
			if err != nil {
				t.Fatal(err)
			}
			r := admin.Do(t, req)
			if r.Status != http.StatusMethodNotAllowed && r.Status != http.StatusNotFound {
				t.Errorf("%s %s: %d, want 405 or 404", method, p, r.Status)
			}
		}
	}
	if !e.sessionExists(t, f.ws, bobCookie) || !e.sessionExists(t, f.ws, adminCookie) || !bob.signedIn(t, e, "acme") {
		t.Fatal("a GET ended a session")
	}
	a, err := e.store.Account(t.Context(), f.ws.ID, m)
	if err != nil || a.Status != latchkey.StatusActive || a.Role != latchkey.RoleMember {
		t.Fatalf("after the GETs bob is %+v, %v", a, err)
	}
	if ws, _ := e.store.Workspace(t.Context(), f.ws.ID); ws.Policy.Require2FA {
		t.Fatal("a GET changed the policy")
	}
	for _, ev := range e.events(t, f.ws, "") {
		if ev.Type != latchkey.EventSignIn && ev.Type != latchkey.EventAccountInvite && ev.Type != latchkey.EventWorkspaceCreate {
			t.Errorf("a GET left the event %s %q", ev.Type, ev.Detail)
		}
	}
}

// TestEveryWorkspacePageHeaders: every workspace page, signed in or out, and the central and
// error pages carry the CSP with base-uri 'none' and object-src covered by default-src 'none',
// nosniff, and Cache-Control: no-store on workspace pages (ASVS 3.4.3, 14.3.2, 3.4.4).
func TestEveryWorkspacePageHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	admin := e.adminBrowser(t, f)
	anon := e.newBrowser(t)
	link := e.requestResetLink(t, "acme", f.member.Email)
	check := func(name string, h http.Header, noStore bool) {
		t.Helper()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %s", name, csp, want)
			}
		}
		if strings.Contains(csp, "object-src") && !strings.Contains(csp, "object-src 'none'") {
			t.Errorf("%s: CSP %q opens object-src", name, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", name)
		}
		if noStore && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", name, h.Get("Cache-Control"))
		}
	}
	for _, p := range []string{
		"/dashboard", "/profile/security", "/profile/two-factor", "/profile/two-factor/setup",
		"/admin/members", "/admin/members/" + f.member.ID + "/sessions", "/admin/audit", "/admin/settings",
		"/admin/security", "/admin/hardware", "/admin/software", "/requests", "/no-such-page",
	} {
		r := admin.Get(t, e.url("acme", p))
		check("admin GET "+p, r.Header, true)
	}
	for _, p := range []string{"/login", "/forgot-password", "/two-factor", "/", strings.TrimPrefix(link, e.url("acme", ""))} {
		r := anon.Get(t, e.url("acme", p))
		check("GET "+p, r.Header, true)
	}
	r := anon.Get(t, e.url("", "/"))
	check("central GET /", r.Header, true)
	check("GET /healthz", anon.Get(t, e.url("", "/healthz")).Header, false)
	check("unknown workspace", anon.Get(t, e.url("nosuch", "/login")).Header, false)
}

// TestHTTPSCookies: under https the session, nonce and challenge cookies are Secure, host-only
// and __Host- prefixed, with SameSite=Lax and HttpOnly (ASVS 3.3.1, 3.3.2, 3.3.3, 3.3.4).
func TestHTTPSCookies(t *testing.T) {
	t.Parallel()
	e := newHandlerEnv(t, "https://app.test")
	f := e.seedAcme(t)
	e.setAccount(t, f.member, func(a *latchkey.Account) { a.TOTPSecret = "sealed" }) // any value turns the second step on
	serve := func(req *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		return rec
	}
	rec := serve(httptest.NewRequestWithContext(t.Context(), http.MethodGet, "https://acme.app.test/login", nil))
	var nonce *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "__Host-latchkey_nonce" {
			nonce = c
		}
	}
	wantCookie := func(name string, c *http.Cookie) {
		t.Helper()
		if c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
			t.Fatalf("%s cookie %+v: want __Host-, Secure, HttpOnly, SameSite=Lax, Path=/, no Domain", name, c)
		}
	}
	wantCookie("nonce", nonce)
	doc, err := html.Parse(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"csrf": {(&webtest.Response{Doc: doc}).CSRF()}, "email": {f.member.Email}, "password": {goodPassword}}
	post := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "https://acme.app.test/login", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("Origin", "https://acme.app.test")
	post.Header.Set("Sec-Fetch-Site", "same-origin")
	post.AddCookie(&http.Cookie{Name: nonce.Name, Value: nonce.Value})
	rec = serve(post)
	var challenge *http.Cookie
	for _, c := range rec.Result().Cookies() {
		switch c.Name {
		case "__Host-latchkey_challenge":
			challenge = c
		case "latchkey_challenge", "latchkey_session", "__Host-latchkey_session":
			t.Fatalf("the password step set %s: %v", c.Name, rec.Header().Values("Set-Cookie"))
		}
	}
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/two-factor" {
		t.Fatalf("password step: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	wantCookie("challenge", challenge)
}

// TestNoCORS: no response allows another origin to read it, whatever the Origin sent (ASVS
// 3.4.2).
func TestNoCORS(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	admin := e.adminBrowser(t, f)
	for _, origin := range []string{"https://evil.example", e.url("beta", ""), "null"} {
		for _, m := range []string{http.MethodGet, http.MethodOptions} {
			for _, u := range []string{e.url("acme", "/dashboard"), e.url("acme", "/login"), e.url("", "/"), e.url("", "/healthz")} {
				req, err := http.NewRequestWithContext(t.Context(), m, u, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Origin", origin)
				req.Header.Set("Access-Control-Request-Method", "POST")
				r := admin.Do(t, req)
				for k := range r.Header {
					if strings.HasPrefix(strings.ToLower(k), "access-control-") {
						t.Errorf("%s %s from %s: %s: %q", m, u, origin, k, r.Header.Get(k))
					}
				}
			}
		}
	}
}

// TestPasswordFieldsMasked: every password field of every page is type=password with the
// autocomplete a password manager needs, and no page blocks pasting (ASVS 6.2.6, 6.2.7).
func TestPasswordFieldsMasked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	admin := e.adminBrowser(t, f)
	e.clock.Advance(e.svc.Policy.ReauthWindow) // so that the pages ask for the password again
	_, welcome := e.invite(t, f.ws, "carol@acme.example", latchkey.RoleMember)
	reset := e.requestResetLink(t, "acme", f.member.Email)
	pages := map[string]*webtest.Response{
		"login":             e.newBrowser(t).Get(t, e.url("acme", "/login")),
		"set password":      e.newBrowser(t).Get(t, welcome),
		"reset":             e.newBrowser(t).Get(t, reset),
		"security":          admin.Get(t, e.url("acme", "/profile/security")),
		"two-factor set-up": admin.Get(t, e.url("acme", "/profile/two-factor/setup")),
	}
	for name, r := range pages {
		var n int
		for _, in := range r.Find(func(n *html.Node) bool { return n.Data == "input" }) {
			switch nm := webtest.Attr(in, "name"); {
			case nm == "password" || nm == "current" || nm == "confirm":
				n++
				if webtest.Attr(in, "type") != "password" {
					t.Errorf("%s: field %s is type %q", name, nm, webtest.Attr(in, "type"))
				}
				if ac := webtest.Attr(in, "autocomplete"); ac != "current-password" && ac != "new-password" {
					t.Errorf("%s: field %s has autocomplete %q", name, nm, ac)
				}
			}
			for _, a := range in.Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "autocomplete" && a.Val == "off" && webtest.Attr(in, "type") == "password" {
					t.Errorf("%s: input %s has %s=%q", name, webtest.Attr(in, "name"), a.Key, a.Val)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no password field found", name)
		}
	}
}

// TestSignInFormsAskOnlyForCredentials: the sign-in, forgot-password and set-password forms
// ask for no hint and no secret question (ASVS 6.4.2).
func TestSignInFormsAskOnlyForCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	_, welcome := e.invite(t, f.ws, "carol@acme.example", latchkey.RoleMember)
	allowed := map[string]bool{"csrf": true, "email": true, "username": true, "password": true, "confirm": true, "remember": true, "name": true}
	for _, u := range []string{e.url("acme", "/login"), e.url("acme", "/forgot-password"), welcome, e.requestResetLink(t, "acme", f.member.Email)} {
		r := e.newBrowser(t).Get(t, u)
		for _, in := range r.Find(func(n *html.Node) bool { return n.Data == "input" || n.Data == "select" || n.Data == "textarea" }) {
			if !allowed[webtest.Attr(in, "name")] {
				t.Errorf("%s asks for %q", u, webtest.Attr(in, "name"))
			}
		}
		if txt := strings.ToLower(r.Text()); strings.Contains(txt, "password hint") || strings.Contains(txt, "security question") {
			t.Errorf("%s mentions a hint or a security question", u)
		}
	}
}

// TestOldPasswordStillWorks: a password years old still signs in; nothing asks to rotate it
// (ASVS 6.2.10).
func TestOldPasswordStillWorks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	e.clock.Advance(5 * 365 * 24 * time.Hour)
	r := e.newBrowser(t).login(t, e, "acme", f.member.Email, goodPassword)
	wantPage(t, r, http.StatusOK, "/dashboard")
	if strings.Contains(strings.ToLower(r.Text()), "expired") {
		t.Error("the dashboard says something expired")
	}
}

// TestMarkupIsEscaped: names and emails are shown as text, never as markup (ASVS 3.2.2).
func TestMarkupIsEscaped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	const evil = `<script>alert(1)</script><img src=x>`
	e.setAccount(t, f.member, func(a *latchkey.Account) { a.Name = evil })
	r := e.adminBrowser(t, f).Get(t, e.url("acme", "/admin/members"))
	if strings.Contains(r.Body, evil) || len(r.Find(func(n *html.Node) bool { return n.Data == "script" && !webtest.HasAttr(n, "src") })) > 0 {
		t.Fatal("a member's name was rendered as markup")
	}
	if !strings.Contains(r.Text(), evil) {
		t.Fatal("the name is not shown as text")
	}
}

// TestNonceAndLinkEntropy: the form nonce and the welcome link secret are 256-bit random
// values, different each time (ASVS 11.5.1, 6.4.1).
func TestNonceAndLinkEntropy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	seen := map[string]bool{}
	for range 3 {
		n := e.newBrowser(t).Get(t, e.url("acme", "/login")).SetCookie("latchkey_nonce")
		if n == nil || len(n.Value) != 43 || seen[n.Value] {
			t.Fatalf("nonce %v: want 43 characters (256 bits), new each time", n)
		}
		seen[n.Value] = true
		_, link := e.invite(t, f.ws, fmt.Sprintf("n%d@acme.example", len(seen)), latchkey.RoleMember)
		secret := link[strings.LastIndex(link, "/")+1:]
		if len(secret) < 43 || seen[secret] {
			t.Fatalf("link secret %q: want at least 43 characters, new each time", secret)
		}
		seen[secret] = true
	}
}

// TestSignOutClearsBrowserData: signing out deletes the session on the server, clears its
// cookie and tells the browser to drop what it cached for the workspace (ASVS 14.3.1, 7.4.1).
func TestSignOutClearsBrowserData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b, cookie := e.signedInAs(t, f.member.Email, firefoxWindows, "198.51.100.1")
	r := b.Submit(t, e.url("acme", "/dashboard"), e.url("acme", "/logout"), nil)
	if len(r.Hops) == 0 {
		t.Fatal("sign out did not redirect")
	}
	out := r.Hops[0]
	if got := out.Header.Get("Clear-Site-Data"); got != `"cache"` {
		t.Errorf("Clear-Site-Data %q, want \"cache\"", got)
	}
	var cleared bool
	for _, c := range out.Cookies() {
		cleared = cleared || c.Name == "latchkey_session" && c.Value == "" && c.MaxAge < 0
	}
	if !cleared || e.sessionExists(t, f.ws, cookie) {
		t.Errorf("after sign out: cookie cleared %v, session kept %v", cleared, e.sessionExists(t, f.ws, cookie))
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
