package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/testclock"
	"github.com/latchkey/latchkey/keyring"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/scim"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
	"github.com/latchkey/latchkey/web"
)

// start is the fake clock's first reading: a whole second, so that stored times round-trip
// exactly, and after the real date, so that nothing can lean on the wall clock unnoticed.
var start = time.Date(2030, time.March, 4, 9, 0, 0, 0, time.UTC)

// testHasher hashes with cheap parameters: the tests sign people in by the hundred, and the
// parameters travel with each hash, so every check is still a real argon2id verification.
// Its bound is wide: the tests run in parallel, and a busy refusal would be a flaky failure (the
// storm tests make hashers of their own with tight bounds).
var testHasher = password.NewHasher(password.HasherConfig{Params: password.InsecureTestParams, LightParams: password.InsecureTestParams, Limit: 64, Queue: 4096, Wait: time.Minute})

// The passwords of the seeded accounts.
const (
	goodPassword  = "correct horse battery staple"
	wrongPassword = "incorrect horse battery staple"
)

// env is one latchkey server with everything real behind it except the clock: a SQLite store
// in a temporary directory, the outbox mailer and the real router.
type env struct {
	store   *sqlstore.DB
	svc     *signin.Service
	adm     *admin.Service
	clock   *testclock.Clock
	outbox  string
	handler *web.Server
	srv     *httptest.Server // nil for an env made by newHandlerEnv
	base    *url.URL
	scim    *scim.Handler
}

// newEnv starts a server at http://app.test whose only trusted proxy is the loopback address
// the test client comes from, so that X-Forwarded-For lets a test act as any client address.
func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, testHasher)
}

// newEnvWith is newEnv with its own password hasher (a tighter bound, for the storm tests).
func newEnvWith(t *testing.T, h *password.Hasher) *env {
	t.Helper()
	e := newHandlerEnvWith(t, "http://app.test", h)
	e.srv = httptest.NewServer(e.handler)
	t.Cleanup(e.srv.Close)
	return e
}

// newHandlerEnv builds the server for base without listening, for tests that call the handler
// directly (an https base URL cannot be served by a plain httptest.Server).
func newHandlerEnv(t *testing.T, base string) *env {
	t.Helper()
	return newHandlerEnvWith(t, base, testHasher)
}

func newHandlerEnvWith(t *testing.T, base string, hasher *password.Hasher) *env {
	t.Helper()
	dir := t.TempDir()
	// A copy of a migrated template: the migrations ran once for the whole test process.
	store, err := sqlstore.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	outboxDir := filepath.Join(dir, "outbox")
	outbox, err := mail.NewOutbox(outboxDir, nil)
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	baseURL, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c := testclock.New(start)
	keys, err := keyring.Parse(keyring.NewKeyLine("test"))
	if err != nil {
		t.Fatal(err)
	}
	svc := signin.New(signin.Config{Store: store, Mailer: outbox, BaseURL: baseURL, Now: c.Now, Keys: keys, Passwords: hasher, PrivateIdPs: true})
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	provisioning, err := scim.New(scim.Config{Store: store, Domains: store, Now: c.Now, ClientAddr: web.ClientAddr(proxies)})
	if err != nil {
		t.Fatal(err)
	}
	adm := admin.New(admin.Config{Store: store, SignIn: svc})
	h, err := web.New(web.Config{
		Service:        svc,
		Admin:          adm,
		BaseURL:        baseURL,
		Secret:         []byte("0123456789abcdef0123456789abcdef"),
		TrustedProxies: proxies,
		Log:            slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		SCIM:           provisioning,
	})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	return &env{store: store, svc: svc, adm: adm, clock: c, outbox: outboxDir, handler: h, base: baseURL, scim: provisioning}
}

// url returns the address of path on the workspace with this slug, or on the central address
// when slug is "".
func (e *env) url(slug, path string) string {
	if slug == "" {
		return e.base.Scheme + "://" + e.base.Host + path
	}
	return e.base.Scheme + "://" + slug + "." + e.base.Host + path
}

// createWorkspace creates a workspace through the service, as the CLI does. Its administrator
// is admin@<slug>.example, still invited; the welcome link is returned.
func (e *env) createWorkspace(t *testing.T, slug, name string) (latchkey.Workspace, latchkey.Account, string) {
	t.Helper()
	ws, first, link, err := e.adm.CreateWorkspace(t.Context(), admin.NewWorkspace{
		Slug: slug, Name: name, AdminEmail: "admin@" + slug + ".example", AdminName: "Ada Admin",
	})
	if err != nil {
		t.Fatalf("create workspace %s: %v", slug, err)
	}
	return ws, first, link
}

