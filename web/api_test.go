package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/webtest"
	"github.com/latchkey/latchkey/signin"
	"golang.org/x/net/html"
)

// apiCall is one API request: by the browser's cookies unless token is set (then as
// "Authorization: Bearer token"), with csrf as X-CSRF-Token and body as JSON when set.
type apiCall struct {
	method, url string
	token       string
	auth        string // a whole Authorization header, instead of token
	csrf        string
	body        any
}

// apiResult is the API's answer: its status, headers and the decoded JSON body.
type apiResult struct {
	Status int
	Header http.Header
	JSON   map[string]any
	Raw    string
}

func (r apiResult) str(key string) string { s, _ := r.JSON[key].(string); return s }

func (r apiResult) items() []map[string]any {
	raw, _ := r.JSON["items"].([]any)
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i], _ = v.(map[string]any)
	}
	return out
}

func (b *browser) api(t *testing.T, c apiCall) apiResult {
	t.Helper()
	var body *bytes.Reader
	switch v := c.body.(type) {
	case nil:
		body = bytes.NewReader(nil)
	case string:
		body = bytes.NewReader([]byte(v))
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	method := c.method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(t.Context(), method, c.url, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	res := b.Do(t, req)
	out := apiResult{Status: res.Status, Header: res.Header, Raw: res.Body}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q, want application/json; body %q", method, c.url, ct, res.Body)
	}
	if err := json.Unmarshal([]byte(res.Body), &out.JSON); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v: %q", method, c.url, err, res.Body)
	}
	return out
}

// wantAPIError fails unless r is the JSON error with this status and code (and message, when
// not "").
func wantAPIError(t *testing.T, what string, r apiResult, status int, code, message string) {
	t.Helper()
	if r.Status != status || r.str("code") != code || (message != "" && r.str("message") != message) {
		t.Fatalf("%s: %d %s, want %d with code %q message %q", what, r.Status, r.Raw, status, code, message)
	}
}

// createToken creates an API token on the admin page as the signed-in administrator and
// returns its secret, read from the page that shows it once.
func createToken(t *testing.T, e *env, b *browser, slug, name string, scope latchkey.APITokenScope) string {
	t.Helper()
	r := b.Submit(t, e.url(slug, "/admin/api-tokens"), e.url(slug, "/admin/api-tokens"), url.Values{"name": {name}, "scope": {string(scope)}})
	if r.Status != http.StatusOK || r.Notice() != latchkey.MsgAPITokenCreated {
		t.Fatalf("create token: %d, notice %q, alert %q", r.Status, r.Notice(), r.Alert())
	}
	ns := r.Find(func(n *html.Node) bool { return webtest.Attr(n, "id") == "api-token-secret" })
	if len(ns) != 1 || !strings.HasPrefix(webtest.Text(ns[0]), latchkey.APITokenPrefix) {
		t.Fatalf("the page does not show the new token")
	}
	return webtest.Text(ns[0])
}

func TestAPIMeByCookieAndByToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", a.admin.Email, goodPassword)

	r := admin.api(t, apiCall{url: e.url("acme", "/api/v1/me")})
	want := map[string]any{"id": a.admin.ID, "email": a.admin.Email, "name": a.admin.Name, "role": "admin", "two_factor": false,
		"workspace": map[string]any{"id": a.ws.ID, "slug": "acme", "name": "Acme"}, "via": "session"}
	if r.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/me by cookie: %d %s", r.Status, r.Raw)
	}
	if diff := cmp.Diff(want, r.JSON); diff != "" {
		t.Fatalf("/api/v1/me by cookie (-want +got):\n%s", diff)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control = %q", cc)
	}

	secret := createToken(t, e, admin, "acme", "Asset sync", latchkey.ScopeRead)
	machine := e.newBrowser(t)
	r = machine.api(t, apiCall{url: e.url("acme", "/api/v1/me"), token: secret})
	tokens, err := e.store.APITokens(t.Context(), a.ws.ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("APITokens = %v, %v", tokens, err)
	}
	want["via"] = "token"
	want["token"] = map[string]any{"id": tokens[0].ID, "name": "Asset sync", "scope": "read"}
	if diff := cmp.Diff(want, r.JSON); diff != "" {
		t.Fatalf("/api/v1/me by token (-want +got):\n%s", diff)
	}
	if got := r.Header.Values("Set-Cookie"); len(got) != 0 {
		t.Fatalf("a token request set cookies: %q", got)
	}

	// Signed out: a JSON 401 with the bearer challenge, and no redirect to a sign-in page.
	anon := e.newBrowser(t)
	r = anon.api(t, apiCall{url: e.url("acme", "/api/v1/me")})
	wantAPIError(t, "no credentials", r, http.StatusUnauthorized, latchkey.CodeUnauthorized, latchkey.MsgAPIUnauthorized)
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	// A bearer request never falls back to the browser's session cookie.
	r = admin.api(t, apiCall{url: e.url("acme", "/api/v1/me"), token: latchkey.APITokenPrefix + "wrong"})
	wantAPIError(t, "bad token beside a live session cookie", r, http.StatusUnauthorized, latchkey.CodeUnauthorized, "")
	r = admin.api(t, apiCall{url: e.url("acme", "/api/v1/me"), auth: "Basic YWRtaW46cHc="})
	wantAPIError(t, "Basic authorization beside a session cookie", r, http.StatusUnauthorized, latchkey.CodeUnauthorized, "")
	// An unknown workspace, and an unknown API path, answer JSON too.
	r = anon.api(t, apiCall{url: e.url("nope", "/api/v1/me")})
	wantAPIError(t, "unknown workspace", r, http.StatusNotFound, latchkey.CodeNotFound, latchkey.MsgNotFound)
	r = admin.api(t, apiCall{url: e.url("acme", "/api/v1/nothing")})
	wantAPIError(t, "unknown path", r, http.StatusNotFound, latchkey.CodeNotFound, latchkey.MsgNotFound)
}

