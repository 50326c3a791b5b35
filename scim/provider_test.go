package scim_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey"
)

// TestOktaSequence replays what Okta's SCIM 2.0 integration sends, following Okta's "SCIM
// 2.0 protocol reference" (developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20):
// a filter on userName before creating, a POST, PUT for every profile update and for
// active flips, groups pushed with PATCH add/remove/replace on members, and DELETE of groups.
func TestOktaSequence(t *testing.T) {
	e := newEnv(t)
	q := "/Users?filter=" + url.QueryEscape(`userName eq "pat.doe@acme.test"`) + "&startIndex=1&count=100"

	// 1. Okta looks the user up first; nobody is there.
	r := e.do("GET", q, nil).want(t, http.StatusOK)
	if got := r.body["totalResults"]; got != 0.0 {
		t.Fatalf("totalResults=%v, want 0", got)
	}

	// 2. Create, with Okta's body (it sends a password, which latchkey ignores: SSO only).
	r = e.do("POST", "/Users", map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName":    "pat.doe@acme.test",
		"name":        map[string]any{"givenName": "Pat", "familyName": "Doe"},
		"emails":      []any{map[string]any{"primary": true, "value": "pat.doe@acme.test", "type": "work"}},
		"displayName": "Pat Doe",
		"locale":      "en-US",
		"externalId":  "00u1abcd",
		"groups":      []any{},
		"password":    "1mz050nq",
		"active":      true,
	}).want(t, http.StatusCreated)
	id := r.str("id")
	if got, want := r.header.Get("Location"), "https://acme.app.test/scim/v2/Users/"+id; got != want {
		t.Fatalf("Location=%q, want %q", got, want)
	}
	if r.header.Get("ETag") == "" || r.header.Get("ETag") != r.str("meta.version") {
		t.Fatalf("ETag=%q, meta.version=%q: want them equal and set", r.header.Get("ETag"), r.str("meta.version"))
	}
	a, ok := e.account(id)
	if !ok {
		t.Fatal("the account was not created")
	}
	if a.Role != latchkey.RoleMember || a.Status != latchkey.StatusActive || a.PasswordHash != "" || a.Email != "pat.doe@acme.test" || a.Name != "Pat Doe" {
		t.Fatalf("account=%+v, want an active member pat.doe@acme.test, Pat Doe, without a password", a)
	}

	// 3. The same filter finds it now; a GET by id too.
	r = e.do("GET", q, nil).want(t, http.StatusOK)
	if rs := r.resources(); len(rs) != 1 || rs[0]["id"] != id {
		t.Fatalf("filter found %v, want the new user", rs)
	}
	r = e.do("GET", "/Users/"+id, nil).want(t, http.StatusOK)
	if r.str("userName") != "pat.doe@acme.test" || r.str("name.givenName") != "Pat" || r.str("active") != "true" || r.str("externalId") != "00u1abcd" {
		t.Fatalf("GET user: %s", r.raw)
	}

	// 4. Okta updates a profile with PUT of the whole user.
	full := func(userName, family string, active bool) map[string]any {
		return map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
			"id":         id,
			"userName":   userName,
			"name":       map[string]any{"givenName": "Pat", "familyName": family},
			"emails":     []any{map[string]any{"primary": true, "value": userName, "type": "work"}},
			"externalId": "00u1abcd",
			"active":     active,
		}
	}
	r = e.do("PUT", "/Users/"+id, full("pat.smith@acme.test", "Smith", true)).want(t, http.StatusOK)
	if r.str("userName") != "pat.smith@acme.test" || r.str("name.familyName") != "Smith" {
		t.Fatalf("PUT: %s", r.raw)
	}
	if a, _ := e.account(id); a.Email != "pat.smith@acme.test" || a.Name != "Pat Smith" {
		t.Fatalf("after PUT account=%+v, want the new email and name", a)
	}

	// 5. Deactivation: Okta PUTs active false. The account is suspended and its live
	// session ends at once.
	sid := e.session(id)
	e.do("PUT", "/Users/"+id, full("pat.smith@acme.test", "Smith", false)).want(t, http.StatusOK)
	if a, _ := e.account(id); a.Status != latchkey.StatusSuspended {
		t.Fatalf("after active:false status=%s, want suspended", a.Status)
	}
	if e.sessionLive(sid) {
		t.Fatal("the suspended member's session is still live")
	}
	if r := e.do("GET", "/Users/"+id, nil); r.str("active") != "false" {
		t.Fatalf("GET after deactivation: active=%s", r.str("active"))
	}

	// 6. Reactivation; Okta also flips active with PATCH.
	e.do("PUT", "/Users/"+id, full("pat.smith@acme.test", "Smith", true)).want(t, http.StatusOK)
	if a, _ := e.account(id); a.Status != latchkey.StatusActive {
		t.Fatalf("after reactivation status=%s, want active", a.Status)
	}
	e.do("PATCH", "/Users/"+id, patch(op("replace", "", map[string]any{"active": false}))).want(t, http.StatusOK)
	if a, _ := e.account(id); a.Status != latchkey.StatusSuspended {
		t.Fatalf("after PATCH active:false status=%s", a.Status)
	}
	e.do("PATCH", "/Users/"+id, patch(op("replace", "", map[string]any{"active": true}))).want(t, http.StatusOK)

	// 7. Push groups: create empty, add many members in one PATCH, remove one, rename.
	var ids []string
	for i := range 60 {
		ids = append(ids, e.createUser("person"+strconv.Itoa(i)+"@acme.test"))
	}
	r = e.do("POST", "/Groups", map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Engineering", "members": []any{},
	}).want(t, http.StatusCreated)
	gid := r.str("id")
	var members []any
	for _, m := range append(ids, id) {
		members = append(members, map[string]any{"value": m, "display": m})
	}
	r = e.do("PATCH", "/Groups/"+gid, patch(op("add", "members", members))).want(t, http.StatusOK)
	if got := len(r.body["members"].([]any)); got != 61 {
		t.Fatalf("members after add=%d, want 61", got)
	}
	e.do("PATCH", "/Groups/"+gid, patch(op("remove", `members[value eq "`+ids[0]+`"]`, nil))).want(t, http.StatusOK)
	r = e.do("PATCH", "/Groups/"+gid, patch(op("replace", "", map[string]any{"id": gid, "displayName": "Platform"}))).want(t, http.StatusOK)
	if r.str("displayName") != "Platform" || len(r.body["members"].([]any)) != 60 {
		t.Fatalf("after remove and rename: %s", r.raw)
	}
	r = e.do("PATCH", "/Groups/"+gid, patch(op("replace", "members", []any{map[string]any{"value": id}}))).want(t, http.StatusOK)
	if ms := r.body["members"].([]any); len(ms) != 1 || ms[0].(map[string]any)["value"] != id {
		t.Fatalf("after replace members=%v", ms)
	}
	if r := e.do("GET", "/Users/"+id, nil); r.str("groups.0.value") != gid {
		t.Fatalf("the user's groups=%s, want the group", r.str("groups"))
	}
	r = e.do("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "platform"`), nil).want(t, http.StatusOK)
	if rs := r.resources(); len(rs) != 1 || rs[0]["id"] != gid {
		t.Fatalf("group filter found %v", rs)
	}
	e.do("DELETE", "/Groups/"+gid, nil).want(t, http.StatusNoContent)
	e.do("GET", "/Groups/"+gid, nil).wantError(t, http.StatusNotFound, "")

	// 8. DELETE removes the account.
	e.do("DELETE", "/Users/"+id, nil).want(t, http.StatusNoContent)
	if _, ok := e.account(id); ok {
		t.Fatal("DELETE left the account")
	}
	e.do("GET", "/Users/"+id, nil).wantError(t, http.StatusNotFound, "")

	// Every change is an audit event naming the token.
	for _, typ := range []latchkey.EventType{latchkey.EventSCIMUserCreate, latchkey.EventSCIMUserUpdate, latchkey.EventSCIMUserSuspend,
		latchkey.EventSCIMUserActivate, latchkey.EventSCIMUserDelete, latchkey.EventSCIMGroupCreate, latchkey.EventSCIMGroupUpdate,
		latchkey.EventSCIMGroupDelete} {
		evs := e.events(typ)
		if len(evs) == 0 {
			t.Fatalf("no %s event", typ)
		}
		if evs[0].ActorID != e.tokenID || !strings.Contains(evs[0].Detail, `SCIM token "Okta"`) {
			t.Fatalf("%s event=%+v, want it to name the token", typ, evs[0])
		}
	}
	if evs := e.events(latchkey.EventSCIMUserSuspend); evs[len(evs)-1].AccountID != id || evs[len(evs)-1].Email != "pat.smith@acme.test" {
		t.Fatalf("suspend event=%+v, want the account and its email", evs[len(evs)-1])
	}
}

