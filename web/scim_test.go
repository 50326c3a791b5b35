package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/webtest"
	"github.com/latchkey/latchkey/signin"
)

// scimClient is an identity provider calling a workspace's SCIM endpoint through the real
// router, with a bearer token, from a client address of its own.
type scimClient struct {
	e     *env
	b     *browser
	slug  string
	token string
}

// newSCIMClient creates a token named name for ws and returns a client that uses it.
func (e *env) newSCIMClient(t *testing.T, ws latchkey.Workspace, name string) *scimClient {
	t.Helper()
	secret, _, err := e.scim.CreateToken(t.Context(), ws.ID, name, "")
	if err != nil {
		t.Fatalf("create scim token: %v", err)
	}
	b := e.newBrowser(t)
	b.Addr = "198.51.100.7"
	return &scimClient{e: e, b: b, slug: ws.Slug, token: secret}
}

// scimResponse is a decoded SCIM answer.
type scimResponse struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends a SCIM request: body (if not nil) as application/scim+json.
func (c *scimClient) do(t *testing.T, method, path string, body any) *scimResponse {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, c.e.url(c.slug, "/scim/v2"+path), rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	r := c.b.Do(t, req)
	out := &scimResponse{status: r.Status, header: r.Header, raw: r.Body}
	if strings.TrimSpace(r.Body) != "" {
		if err := json.Unmarshal([]byte(r.Body), &out.body); err != nil {
			t.Fatalf("%s %s: %d, body is not JSON: %q", method, path, r.Status, r.Body)
		}
	}
	return out
}

// want fails the test unless the status is status.
func (r *scimResponse) want(t *testing.T, status int) *scimResponse {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// wantError fails the test unless r is a SCIM error with this status.
func (r *scimResponse) wantError(t *testing.T, status int) *scimResponse {
	t.Helper()
	r.want(t, status)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
		t.Fatalf("Content-Type=%q, want application/scim+json", ct)
	}
	if s, _ := r.body["schemas"].([]any); len(s) != 1 || s[0] != "urn:ietf:params:scim:api:messages:2.0:Error" || r.body["status"] != strconv.Itoa(status) {
		t.Fatalf("not a SCIM error of status %d: %s", status, r.raw)
	}
	return r
}

// str returns the value at a dotted path (list items by index) as a string.
func (r *scimResponse) str(path string) string {
	var v any = r.body
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(x) {
				return ""
			}
			v = x[i]
		default:
			return ""
		}
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// ids returns the ids of a list response's Resources.
func (r *scimResponse) ids() []string {
	var out []string
	rs, _ := r.body["Resources"].([]any)
	for _, x := range rs {
		out = append(out, fmt.Sprint(x.(map[string]any)["id"]))
	}
	return out
}

// byID returns the element with this id, or nil.
func byID(r *webtest.Response, id string) *html.Node {
	if ns := r.Find(func(n *html.Node) bool { return webtest.Attr(n, "id") == id }); len(ns) > 0 {
		return ns[0]
	}
	return nil
}

func scimPatch(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": ops}
}

func scimOp(o, path string, value any) map[string]any {
	m := map[string]any{"op": o}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}

// seedSCIM is acme with its domain acme.example approved, as SCIM needs.
func (e *env) seedSCIM(t *testing.T) acme {
	t.Helper()
	a := e.seedAcme(t)
	if err := e.store.AddDomain(t.Context(), a.ws.ID, "acme.example"); err != nil {
		t.Fatal(err)
	}
	return a
}

// accountByID reads an account of ws; ok is false if it is gone.
func (e *env) accountByID(t *testing.T, ws latchkey.Workspace, id string) (latchkey.Account, bool) {
	t.Helper()
	return e.account(t, latchkey.Account{WorkspaceID: ws.ID, ID: id})
}

