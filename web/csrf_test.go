package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/webtest"
)

// wantForbidden fails the test unless r is the 403 page for a refused form.
func wantForbidden(t *testing.T, r *webtest.Response) {
	t.Helper()
	if got, want := r.Status, http.StatusForbidden; got != want {
		t.Fatalf("status %d at %s, want %d", got, r.URL, want)
	}
	if len(r.Hops) != 0 {
		t.Errorf("redirected to %s", r.URL)
	}
	if got, want := r.Texts("p", ""), latchkey.MsgFormExpired; len(got) == 0 || got[0] != want {
		t.Errorf("message %q, want %q", got, want)
	}
	noSession(t, r)
}

func TestLogoutNeedsFormToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	cookie := b.mustLogin(t, e, "acme", f.member.Email, goodPassword)

	wantForbidden(t, b.Post(t, e.url("acme", "/logout"), nil))
	wantForbidden(t, b.Post(t, e.url("acme", "/logout"), url.Values{"csrf": {"not-the-token"}}))
	if !b.signedIn(t, e, "acme") {
		t.Fatal("a forged sign-out ended the session")
	}
	if !e.sessionExists(t, f.ws, cookie) {
		t.Fatal("a forged sign-out deleted the session")
	}
	if evs := e.events(t, f.ws, latchkey.EventSignOut); len(evs) != 0 {
		t.Errorf("sign-out events %+v, want none", evs)
	}
}

func TestLoginRefusesForgedForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	beta, _, _ := e.createWorkspace(t, "beta", "Beta")
	e.member(t, beta, f.member.Email, latchkey.RoleMember, goodPassword)
	creds := func(tok string) url.Values {
		return url.Values{"csrf": {tok}, "email": {f.member.Email}, "password": {goodPassword}}
	}

	t.Run("from a sibling workspace", func(t *testing.T) {
		b := e.newBrowser(t)
		tok := b.CSRF(t, e.url("acme", "/login"))
		req := webtest.FormRequest(t, e.url("acme", "/login"), creds(tok))
		req.Header.Set("Origin", "http://evil.app.test")
		req.Header.Set("Sec-Fetch-Site", "same-site")
		wantForbidden(t, b.Do(t, req))
		if b.signedIn(t, e, "acme") {
			t.Error("signed in")
		}
	})

	t.Run("from a foreign origin without fetch metadata", func(t *testing.T) {
		b := e.newBrowser(t)
		tok := b.CSRF(t, e.url("acme", "/login"))
		req := webtest.FormRequest(t, e.url("acme", "/login"), creds(tok))
		req.Header.Set("Origin", "http://evil.example")
		wantForbidden(t, b.Do(t, req))
		if b.signedIn(t, e, "acme") {
			t.Error("signed in")
		}
	})

	t.Run("token of another workspace", func(t *testing.T) {
		b := e.newBrowser(t)
		betaTok := b.CSRF(t, e.url("beta", "/login"))
		acmeTok := b.CSRF(t, e.url("acme", "/login"))
		if betaTok == acmeTok {
			t.Fatal("two workspaces gave one browser the same token")
		}
		wantForbidden(t, b.Post(t, e.url("acme", "/login"), creds(betaTok)))
		if b.signedIn(t, e, "acme") {
			t.Error("signed in")
		}
	})

	t.Run("token of another browser", func(t *testing.T) {
		victim := e.newBrowser(t)
		attacker := e.newBrowser(t)
		attacker.CSRF(t, e.url("acme", "/login")) // the attacker has a nonce cookie of its own
		tok := victim.CSRF(t, e.url("acme", "/login"))
		if attacker.Cookie(t, e.url("acme", "/"), "latchkey_nonce") == victim.Cookie(t, e.url("acme", "/"), "latchkey_nonce") {
			t.Fatal("two browsers share a nonce")
		}
		wantForbidden(t, attacker.Post(t, e.url("acme", "/login"), creds(tok)))
		if attacker.signedIn(t, e, "acme") {
			t.Error("signed in")
		}
		// And from a browser with no cookie at all.
		fresh := e.newBrowser(t)
		wantForbidden(t, fresh.Post(t, e.url("acme", "/login"), creds(tok)))
	})

	t.Run("signed-out token after sign-in", func(t *testing.T) {
		// A token is bound to the session once there is one: a token from before sign-in
		// cannot sign the browser out.
		b := e.newBrowser(t)
		old := b.CSRF(t, e.url("acme", "/login"))
		b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
		wantForbidden(t, b.Post(t, e.url("acme", "/logout"), url.Values{"csrf": {old}}))
		if !b.signedIn(t, e, "acme") {
			t.Error("signed out with a stale token")
		}
	})

	if evs := e.events(t, f.ws, latchkey.EventWrongPassword); len(evs) != 0 {
		t.Errorf("a refused form reached the password check: %+v", evs)
	}
}