// invite invites email into ws through the service and returns the account and its link.
func (e *env) invite(t *testing.T, ws latchkey.Workspace, email string, role latchkey.Role) (latchkey.Account, string) {
	t.Helper()
	a, link, err := e.adm.Invite(t.Context(), admin.NewMember{Workspace: ws, Email: email, Name: "Someone", Role: role, Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	return a, link
}

// activate gives the account a password and makes it active, straight in the store.
func (e *env) activate(t *testing.T, a latchkey.Account, pw string) {
	t.Helper()
	e.setAccount(t, a, func(acc *latchkey.Account) {
		hash, err := password.HashWith(pw, password.InsecureTestParams)
		if err != nil {
			t.Fatal(err)
		}
		acc.PasswordHash = hash
		acc.Status = latchkey.StatusActive
	})
}

// suspend suspends a as the operator does (latchkey account suspend).
func (e *env) suspend(t *testing.T, ws latchkey.Workspace, a latchkey.Account) {
	t.Helper()
	if _, err := e.adm.SuspendMember(t.Context(), admin.MemberAction{Workspace: ws, AccountID: a.ID, Actor: latchkey.OperatorActor()}); err != nil {
		t.Fatalf("suspend %s: %v", a.Email, err)
	}
}

// adminActor is a, as stored now, as the actor of an administrative action (the fixtures hold
// accounts as they were created, before activate).
func (e *env) adminActor(t *testing.T, a latchkey.Account) latchkey.Actor {
	t.Helper()
	cur, err := e.store.Account(t.Context(), a.WorkspaceID, a.ID)
	if err != nil {
		t.Fatalf("read account %s: %v", a.Email, err)
	}
	return latchkey.AdminActor(cur)
}

// setAccount changes an account in the store.
func (e *env) setAccount(t *testing.T, a latchkey.Account, fn func(*latchkey.Account)) {
	t.Helper()
	err := e.store.UpdateAccount(t.Context(), a.WorkspaceID, a.ID, func(acc *latchkey.Account) error {
		fn(acc)
		return nil
	})
	if err != nil {
		t.Fatalf("update account %s: %v", a.Email, err)
	}
}

// member invites email into ws with role and activates it with pw.
func (e *env) member(t *testing.T, ws latchkey.Workspace, email string, role latchkey.Role, pw string) latchkey.Account {
	t.Helper()
	a, _ := e.invite(t, ws, email, role)
	e.activate(t, a, pw)
	return a
}

// acme is the usual fixture: workspace acme with an active administrator and an active
// member, both with goodPassword.
type acme struct {
	ws     latchkey.Workspace
	admin  latchkey.Account
	member latchkey.Account
}

func (e *env) seedAcme(t *testing.T) acme {
	t.Helper()
	ws, admin, _ := e.createWorkspace(t, "acme", "Acme")
	e.activate(t, admin, goodPassword)
	m := e.member(t, ws, "bob@acme.example", latchkey.RoleMember, goodPassword)
	return acme{ws: ws, admin: admin, member: m}
}

// events returns the workspace's audit events of one type, newest first.
func (e *env) events(t *testing.T, ws latchkey.Workspace, typ latchkey.EventType) []latchkey.Event {
	t.Helper()
	evs, err := e.store.Events(t.Context(), ws.ID, latchkey.EventFilter{Type: typ})
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	return evs
}

// mail returns every message in the outbox, oldest first.
func (e *env) mail(t *testing.T) []mail.Message {
	t.Helper()
	msgs, err := mail.ReadOutbox(e.outbox)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// sessionExists reports whether the store still holds the session behind a cookie value.
func (e *env) sessionExists(t *testing.T, ws latchkey.Workspace, cookie string) bool {
	t.Helper()
	_, _, err := e.store.Session(t.Context(), ws.ID, latchkey.HashSecret(cookie))
	switch {
	case err == nil:
		return true
	case errors.Is(err, latchkey.ErrNotFound):
		return false
	}
	t.Fatalf("read session: %v", err)
	return false
}

// browser is one browser: its own cookie jar, a user agent and, through X-Forwarded-For from
// the trusted loopback proxy, the client address it appears to come from.
type browser struct {
	client *http.Client
	jar    *cookiejar.Jar
	// addr is sent as X-Forwarded-For when set; change it to move the browser.
	addr      string
	userAgent string
	hops      []*http.Response
}

// browserCount numbers browsers, so that each has its own user agent.
var browserCount atomic.Int64

// newBrowser returns a browser that reaches e's server whatever the host in the URL, follows
// redirects and remembers the redirect responses it followed.
func (e *env) newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	n := browserCount.Add(1)
	target := e.srv.Listener.Addr().String()
	dialer := &net.Dialer{}
	transport := &http.Transport{
		// Every host name reaches the server; an address (a test's identity provider on
		// 127.0.0.1) is dialled as it is.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if host, _, _ := net.SplitHostPort(addr); net.ParseIP(host) == nil {
				addr = target
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(transport.CloseIdleConnections)
	b := &browser{jar: jar, userAgent: fmt.Sprintf("latchkey-test/1.0 (browser %d)", n)}
	b.client = &http.Client{
		Transport: transport,
		Jar:       jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("too many redirects")
			}
			b.hops = append(b.hops, req.Response)
			return nil
		},
	}
	return b
}

// response is what a browser got, after following redirects.
type response struct {
	Status int
	URL    *url.URL // the final address
	Header http.Header
	Body   string
	Doc    *html.Node
	Hops   []*http.Response // the redirect responses followed, first first
}

// do sends req with the browser's user agent and address, and reads the final response.
func (b *browser) do(t *testing.T, req *http.Request) *response {
	t.Helper()
	req.Header.Set("User-Agent", b.userAgent)
	if b.addr != "" {
		req.Header.Set("X-Forwarded-For", b.addr)
	}
	b.hops = nil
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	r := &response{Status: res.StatusCode, URL: res.Request.URL, Header: res.Header, Body: string(body), Hops: b.hops}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		r.Doc, err = html.Parse(strings.NewReader(r.Body))
		if err != nil {
			t.Fatalf("%s %s: parse page: %v", req.Method, req.URL, err)
		}
	}
	return r
}