// provisionedSignIn gives the provisioned account id a password (as if it also had one, so
// that the password sign-in page can be asked) and signs a browser in with it.
func (e *env) provisionedSignIn(t *testing.T, ws latchkey.Workspace, id string) (*browser, string) {
	t.Helper()
	a, ok := e.accountByID(t, ws, id)
	if !ok {
		t.Fatalf("no account %s", id)
	}
	e.activate(t, a, goodPassword)
	b := e.newBrowser(t)
	return b, b.mustLogin(t, e, ws.Slug, a.Email, goodPassword)
}

// wantEnded checks that the browser's session is over and that password sign-in refuses the
// account as not active.
func (e *env) wantEnded(t *testing.T, b *browser, ws latchkey.Workspace, cookie, email string) {
	t.Helper()
	if e.sessionExists(t, ws, cookie) {
		t.Fatal("the deactivated member's session is still in the store")
	}
	if b.signedIn(t, e, ws.Slug) {
		t.Fatal("the deactivated member's browser is still signed in")
	}
	r := b.login(t, e, ws.Slug, email, goodPassword)
	if r.URL.Path == "/dashboard" || !strings.Contains(r.Alert(), latchkey.MsgNotActive) {
		t.Fatalf("password sign-in of a deactivated member: %d at %s, alert %q; want %q", r.Status, r.URL, r.Alert(), latchkey.MsgNotActive)
	}
}

// TestSCIMOktaThroughRouter replays Okta's provisioning sequence (filter on userName, POST, PUT
// for updates and active flips, DELETE) against the real router and checks what it does to
// the member's browser.
func TestSCIMOktaThroughRouter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedSCIM(t)
	okta := e.newSCIMClient(t, a.ws, "Okta")
	q := "/Users?filter=" + url.QueryEscape(`userName eq "pat.doe@acme.example"`) + "&startIndex=1&count=100"

	if r := okta.do(t, "GET", q, nil).want(t, http.StatusOK); r.str("totalResults") != "0" {
		t.Fatalf("look-up before create: %s", r.raw)
	}
	full := func(userName, family string, active bool) map[string]any {
		return map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
			"userName":   userName,
			"name":       map[string]any{"givenName": "Pat", "familyName": family},
			"emails":     []any{map[string]any{"primary": true, "value": userName, "type": "work"}},
			"externalId": "00u1abcd",
			"active":     active,
		}
	}
	r := okta.do(t, "POST", "/Users", full("pat.doe@acme.example", "Doe", true)).want(t, http.StatusCreated)
	id := r.str("id")
	if got, want := r.header.Get("Location"), "http://acme.app.test/scim/v2/Users/"+id; got != want {
		t.Fatalf("Location=%q, want %q", got, want)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
		t.Fatalf("Content-Type=%q", ct)
	}
	if acct, ok := e.accountByID(t, a.ws, id); !ok || acct.Status != latchkey.StatusActive || acct.Role != latchkey.RoleMember || acct.PasswordHash != "" {
		t.Fatalf("provisioned account=%+v, want an active member without a password", acct)
	}
	if got := okta.do(t, "GET", q, nil).want(t, http.StatusOK).ids(); len(got) != 1 || got[0] != id {
		t.Fatalf("look-up after create found %v", got)
	}

	// A profile update with PUT changes the email.
	okta.do(t, "PUT", "/Users/"+id, full("pat.smith@acme.example", "Smith", true)).want(t, http.StatusOK)
	if acct, _ := e.accountByID(t, a.ws, id); acct.Email != "pat.smith@acme.example" || acct.Name != "Pat Smith" {
		t.Fatalf("after PUT account=%+v", acct)
	}

	// Deactivation ends the live browser session at once, and password sign-in says why.
	b, cookie := e.provisionedSignIn(t, a.ws, id)
	okta.do(t, "PUT", "/Users/"+id, full("pat.smith@acme.example", "Smith", false)).want(t, http.StatusOK)
	e.wantEnded(t, b, a.ws, cookie, "pat.smith@acme.example")

	// Reactivation lets them in again.
	okta.do(t, "PUT", "/Users/"+id, full("pat.smith@acme.example", "Smith", true)).want(t, http.StatusOK)
	b.mustLogin(t, e, "acme", "pat.smith@acme.example", goodPassword)

	// DELETE removes the account, and the session with it.
	okta.do(t, "DELETE", "/Users/"+id, nil).want(t, http.StatusNoContent)
	if _, ok := e.accountByID(t, a.ws, id); ok {
		t.Fatal("DELETE left the account")
	}
	if b.signedIn(t, e, "acme") {
		t.Fatal("the deleted member's browser is still signed in")
	}
	okta.do(t, "GET", "/Users/"+id, nil).wantError(t, http.StatusNotFound)

	// Every change is audited, naming the token, with the proxy-aware client address.
	for _, typ := range []latchkey.EventType{latchkey.EventSCIMUserCreate, latchkey.EventSCIMUserUpdate, latchkey.EventSCIMUserSuspend,
		latchkey.EventSCIMUserActivate, latchkey.EventSCIMUserDelete} {
		evs := e.events(t, a.ws, typ)
		if len(evs) == 0 || !strings.Contains(evs[0].Detail, `SCIM token "Okta"`) || evs[0].ClientAddr != "198.51.100.7" {
			t.Fatalf("%s events=%+v, want one naming the token, from 198.51.100.7", typ, evs)
		}
	}
}

