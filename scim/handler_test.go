package scim_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/scim"
)

func TestErrors(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("pat@acme.test")
	user := func(userName string) map[string]any {
		return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": userName, "active": true}
	}
	manyOps := make([]map[string]any, 1001)
	for i := range manyOps {
		manyOps[i] = op("replace", "displayName", "x")
	}
	for _, tc := range []struct {
		name         string
		method, path string
		body         any
		status       int
		scimType     string
	}{
		{"duplicate userName", "POST", "/Users", user("PAT@acme.test"), 409, "uniqueness"},
		{"duplicate userName of an admin-made account", "POST", "/Users", user("admin@acme.test"), 409, "uniqueness"},
		{"userName outside the approved domains", "POST", "/Users", user("pat@elsewhere.test"), 400, "invalidValue"},
		{"userName of another workspace's domain", "POST", "/Users", user("pat@globex.test"), 400, "invalidValue"},
		{"userName not an email", "POST", "/Users", user("pat"), 400, "invalidValue"},
		{"no userName", "POST", "/Users", map[string]any{"active": true}, 400, "invalidValue"},
		{"active neither true nor false", "POST", "/Users", map[string]any{"userName": "sam@acme.test", "active": "maybe"}, 400, "invalidValue"},
		{"not JSON", "POST", "/Users", "{", 400, "invalidSyntax"},
		{"bad filter", "GET", "/Users?filter=" + url.QueryEscape(`userName eq`), nil, 400, "invalidFilter"},
		{"filter with an unknown operator", "GET", "/Users?filter=" + url.QueryEscape(`userName xx "a"`), nil, 400, "invalidFilter"},
		{"bad startIndex", "GET", "/Users?startIndex=one", nil, 400, "invalidValue"},
		{"PATCH of id", "PATCH", "/Users/" + id, patch(op("replace", "id", "other")), 400, "mutability"},
		{"PATCH of groups", "PATCH", "/Users/" + id, patch(op("add", "groups", []any{map[string]any{"value": "g"}})), 400, "mutability"},
		{"PUT with another id", "PUT", "/Users/" + id, map[string]any{"id": "other", "userName": "pat@acme.test"}, 400, "mutability"},
		{"PATCH email to another domain", "PATCH", "/Users/" + id, patch(op("replace", "userName", "pat@elsewhere.test")), 400, "invalidValue"},
		{"PATCH userName to a taken one", "PATCH", "/Users/" + id, patch(op("replace", "userName", "admin@acme.test")), 409, "uniqueness"},
		{"too many operations", "PATCH", "/Users/" + id, map[string]any{"schemas": []string{patchOp}, "Operations": manyOps}, 400, "tooMany"},
		{"remove without a path", "PATCH", "/Users/" + id, patch(op("remove", "", nil)), 400, "noTarget"},
		{"replace on a filter that matches nothing", "PATCH", "/Users/" + id, patch(op("replace", `emails[type ne "work"]`, map[string]any{"value": "x@acme.test"})), 400, "noTarget"},
		{"PATCH without Operations", "PATCH", "/Users/" + id, map[string]any{"schemas": []string{patchOp}}, 400, "invalidSyntax"},
		{"unknown op", "PATCH", "/Users/" + id, patch(op("move", "displayName", "x")), 400, "invalidSyntax"},
		{"bad path", "PATCH", "/Users/" + id, patch(op("replace", "emails[", "x")), 400, "invalidPath"},
		{"unknown user", "GET", "/Users/NOPE", nil, 404, ""},
		{"unknown user PATCH", "PATCH", "/Users/NOPE", patch(op("replace", "active", false)), 404, ""},
		{"unknown user DELETE", "DELETE", "/Users/NOPE", nil, 404, ""},
		{"unknown group", "GET", "/Groups/NOPE", nil, 404, ""},
		{"group without displayName", "POST", "/Groups", map[string]any{"members": []any{}}, 400, "invalidValue"},
		{"group with an unknown member", "POST", "/Groups", map[string]any{"displayName": "G", "members": []any{map[string]any{"value": "NOPE"}}}, 400, "invalidValue"},
		{"unknown endpoint", "GET", "/Widgets", nil, 404, ""},
		{"bulk", "POST", "/Bulk", map[string]any{}, 501, ""},
		{"method not allowed", "DELETE", "/Users", nil, 405, ""},
		{"deleting the last administrator", "DELETE", "/Users/" + e.admin.ID, nil, 400, "mutability"},
		{"deactivating the last administrator", "PATCH", "/Users/" + e.admin.ID, patch(op("replace", "active", false)), 400, "mutability"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.do(tc.method, tc.path, tc.body).wantError(t, tc.status, tc.scimType)
		})
	}

	t.Run("group name taken", func(t *testing.T) {
		e.do("POST", "/Groups", map[string]any{"displayName": "Sales"}).want(t, http.StatusCreated)
		e.do("POST", "/Groups", map[string]any{"displayName": "SALES"}).wantError(t, 409, "uniqueness")
	})
	t.Run("body too large", func(t *testing.T) {
		big := `{"userName":"x@acme.test","displayName":"` + strings.Repeat("a", scim.MaxBodyBytes) + `"}`
		e.do("POST", "/Users", big).wantError(t, http.StatusRequestEntityTooLarge, "")
	})
	t.Run("wrong content type", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", e.srv.URL+"/acme/scim/v2/Users", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Set("Content-Type", "text/plain")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnsupportedMediaType {
			t.Fatalf("status=%d, want 415", res.StatusCode)
		}
	})
	t.Run("stale If-Match", func(t *testing.T) {
		r := e.do("GET", "/Users/"+id, nil).want(t, 200)
		etag := r.header.Get("ETag")
		e.do("PATCH", "/Users/"+id, patch(op("replace", "displayName", "New"))).want(t, 200)
		req, _ := http.NewRequestWithContext(t.Context(), "DELETE", e.srv.URL+"/acme/scim/v2/Users/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Set("If-Match", etag)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusPreconditionFailed {
			t.Fatalf("DELETE with a stale If-Match: status=%d, want 412", res.StatusCode)
		}
		if _, ok := e.account(id); !ok {
			t.Fatal("the refused DELETE removed the account")
		}
		req, _ = http.NewRequestWithContext(t.Context(), "GET", e.srv.URL+"/acme/scim/v2/Users/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		now := e.do("GET", "/Users/"+id, nil).header.Get("ETag")
		req.Header.Set("If-None-Match", now)
		res, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotModified || now == etag {
			t.Fatalf("GET with a current If-None-Match: status=%d, want 304 (etag %q → %q)", res.StatusCode, etag, now)
		}
	})
	// Nothing refused above changed the user.
	r := e.do("GET", "/Users/"+id, nil).want(t, 200)
	if r.str("userName") != "pat@acme.test" {
		t.Fatalf("after the refusals userName=%q", r.str("userName"))
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, token, slug string
	}{
		{"no token", "", "acme"},
		{"unknown token", "lksc_nope", "acme"},
		{"acme's token on globex", e.token, "globex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.doAs(tc.token, tc.slug, "GET", "/Users", nil)
			r.wantError(t, http.StatusUnauthorized, "")
			if r.header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	_, err := e.h.Authenticate(t.Context(), e.globex, e.token)
	if latchkey.ErrorCode(err) != latchkey.CodeUnauthorized {
		t.Fatalf("Authenticate(acme token, globex)=%v, want unauthorized", err)
	}
	tok, err := e.h.Authenticate(t.Context(), e.acme, "Bearer "+e.token)
	if err != nil || tok.ID != e.tokenID {
		t.Fatalf("Authenticate(acme token, acme)=%+v, %v", tok, err)
	}
	toks, err := e.store.SCIMTokens(t.Context(), e.acme.ID)
	if err != nil || len(toks) != 1 || !toks[0].LastUsedAt.Equal(start) || toks[0].Hash != latchkey.HashSecret(e.token) || !strings.HasPrefix(e.token, scim.TokenPrefix) {
		t.Fatalf("stored tokens=%+v, %v: want one, last used now, stored as its hash", toks, err)
	}
	if err := e.h.RevokeToken(t.Context(), e.acme.ID, e.tokenID, e.admin.ID); err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/Users", nil).wantError(t, http.StatusUnauthorized, "")
	if evs := e.events(latchkey.EventSCIMTokenRevoke); len(evs) != 1 || evs[0].ActorID != e.admin.ID {
		t.Fatalf("revoke events=%+v", evs)
	}
	if _, _, err := e.h.CreateToken(t.Context(), e.acme.ID, " ", ""); latchkey.ErrorCode(err) != latchkey.CodeInvalid {
		t.Fatalf("CreateToken(blank name)=%v, want invalid", err)
	}
}

func TestThrottle(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.RateLimit = 3 })
	for range 3 {
		e.do("GET", "/ServiceProviderConfig", nil).want(t, 200)
	}
	r := e.do("GET", "/ServiceProviderConfig", nil)
	r.wantError(t, http.StatusTooManyRequests, "")
	if r.header.Get("Retry-After") != "60" {
		t.Fatalf("Retry-After=%q, want 60", r.header.Get("Retry-After"))
	}
	e.clock.Advance(time.Minute)
	e.do("GET", "/ServiceProviderConfig", nil).want(t, 200)
}