func TestAPITokenStoredHashedAuditedAndRevoked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", a.admin.Email, goodPassword)
	secret := createToken(t, e, admin, "acme", "Sync", latchkey.ScopeReadWrite)

	tokens, err := e.store.APITokens(t.Context(), a.ws.ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("APITokens = %v, %v", tokens, err)
	}
	tok := tokens[0]
	if tok.Hash != latchkey.HashSecret(secret) || strings.Contains(tok.Hash, secret) || tok.Hint != secret[len(secret)-4:] {
		t.Fatalf("stored token %+v: want only the SHA-256 of the secret and its last four characters", tok)
	}
	if tok.AccountID != a.admin.ID || tok.CreatedBy != a.admin.ID || tok.Scope != latchkey.ScopeReadWrite {
		t.Fatalf("stored token %+v", tok)
	}
	if evs := e.events(t, a.ws, latchkey.EventAPITokenCreate); len(evs) != 1 || evs[0].ActorID != a.admin.ID || !strings.Contains(evs[0].Detail, "Sync") {
		t.Fatalf("create events = %+v", evs)
	}
	// The secret is shown once: the page afterwards lists the token without it.
	if r := admin.Get(t, e.url("acme", "/admin/api-tokens")); strings.Contains(r.Body, secret) || !strings.Contains(r.Text(), "Sync") {
		t.Fatalf("the tokens page shows the secret again, or not the token")
	}

	machine := e.newBrowser(t)
	machine.Addr = "198.51.100.7"
	if r := machine.api(t, apiCall{url: e.url("acme", "/api/v1/me"), token: secret}); r.Status != http.StatusOK {
		t.Fatalf("use: %d %s", r.Status, r.Raw)
	}
	tok, err = e.store.APIToken(t.Context(), a.ws.ID, tok.ID)
	if err != nil || !tok.LastUsedAt.Equal(e.clock.Now()) || tok.LastUsedIP != "198.51.100.7" {
		t.Fatalf("after a use: %+v, %v; want last use recorded", tok, err)
	}

	r := admin.Submit(t, e.url("acme", "/admin/api-tokens"), e.url("acme", "/admin/api-tokens/"+tok.ID+"/revoke"), nil)
	if r.Status != http.StatusOK || !strings.Contains(r.Notice(), "is revoked") {
		t.Fatalf("revoke: %d notice %q alert %q", r.Status, r.Notice(), r.Alert())
	}
	if evs := e.events(t, a.ws, latchkey.EventAPITokenRevoke); len(evs) != 1 || evs[0].ActorID != a.admin.ID {
		t.Fatalf("revoke events = %+v", evs)
	}
	got := machine.api(t, apiCall{url: e.url("acme", "/api/v1/me"), token: secret})
	wantAPIError(t, "revoked token", got, http.StatusUnauthorized, latchkey.CodeUnauthorized, latchkey.MsgAPIUnauthorized)
	evs := e.events(t, a.ws, latchkey.EventAPITokenRefused)
	if len(evs) != 1 || !strings.HasPrefix(evs[0].Detail, "revoked token Sync") || evs[0].ClientAddr != "198.51.100.7" {
		t.Fatalf("refusal events = %+v", evs)
	}
	// Revoking again: there is no live token with that ID.
	if r := admin.Submit(t, e.url("acme", "/admin/api-tokens"), e.url("acme", "/admin/api-tokens/"+tok.ID+"/revoke"), nil); r.Status != http.StatusNotFound {
		t.Fatalf("second revoke: %d", r.Status)
	}
}