// TestEntraSequence replays what Microsoft Entra's provisioning service sends, following
// "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID"
// (learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups):
// a filter on userName and on externalId, PATCH with capitalised ops, active as the string
// "False", an operation without path holding a value map, replace on
// emails[type eq "work"].value, and groups whose members are removed with a value list.
func TestEntraSequence(t *testing.T) {
	e := newEnv(t)

	// Entra probes with a random userName first (its "test connection").
	r := e.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "non-existent-user-9c1f"`), nil).want(t, http.StatusOK)
	if r.body["totalResults"] != 0.0 || len(r.resources()) != 0 {
		t.Fatalf("probe: %s", r.raw)
	}
	r = e.do("POST", "/Users", map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
		"userName":   "Test_User_ab6490ee@acme.test",
		"active":     true,
		"emails":     []any{map[string]any{"primary": true, "type": "work", "value": "Test_User_ab6490ee@acme.test"}},
		"meta":       map[string]any{"resourceType": "User"},
		"name":       map[string]any{"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
		"roles":      []any{},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Sales"},
	}).want(t, http.StatusCreated)
	id := r.str("id")

	// Look-ups by externalId, by userName in another case, and by the work email.
	for _, f := range []string{
		`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`,
		`userName eq "test_user_AB6490EE@acme.test"`,
		`emails[type eq "work"].value eq "Test_User_ab6490ee@acme.test"`,
		`externalId eq "nope" or userName eq "Test_User_ab6490ee@acme.test"`,
		`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef" and active eq true`,
	} {
		r := e.do("GET", "/Users?filter="+url.QueryEscape(f), nil).want(t, http.StatusOK)
		if rs := r.resources(); len(rs) != 1 || rs[0]["id"] != id {
			t.Fatalf("filter %s found %v, want the user", f, rs)
		}
	}
	r = e.do("GET", "/Users?filter="+url.QueryEscape(`externalId eq "0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF"`), nil).want(t, http.StatusOK)
	if len(r.resources()) != 0 {
		t.Fatal("externalId is caseExact, but a filter in another case matched")
	}

	// PATCH with capitalised ops and paths.
	e.do("PATCH", "/Users/"+id, patch(
		op("Replace", "displayName", "Ryan Leenay"),
		op("Add", "name.givenName", "Ryan"),
		op("Replace", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "Marketing"),
	)).want(t, http.StatusOK)
	if a, _ := e.account(id); a.Name != "Ryan Leenay" {
		t.Fatalf("name=%q after PATCH displayName", a.Name)
	}

	// Quirk: replace on emails[type eq "work"].value changes the email (it is the username).
	r = e.do("PATCH", "/Users/"+id, patch(op("replace", `emails[type eq "work"].value`, "ryan@acme.test"))).want(t, http.StatusOK)
	if r.str("userName") != "ryan@acme.test" || r.str("emails.0.value") != "ryan@acme.test" {
		t.Fatalf("after replacing the work email: %s", r.raw)
	}
	if a, _ := e.account(id); a.Email != "ryan@acme.test" {
		t.Fatalf("email=%q, want ryan@acme.test", a.Email)
	}

	// Quirk: active as the string "False", in an operation with a path.
	sid := e.session(id)
	e.do("PATCH", "/Users/"+id, patch(op("Replace", "active", "False"))).want(t, http.StatusOK)
	if a, _ := e.account(id); a.Status != latchkey.StatusSuspended {
		t.Fatalf("status=%s after active \"False\"", a.Status)
	}
	if e.sessionLive(sid) {
		t.Fatal("the suspended member's session is still live")
	}

	// Quirk: no path, a value map, "True" as a string and a dotted key.
	r = e.do("PATCH", "/Users/"+id, patch(op("Replace", "", map[string]any{"active": "True", "name.familyName": "Leenay", "displayName": "Ryan L."}))).want(t, http.StatusOK)
	if a, _ := e.account(id); a.Status != latchkey.StatusActive || a.Name != "Ryan L." {
		t.Fatalf("account=%+v after the value-map PATCH", a)
	}
	if r.str("name.familyName") != "Leenay" {
		t.Fatalf("familyName=%q", r.str("name.familyName"))
	}

	// Groups: Entra creates with members, then adds and removes with value lists.
	other := e.createUser("other@acme.test")
	r = e.do("POST", "/Groups", map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
		"displayName": "Group1DisplayName", "meta": map[string]any{"resourceType": "Group"},
	}).want(t, http.StatusCreated)
	gid := r.str("id")
	r = e.do("GET", "/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "Group1DisplayName"`), nil).want(t, http.StatusOK)
	if rs := r.resources(); len(rs) != 1 || rs[0]["members"] != nil {
		t.Fatalf("group look-up with excludedAttributes=members: %v", rs)
	}
	e.do("PATCH", "/Groups/"+gid, patch(op("Add", "members", []any{map[string]any{"value": id}, map[string]any{"value": other}}))).want(t, http.StatusOK)
	r = e.do("GET", "/Groups?filter="+url.QueryEscape(`id eq "`+gid+`" and members eq "`+id+`"`)+"&excludedAttributes=members", nil).want(t, http.StatusOK)
	if len(r.resources()) != 1 {
		t.Fatalf("Entra's membership check found %s", r.raw)
	}
	r = e.do("PATCH", "/Groups/"+gid, patch(op("Remove", "members", []any{map[string]any{"value": id}}))).want(t, http.StatusOK)
	if ms := r.body["members"].([]any); len(ms) != 1 || ms[0].(map[string]any)["value"] != other {
		t.Fatalf("members after Remove=%v", ms)
	}

	// Delete.
	e.do("DELETE", "/Users/"+id, nil).want(t, http.StatusNoContent)
	if _, ok := e.account(id); ok {
		t.Fatal("DELETE left the account")
	}
	e.do("GET", "/Users/"+id, nil).wantError(t, http.StatusNotFound, "")
}