// TestSCIMEntraThroughRouter replays Entra's quirks (filters on externalId and the work email,
// capitalised PATCH ops, active as the string "False", a value map without path, replace on
// emails[type eq "work"].value) and a DELETE under "DELETE only suspends", set on the console.
func TestSCIMEntraThroughRouter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedSCIM(t)
	entra := e.newSCIMClient(t, a.ws, "Entra")

	entra.do(t, "GET", "/Users?filter="+url.QueryEscape(`userName eq "non-existent-user-9c1f"`), nil).want(t, http.StatusOK)
	r := entra.do(t, "POST", "/Users", map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
		"userName":   "Ryan_Leenay@acme.example",
		"active":     true,
		"emails":     []any{map[string]any{"primary": true, "type": "work", "value": "Ryan_Leenay@acme.example"}},
		"name":       map[string]any{"formatted": "Ryan Leenay", "familyName": "Leenay", "givenName": "Ryan"},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Sales"},
	}).want(t, http.StatusCreated)
	id := r.str("id")
	for _, f := range []string{
		`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`,
		`emails[type eq "work"].value eq "ryan_leenay@acme.example"`,
		`externalId eq "nope" or userName eq "RYAN_LEENAY@acme.example"`,
	} {
		if got := entra.do(t, "GET", "/Users?filter="+url.QueryEscape(f), nil).want(t, http.StatusOK).ids(); len(got) != 1 || got[0] != id {
			t.Fatalf("filter %s found %v", f, got)
		}
	}
	entra.do(t, "PATCH", "/Users/"+id, scimPatch(scimOp("Replace", `emails[type eq "work"].value`, "ryan@acme.example"))).want(t, http.StatusOK)
	if acct, _ := e.accountByID(t, a.ws, id); acct.Email != "ryan@acme.example" {
		t.Fatalf("email=%q after replacing the work email", acct.Email)
	}
	// Outside the approved domains: refused.
	entra.do(t, "PATCH", "/Users/"+id, scimPatch(scimOp("Replace", "userName", "ryan@elsewhere.example"))).wantError(t, http.StatusBadRequest)

	b, cookie := e.provisionedSignIn(t, a.ws, id)
	entra.do(t, "PATCH", "/Users/"+id, scimPatch(scimOp("Replace", "active", "False"))).want(t, http.StatusOK)
	e.wantEnded(t, b, a.ws, cookie, "ryan@acme.example")
	entra.do(t, "PATCH", "/Users/"+id, scimPatch(scimOp("Replace", "", map[string]any{"active": "True", "displayName": "Ryan L."}))).want(t, http.StatusOK)
	cookie = b.mustLogin(t, e, "acme", "ryan@acme.example", goodPassword)

	// The administrator turns on "DELETE only suspends" on the console; a DELETE then keeps the
	// account, suspended, and hides it from SCIM.
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", a.admin.Email, goodPassword)
	r2 := admin.Submit(t, e.url("acme", "/admin/provisioning"), e.url("acme", "/admin/provisioning/settings"), url.Values{"delete_suspends": {"on"}})
	wantPage(t, r2, http.StatusOK, "/admin/provisioning")
	if r2.Notice() != latchkey.MsgSCIMSettingsSaved || r2.Input("delete_suspends") == nil || !webtest.HasAttr(r2.Input("delete_suspends"), "checked") {
		t.Fatalf("after saving: notice %q", r2.Notice())
	}
	if evs := e.events(t, a.ws, latchkey.EventSCIMSettings); len(evs) != 1 || evs[0].ActorID != a.admin.ID {
		t.Fatalf("settings events=%+v, want one naming the administrator", evs)
	}
	entra.do(t, "DELETE", "/Users/"+id, nil).want(t, http.StatusNoContent)
	acct, ok := e.accountByID(t, a.ws, id)
	if !ok || acct.Status != latchkey.StatusSuspended {
		t.Fatalf("after DELETE under DeleteSuspends: %+v, %v; want the account kept, suspended", acct, ok)
	}
	e.wantEnded(t, b, a.ws, cookie, "ryan@acme.example")
	entra.do(t, "GET", "/Users/"+id, nil).wantError(t, http.StatusNotFound)
}

