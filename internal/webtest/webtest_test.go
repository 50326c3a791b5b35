package webtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// server answers like a tiny site: /form is a page with a form token, /post checks a
// same-origin form with that token, /go redirects to /form and sets a cookie, /who names the
// server and echoes the cookie.
func server(t *testing.T, name string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<h1> The   form </h1><form><input name="csrf" value="tok-1"></form><a href="/who">who</a>`)
	})
	mux.HandleFunc("POST /post", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		origin := "http://" + r.Host
		if r.Header.Get("Origin") != origin || r.Header.Get("Sec-Fetch-Site") != "same-origin" || r.PostFormValue("csrf") != "tok-1" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<p role="alert">refused</p>`)
			return
		}
		fmt.Fprintf(w, `<p role="status">got %s</p>`, r.PostFormValue("name"))
	})
	mux.HandleFunc("GET /go", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "c", Value: "from-" + name, Path: "/"})
		http.Redirect(w, r, "/form", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /who", func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie("c")
		fmt.Fprintf(w, "%s %s %s %v", name, r.Host, r.Header.Get("X-Forwarded-For"), c)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestClientFollowsRedirectsAndSubmitsForms(t *testing.T) {
	srv := server(t, "a")
	c := New(t, Options{Dial: srv.Listener.Addr().String()})
	r := c.Get(t, "http://app.test/go")
	if r.Status != http.StatusOK || r.URL.String() != "http://app.test/form" || len(r.Hops) != 1 {
		t.Fatalf("GET /go: %d at %s after %d hops, want 200 at /form after 1", r.Status, r.URL, len(r.Hops))
	}
	if got := r.SetCookie("c"); got == nil || got.Value != "from-a" {
		t.Fatalf("SetCookie(c) = %v, want the redirect's cookie", got)
	}
	if got, want := r.Heading(), "The form"; got != want {
		t.Errorf("Heading = %q, want %q", got, want)
	}
	if got, want := r.CSRF(), "tok-1"; got != want {
		t.Errorf("CSRF = %q, want %q", got, want)
	}
	if got := r.Links(); len(got) != 1 || got[0] != "/who" {
		t.Errorf("Links = %q", got)
	}
	if got := c.Cookie(t, "http://app.test/", "c"); got != "from-a" {
		t.Errorf("jar cookie %q, want from-a", got)
	}

	if r := c.Submit(t, "http://app.test/form", "http://app.test/post", url.Values{"name": {"x"}}); r.Status != http.StatusOK || r.Notice() != "got x" {
		t.Fatalf("Submit: %d %q (alert %q), want 200 %q", r.Status, r.Notice(), r.Alert(), "got x")
	}
	// Without the origin headers the same form is refused: SameOrigin is what Post adds.
	req := FormRequest(t, "http://app.test/post", url.Values{"csrf": {"tok-1"}})
	if r := c.Do(t, req); r.Status != http.StatusForbidden || r.Alert() != "refused" {
		t.Fatalf("cross-origin form: %d %q, want 403 refused", r.Status, r.Alert())
	}

	c.Addr = "203.0.113.9"
	if got, want := c.Get(t, "http://app.test/who").Text(), "a app.test 203.0.113.9"; !strings.HasPrefix(got, want) {
		t.Errorf("/who = %q, want it to start with %q", got, want)
	}
}

// Via sends one browser's requests to the node chosen for each, with one cookie jar; IP
// addresses are dialled as they are; NoRedirects returns the redirect itself.
func TestClientVia(t *testing.T) {
	a, b := server(t, "a"), server(t, "b")
	browser := New(t, Options{NoRedirects: true})
	toA, toB := browser.Via(t, a.Listener.Addr().String()), browser.Via(t, b.Listener.Addr().String())

	r := toA.Get(t, "http://acme.app.test/go")
	if r.Status != http.StatusSeeOther || r.Location() != "/form" || len(r.Hops) != 0 {
		t.Fatalf("GET /go without following: %d to %q, %d hops; want 303 to /form", r.Status, r.Location(), len(r.Hops))
	}
	if got := toB.Get(t, "http://acme.app.test/who").Body; !strings.HasPrefix(got, "b acme.app.test") || !strings.Contains(got, "c=from-a") {
		t.Fatalf("/who through B = %q, want node b with A's cookie", got)
	}
	if got := toB.Get(t, a.URL+"/who").Body; !strings.HasPrefix(got, "a ") {
		t.Fatalf("/who by A's address through B = %q, want node a", got)
	}
	toB.SetCookie(t, "http://acme.app.test/", "c", "set")
	if got := toA.Cookie(t, "http://acme.app.test/", "c"); got != "set" {
		t.Fatalf("cookie set through B, read through A: %q", got)
	}
}