// get loads a page.
func (b *browser) get(t *testing.T, u string) *response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.do(t, req)
}

// post submits fields to u as a browser submits a form of u's own origin.
func (b *browser) post(t *testing.T, u string, fields url.Values) *response {
	t.Helper()
	req := formRequest(t, u, fields)
	req.Header.Set("Origin", req.URL.Scheme+"://"+req.URL.Host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(t, req)
}

// formRequest builds a POST of fields to u with no origin headers.
func formRequest(t *testing.T, u string, fields url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader(fields.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// csrf loads page and returns the form token it carries.
func (b *browser) csrf(t *testing.T, page string) string {
	t.Helper()
	r := b.get(t, page)
	tok := r.csrf()
	if tok == "" {
		t.Fatalf("GET %s (%d, at %s): no csrf field", page, r.Status, r.URL)
	}
	return tok
}

// submit does what a person does with a form: load page, fill in fields, and send them with
// the page's form token to action.
func (b *browser) submit(t *testing.T, page, action string, fields url.Values) *response {
	t.Helper()
	tok := b.csrf(t, page)
	all := url.Values{"csrf": {tok}}
	for k, v := range fields {
		all[k] = v
	}
	return b.post(t, action, all)
}

// login signs in to the workspace with this slug through its sign-in page.
func (b *browser) login(t *testing.T, e *env, slug, email, pw string) *response {
	t.Helper()
	return b.submit(t, e.url(slug, "/login"), e.url(slug, "/login"), url.Values{"email": {email}, "password": {pw}})
}

// mustLogin signs in and fails the test unless the dashboard loads. It returns the session
// cookie's value.
func (b *browser) mustLogin(t *testing.T, e *env, slug, email, pw string) string {
	t.Helper()
	r := b.login(t, e, slug, email, pw)
	if r.Status != http.StatusOK || r.URL.Path != "/dashboard" {
		t.Fatalf("sign in as %s: %d at %s, alert %q", email, r.Status, r.URL, r.alert())
	}
	c := r.setCookie("latchkey_session")
	if c == nil {
		t.Fatalf("sign in as %s: no session cookie", email)
	}
	return c.Value
}

// cookie returns the value of the named cookie the browser would send to u, or "".
func (b *browser) cookie(t *testing.T, u, name string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range b.jar.Cookies(pu) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// headers returns the headers of the redirects followed and of the final response, in order.
func (r *response) headers() []http.Header {
	hs := make([]http.Header, 0, len(r.Hops)+1)
	for _, h := range r.Hops {
		hs = append(hs, h.Header)
	}
	return append(hs, r.Header)
}

// setCookie returns the last Set-Cookie for name in the redirects and the final response, or nil.
func (r *response) setCookie(name string) *http.Cookie {
	var found *http.Cookie
	for _, h := range r.headers() {
		for _, line := range h.Values("Set-Cookie") {
			if c, err := http.ParseSetCookie(line); err == nil && c.Name == name {
				found = c
			}
		}
	}
	return found
}

// setCookieLine returns the raw last Set-Cookie header for name, or "".
func (r *response) setCookieLine(name string) string {
	var found string
	for _, h := range r.headers() {
		for _, line := range h.Values("Set-Cookie") {
			if strings.HasPrefix(line, name+"=") {
				found = line
			}
		}
	}
	return found
}

// find returns the elements of the page for which match holds, in document order.
func (r *response) find(match func(*html.Node) bool) []*html.Node {
	if r.Doc == nil {
		return nil
	}
	var found []*html.Node
	for n := range r.Doc.Descendants() {
		if n.Type == html.ElementNode && match(n) {
			found = append(found, n)
		}
	}
	return found
}

// attr returns the value of n's attribute key, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hasAttr reports whether n has the attribute key.
func hasAttr(n *html.Node, key string) bool {
	return slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == key })
}

// text returns the text inside n with runs of white space made single spaces.
func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// texts returns the text of each element matching the tag (and, when set, the class).
func (r *response) texts(tag, class string) []string {
	var out []string
	for _, n := range r.find(func(n *html.Node) bool {
		return n.Data == tag && (class == "" || slices.Contains(strings.Fields(attr(n, "class")), class))
	}) {
		out = append(out, text(n))
	}
	return out
}

// roleText returns the text of the first element with this ARIA role, or "".
func (r *response) roleText(role string) string {
	if ns := r.find(func(n *html.Node) bool { return attr(n, "role") == role }); len(ns) > 0 {
		return text(ns[0])
	}
	return ""
}

// alert is the error message of the page's form.
func (r *response) alert() string { return r.roleText("alert") }

// notice is the success message of the page.
func (r *response) notice() string { return r.roleText("status") }

// heading is the text of the page's first h1.
func (r *response) heading() string {
	if hs := r.texts("h1", ""); len(hs) > 0 {
		return hs[0]
	}
	return ""
}

// text is the whole visible text of the page.
func (r *response) text() string {
	if r.Doc == nil {
		return r.Body
	}
	return text(r.Doc)
}

// input returns the input named name, or nil.
func (r *response) input(name string) *html.Node {
	if ns := r.find(func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == name }); len(ns) > 0 {
		return ns[0]
	}
	return nil
}

// csrf returns the value of the first csrf field, or "".
func (r *response) csrf() string {
	if n := r.input("csrf"); n != nil {
		return attr(n, "value")
	}
	return ""
}

// links returns the href of every link on the page.
func (r *response) links() []string {
	var out []string
	for _, n := range r.find(func(n *html.Node) bool { return n.Data == "a" }) {
		out = append(out, attr(n, "href"))
	}
	return out
}

// signedIn reports whether the browser reaches the workspace's dashboard.
func (b *browser) signedIn(t *testing.T, e *env, slug string) bool {
	t.Helper()
	r := b.get(t, e.url(slug, "/dashboard"))
	switch {
	case r.Status == http.StatusOK && r.URL.Path == "/dashboard":
		return true
	case r.Status == http.StatusOK && r.URL.Path == "/login":
		return false
	}
	t.Fatalf("GET /dashboard: %d at %s", r.Status, r.URL)
	return false
}

// wantPage fails the test unless r has the status and the final path.
func wantPage(t *testing.T, r *response, status int, path string) {
	t.Helper()
	if r.Status != status || r.URL.Path != path {
		t.Fatalf("got %d at %s (alert %q), want %d at %s", r.Status, r.URL, r.alert(), status, path)
	}
}

// noSession fails the test if r set a session cookie with a value.
func noSession(t *testing.T, r *response) {
	t.Helper()
	if c := r.setCookie("latchkey_session"); c != nil && c.Value != "" {
		t.Fatalf("a session cookie was set: %s", r.setCookieLine("latchkey_session"))
	}
}