// TestSCIMTokens: a token of another workspace, a revoked one, none and a wrong one are all
// refused with 401 in the SCIM error schema; the console creates (shown once) and revokes.
func TestSCIMTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedSCIM(t)
	globex, _, _ := e.createWorkspace(t, "globex", "Globex")
	other := e.newSCIMClient(t, globex, "Globex Okta")
	other.do(t, "GET", "/Users", nil).want(t, http.StatusOK)
	other.slug = "acme"
	r := other.do(t, "GET", "/Users", nil).wantError(t, http.StatusUnauthorized)
	if r.header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	other.token = ""
	other.do(t, "GET", "/ServiceProviderConfig", nil).wantError(t, http.StatusUnauthorized)
	other.token = "lksc_wrong"
	other.do(t, "GET", "/Users", nil).wantError(t, http.StatusUnauthorized)

	// The console: the base URL, a token shown once that works, then revoked.
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", a.admin.Email, goodPassword)
	page := admin.Get(t, e.url("acme", "/admin/provisioning"))
	wantPage(t, page, http.StatusOK, "/admin/provisioning")
	if byID(page, "new-token") != nil {
		t.Fatal("a token on the page before any token was created")
	}
	if n := byID(page, "base-url"); n == nil || webtest.Text(n) != "http://acme.app.test/scim/v2" {
		t.Fatal("the page does not show the base URL")
	}
	r3 := admin.Submit(t, e.url("acme", "/admin/provisioning"), e.url("acme", "/admin/provisioning/tokens"), url.Values{"name": {"Okta"}})
	wantPage(t, r3, http.StatusOK, "/admin/provisioning/tokens")
	if r3.Header.Get("Cache-Control") != "no-store" || r3.Notice() != latchkey.MsgSCIMTokenCreated {
		t.Fatalf("create: Cache-Control %q, notice %q", r3.Header.Get("Cache-Control"), r3.Notice())
	}
	shown := byID(r3, "new-token")
	if shown == nil {
		t.Fatal("the created token is not shown")
	}
	secret := webtest.Text(shown)
	if !strings.HasPrefix(secret, "lksc_") {
		t.Fatalf("shown token %q", secret)
	}
	if again := admin.Get(t, e.url("acme", "/admin/provisioning")); byID(again, "new-token") != nil || strings.Contains(again.Body, secret) {
		t.Fatal("the token is shown again")
	}
	idp := &scimClient{e: e, b: e.newBrowser(t), slug: "acme", token: secret}
	idp.do(t, "GET", "/Users", nil).want(t, http.StatusOK)
	if evs := e.events(t, a.ws, latchkey.EventSCIMTokenCreate); len(evs) != 1 || evs[0].ActorID != a.admin.ID {
		t.Fatalf("create events=%+v, want one naming the administrator", evs)
	}
	toks, err := e.store.SCIMTokens(t.Context(), a.ws.ID)
	if err != nil || len(toks) != 1 || toks[0].LastUsedAt.IsZero() {
		t.Fatalf("tokens=%+v, %v; want one, used", toks, err)
	}
	if !strings.Contains(admin.Get(t, e.url("acme", "/admin/provisioning")).Text(), "Okta "+toks[0].CreatedAt.Format("2 Jan 2006 15:04 UTC")) {
		t.Fatal("the page does not list the token with its creation time")
	}
	r4 := admin.Submit(t, e.url("acme", "/admin/provisioning"), e.url("acme", "/admin/provisioning/tokens/"+toks[0].ID+"/revoke"), nil)
	wantPage(t, r4, http.StatusOK, "/admin/provisioning")
	if r4.Notice() != latchkey.MsgSCIMTokenRevoked {
		t.Fatalf("revoke notice %q", r4.Notice())
	}
	idp.do(t, "GET", "/Users", nil).wantError(t, http.StatusUnauthorized)
	if evs := e.events(t, a.ws, latchkey.EventSCIMTokenRevoke); len(evs) != 1 || evs[0].ActorID != a.admin.ID {
		t.Fatalf("revoke events=%+v", evs)
	}
	// Revoking again is refused with a message.
	r5 := admin.Submit(t, e.url("acme", "/admin/provisioning"), e.url("acme", "/admin/provisioning/tokens/"+toks[0].ID+"/revoke"), nil)
	if r5.Status != http.StatusConflict || r5.Alert() != latchkey.MsgSCIMTokenGone {
		t.Fatalf("second revoke: %d, alert %q", r5.Status, r5.Alert())
	}
	// Members do not see the page.
	bob := e.newBrowser(t)
	bob.mustLogin(t, e, "acme", a.member.Email, goodPassword)
	if r := bob.Get(t, e.url("acme", "/admin/provisioning")); r.Status != http.StatusNotFound {
		t.Fatalf("a member got %d on the provisioning page", r.Status)
	}
}

