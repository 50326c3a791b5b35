package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector/oidc/oidctest"
	"github.com/latchkey/latchkey/internal/webtest"
)

// The Single sign-on page: add (with validation), domains, order, enable/disable, remove; a
// member's linked identities with Unlink.
func TestAdminSSO(t *testing.T) {
	t.Parallel()
	f := newOIDCFixture(t)
	admin := f.e.newBrowser(t)
	admin.mustLogin(t, f.e, "acme", f.admin.Email, goodPassword)
	page := f.e.url("acme", "/admin/sso")
	add := f.e.url("acme", "/admin/sso/connections")

	r := admin.Get(t, page)
	wantPage(t, r, http.StatusOK, "/admin/sso")
	if !containsLink(r, "/admin/sso") {
		t.Error("the navigation has no Single sign-on link")
	}

	// Refusals: a plain http issuer off loopback, no secret, a Microsoft tenant that is a name.
	for _, tc := range []struct {
		name   string
		fields url.Values
		want   string
	}{
		{"http issuer", url.Values{"kind": {"oidc"}, "name": {"Acme ID"}, "issuer": {"http://id.acme.example"}, "client_id": {"x"}, "client_secret": {"y"}}, "must use https"},
		{"no secret", url.Values{"kind": {"oidc"}, "name": {"Acme ID"}, "issuer": {f.p.Issuer()}, "client_id": {"x"}}, latchkey.MsgConnectionSecret},
		{"tenant name", url.Values{"kind": {"microsoft"}, "tenants": {"contoso.com"}, "client_id": {"x"}, "client_secret": {"y"}}, "is not a directory (tenant) id"},
		{"saml without metadata", url.Values{"kind": {"saml"}, "name": {"Okta"}}, "The connection is not complete"},
		{"saml metadata DOCTYPE", url.Values{"kind": {"saml"}, "name": {"Okta"}, "metadata_xml": {`<!DOCTYPE x><x/>`}}, "The IdP metadata could not be read"},
	} {
		r := admin.Submit(t, page, add, tc.fields)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Alert(), tc.want) {
			t.Errorf("%s: %d %q, want 400 with %q", tc.name, r.Status, r.Alert(), tc.want)
		}
	}
	if cs, _ := f.e.store.Connections(t.Context(), f.ws.ID); len(cs) != 0 {
		t.Fatalf("a refused connection was stored: %+v", cs)
	}

	r = admin.Submit(t, page, add, url.Values{"kind": {"oidc"}, "name": {"Acme ID"}, "issuer": {f.p.Issuer()}, "client_id": {f.p.ClientID}, "client_secret": {f.p.ClientSecret}, "jit": {"1"}})
	wantPage(t, r, http.StatusOK, "/admin/sso")
	r = admin.Submit(t, page, add, url.Values{"kind": {"google"}, "issuer": {f.p.Issuer()}, "client_id": {f.p.ClientID}, "client_secret": {f.p.ClientSecret}})
	wantPage(t, r, http.StatusOK, "/admin/sso")
	cs, err := f.e.store.Connections(t.Context(), f.ws.ID)
	if err != nil || len(cs) != 2 || cs[0].Name != "Acme ID" || !cs[0].JIT || cs[1].Name != "Google" {
		t.Fatalf("connections %+v, %v", cs, err)
	}
	if cs[0].ClientSecret == f.p.ClientSecret || !strings.HasPrefix(cs[0].ClientSecret, "test:") {
		t.Errorf("the client secret is not sealed at rest: %q", cs[0].ClientSecret)
	}
	if !strings.Contains(r.Text(), f.e.url("acme", "/sso/"+cs[0].ID+"/callback")) {
		t.Error("the page does not show the callback URL")
	}

	// Order: Google up, then the buttons follow.
	r = admin.Submit(t, page, f.e.url("acme", "/admin/sso/"+cs[1].ID+"/up"), nil)
	wantPage(t, r, http.StatusOK, "/admin/sso")
	b := f.e.newBrowser(t)
	if got := b.Get(t, f.e.url("acme", "/login")).Texts("button", "sso-button"); strings.Join(got, "|") != "Continue with Google|Continue with Acme ID" {
		t.Errorf("buttons %q after the move", got)
	}
	r = admin.Submit(t, page, f.e.url("acme", "/admin/sso/"+cs[1].ID+"/disable"), nil)
	wantPage(t, r, http.StatusOK, "/admin/sso")
	if got := b.Get(t, f.e.url("acme", "/login")).Texts("button", "sso-button"); strings.Join(got, "|") != "Continue with Acme ID" {
		t.Errorf("buttons %q after disabling Google", got)
	}

	// Domains.
	r = admin.Submit(t, page, f.e.url("acme", "/admin/sso/domains"), url.Values{"domain": {"Example.ORG."}})
	wantPage(t, r, http.StatusOK, "/admin/sso")
	r = admin.Submit(t, page, f.e.url("acme", "/admin/sso/domains"), url.Values{"domain": {"not a domain"}})
	if r.Status != http.StatusBadRequest || r.Alert() != latchkey.MsgDomainInvalid {
		t.Errorf("bad domain: %d %q", r.Status, r.Alert())
	}
	r = admin.Submit(t, page, f.e.url("acme", "/admin/sso/domains/remove"), url.Values{"domain": {"example.org"}})
	wantPage(t, r, http.StatusOK, "/admin/sso")
	if ds, _ := f.e.store.Domains(t.Context(), f.ws.ID); strings.Join(ds, ",") != "acme.example" {
		t.Errorf("domains %q", ds)
	}
	dash := admin.Get(t, f.e.url("acme", "/dashboard"))
	if !strings.Contains(dash.Text(), "Acme ID") || !strings.Contains(dash.Text(), "Approved company domains: acme.example") {
		t.Errorf("the dashboard does not list the connections and domains: %q", dash.Text())
	}

	// A member's linked identity, and Unlink.
	f.p.Next(oidctest.Generic("sub-bob", f.member.Email))
	wantPage(t, f.e.newBrowser(t).oidcSignIn(t, f.e, cs[0].ID, false), http.StatusOK, "/dashboard")
	ids := f.e.url("acme", "/admin/members/"+f.member.ID+"/identities")
	r = admin.Get(t, ids)
	if !strings.Contains(r.Text(), "sub-bob") || !strings.Contains(r.Text(), "Acme ID") {
		t.Fatalf("identities page %q", r.Text())
	}
	r = admin.Submit(t, ids, f.e.url("acme", "/admin/members/"+f.member.ID+"/identities/unlink"), url.Values{"connection": {cs[0].ID}, "subject": {"sub-bob"}})
	wantPage(t, r, http.StatusOK, "/admin/members/"+f.member.ID+"/identities")
	if r.Notice() != latchkey.MsgIdentityUnlinked {
		t.Errorf("notice %q", r.Notice())
	}
	if links, _ := f.e.store.IdentityLinks(t.Context(), f.ws.ID, f.member.ID); len(links) != 0 {
		t.Errorf("still linked: %+v", links)
	}
	if evs := f.e.events(t, f.ws, latchkey.EventSSOUnlinked); len(evs) != 1 || evs[0].ActorID != f.admin.ID {
		t.Errorf("unlink events %+v", evs)
	}

	// Remove.
	r = admin.Submit(t, page, f.e.url("acme", "/admin/sso/"+cs[1].ID+"/remove"), nil)
	wantPage(t, r, http.StatusOK, "/admin/sso")
	if cs, _ := f.e.store.Connections(t.Context(), f.ws.ID); len(cs) != 1 {
		t.Errorf("connections after remove: %+v", cs)
	}
	// Members do not see the page.
	m := f.e.newBrowser(t)
	m.mustLogin(t, f.e, "acme", f.member.Email, goodPassword)
	if r := m.Get(t, page); r.Status != http.StatusNotFound {
		t.Errorf("member GET /admin/sso: %d", r.Status)
	}
}