func TestPagingAndAttributes(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		e.clock.Advance(time.Second)
		ids = append(ids, e.createUser(n+"@acme.test"))
	}
	all := append([]string{e.admin.ID}, ids...) // oldest first
	for _, tc := range []struct {
		query      string
		start, per int
		want       []string
	}{
		{"", 1, 6, all},
		{"startIndex=2&count=2", 2, 2, all[1:3]},
		{"startIndex=5&count=10", 5, 2, all[4:]},
		{"startIndex=0&count=1", 1, 1, all[:1]},
		{"startIndex=9", 9, 0, nil},
		{"count=0", 1, 0, nil},
		{"count=-4", 1, 0, nil},
	} {
		r := e.do("GET", "/Users?"+tc.query, nil).want(t, 200)
		var got []string
		for _, res := range r.resources() {
			got = append(got, res["id"].(string))
		}
		if r.body["totalResults"] != 6.0 || r.body["startIndex"] != float64(tc.start) || r.body["itemsPerPage"] != float64(tc.per) || !slices.Equal(got, tc.want) {
			t.Fatalf("%q: total %v start %v per %v ids %v; want 6, %d, %d, %v", tc.query, r.body["totalResults"], r.body["startIndex"], r.body["itemsPerPage"], got, tc.start, tc.per, tc.want)
		}
	}
	r := e.do("GET", "/Users?count=1&startIndex=2&attributes=userName,name.givenName", nil).want(t, 200)
	res := r.resources()[0]
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range res {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(keys, []string{"id", "name", "schemas", "userName"}) || res["name"].(map[string]any)["familyName"] != nil {
		t.Fatalf("attributes=userName,name.givenName gave %v", res)
	}
	r = e.do("GET", "/Users/"+ids[0]+"?excludedAttributes=emails,meta,URN:ietf:params:scim:schemas:core:2.0:User:name", nil).want(t, 200)
	if r.body["emails"] != nil || r.body["meta"] != nil || r.body["name"] != nil || r.str("userName") != "a@acme.test" || r.str("id") != ids[0] {
		t.Fatalf("excludedAttributes gave %s", r.raw)
	}
	r = e.do("POST", "/Users/.search", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
		"filter": `userName sw "c"`, "attributes": []string{"USERNAME"}, "startIndex": 1, "count": 10}).want(t, 200)
	if rs := r.resources(); len(rs) != 1 || rs[0]["userName"] != "c@acme.test" || rs[0]["active"] != nil {
		t.Fatalf(".search gave %s", r.raw)
	}
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/ServiceProviderConfig", nil).want(t, 200)
	if r.str("patch.supported") != "true" || r.str("filter.supported") != "true" || r.str("bulk.supported") != "false" || r.str("etag.supported") != "true" {
		t.Fatalf("ServiceProviderConfig: %s", r.raw)
	}
	r = e.do("GET", "/ResourceTypes", nil).want(t, 200)
	if len(r.resources()) != 2 {
		t.Fatalf("ResourceTypes: %s", r.raw)
	}
	e.do("GET", "/ResourceTypes/User", nil).want(t, 200)
	r = e.do("GET", "/Schemas", nil).want(t, 200)
	if len(r.resources()) != 2 {
		t.Fatalf("Schemas: %s", r.raw)
	}
	r = e.do("GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", nil).want(t, 200)
	if r.str("name") != "User" {
		t.Fatalf("User schema: %s", r.raw)
	}
}

