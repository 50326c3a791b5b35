package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)

	t.Run("ends with the browser", func(t *testing.T) {
		b := e.newBrowser(t)
		r := b.login(t, e, "acme", f.member.Email, goodPassword)
		wantPage(t, r, http.StatusOK, "/dashboard")
		if got, want := r.Hops[0].StatusCode, http.StatusSeeOther; got != want {
			t.Errorf("sign-in status %d, want %d", got, want)
		}
		c := r.SetCookie("latchkey_session")
		if c == nil {
			t.Fatal("no session cookie")
		}
		line := r.SetCookieLine("latchkey_session")
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.Secure {
			t.Errorf("session cookie %q, want HttpOnly; SameSite=Lax; Path=/, no Domain, not Secure on http", line)
		}
		if c.MaxAge != 0 || !c.Expires.IsZero() || strings.Contains(line, "Max-Age") || strings.Contains(line, "Expires") {
			t.Errorf("session cookie %q outlives the browser", line)
		}
		if len(c.Value) < 43 {
			t.Errorf("session cookie value has %d characters, want at least 43 (256 bits)", len(c.Value))
		}
		sess, _, err := e.store.Session(t.Context(), f.ws.ID, latchkey.HashSecret(c.Value))
		if err != nil {
			t.Fatalf("session row: %v", err)
		}
		if sess.Persistent {
			t.Error("session stored as persistent")
		}
		if sess.ID == c.Value {
			t.Error("the store keeps the cookie's secret itself")
		}
	})

	t.Run("keep me signed in", func(t *testing.T) {
		b := e.newBrowser(t)
		r := b.Submit(t, e.url("acme", "/login"), e.url("acme", "/login"), url.Values{
			"email": {f.member.Email}, "password": {goodPassword}, "remember": {"1"},
		})
		wantPage(t, r, http.StatusOK, "/dashboard")
		c := r.SetCookie("latchkey_session")
		if c == nil {
			t.Fatal("no session cookie")
		}
		line := r.SetCookieLine("latchkey_session")
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
			t.Errorf("session cookie %q, want HttpOnly; SameSite=Lax; Path=/, no Domain", line)
		}
		want := 30 * 24 * time.Hour
		if got := time.Duration(c.MaxAge) * time.Second; got < want-time.Minute || got > want {
			t.Errorf("Max-Age %v, want about %v (%q)", got, want, line)
		}
		if got, want := c.Expires, start.Add(want); !got.Equal(want) {
			t.Errorf("Expires %v, want %v", got, want)
		}
	})
}

func TestSessionIdleTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	for _, remember := range []bool{false, true} {
		b := e.newBrowser(t)
		fields := url.Values{"email": {f.member.Email}, "password": {goodPassword}}
		if remember {
			fields.Set("remember", "1")
		}
		r := b.Submit(t, e.url("acme", "/login"), e.url("acme", "/login"), fields)
		wantPage(t, r, http.StatusOK, "/dashboard")
		cookie := r.SetCookie("latchkey_session").Value
		signedInAt := e.clock.Now()

		e.clock.Advance(8*time.Hour - time.Minute)
		if !b.signedIn(t, e, "acme") {
			t.Fatalf("remember=%v: signed out after 7h59m idle", remember)
		}
		if got, want := lastSeen(t, e, f.ws, cookie), signedInAt.Add(8*time.Hour-time.Minute); !got.Equal(want) {
			t.Errorf("remember=%v: last seen %v, want %v (the request refreshes it)", remember, got, want)
		}

		e.clock.Advance(8 * time.Hour)
		r = b.Get(t, e.url("acme", "/dashboard"))
		wantPage(t, r, http.StatusOK, "/login")
		if got, want := r.URL.RequestURI(), "/login?m=session-ended&return_to=%2Fdashboard"; got != want {
			t.Errorf("remember=%v: sent to %s, want %s", remember, got, want)
		}
		if !strings.Contains(r.Body, latchkey.MsgSessionEnded) {
			t.Errorf("remember=%v: the sign-in page does not say the session ended", remember)
		}
		if c := r.SetCookie("latchkey_session"); c == nil || c.Value != "" || c.MaxAge >= 0 {
			t.Errorf("remember=%v: the ended session's cookie was not cleared: %q", remember, r.SetCookieLine("latchkey_session"))
		}
		if e.sessionExists(t, f.ws, cookie) {
			t.Errorf("remember=%v: the idle session is still in the store", remember)
		}
	}
}

func TestSessionAbsoluteLifetime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	cookie := b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	end := e.clock.Now().Add(30 * 24 * time.Hour)
	for e.clock.Now().Add(7 * time.Hour).Before(end) {
		e.clock.Advance(7 * time.Hour)
		if !b.signedIn(t, e, "acme") {
			t.Fatalf("signed out at %v, before the absolute end %v", e.clock.Now(), end)
		}
	}
	e.clock.Advance(end.Sub(e.clock.Now()))
	if b.signedIn(t, e, "acme") {
		t.Fatalf("still signed in at the absolute end %v", end)
	}
	if e.sessionExists(t, f.ws, cookie) {
		t.Error("the expired session is still in the store")
	}
}