func TestAPITokenRefusedOutsideItsWorkspaceOrAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	globex, gadmin, _ := e.createWorkspace(t, "globex", "Globex")
	e.activate(t, gadmin, goodPassword)
	g := e.newBrowser(t)
	g.mustLogin(t, e, "globex", gadmin.Email, goodPassword)
	secret := createToken(t, e, g, "globex", "Globex sync", latchkey.ScopeReadWrite)

	machine := e.newBrowser(t)
	r := machine.api(t, apiCall{url: e.url("acme", "/api/v1/me"), token: secret})
	wantAPIError(t, "globex token on acme", r, http.StatusUnauthorized, latchkey.CodeUnauthorized, latchkey.MsgAPIUnauthorized)
	if evs := e.events(t, a.ws, latchkey.EventAPITokenRefused); len(evs) != 1 || evs[0].Detail != "unknown token" {
		t.Fatalf("acme refusal events = %+v", evs)
	}
	r = machine.api(t, apiCall{url: e.url("acme", "/api/v1/requests"), token: secret})
	wantAPIError(t, "globex token lists acme requests", r, http.StatusUnauthorized, latchkey.CodeUnauthorized, "")

	// The token acts as its administrator: once they are a member, it stops working.
	if r := machine.api(t, apiCall{url: e.url("globex", "/api/v1/me"), token: secret}); r.Status != http.StatusOK {
		t.Fatalf("own workspace: %d %s", r.Status, r.Raw)
	}
	e.member(t, globex, "second@globex.example", latchkey.RoleAdmin, goodPassword)
	other, err := e.store.AccountByEmail(t.Context(), globex.ID, "second@globex.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.adm.ChangeMemberRole(t.Context(), admin.MemberAction{Workspace: globex, AccountID: gadmin.ID, Actor: latchkey.AdminActor(other)}, latchkey.RoleMember); err != nil {
		t.Fatal(err)
	}
	r = machine.api(t, apiCall{url: e.url("globex", "/api/v1/me"), token: secret})
	wantAPIError(t, "token of a demoted administrator", r, http.StatusUnauthorized, latchkey.CodeUnauthorized, "")
	if evs := e.events(t, globex, latchkey.EventAPITokenRefused); len(evs) != 1 || !strings.Contains(evs[0].Detail, "no longer an active administrator") {
		t.Fatalf("globex refusal events = %+v", evs)
	}
}

func TestAPITokenScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", a.admin.Email, goodPassword)
	read := createToken(t, e, admin, "acme", "Reader", latchkey.ScopeRead)
	write := createToken(t, e, admin, "acme", "Writer", latchkey.ScopeReadWrite)
	machine := e.newBrowser(t)
	open := map[string]any{"title": "New monitor", "description": "27 inch", "category": "hardware"}

	r := machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests"), token: read, body: open})
	wantAPIError(t, "read token opens a request", r, http.StatusForbidden, latchkey.CodeForbidden, latchkey.MsgAPIReadOnly)
	if evs := e.events(t, a.ws, latchkey.EventAPITokenRefused); len(evs) != 1 || !strings.Contains(evs[0].Detail, "read-only token used for POST /api/v1/requests") {
		t.Fatalf("refusal events = %+v", evs)
	}
	if rs, _ := e.store.ListRequests(t.Context(), a.ws.ID, latchkey.RequestFilter{}); len(rs) != 0 {
		t.Fatalf("a read token opened a request: %+v", rs)
	}
	if r := machine.api(t, apiCall{url: e.url("acme", "/api/v1/requests"), token: read}); r.Status != http.StatusOK {
		t.Fatalf("read token lists requests: %d %s", r.Status, r.Raw)
	}

	r = machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests"), token: write, body: open})
	if r.Status != http.StatusCreated || r.str("title") != "New monitor" || r.str("requester_id") != a.admin.ID || r.str("status") != "open" {
		t.Fatalf("write token opens a request: %d %s", r.Status, r.Raw)
	}
	id := r.str("id")
	if loc := r.Header.Get("Location"); loc != "/api/v1/requests/"+id {
		t.Fatalf("Location = %q", loc)
	}
	r = machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests/"+id+"/status"), token: read, body: map[string]any{"status": "resolved"}})
	wantAPIError(t, "read token changes a status", r, http.StatusForbidden, latchkey.CodeForbidden, latchkey.MsgAPIReadOnly)
	r = machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests/"+id+"/status"), token: write, body: map[string]any{"status": "in_progress"}})
	if r.Status != http.StatusOK || r.str("status") != "in_progress" {
		t.Fatalf("write token changes the status: %d %s", r.Status, r.Raw)
	}
	r = machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests/"+id+"/assignee"), token: write, body: map[string]any{"assignee_id": a.admin.ID}})
	if r.Status != http.StatusOK || r.str("assignee_id") != a.admin.ID {
		t.Fatalf("write token assigns: %d %s", r.Status, r.Raw)
	}
	r = machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests/"+id+"/comments"), token: write, body: map[string]any{"body": "Ordered."}})
	if r.Status != http.StatusCreated || r.str("body") != "Ordered." || r.str("author_id") != a.admin.ID {
		t.Fatalf("write token comments: %d %s", r.Status, r.Raw)
	}
	r = machine.api(t, apiCall{url: e.url("acme", "/api/v1/requests/"+id), token: read})
	if cs, _ := r.JSON["comments"].([]any); r.Status != http.StatusOK || len(cs) != 1 {
		t.Fatalf("read token gets the request with its comment: %d %s", r.Status, r.Raw)
	}
}

func TestAPICookieWritesNeedTheFormToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	bob := e.newBrowser(t)
	bob.mustLogin(t, e, "acme", a.member.Email, goodPassword)
	open := map[string]any{"title": "VPN access", "category": "access"}

	r := bob.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests"), body: open})
	wantAPIError(t, "cookie write without X-CSRF-Token", r, http.StatusForbidden, latchkey.CodeForbidden, latchkey.MsgAPICSRF)
	r = bob.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests"), body: open, csrf: "forged"})
	wantAPIError(t, "cookie write with a wrong token", r, http.StatusForbidden, latchkey.CodeForbidden, latchkey.MsgAPICSRF)
	// Another member's form token does not do either.
	carol := e.newBrowser(t)
	e.member(t, a.ws, "carol@acme.example", latchkey.RoleMember, goodPassword)
	carol.mustLogin(t, e, "acme", "carol@acme.example", goodPassword)
	r = bob.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests"), body: open, csrf: carol.CSRF(t, e.url("acme", "/requests/new"))})
	wantAPIError(t, "cookie write with another session's token", r, http.StatusForbidden, latchkey.CodeForbidden, latchkey.MsgAPICSRF)

	tok := bob.CSRF(t, e.url("acme", "/requests/new"))
	r = bob.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests"), body: open, csrf: tok})
	if r.Status != http.StatusCreated || r.str("requester_id") != a.member.ID {
		t.Fatalf("cookie write with the form token: %d %s", r.Status, r.Raw)
	}
	// The body must be a JSON object of known fields.
	r = bob.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests"), body: "title=x", csrf: tok})
	wantAPIError(t, "not JSON", r, http.StatusBadRequest, latchkey.CodeInvalid, latchkey.MsgAPIJSONRequired)
	r = bob.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests"), body: map[string]any{"title": "x", "category": "other", "requester_id": "someone"}, csrf: tok})
	wantAPIError(t, "unknown field", r, http.StatusBadRequest, latchkey.CodeInvalid, latchkey.MsgAPIJSONRequired)
	r = bob.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests"), body: map[string]any{"title": "", "category": "other"}, csrf: tok})
	wantAPIError(t, "empty title", r, http.StatusBadRequest, latchkey.CodeInvalid, latchkey.MsgRequestTitleRequired)
	if r.str("field") != "title" {
		t.Fatalf("field = %q, want title", r.str("field"))
	}
}

func TestAPIAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	ctx := t.Context()
	carolAcct := e.member(t, a.ws, "carol@acme.example", latchkey.RoleMember, goodPassword)
	laptop := latchkey.Hardware{ID: latchkey.NewID(), WorkspaceID: a.ws.ID, Name: "ThinkPad", AssetTag: "LT-1", Type: latchkey.HardwareLaptop,
		Status: latchkey.HardwareAssigned, AssignedTo: a.member.ID, CreatedAt: start, UpdatedAt: start}
	phone := latchkey.Hardware{ID: latchkey.NewID(), WorkspaceID: a.ws.ID, Name: "Pixel", AssetTag: "PH-1", Type: latchkey.HardwarePhone,
		Status: latchkey.HardwareInStock, CreatedAt: start, UpdatedAt: start}
	for _, h := range []latchkey.Hardware{laptop, phone} {
		if err := e.store.CreateHardware(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	office := latchkey.Software{ID: latchkey.NewID(), WorkspaceID: a.ws.ID, Name: "Office", Seats: 5, Assignees: []string{carolAcct.ID}, CreatedAt: start, UpdatedAt: start}
	if err := e.store.CreateSoftware(ctx, office); err != nil {
		t.Fatal(err)
	}

	bob, carol, admin := e.newBrowser(t), e.newBrowser(t), e.newBrowser(t)
	bob.mustLogin(t, e, "acme", a.member.Email, goodPassword)
	carol.mustLogin(t, e, "acme", carolAcct.Email, goodPassword)
	admin.mustLogin(t, e, "acme", a.admin.Email, goodPassword)
	bobTok := bob.CSRF(t, e.url("acme", "/requests/new"))
	r := bob.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests"), body: map[string]any{"title": "Bob's", "category": "other"}, csrf: bobTok})
	if r.Status != http.StatusCreated {
		t.Fatalf("open: %d %s", r.Status, r.Raw)
	}
	bobsRequest := r.str("id")
	carolTok := carol.CSRF(t, e.url("acme", "/requests/new"))

	// Hardware: a member sees only what is assigned to them, whatever the filter says.
	r = bob.api(t, apiCall{url: e.url("acme", "/api/v1/hardware?assigned_to="+carolAcct.ID)})
	if items := r.items(); r.Status != http.StatusOK || len(items) != 1 || items[0]["id"] != laptop.ID {
		t.Fatalf("bob's hardware: %d %s", r.Status, r.Raw)
	}
	wantAPIError(t, "carol reads bob's laptop", carol.api(t, apiCall{url: e.url("acme", "/api/v1/hardware/"+laptop.ID)}), http.StatusNotFound, latchkey.CodeNotFound, latchkey.MsgNotFound)
	wantAPIError(t, "bob reads the phone in stock", bob.api(t, apiCall{url: e.url("acme", "/api/v1/hardware/"+phone.ID)}), http.StatusNotFound, latchkey.CodeNotFound, "")
	if r := admin.api(t, apiCall{url: e.url("acme", "/api/v1/hardware?status=in_stock")}); len(r.items()) != 1 || r.items()[0]["id"] != phone.ID {
		t.Fatalf("admin filters hardware: %s", r.Raw)
	}
	r = admin.api(t, apiCall{url: e.url("acme", "/api/v1/hardware?status=lost")})
	wantAPIError(t, "unknown status filter", r, http.StatusBadRequest, latchkey.CodeInvalid, latchkey.MsgHardwareStatusInvalid)
	wantAPIError(t, "bad page", admin.api(t, apiCall{url: e.url("acme", "/api/v1/hardware?page=0")}), http.StatusBadRequest, latchkey.CodeInvalid, latchkey.MsgAPIPageInvalid)

	// Software: a member sees only what they hold a seat of, and no licence key ever.
	if r := bob.api(t, apiCall{url: e.url("acme", "/api/v1/software")}); len(r.items()) != 0 {
		t.Fatalf("bob's software: %s", r.Raw)
	}
	wantAPIError(t, "bob reads carol's software", bob.api(t, apiCall{url: e.url("acme", "/api/v1/software/"+office.ID)}), http.StatusNotFound, latchkey.CodeNotFound, "")
	if r := carol.api(t, apiCall{url: e.url("acme", "/api/v1/software/"+office.ID)}); r.Status != http.StatusOK || r.JSON["seats_used"] != 1.0 || strings.Contains(r.Raw, `"licence_key"`) {
		t.Fatalf("carol's software: %d %s", r.Status, r.Raw)
	}

	// Requests: a member cannot read, comment on or change another's request by its ID.
	wantAPIError(t, "carol reads bob's request", carol.api(t, apiCall{url: e.url("acme", "/api/v1/requests/"+bobsRequest)}), http.StatusNotFound, latchkey.CodeNotFound, latchkey.MsgNotFound)
	wantAPIError(t, "carol comments on bob's request", carol.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests/"+bobsRequest+"/comments"), body: map[string]any{"body": "hi"}, csrf: carolTok}), http.StatusNotFound, latchkey.CodeNotFound, "")
	wantAPIError(t, "bob resolves his own request", bob.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/requests/"+bobsRequest+"/status"), body: map[string]any{"status": "resolved"}, csrf: bobTok}), http.StatusForbidden, latchkey.CodeForbidden, latchkey.MsgAdminOnly)
	if r := carol.api(t, apiCall{url: e.url("acme", "/api/v1/requests")}); len(r.items()) != 0 {
		t.Fatalf("carol lists requests: %s", r.Raw)
	}
	if r := bob.api(t, apiCall{url: e.url("acme", "/api/v1/requests")}); len(r.items()) != 1 {
		t.Fatalf("bob lists requests: %s", r.Raw)
	}
	if r := admin.api(t, apiCall{url: e.url("acme", "/api/v1/requests?status=open&category=other")}); len(r.items()) != 1 || r.items()[0]["id"] != bobsRequest {
		t.Fatalf("admin lists requests: %s", r.Raw)
	}

	// Nothing crosses workspaces: globex's administrator asks for acme's things by ID.
	globex, gadmin, _ := e.createWorkspace(t, "globex", "Globex")
	e.activate(t, gadmin, goodPassword)
	g := e.newBrowser(t)
	g.mustLogin(t, e, "globex", gadmin.Email, goodPassword)
	for _, p := range []string{"/api/v1/requests/" + bobsRequest, "/api/v1/hardware/" + laptop.ID, "/api/v1/software/" + office.ID} {
		wantAPIError(t, "globex admin GET "+p, g.api(t, apiCall{url: e.url("globex", p)}), http.StatusNotFound, latchkey.CodeNotFound, "")
	}
	for _, p := range []string{"/api/v1/requests", "/api/v1/hardware", "/api/v1/software"} {
		if r := g.api(t, apiCall{url: e.url("globex", p)}); r.Status != http.StatusOK || len(r.items()) != 0 {
			t.Fatalf("globex lists %s: %s", p, r.Raw)
		}
	}
	gTok := g.CSRF(t, e.url("globex", "/requests/new"))
	wantAPIError(t, "globex admin resolves acme's request", g.api(t, apiCall{method: "POST", url: e.url("globex", "/api/v1/requests/"+bobsRequest+"/status"), body: map[string]any{"status": "resolved"}, csrf: gTok}), http.StatusNotFound, latchkey.CodeNotFound, "")
	// acme's cookie is not sent to globex's host, and a globex session is no session on acme.
	if r := g.api(t, apiCall{url: e.url("acme", "/api/v1/me")}); r.Status != http.StatusUnauthorized {
		t.Fatalf("globex browser on acme: %d %s", r.Status, r.Raw)
	}
	_ = globex
}

func TestAPIPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	for i := range 51 {
		h := latchkey.Hardware{ID: latchkey.NewID(), WorkspaceID: a.ws.ID, Name: "Monitor", AssetTag: "MN-" + strconv.Itoa(100+i),
			Type: latchkey.HardwareMonitor, Status: latchkey.HardwareInStock, CreatedAt: start, UpdatedAt: start}
		if err := e.store.CreateHardware(t.Context(), h); err != nil {
			t.Fatal(err)
		}
	}
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", a.admin.Email, goodPassword)
	r := admin.api(t, apiCall{url: e.url("acme", "/api/v1/hardware")})
	if len(r.items()) != 50 || r.JSON["page"] != 1.0 || r.JSON["next_page"] != 2.0 {
		t.Fatalf("page 1: %d items, page %v, next %v", len(r.items()), r.JSON["page"], r.JSON["next_page"])
	}
	r = admin.api(t, apiCall{url: e.url("acme", "/api/v1/hardware?page=2")})
	if len(r.items()) != 1 || r.items()[0]["asset_tag"] != "MN-150" || r.JSON["next_page"] != nil {
		t.Fatalf("page 2: %s", r.Raw)
	}
}

func TestAPIBearerFailuresThrottledPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", a.admin.Email, goodPassword)
	secret := createToken(t, e, admin, "acme", "Sync", latchkey.ScopeRead)

	attacker := e.newBrowser(t)
	attacker.Addr = "203.0.113.66"
	for i := range signin.APIFailures {
		r := attacker.api(t, apiCall{url: e.url("acme", "/api/v1/me"), token: latchkey.APITokenPrefix + "guess" + strconv.Itoa(i)})
		if r.Status != http.StatusUnauthorized && !(i == signin.APIFailures-1 && r.Status == http.StatusTooManyRequests) {
			t.Fatalf("guess %d: %d %s", i, r.Status, r.Raw)
		}
	}
	// Counted before the check: even the right token is refused from that address now.
	r := attacker.api(t, apiCall{url: e.url("acme", "/api/v1/me"), token: secret})
	wantAPIError(t, "right token from a throttled address", r, http.StatusTooManyRequests, latchkey.CodeThrottled, latchkey.MsgTooManyAttempts)
	if r.Header.Get("Retry-After") == "" || r.JSON["retry_after"] == nil {
		t.Fatalf("throttled without Retry-After: %v %s", r.Header, r.Raw)
	}
	// Another address is not held back, and the right token does not count as a failure.
	other := e.newBrowser(t)
	other.Addr = "198.51.100.1"
	for range signin.APIFailures + 5 {
		if r := other.api(t, apiCall{url: e.url("acme", "/api/v1/me"), token: secret}); r.Status != http.StatusOK {
			t.Fatalf("right token from another address: %d %s", r.Status, r.Raw)
		}
	}
	e.clock.Advance(signin.APIWindow)
	if r := attacker.api(t, apiCall{url: e.url("acme", "/api/v1/me"), token: secret}); r.Status != http.StatusOK {
		t.Fatalf("after the window: %d %s", r.Status, r.Raw)
	}
}

func TestAPIRequires2FAWhereTheWorkspaceDoes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	bob := e.newBrowser(t)
	bob.mustLogin(t, e, "acme", a.member.Email, goodPassword)
	e.switchPolicy(t, a.ws, a.admin, admin.PolicySwitches{Require2FA: new(true)})
	r := bob.api(t, apiCall{url: e.url("acme", "/api/v1/me")})
	wantAPIError(t, "member without 2FA", r, http.StatusForbidden, latchkey.CodeForbidden, latchkey.MsgAPITwoFactorNeeded)
}

func TestAPIInventoryAdminActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	admin, bob := e.newBrowser(t), e.newBrowser(t)
	admin.mustLogin(t, e, "acme", a.admin.Email, goodPassword)
	bob.mustLogin(t, e, "acme", a.member.Email, goodPassword)
	write := createToken(t, e, admin, "acme", "Sync", latchkey.ScopeReadWrite)
	read := createToken(t, e, admin, "acme", "Reader", latchkey.ScopeRead)
	machine := e.newBrowser(t)
	laptop := map[string]any{"name": "ThinkPad X1", "asset_tag": "LT-7", "type": "laptop", "serial": "S1"}

	r := machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/hardware"), token: write, body: laptop})
	if r.Status != http.StatusCreated || r.str("status") != "in_stock" || r.str("asset_tag") != "LT-7" {
		t.Fatalf("add hardware: %d %s", r.Status, r.Raw)
	}
	id := r.str("id")
	r = machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/hardware"), token: write, body: laptop})
	wantAPIError(t, "same asset tag", r, http.StatusConflict, latchkey.CodeConflict, "")
	if r.str("field") != "asset_tag" {
		t.Fatalf("conflict field = %q", r.str("field"))
	}
	bobTok := bob.CSRF(t, e.url("acme", "/requests/new"))
	r = bob.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/hardware"), csrf: bobTok, body: map[string]any{"name": "Mine", "asset_tag": "LT-8", "type": "laptop"}})
	wantAPIError(t, "member adds hardware", r, http.StatusForbidden, latchkey.CodeForbidden, latchkey.MsgAdminOnly)
	r = bob.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/hardware/"+id+"/assignee"), csrf: bobTok, body: map[string]any{"account_id": a.member.ID}})
	wantAPIError(t, "member assigns hardware to themselves", r, http.StatusForbidden, latchkey.CodeForbidden, latchkey.MsgAdminOnly)

	r = machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/hardware/"+id+"/assignee"), token: write, body: map[string]any{"account_id": a.member.ID}})
	if r.Status != http.StatusOK || r.str("assigned_to") != a.member.ID || r.str("status") != "assigned" {
		t.Fatalf("assign: %d %s", r.Status, r.Raw)
	}
	if r := bob.api(t, apiCall{url: e.url("acme", "/api/v1/hardware/"+id)}); r.Status != http.StatusOK {
		t.Fatalf("bob reads his laptop: %d %s", r.Status, r.Raw)
	}
	r = machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/hardware/"+id+"/assignee"), token: write, body: map[string]any{"account_id": ""}})
	if r.Status != http.StatusOK || r.str("assigned_to") != "" || r.str("status") != "in_stock" {
		t.Fatalf("unassign: %d %s", r.Status, r.Raw)
	}
	r = machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/hardware/"+id+"/status"), token: write, body: map[string]any{"status": "in_repair"}})
	if r.Status != http.StatusOK || r.str("status") != "in_repair" {
		t.Fatalf("status: %d %s", r.Status, r.Raw)
	}
	wantAPIError(t, "bad status", machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/hardware/"+id+"/status"), token: write, body: map[string]any{"status": "lost"}}),
		http.StatusBadRequest, latchkey.CodeInvalid, latchkey.MsgHardwareStatusInvalid)
	if evs := e.events(t, a.ws, latchkey.EventHardwareAssign); len(evs) != 1 || evs[0].ActorID != a.admin.ID {
		t.Fatalf("assign events = %+v: a token's changes are audited as its administrator's", evs)
	}

	office := latchkey.Software{ID: latchkey.NewID(), WorkspaceID: a.ws.ID, Name: "Office", Seats: 1, CreatedAt: start, UpdatedAt: start}
	if err := e.store.CreateSoftware(t.Context(), office); err != nil {
		t.Fatal(err)
	}
	r = machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/software/"+office.ID+"/seats"), token: write, body: map[string]any{"account_id": a.member.ID}})
	if r.Status != http.StatusOK || r.JSON["seats_used"] != 1.0 {
		t.Fatalf("seat: %d %s", r.Status, r.Raw)
	}
	r = machine.api(t, apiCall{method: "POST", url: e.url("acme", "/api/v1/software/"+office.ID+"/seats"), token: write, body: map[string]any{"account_id": a.admin.ID}})
	wantAPIError(t, "no seats left", r, http.StatusConflict, latchkey.CodeConflict, latchkey.MsgNoSeatsLeft)
	seat := e.url("acme", "/api/v1/software/"+office.ID+"/seats/"+a.member.ID)
	wantAPIError(t, "read token frees a seat", machine.api(t, apiCall{method: "DELETE", url: seat, token: read}), http.StatusForbidden, latchkey.CodeForbidden, latchkey.MsgAPIReadOnly)
	if r := machine.api(t, apiCall{method: "DELETE", url: seat, token: write}); r.Status != http.StatusOK || r.JSON["seats_used"] != 0.0 {
		t.Fatalf("free seat: %d %s", r.Status, r.Raw)
	}
	wantAPIError(t, "free it again", machine.api(t, apiCall{method: "DELETE", url: seat, token: write}), http.StatusNotFound, latchkey.CodeNotFound, "")
}

func TestAPICrossSiteWriteRefusedAsJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	bob := e.newBrowser(t)
	bob.mustLogin(t, e, "acme", a.member.Email, goodPassword)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.url("acme", "/api/v1/requests"), strings.NewReader(`{"title":"x","category":"other"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res := bob.Do(t, req)
	if res.Status != http.StatusForbidden || res.Header.Get("Content-Type") != "application/json" || !strings.Contains(res.Body, `"code":"forbidden"`) {
		t.Fatalf("cross-site POST: %d %s %s", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
}

func TestAPITokensPageIsForAdministrators(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	admin, bob := e.newBrowser(t), e.newBrowser(t)
	admin.mustLogin(t, e, "acme", a.admin.Email, goodPassword)
	bob.mustLogin(t, e, "acme", a.member.Email, goodPassword)
	if r := bob.Get(t, e.url("acme", "/admin/api-tokens")); r.Status != http.StatusNotFound {
		t.Fatalf("member GET /admin/api-tokens: %d", r.Status)
	}
	if r := bob.Submit(t, e.url("acme", "/requests/new"), e.url("acme", "/admin/api-tokens"), url.Values{"name": {"Mine"}}); r.Status != http.StatusNotFound {
		t.Fatalf("member POST /admin/api-tokens: %d", r.Status)
	}
	r := admin.Submit(t, e.url("acme", "/admin/api-tokens"), e.url("acme", "/admin/api-tokens"), url.Values{"name": {"Sync"}, "scope": {"admin"}})
	if r.Status != http.StatusBadRequest || r.Alert() != latchkey.MsgAPIScopeInvalid || webtest.Attr(r.Input("name"), "value") != "Sync" {
		t.Fatalf("bad scope: %d alert %q", r.Status, r.Alert())
	}
	if ts, _ := e.store.APITokens(t.Context(), a.ws.ID); len(ts) != 0 {
		t.Fatalf("tokens stored by refused requests: %+v", ts)
	}
	// A form without its token creates nothing.
	if r := admin.Post(t, e.url("acme", "/admin/api-tokens"), url.Values{"name": {"Sync"}}); r.Status != http.StatusForbidden {
		t.Fatalf("create without the form token: %d", r.Status)
	}
	if ts, _ := e.store.APITokens(t.Context(), a.ws.ID); len(ts) != 0 {
		t.Fatalf("tokens stored by refused requests: %+v", ts)
	}
}