func TestAdminGroup(t *testing.T) {
	e := newEnv(t)
	pat, sam := e.createUser("pat@acme.test"), e.createUser("sam@acme.test")
	r := e.do("POST", "/Groups", map[string]any{"displayName": "latchkey-admins", "members": []any{map[string]any{"value": pat}}}).want(t, 201)
	gid := r.str("id")
	if a, _ := e.account(pat); a.Role != latchkey.RoleMember {
		t.Fatal("a member of an unmapped group became admin")
	}

	// The administrator maps the group: its members become administrators.
	if err := e.h.SetGroupAdminRole(t.Context(), e.acme.ID, gid, true, e.admin.ID); err != nil {
		t.Fatal(err)
	}
	if a, _ := e.account(pat); a.Role != latchkey.RoleAdmin {
		t.Fatalf("role=%s after mapping the group, want admin", a.Role)
	}
	// Joining makes an administrator; leaving makes a member again.
	e.do("PATCH", "/Groups/"+gid, patch(op("add", "members", []any{map[string]any{"value": sam}}))).want(t, 200)
	if a, _ := e.account(sam); a.Role != latchkey.RoleAdmin {
		t.Fatalf("role=%s after joining, want admin", a.Role)
	}
	e.do("PATCH", "/Groups/"+gid, patch(op("remove", `members[value eq "`+sam+`"]`, nil))).want(t, 200)
	if a, _ := e.account(sam); a.Role != latchkey.RoleMember {
		t.Fatalf("role=%s after leaving, want member", a.Role)
	}
	// The workspace's first administrator joins and leaves: promoted by hand, it stays admin.
	e.do("PATCH", "/Groups/"+gid, patch(op("add", "members", []any{map[string]any{"value": e.admin.ID}}))).want(t, 200)
	e.do("PATCH", "/Groups/"+gid, patch(op("remove", "members", []any{map[string]any{"value": e.admin.ID}}))).want(t, 200)
	if a, _ := e.account(e.admin.ID); a.Role != latchkey.RoleAdmin {
		t.Fatalf("the hand-made admin's role=%s after leaving the group", a.Role)
	}
	if evs := e.events(latchkey.EventSCIMUserRole); len(evs) != 3 || evs[0].AccountID != sam {
		t.Fatalf("role events=%+v, want pat promoted, sam promoted and demoted", evs)
	}

	// The last active administrator is never demoted: suspend the hand-made admin's
	// competition away and delete the group.
	if err := e.store.UpdateAccount(t.Context(), e.acme.ID, e.admin.ID, func(a *latchkey.Account) error {
		a.Role = latchkey.RoleMember
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.do("DELETE", "/Groups/"+gid, nil).want(t, http.StatusNoContent)
	if a, _ := e.account(pat); a.Role != latchkey.RoleAdmin {
		t.Fatalf("the last administrator was demoted to %s", a.Role)
	}
	if evs := e.events(latchkey.EventSCIMUserRole); !strings.Contains(evs[0].Detail, "last active administrator") {
		t.Fatalf("latest role event=%+v, want it to say why pat stayed admin", evs[0])
	}
}

func TestDeleteOnlySuspends(t *testing.T) {
	e := newEnv(t)
	if err := e.store.SetSCIMSettings(t.Context(), e.acme.ID, latchkey.SCIMSettings{DeleteSuspends: true}); err != nil {
		t.Fatal(err)
	}
	id := e.createUser("pat@acme.test")
	r := e.do("POST", "/Groups", map[string]any{"displayName": "G", "members": []any{map[string]any{"value": id}}}).want(t, 201)
	gid := r.str("id")
	sid := e.session(id)
	e.do("DELETE", "/Users/"+id, nil).want(t, http.StatusNoContent)
	a, ok := e.account(id)
	if !ok || a.Status != latchkey.StatusSuspended {
		t.Fatalf("account=%+v, %v: want it kept, suspended", a, ok)
	}
	if e.sessionLive(sid) {
		t.Fatal("the deleted member's session is still live")
	}
	e.do("GET", "/Users/"+id, nil).wantError(t, 404, "")
	if r := e.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "pat@acme.test"`), nil); len(r.resources()) != 0 {
		t.Fatal("the deleted user is still listed")
	}
	if r := e.do("GET", "/Groups/"+gid, nil); len(r.body["members"].([]any)) != 0 {
		t.Fatalf("the deleted user is still a member: %s", r.raw)
	}
	// Provisioned again: the same account comes back, active.
	r = e.do("POST", "/Users", map[string]any{"userName": "pat@acme.test", "displayName": "Pat Again"}).want(t, 201)
	if r.str("id") != id || r.str("active") != "true" {
		t.Fatalf("re-create: %s", r.raw)
	}
	if a, _ := e.account(id); a.Status != latchkey.StatusActive || a.Name != "Pat Again" {
		t.Fatalf("re-created account=%+v", a)
	}
}

func TestCreateSuspendedAndEntraReplaceWithoutWorkEmail(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", "/Users", map[string]any{"userName": "kim@acme.test", "active": "False"}).want(t, 201)
	id := r.str("id")
	if a, _ := e.account(id); a.Status != latchkey.StatusSuspended {
		t.Fatalf("created with active \"False\": status=%s", a.Status)
	}
	// Every user shows its email as the work email, so the element exists; replacing its
	// value changes the email.
	e.do("PATCH", "/Users/"+id, patch(op("replace", `emails[type eq "work"].value`, "kim.lee@acme.test"))).want(t, 200)
	if a, _ := e.account(id); a.Email != "kim.lee@acme.test" {
		t.Fatalf("email=%q", a.Email)
	}
	// userName wins over emails when both change in one request.
	e.do("PATCH", "/Users/"+id, patch(op("replace", "userName", "kim.a@acme.test"), op("replace", `emails[type eq "work"].value`, "kim.b@acme.test"))).want(t, 200)
	if a, _ := e.account(id); a.Email != "kim.a@acme.test" {
		t.Fatalf("email=%q, want the userName", a.Email)
	}
}

// TestConcurrentGroupPatches sends member additions for one group in parallel, as Okta's
// group push does: every one of them counts.
func TestConcurrentGroupPatches(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 10 {
		ids = append(ids, e.createUser("p"+strconv.Itoa(i)+"@acme.test"))
	}
	gid := e.do("POST", "/Groups", map[string]any{"displayName": "All"}).want(t, 201).str("id")
	var wg sync.WaitGroup
	statuses := make([]int, len(ids))
	for i, id := range ids {
		wg.Go(func() {
			statuses[i] = e.do("PATCH", "/Groups/"+gid, patch(op("add", "members", []any{map[string]any{"value": id}}))).status
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Fatalf("PATCH %d: status %d", i, s)
		}
	}
	if got := len(e.do("GET", "/Groups/"+gid, nil).want(t, 200).body["members"].([]any)); got != len(ids) {
		t.Fatalf("members=%d, want %d", got, len(ids))
	}
}