// lastSeen reads the session's last-seen time from the store.
func lastSeen(t *testing.T, e *env, ws latchkey.Workspace, cookie string) time.Time {
	t.Helper()
	s, _, err := e.store.Session(t.Context(), ws.ID, latchkey.HashSecret(cookie))
	if err != nil {
		t.Fatalf("read session: %v", err)
	}
	return s.LastSeenAt
}

func TestLastSeenWrittenAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	cookie := b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	signedInAt := e.clock.Now()

	e.clock.Advance(59 * time.Second)
	if !b.signedIn(t, e, "acme") {
		t.Fatal("signed out")
	}
	if got := lastSeen(t, e, f.ws, cookie); !got.Equal(signedInAt) {
		t.Errorf("after 59s: last seen %v, want it left at %v", got, signedInAt)
	}
	e.clock.Advance(time.Second)
	if !b.signedIn(t, e, "acme") {
		t.Fatal("signed out")
	}
	if got, want := lastSeen(t, e, f.ws, cookie), signedInAt.Add(time.Minute); !got.Equal(want) {
		t.Errorf("after 1m: last seen %v, want %v", got, want)
	}
}

// Every sign-in makes a new session id, and the session it replaces ends on the server.
func TestNewSessionAtEverySignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	first := b.mustLogin(t, e, "acme", f.member.Email, goodPassword)

	// Signed in, the form token comes from a signed-in page; the sign-in page itself redirects.
	r := b.Submit(t, e.url("acme", "/dashboard"), e.url("acme", "/login"), url.Values{
		"email": {f.member.Email}, "password": {goodPassword},
	})
	wantPage(t, r, http.StatusOK, "/dashboard")
	c := r.SetCookie("latchkey_session")
	if c == nil || c.Value == "" {
		t.Fatal("signing in again set no session cookie")
	}
	second := c.Value
	if second == first {
		t.Fatal("signing in again kept the session id")
	}
	if e.sessionExists(t, f.ws, first) {
		t.Error("the replaced session is still in the store")
	}
	if !b.signedIn(t, e, "acme") {
		t.Error("the new session does not work")
	}
	old := e.newBrowser(t)
	old.Jar.SetCookies(mustParse(t, e.url("acme", "/")), []*http.Cookie{{Name: "latchkey_session", Value: first, Path: "/"}})
	if old.signedIn(t, e, "acme") {
		t.Error("the replaced session still signs in")
	}

	// A second browser signing in to the same account gets its own session, and the first
	// browser's stays.
	other := e.newBrowser(t)
	third := other.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	if third == second {
		t.Fatal("two browsers share a session id")
	}
	if !b.signedIn(t, e, "acme") {
		t.Error("a sign-in in another browser ended this one")
	}
}

func mustParse(t *testing.T, u string) *url.URL {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return pu
}

// A cookie is bound to its workspace: the same email in another workspace is another account.
func TestSessionDoesNotCrossWorkspaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	beta, _, _ := e.createWorkspace(t, "beta", "Beta")
	e.member(t, beta, f.member.Email, latchkey.RoleAdmin, goodPassword)

	b := e.newBrowser(t)
	cookie := b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	b.Jar.SetCookies(mustParse(t, e.url("beta", "/")), []*http.Cookie{{Name: "latchkey_session", Value: cookie, Path: "/"}})
	r := b.Get(t, e.url("beta", "/dashboard"))
	wantPage(t, r, http.StatusOK, "/login")
	if got, want := r.URL.Host, "beta.app.test"; got != want {
		t.Errorf("landed on %s, want %s", got, want)
	}
	if strings.Contains(r.Text(), f.member.Email) {
		t.Error("beta's page shows the acme account")
	}
	if !e.sessionExists(t, f.ws, cookie) {
		t.Error("presenting the cookie to beta ended the acme session")
	}
	if !b.signedIn(t, e, "acme") {
		t.Error("the acme session no longer works on acme")
	}
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.Addr = "198.51.100.30"
	cookie := b.mustLogin(t, e, "acme", f.member.Email, goodPassword)

	r := b.Submit(t, e.url("acme", "/dashboard"), e.url("acme", "/logout"), nil)
	wantPage(t, r, http.StatusOK, "/login")
	if got, want := r.Notice(), latchkey.MsgSignedOut; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	if c := r.SetCookie("latchkey_session"); c == nil || c.Value != "" || c.MaxAge >= 0 {
		t.Errorf("the session cookie was not cleared: %q", r.SetCookieLine("latchkey_session"))
	}
	if e.sessionExists(t, f.ws, cookie) {
		t.Error("the session is still in the store")
	}
	if b.signedIn(t, e, "acme") {
		t.Error("still signed in")
	}
	replay := e.newBrowser(t)
	replay.Jar.SetCookies(mustParse(t, e.url("acme", "/")), []*http.Cookie{{Name: "latchkey_session", Value: cookie, Path: "/"}})
	if replay.signedIn(t, e, "acme") {
		t.Error("the old cookie still signs in")
	}
	evs := e.events(t, f.ws, latchkey.EventSignOut)
	if len(evs) != 1 || evs[0].AccountID != f.member.ID || evs[0].ClientAddr != "198.51.100.30" {
		t.Errorf("sign-out events %+v, want one for %s from 198.51.100.30", evs, f.member.Email)
	}
}
