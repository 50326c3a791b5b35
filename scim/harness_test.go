package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/testclock"
	"github.com/latchkey/latchkey/scim"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
)

var start = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// env is a SCIM server over a real SQLite store with two workspaces: acme (approved domain
// acme.test) and globex (globex.test). Requests go to /<slug>/scim/v2/…, standing in for the
// workspace host that the lead's router resolves.
type env struct {
	t       *testing.T
	store   *sqlstore.DB
	clock   *testclock.Clock
	h       *scim.Handler
	srv     *httptest.Server
	acme    latchkey.Workspace
	globex  latchkey.Workspace
	admin   latchkey.Account // acme's first administrator
	token   string           // a live SCIM token of acme
	tokenID string
}

func newEnv(t *testing.T, cfg ...func(*scim.Config)) *env {
	t.Helper()
	store, err := sqlstore.Open(t.Context(), sqlitetest.DSN(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	e := &env{t: t, store: store, clock: testclock.New(start)}
	domains := map[string][]string{}
	for _, slug := range []string{"acme", "globex"} {
		w := latchkey.Workspace{ID: latchkey.NewID(), Slug: slug, Name: slug, CreatedAt: start}
		admin := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: w.ID, Email: "admin@" + slug + ".test", Name: "Admin",
			Role: latchkey.RoleAdmin, Status: latchkey.StatusActive, CreatedAt: start, UpdatedAt: start}
		if err := store.CreateWorkspace(t.Context(), w, admin); err != nil {
			t.Fatal(err)
		}
		domains[w.ID] = []string{slug + ".test"}
		if slug == "acme" {
			e.acme, e.admin = w, admin
		} else {
			e.globex = w
		}
	}
	c := scim.Config{
		Store: store,
		Domains: scim.DomainsFunc(func(_ context.Context, ws string) ([]string, error) {
			return domains[ws], nil
		}),
		Now: e.clock.Now,
	}
	for _, f := range cfg {
		f(&c)
	}
	e.h, err = scim.New(c)
	if err != nil {
		t.Fatal(err)
	}
	secret, tok, err := e.h.CreateToken(t.Context(), e.acme.ID, "Okta", e.admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.token, e.tokenID = secret, tok.ID
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slug, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		ws, err := store.WorkspaceBySlug(r.Context(), slug)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		e.h.Serve(w, r, ws, "https://"+slug+".app.test/scim/v2")
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// reply is a response: its status, headers and JSON body.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends a request to acme's endpoint with its token. body is JSON-encoded unless it is a
// string.
func (e *env) do(method, path string, body any) reply {
	e.t.Helper()
	return e.doAs(e.token, "acme", method, path, body)
}

func (e *env) doAs(token, slug, method, path string, body any) reply {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.srv.URL+"/"+slug+"/scim/v2"+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := reply{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
			e.t.Fatalf("%s %s: Content-Type=%q, want application/scim+json", method, path, ct)
		}
	}
	return r
}

// want fails the test unless r has this status.
func (r reply) want(t *testing.T, status int) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status=%d, want %d; body %s", r.status, status, r.raw)
	}
	return r
}

// wantError fails the test unless r is a SCIM error with this status and scimType.
func (r reply) wantError(t *testing.T, status int, scimType string) {
	t.Helper()
	r.want(t, status)
	if got := r.body["status"]; got != itoa(status) {
		t.Fatalf("error status=%v, want %q; body %s", got, itoa(status), r.raw)
	}
	if got, _ := r.body["scimType"].(string); got != scimType {
		t.Fatalf("scimType=%q, want %q; body %s", got, scimType, r.raw)
	}
	if s, _ := r.body["schemas"].([]any); len(s) != 1 || s[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Fatalf("schemas=%v, want the Error schema", r.body["schemas"])
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// str reads a string at a dotted path of r's body ("name.givenName", "emails.0.value").
func (r reply) str(path string) string {
	v := any(r.body)
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := int(p[0] - '0')
			if i >= len(x) {
				return ""
			}
			v = x[i]
		default:
			return ""
		}
	}
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// resources returns the Resources of a ListResponse.
func (r reply) resources() []map[string]any {
	var out []map[string]any
	for _, x := range r.body["Resources"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

// account reads an acme account, failing the test on any error but not-found (returned as ok=false).
func (e *env) account(id string) (latchkey.Account, bool) {
	e.t.Helper()
	a, err := e.store.Account(e.t.Context(), e.acme.ID, id)
	if errors.Is(err, latchkey.ErrNotFound) {
		return latchkey.Account{}, false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return a, true
}

// session signs account id in (a live session row) and returns the session's ID.
func (e *env) session(id string) string {
	e.t.Helper()
	_, hash := latchkey.NewSecret()
	now := e.clock.Now()
	s := latchkey.Session{ID: hash, WorkspaceID: e.acme.ID, AccountID: id, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(time.Hour), ClientAddr: "192.0.2.1", UserAgent: "test"}
	if err := e.store.CreateSession(e.t.Context(), s); err != nil {
		e.t.Fatal(err)
	}
	return hash
}

// sessionLive reports whether session sid of acme still exists.
func (e *env) sessionLive(sid string) bool {
	e.t.Helper()
	_, _, err := e.store.Session(e.t.Context(), e.acme.ID, sid)
	if errors.Is(err, latchkey.ErrNotFound) {
		return false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return true
}

// events lists acme's events of type typ, newest first.
func (e *env) events(typ latchkey.EventType) []latchkey.Event {
	e.t.Helper()
	evs, err := e.store.Events(e.t.Context(), e.acme.ID, latchkey.EventFilter{Type: typ})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// createUser provisions userName in acme and returns the new user's id.
func (e *env) createUser(userName string) string {
	e.t.Helper()
	r := e.do("POST", "/Users", map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": userName,
		"name":     map[string]any{"givenName": "Given", "familyName": "Family"},
		"emails":   []any{map[string]any{"value": userName, "type": "work", "primary": true}},
		"active":   true,
	}).want(e.t, http.StatusCreated)
	return r.str("id")
}

const patchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// patch builds a PatchOp body.
func patch(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{patchOp}, "Operations": ops}
}

func op(o, path string, value any) map[string]any {
	m := map[string]any{"op": o}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}
