package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/keyring"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/web"
)

// benchServer is the real router on a SQLite store with one workspace, an admin and a member
// (password "correct horse battery staple"), and a signed-in member's session cookie.
func benchServer(b *testing.B) (http.Handler, *http.Cookie) {
	b.Helper()
	dir := b.TempDir()
	store, err := sqlstore.Open(b.Context(), filepath.Join(dir, "latchkey.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	outbox, _ := mail.NewOutbox(filepath.Join(dir, "outbox"), nil)
	base, _ := url.Parse("http://app.test")
	keys, _ := keyring.Parse(keyring.NewKeyLine("bench"))
	svc := signin.New(signin.Config{Store: store, Mailer: outbox, BaseURL: base, Keys: keys, Passwords: password.NewHasher(password.HasherConfig{Params: password.InsecureTestParams, LightParams: password.InsecureTestParams})})
	h, err := web.New(web.Config{Service: svc, BaseURL: base, Secret: []byte(strings.Repeat("k", 32))})
	if err != nil {
		b.Fatal(err)
	}
	ws, _, _, err := admin.New(admin.Config{Store: store, SignIn: svc}).CreateWorkspace(b.Context(), admin.NewWorkspace{Slug: "acme", Name: "Acme", AdminEmail: "admin@acme.test"})
	if err != nil {
		b.Fatal(err)
	}
	pw, _ := password.Hash("correct horse battery staple")
	now := time.Now().UTC()
	m := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws.ID, Email: "member@acme.test", Role: latchkey.RoleMember, Status: latchkey.StatusActive, PasswordHash: pw, CreatedAt: now, UpdatedAt: now}
	if err := store.CreateAccount(b.Context(), m); err != nil {
		b.Fatal(err)
	}
	res, err := svc.PasswordSignIn(b.Context(), signin.PasswordInput{Workspace: ws, Email: m.Email, Password: "correct horse battery staple"})
	if err != nil {
		b.Fatal(err)
	}
	return h, &http.Cookie{Name: "latchkey_session", Value: res.Secret}
}

// BenchmarkDashboard is one signed-in page view through the whole router: host lookup,
// session check, headers, template.
func BenchmarkDashboard(b *testing.B) {
	h, cookie := benchServer(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, "http://acme.app.test/dashboard", nil)
			req.AddCookie(cookie)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// BenchmarkLoginPage is the anonymous sign-in page: host lookup, nonce cookie, template.
func BenchmarkLoginPage(b *testing.B) {
	h, _ := benchServer(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://acme.app.test/login", nil))
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// BenchmarkPasswordSignIn is one whole password sign-in through the router: the sign-in page
// (nonce cookie, form token), then the POST that checks the argon2id hash, writes the session
// and redirects. Most of its time is the hash, on purpose; the rest is what latchkey adds.
func BenchmarkPasswordSignIn(b *testing.B) {
	h, _ := benchServer(b)
	form := url.Values{"email": {"member@acme.test"}, "password": {"correct horse battery staple"}}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://acme.app.test/login", nil))
		body := rec.Body.String()
		const field = `name="csrf" value="`
		i := strings.Index(body, field)
		if rec.Code != http.StatusOK || i < 0 {
			b.Fatalf("GET /login: status %d, csrf field found: %v", rec.Code, i >= 0)
		}
		tok := body[i+len(field):]
		tok = tok[:strings.IndexByte(tok, '"')]
		form.Set("csrf", tok)
		req := httptest.NewRequest(http.MethodPost, "http://acme.app.test/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range rec.Result().Cookies() {
			req.AddCookie(c)
		}
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard" {
			b.Fatalf("POST /login: status %d to %q", rec.Code, rec.Header().Get("Location"))
		}
	}
}