// Edit changes the name, provisioning and provider settings, keeps the secret unless a new
// one is given, and validates like Add.
func TestAdminSSOEdit(t *testing.T) {
	t.Parallel()
	f := newOIDCFixture(t)
	c := f.generic(t, false)
	admin := f.e.newBrowser(t)
	admin.mustLogin(t, f.e, "acme", f.admin.Email, goodPassword)
	page, edit := f.e.url("acme", "/admin/sso"), f.e.url("acme", "/admin/sso/"+c.ID+"/edit")

	r := admin.Submit(t, page, edit, url.Values{"name": {"Acme SSO"}, "jit": {"1"}, "issuer": {f.p.Issuer()}, "client_id": {f.p.ClientID}})
	wantPage(t, r, http.StatusOK, "/admin/sso")
	got, _ := f.e.store.Connection(t.Context(), f.ws.ID, c.ID)
	if got.Name != "Acme SSO" || !got.JIT || got.ClientSecret != c.ClientSecret {
		t.Fatalf("after edit %+v", got)
	}
	r = admin.Submit(t, page, edit, url.Values{"name": {"Acme SSO"}, "issuer": {"http://id.acme.example"}, "client_id": {f.p.ClientID}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Alert(), "must use https") {
		t.Errorf("edit to a plain http issuer: %d %q", r.Status, r.Alert())
	}
	r = admin.Submit(t, page, edit, url.Values{"name": {"Acme SSO"}, "issuer": {f.p.Issuer()}, "client_id": {f.p.ClientID}, "client_secret": {"new-secret"}})
	wantPage(t, r, http.StatusOK, "/admin/sso")
	if again, _ := f.e.store.Connection(t.Context(), f.ws.ID, c.ID); again.ClientSecret == got.ClientSecret || strings.Contains(again.ClientSecret, "new-secret") {
		t.Errorf("the new secret was not sealed in: %q", again.ClientSecret)
	}
	if evs := f.e.events(t, f.ws, latchkey.EventSSOConnection); len(evs) == 0 || !strings.Contains(evs[0].Detail, "client secret") {
		t.Errorf("connection events %+v", evs)
	}
}

// The Single sign-on page lists the workspace's SCIM tokens with Revoke, and creates one: the
// token is shown once on the page that follows.
func TestSSOPageHoldsSCIMTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	page := e.url("acme", "/admin/sso")
	r := admin.Submit(t, page, e.url("acme", "/admin/provisioning/tokens"), url.Values{"name": {"Okta"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Text(), "Your new SCIM token") {
		t.Fatalf("create from the SSO page: %d %q", r.Status, r.Text())
	}
	r = admin.Get(t, page)
	if !strings.Contains(r.Text(), "Okta") || !strings.Contains(r.Text(), "/scim/v2") || !containsText(r, "Create SCIM token") {
		t.Fatalf("the SSO page does not list the token and base URL: %q", r.Text())
	}
	var revoke string
	for _, n := range r.Find(func(n *html.Node) bool {
		return n.Data == "form" && strings.HasSuffix(webtest.Attr(n, "action"), "/revoke") && strings.Contains(webtest.Attr(n, "action"), "/provisioning/tokens/")
	}) {
		revoke = webtest.Attr(n, "action")
	}
	if revoke == "" {
		t.Fatal("no Revoke form for the token on the SSO page")
	}
	r = admin.Submit(t, page, e.url("acme", revoke), nil)
	if r.Status != http.StatusOK {
		t.Fatalf("revoke from the SSO page: %d", r.Status)
	}
	if !strings.Contains(admin.Get(t, page).Text(), "Revoked") {
		t.Fatal("the SSO page does not show the token as revoked")
	}
}