// TestSCIMPaging pages through the users through the router.
func TestSCIMPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedSCIM(t)
	idp := e.newSCIMClient(t, a.ws, "Okta")
	for i := range 5 {
		idp.do(t, "POST", "/Users", map[string]any{"userName": fmt.Sprintf("p%d@acme.example", i), "active": true}).want(t, http.StatusCreated)
	}
	var seen []string
	for start := 1; ; start += 3 {
		r := idp.do(t, "GET", fmt.Sprintf("/Users?startIndex=%d&count=3", start), nil).want(t, http.StatusOK)
		if r.str("totalResults") != "7" || r.str("startIndex") != strconv.Itoa(start) {
			t.Fatalf("page at %d: %s", start, r.raw)
		}
		ids := r.ids()
		if r.str("itemsPerPage") != strconv.Itoa(len(ids)) {
			t.Fatalf("itemsPerPage=%s with %d resources", r.str("itemsPerPage"), len(ids))
		}
		if len(ids) == 0 {
			break
		}
		seen = append(seen, ids...)
	}
	if len(seen) != 7 {
		t.Fatalf("paged through %d users, want 7 (the admin, bob and five provisioned)", len(seen))
	}
	idp.do(t, "GET", "/Users?count=x", nil).wantError(t, http.StatusBadRequest)
}

