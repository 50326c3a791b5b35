package web_test

import (
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/webtest"
)

var update = flag.Bool("update", false, "rewrite the golden pages in testdata/")

var (
	csrfValue = regexp.MustCompile(`name="csrf" value="[^"]*"`)
	csrfData  = regexp.MustCompile(`data-csrf="[^"]*"`)
	assetHash = regexp.MustCompile(`/static/([a-z]+)\.[0-9a-f]+\.([a-z]+)`)
	setLink   = regexp.MustCompile(`/set-password/[A-Za-z0-9_-]+`)
)

// golden compares a page with testdata/<name>.html, after replacing what changes from run to
// run (form tokens, one-time links) or with unrelated edits (asset hashes). With -update it
// writes the file instead.
func golden(t *testing.T, name string, r *webtest.Response) {
	t.Helper()
	got := csrfValue.ReplaceAllString(r.Body, `name="csrf" value="CSRF"`)
	got = csrfData.ReplaceAllString(got, `data-csrf="CSRF"`)
	got = assetHash.ReplaceAllString(got, "/static/$1.HASH.$2")
	got = setLink.ReplaceAllString(got, "/set-password/SECRET")
	path := filepath.Join("testdata", name+".html")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

func TestPagesGolden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	_, link := e.invite(t, f.ws, "carol@acme.example", latchkey.RoleMember)
	b := e.newBrowser(t)
	b.Addr = "198.51.100.40"

	for _, tc := range []struct {
		name   string
		status int
		do     func() *webtest.Response
	}{
		{"find", http.StatusOK, func() *webtest.Response { return b.Get(t, e.url("", "/")) }},
		{"find-unknown", http.StatusNotFound, func() *webtest.Response {
			return b.Post(t, e.url("", "/find"), url.Values{"workspace": {"nope"}})
		}},
		{"unknown-workspace", http.StatusNotFound, func() *webtest.Response { return b.Get(t, "http://nope.app.test/login") }},
		{"login", http.StatusOK, func() *webtest.Response { return b.Get(t, e.url("acme", "/login?return_to=%2Fdashboard")) }},
		{"login-bad-credentials", http.StatusUnauthorized, func() *webtest.Response {
			return b.login(t, e, "acme", f.member.Email, wrongPassword)
		}},
		{"set-password", http.StatusOK, func() *webtest.Response { return b.Get(t, link) }},
		{"set-password-mismatch", http.StatusBadRequest, func() *webtest.Response {
			return b.setPassword(t, link, goodPassword, wrongPassword)
		}},
		{"set-password-invalid", http.StatusGone, func() *webtest.Response { return b.Get(t, link+"x") }},
		{"form-expired", http.StatusForbidden, func() *webtest.Response {
			return b.Post(t, e.url("acme", "/login"), url.Values{"email": {f.member.Email}})
		}},
		{"not-found", http.StatusNotFound, func() *webtest.Response { return b.Get(t, e.url("acme", "/nothing-here")) }},
		{"dashboard-admin", http.StatusOK, func() *webtest.Response {
			b.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
			return b.Get(t, e.url("acme", "/dashboard"))
		}},
		{"dashboard-member", http.StatusOK, func() *webtest.Response {
			b.Submit(t, e.url("acme", "/dashboard"), e.url("acme", "/logout"), nil)
			b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
			return b.Get(t, e.url("acme", "/dashboard"))
		}},
	} {
		r := tc.do()
		if r.Status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, r.Status, tc.status)
		}
		golden(t, tc.name, r)
	}
}
