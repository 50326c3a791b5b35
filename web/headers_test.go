package web_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/latchkey/latchkey/internal/webtest"
)

// wantSecurityHeaders fails the test unless h has the headers every page carries.
func wantSecurityHeaders(t *testing.T, where string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("%s: CSP %q lacks frame-ancestors 'none'", where, csp)
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: CSP %q allows inline code", where, csp)
	}
	if !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("%s: CSP %q does not deny by default", where, csp)
	}
	if got, want := h.Get("X-Content-Type-Options"), "nosniff"; got != want {
		t.Errorf("%s: X-Content-Type-Options %q, want %q", where, got, want)
	}
	if got, want := h.Get("Referrer-Policy"), "no-referrer"; got != want {
		t.Errorf("%s: Referrer-Policy %q, want %q", where, got, want)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	_, link := e.invite(t, f.ws, "new@acme.example", "")
	b := e.newBrowser(t)
	for _, u := range []string{
		e.url("", "/"), e.url("acme", "/login"), link, "http://nope.app.test/", e.url("acme", "/nothing-here"),
	} {
		r := b.Get(t, u)
		wantSecurityHeaders(t, u, r.Header)
		if got := r.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s: HSTS %q on plain http", u, got)
		}
		if r.Doc == nil {
			t.Errorf("%s: not an HTML page", u)
			continue
		}
		// No inline script or style for the CSP to have to allow.
		inline := r.Find(func(n *html.Node) bool {
			return n.Data == "script" && webtest.Attr(n, "src") == "" || n.Data == "style" || webtest.HasAttr(n, "style") ||
				hasAttrPrefix(n, "on")
		})
		if len(inline) != 0 {
			t.Errorf("%s: %d elements with inline script or style", u, len(inline))
		}
	}
	b.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	r := b.Get(t, e.url("acme", "/dashboard"))
	wantSecurityHeaders(t, "dashboard", r.Header)
	if got, want := r.Header.Get("Cache-Control"), "no-store"; got != want {
		t.Errorf("dashboard: Cache-Control %q, want %q", got, want)
	}
}

// hasAttrPrefix reports whether n has an attribute whose name starts with prefix.
func hasAttrPrefix(n *html.Node, prefix string) bool {
	for _, a := range n.Attr {
		if strings.HasPrefix(a.Key, prefix) {
			return true
		}
	}
	return false
}