// TestSCIMGroupAdminAndManagedMembers: a group mapped to the administrator role on the console
// makes its member an administrator on the members page, which marks provider-managed people
// and refuses the edits the provider would overwrite.
func TestSCIMGroupAdminAndManagedMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedSCIM(t)
	idp := e.newSCIMClient(t, a.ws, "Okta")
	pat := idp.do(t, "POST", "/Users", map[string]any{"userName": "pat@acme.example", "active": true}).want(t, http.StatusCreated).str("id")
	sam := idp.do(t, "POST", "/Users", map[string]any{"userName": "sam@acme.example", "active": true}).want(t, http.StatusCreated).str("id")
	gid := idp.do(t, "POST", "/Groups", map[string]any{"displayName": "Latchkey Admins", "members": []any{map[string]any{"value": pat}}}).
		want(t, http.StatusCreated).str("id")

	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", a.admin.Email, goodPassword)
	page := admin.Get(t, e.url("acme", "/admin/provisioning"))
	if !strings.Contains(page.Text(), "Latchkey Admins 1 No") {
		t.Fatalf("groups on the page: %q", page.Text())
	}
	r := admin.Submit(t, e.url("acme", "/admin/provisioning"), e.url("acme", "/admin/provisioning/groups/"+gid+"/role"), url.Values{"admin": {"on"}})
	wantPage(t, r, http.StatusOK, "/admin/provisioning")
	if want := fmt.Sprintf(latchkey.MsgSCIMGroupMapped, "Latchkey Admins"); r.Notice() != want {
		t.Fatalf("notice %q, want %q", r.Notice(), want)
	}
	if evs := e.events(t, a.ws, latchkey.EventSCIMGroupUpdate); len(evs) == 0 || evs[0].ActorID != a.admin.ID {
		t.Fatalf("group events=%+v, want the mapping naming the administrator", evs)
	}

	members := admin.Get(t, e.url("acme", "/admin/members"))
	row := func(r *webtest.Response, email string) string {
		for _, tr := range r.Texts("tr", "") {
			if strings.HasPrefix(tr, email) {
				return tr
			}
		}
		t.Fatalf("no row for %s on the members page", email)
		return ""
	}
	if got := row(members, "pat@acme.example"); !strings.Contains(got, latchkey.MsgSCIMManaged) || !strings.Contains(got, "admin") ||
		strings.Contains(got, "Make member") || strings.Contains(got, "Remove") {
		t.Fatalf("pat's row: %q; want managed, admin, without Make member and Remove", got)
	}
	if got := row(members, "bob@acme.example"); strings.Contains(got, latchkey.MsgSCIMManaged) {
		t.Fatalf("bob's row %q: bob is not managed", got)
	}

	// The edits the provider overwrites are refused on the server, with a reason.
	refused := func(action string, fields url.Values, want string) {
		t.Helper()
		r := admin.Submit(t, e.url("acme", "/admin/members"), e.url("acme", action), fields)
		if r.Status != http.StatusForbidden || r.Alert() != want {
			t.Fatalf("POST %s: %d, alert %q; want 403 %q", action, r.Status, r.Alert(), want)
		}
	}
	refused("/admin/members/"+pat+"/role", url.Values{"role": {"member"}}, fmt.Sprintf(latchkey.MsgSCIMManagedRole, "pat@acme.example"))
	refused("/admin/members/"+sam+"/remove", url.Values{"confirm": {"yes"}}, fmt.Sprintf(latchkey.MsgSCIMManagedStatus, "sam@acme.example", "deprovision"))
	idp.do(t, "PATCH", "/Users/"+sam, scimPatch(scimOp("replace", "active", false))).want(t, http.StatusOK)
	refused("/admin/members/"+sam+"/reactivate", nil, fmt.Sprintf(latchkey.MsgSCIMManagedStatus, "sam@acme.example", "reactivate"))
	if got := row(admin.Get(t, e.url("acme", "/admin/members")), "sam@acme.example"); strings.Contains(got, "Reactivate") ||
		!strings.Contains(got, "Suspended by your identity provider") {
		t.Fatalf("sam's row after the provider suspended sam: %q", got)
	}
	if acct, _ := e.accountByID(t, a.ws, pat); acct.Role != latchkey.RoleAdmin {
		t.Fatalf("pat's role=%s after the refused demotion", acct.Role)
	}
	if _, ok := e.accountByID(t, a.ws, sam); !ok {
		t.Fatal("the refused removal removed sam")
	}

	// What the provider does not overwrite stays allowed: promoting by hand, and an emergency
	// suspension, which the administrator may undo here.
	r = admin.Submit(t, e.url("acme", "/admin/members"), e.url("acme", "/admin/members/"+sam+"/role"), url.Values{"role": {"admin"}})
	wantPage(t, r, http.StatusOK, "/admin/members")
	r = admin.Submit(t, e.url("acme", "/admin/members"), e.url("acme", "/admin/members/"+pat+"/suspend"), nil)
	wantPage(t, r, http.StatusOK, "/admin/members")
	r = admin.Submit(t, e.url("acme", "/admin/members"), e.url("acme", "/admin/members/"+pat+"/reactivate"), nil)
	wantPage(t, r, http.StatusOK, "/admin/members")
	if acct, _ := e.accountByID(t, a.ws, pat); acct.Status != latchkey.StatusActive {
		t.Fatalf("pat's status=%s after the console reactivation", acct.Status)
	}

	// Unmapping the group makes pat a member again.
	admin.Submit(t, e.url("acme", "/admin/provisioning"), e.url("acme", "/admin/provisioning/groups/"+gid+"/role"), url.Values{"admin": {"off"}})
	if acct, _ := e.accountByID(t, a.ws, pat); acct.Role != latchkey.RoleMember {
		t.Fatalf("pat's role=%s after unmapping, want member", acct.Role)
	}
}

