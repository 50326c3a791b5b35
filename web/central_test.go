package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/webtest"
)

// The central address only finds workspaces: no account field, no password, no reset.
func TestCentralShowsOnlyFindYourWorkspace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAcme(t)
	b := e.newBrowser(t)
	for _, path := range []string{"/", "/login"} {
		r := b.Get(t, e.url("", path))
		wantPage(t, r, http.StatusOK, path)
		if got, want := r.Heading(), "Find your workspace"; got != want {
			t.Errorf("GET %s: heading %q, want %q", path, got, want)
		}
		accountInputs := r.Find(func(n *html.Node) bool {
			if n.Data != "input" {
				return false
			}
			typ, name := strings.ToLower(webtest.Attr(n, "type")), strings.ToLower(webtest.Attr(n, "name"))
			return typ == "email" || typ == "password" || strings.Contains(name, "email") || strings.Contains(name, "password")
		})
		if len(accountInputs) != 0 {
			t.Errorf("GET %s: %d email or password inputs, want none", path, len(accountInputs))
		}
		for _, href := range r.Links() {
			if strings.Contains(strings.ToLower(href), "reset") || strings.Contains(strings.ToLower(href), "forgot") {
				t.Errorf("GET %s: links to %q", path, href)
			}
		}
		if strings.Contains(strings.ToLower(r.Text()), "forgot") {
			t.Errorf("GET %s: offers a password reset: %q", path, r.Text())
		}
		if c := r.SetCookie("latchkey_nonce"); c != nil {
			t.Errorf("GET %s: the central address set a cookie: %v", path, c)
		}
	}
}

func TestFindWorkspace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAcme(t)
	b := e.newBrowser(t)

	for _, name := range []string{"acme", "ACME.app.test", "  Acme  ", "http://acme.app.test/login"} {
		r := b.Post(t, e.url("", "/find"), url.Values{"workspace": {name}})
		if len(r.Hops) != 1 {
			t.Fatalf("find %q: %d redirects, want 1 (final %d at %s)", name, len(r.Hops), r.Status, r.URL)
		}
		if got, want := r.Hops[0].StatusCode, http.StatusSeeOther; got != want {
			t.Errorf("find %q: status %d, want %d", name, got, want)
		}
		if got, want := r.Hops[0].Header.Get("Location"), "http://acme.app.test/login"; got != want {
			t.Errorf("find %q: Location %q, want %q", name, got, want)
		}
		wantPage(t, r, http.StatusOK, "/login")
		if got, want := r.Heading(), "Sign in"; got != want {
			t.Errorf("find %q: landed on %q, want %q", name, got, want)
		}
	}

	for _, tc := range []struct {
		name, workspace string
		status          int
		msg             string
	}{
		{"unknown", "nope", http.StatusNotFound, latchkey.MsgWorkspaceUnknown},
		{"unknown full address", "nope.app.test", http.StatusNotFound, latchkey.MsgWorkspaceUnknown},
		{"invalid characters", "ac_me!", http.StatusNotFound, latchkey.MsgWorkspaceUnknown},
		{"too short", "ac", http.StatusNotFound, latchkey.MsgWorkspaceUnknown},
		{"reserved", "admin", http.StatusNotFound, latchkey.MsgWorkspaceUnknown},
		{"another site", "acme.evil.example", http.StatusNotFound, latchkey.MsgWorkspaceUnknown},
		{"too long", strings.Repeat("a", 300), http.StatusNotFound, latchkey.MsgWorkspaceUnknown},
		{"empty", "", http.StatusBadRequest, latchkey.MsgWorkspaceRequired},
		{"blank", "   ", http.StatusBadRequest, latchkey.MsgWorkspaceRequired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.Post(t, e.url("", "/find"), url.Values{"workspace": {tc.workspace}})
			if len(r.Hops) != 0 {
				t.Fatalf("redirected to %s", r.URL)
			}
			if r.Status != tc.status {
				t.Errorf("status %d, want %d", r.Status, tc.status)
			}
			if got := r.Alert(); got != tc.msg {
				t.Errorf("alert %q, want %q", got, tc.msg)
			}
			if got, want := r.Heading(), "Find your workspace"; got != want {
				t.Errorf("heading %q, want %q", got, want)
			}
		})
	}
}

func TestUnknownHosts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAcme(t)
	b := e.newBrowser(t)

	r := b.Get(t, "http://nope.app.test/login")
	if got, want := r.Status, http.StatusNotFound; got != want {
		t.Fatalf("unknown workspace: status %d, want %d", got, want)
	}
	if got, want := r.Heading(), "Workspace not found"; got != want {
		t.Errorf("unknown workspace: heading %q, want %q", got, want)
	}
	if !slices.Contains(r.Links(), "http://app.test") {
		t.Errorf("unknown workspace: links %q, want one to http://app.test", r.Links())
	}
	if r.Input("password") != nil || r.Input("email") != nil {
		t.Error("unknown workspace: the page has a sign-in form")
	}
	if c := r.SetCookie("latchkey_nonce"); c != nil {
		t.Errorf("unknown workspace set a cookie: %v", c)
	}

	for _, u := range []string{"http://evil.example/", "http://evil.example/login", "http://acme.app.test.evil.example/login", "http://a.acme.app.test/login"} {
		r := b.Get(t, u)
		if got, want := r.Status, http.StatusNotFound; got != want {
			t.Errorf("GET %s: status %d, want %d", u, got, want)
		}
		if r.Input("password") != nil {
			t.Errorf("GET %s: the page has a sign-in form", u)
		}
	}
}