// On https the cookies take the __Host- prefix and Secure, and HSTS is sent. A plain
// httptest.Server cannot serve https under the workspace's name, so the requests go to the
// handler itself.
func TestHTTPS(t *testing.T) {
	t.Parallel()
	e := newHandlerEnv(t, "https://app.test")
	f := e.seedAcme(t)
	serve := func(req *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		return rec
	}

	get := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "https://acme.app.test/login", nil)
	rec := serve(get)
	if got, want := rec.Code, http.StatusOK; got != want {
		t.Fatalf("GET /login: %d, want %d", got, want)
	}
	wantSecurityHeaders(t, "GET /login", rec.Header())
	if got, want := rec.Header().Get("Strict-Transport-Security"), "max-age=31536000; includeSubDomains"; got != want {
		t.Errorf("HSTS %q, want %q", got, want)
	}
	var nonce *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "__Host-latchkey_nonce" {
			nonce = c
		}
	}
	if nonce == nil || !nonce.Secure || nonce.Path != "/" || nonce.Domain != "" {
		t.Fatalf("nonce cookie %v, want __Host-latchkey_nonce, Secure, Path=/, no Domain", rec.Header().Values("Set-Cookie"))
	}
	doc, err := html.Parse(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	page := &webtest.Response{Doc: doc}

	form := url.Values{"csrf": {page.CSRF()}, "email": {f.member.Email}, "password": {goodPassword}}
	post := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "https://acme.app.test/login", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("Origin", "https://acme.app.test")
	post.Header.Set("Sec-Fetch-Site", "same-origin")
	post.AddCookie(&http.Cookie{Name: nonce.Name, Value: nonce.Value})
	rec = serve(post)
	if got, want := rec.Code, http.StatusSeeOther; got != want {
		t.Fatalf("POST /login: %d, want %d (%s)", got, want, rec.Body)
	}
	if got, want := rec.Header().Get("Location"), "/dashboard"; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	if got := rec.Header().Get("Strict-Transport-Security"); got == "" {
		t.Error("no HSTS on the sign-in response")
	}
	res := &webtest.Response{Header: rec.Header()}
	c := res.SetCookie("__Host-latchkey_session")
	if c == nil {
		t.Fatalf("no __Host-latchkey_session cookie: %q", rec.Header().Values("Set-Cookie"))
	}
	if !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie %q, want Secure; HttpOnly; SameSite=Lax; Path=/, no Domain", res.SetCookieLine("__Host-latchkey_session"))
	}
	if res.SetCookie("latchkey_session") != nil {
		t.Error("an unprefixed session cookie was set too")
	}

	// The unprefixed name, which a sibling host could plant, is not read.
	plain := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "https://acme.app.test/dashboard", nil)
	plain.AddCookie(&http.Cookie{Name: "latchkey_session", Value: c.Value})
	if rec := serve(plain); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("unprefixed cookie: %d to %q, want a redirect to /login", rec.Code, rec.Header().Get("Location"))
	}
	dash := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "https://acme.app.test/dashboard", nil)
	dash.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	if rec := serve(dash); rec.Code != http.StatusOK {
		t.Errorf("GET /dashboard with the session: %d, want 200", rec.Code)
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAcme(t)
	b := e.newBrowser(t)
	for _, u := range []string{e.url("", "/healthz"), e.url("acme", "/healthz")} {
		r := b.Get(t, u)
		if got, want := r.Status, http.StatusOK; got != want {
			t.Fatalf("%s: %d, want %d", u, got, want)
		}
		if got, want := r.Header.Get("Content-Type"), "application/json"; got != want {
			t.Errorf("%s: Content-Type %q, want %q", u, got, want)
		}
		var body struct{ Status string }
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Fatalf("%s: %v in %q", u, err, r.Body)
		}
		if got, want := body.Status, "ok"; got != want {
			t.Errorf("%s: status %q, want %q", u, got, want)
		}
	}
}

// metric returns the value of the sample named exactly series (name and labels as Prometheus
// writes them) in a text exposition, and whether it is there.
func metric(t *testing.T, exposition, series string) (float64, bool) {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(exposition))
	for sc.Scan() {
		// The value follows the last space: label values may hold spaces.
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		if i < 0 || line[:i] != series {
			continue
		}
		value := line[i+1:]
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("%s: %v", series, err)
		}
		return v, true
	}
	return 0, false
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.login(t, e, "acme", f.member.Email, wrongPassword)
	b.login(t, e, "acme", "nobody@acme.example", wrongPassword)
	b.mustLogin(t, e, "acme", f.member.Email, goodPassword)

	// The public addresses do not serve the metrics; the operator's own listener does.
	for _, host := range []string{"", "acme"} {
		if r := b.Get(t, e.url(host, "/metrics")); r.Status != http.StatusNotFound {
			t.Errorf("GET /metrics on %q: %d, want 404", host, r.Status)
		}
	}
	rec := httptest.NewRecorder()
	e.handler.Metrics().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	r := &webtest.Response{Status: rec.Code, Body: rec.Body.String()}
	if got, want := r.Status, http.StatusOK; got != want {
		t.Fatalf("GET /metrics: %d, want %d", got, want)
	}
	for series, want := range map[string]float64{
		`latchkey_signin_total{method="password",result="success"}`:         1,
		`latchkey_signin_total{method="password",result="bad_credentials"}`: 2,
	} {
		got, ok := metric(t, r.Body, series)
		if !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	if _, ok := metric(t, r.Body, `latchkey_http_request_duration_seconds_count{code="200",route="GET /login"}`); !ok {
		t.Error("no request duration for GET /login")
	}
	// Every request read the workspace of its host through the store's cache.
	if got, ok := metric(t, r.Body, `latchkey_store_cache_hits_total`); !ok || got < 1 {
		t.Errorf("latchkey_store_cache_hits_total = %v (present %v), want at least 1", got, ok)
	}
	if got, ok := metric(t, r.Body, `latchkey_store_cache_live`); !ok || got != 1 {
		t.Errorf("latchkey_store_cache_live = %v (present %v), want 1", got, ok)
	}
}