// TestSCIMBearerThrottle: wrong tokens from one address are counted before the check and
// refused with 429 past the limit, the right token from that address too, until the window
// passes; another address is not held up. Bodies are bounded at scim.MaxBodyBytes.
func TestSCIMBearerThrottle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedSCIM(t)
	good := e.newSCIMClient(t, a.ws, "Okta")
	bad := &scimClient{e: e, b: e.newBrowser(t), slug: "acme", token: "lksc_guess"}
	bad.b.Addr = good.b.Addr
	for range signin.BearerLimit {
		bad.do(t, "GET", "/Users", nil).wantError(t, http.StatusUnauthorized)
	}
	r := bad.do(t, "GET", "/Users", nil).wantError(t, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	good.do(t, "GET", "/Users", nil).wantError(t, http.StatusTooManyRequests)
	good.b.Addr = "203.0.113.50"
	good.do(t, "GET", "/Users", nil).want(t, http.StatusOK)
	e.clock.Advance(signin.BearerWindow)
	good.b.Addr = bad.b.Addr
	good.do(t, "GET", "/Users", nil).want(t, http.StatusOK)

	// Right tokens are taken back: many good requests never reach the limit.
	for range signin.BearerLimit + 5 {
		good.do(t, "GET", "/ServiceProviderConfig", nil).want(t, http.StatusOK)
	}

	// A body larger than a form but within the SCIM bound is read; a larger one is 413.
	big := map[string]any{"userName": "big@acme.example", "active": true, "nickName": strings.Repeat("x", 200<<10)}
	good.do(t, "POST", "/Users", big).want(t, http.StatusCreated)
	huge, _ := json.Marshal(map[string]any{"userName": "huge@acme.example", "nickName": strings.Repeat("x", 2<<20)})
	good.do(t, "POST", "/Users", huge).wantError(t, http.StatusRequestEntityTooLarge)
}
