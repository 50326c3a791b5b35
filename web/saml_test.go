package web_test

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector"
	"github.com/latchkey/latchkey/connector/saml/samltest"
	"github.com/latchkey/latchkey/internal/webtest"
)

// samlFixture is acme with acme.example approved and a SAML IdP served on 127.0.0.1,
// connected as "Okta" from its metadata.
type samlFixture struct {
	acme
	e    *env
	idp  *samltest.IdP
	srv  *httptest.Server
	conn latchkey.Connection
}

func newSAMLFixture(t *testing.T, jit, idpInitiated bool) samlFixture {
	t.Helper()
	e := newEnv(t)
	f := e.seedAcme(t)
	e.approve(t, f.ws, "acme.example")
	return e.samlFor(t, f, jit, idpInitiated)
}

func (e *env) samlFor(t *testing.T, f acme, jit, idpInitiated bool) samlFixture {
	t.Helper()
	idp, err := samltest.New("https://idp."+f.ws.Slug+".example/saml", e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(idp)
	t.Cleanup(srv.Close)
	idp.SSOURL = srv.URL + "/sso"
	c := e.addConnection(t, f.ws, latchkey.Connection{Kind: latchkey.KindSAML, Name: "Okta", MetadataXML: string(idp.Metadata()), JIT: jit, IdPInitiated: idpInitiated}, "")
	idp.SP = e.svc.ConnectionURLs(f.ws, c)
	idp.User = samlUser(f.member.Email)
	return samlFixture{acme: f, e: e, idp: idp, srv: srv, conn: c}
}

func samlUser(email string) samltest.User {
	return samltest.User{NameID: email, NameIDFormat: samltest.NameIDEmail, Attributes: []samltest.Attribute{
		{Name: "email", Values: []string{email}}, {Name: "firstName", Values: []string{"Bob"}}, {Name: "lastName", Values: []string{"Builder"}},
	}}
}

// postACS posts the IdP's form to the ACS cross-site, as the IdP's page does.
func (b *browser) postACS(t *testing.T, f samlFixture, fields url.Values) *webtest.Response {
	t.Helper()
	req := webtest.FormRequest(t, f.idp.SP.Callback, fields)
	req.Header.Set("Origin", f.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	return b.Do(t, req)
}

// samlRequest presses the button and returns the AuthnRequest it sends to the IdP.
func (b *browser) samlRequest(t *testing.T, f samlFixture, remember bool) samltest.AuthnRequest {
	t.Helper()
	r := b.ssoStart(t, f.e, f.ws.Slug, f.conn.ID, remember)
	u, err := url.Parse(continueURL(t, r))
	if err != nil {
		t.Fatal(err)
	}
	req, err := samltest.ParseRedirect(u.Query())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// samlSignIn presses the button, lets the IdP answer with its auto-POST form, and posts it.
func (b *browser) samlSignIn(t *testing.T, f samlFixture, remember bool) *webtest.Response {
	t.Helper()
	r := b.ssoStart(t, f.e, f.ws.Slug, f.conn.ID, remember)
	page := b.Get(t, continueURL(t, r))
	fields := url.Values{}
	for _, n := range page.Find(func(n *html.Node) bool { return n.Data == "input" }) {
		fields.Set(webtest.Attr(n, "name"), webtest.Attr(n, "value"))
	}
	if fields.Get("SAMLResponse") == "" {
		t.Fatalf("the IdP gave no form: %d %q", page.Status, page.Body)
	}
	return b.postACS(t, f, fields)
}

func encode(t *testing.T, r *samltest.Response) string {
	t.Helper()
	s, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSAMLSignIn(t *testing.T) {
	t.Parallel()
	f := newSAMLFixture(t, false, false)
	b := f.e.newBrowser(t)
	login := b.Get(t, f.e.url("acme", "/login"))
	if got := login.Texts("button", "sso-button"); len(got) != 1 || got[0] != "Continue with Okta" {
		t.Fatalf("buttons %q", got)
	}
	r := b.samlSignIn(t, f, true)
	wantPage(t, r, http.StatusOK, "/dashboard")
	if sc := r.SetCookie("latchkey_session"); sc == nil || sc.MaxAge <= 0 {
		t.Errorf("Keep me signed in was not honoured: %v", r.SetCookieLine("latchkey_session"))
	}
	if line := r.SetCookieLine("latchkey_saml"); line != "" {
		t.Errorf("the ACS set the binding cookie again: %s", line)
	}
	l, err := f.e.store.IdentityBySubject(t.Context(), f.ws.ID, f.conn.ID, f.member.Email)
	if err != nil || l.AccountID != f.member.ID {
		t.Fatalf("link %+v, %v", l, err)
	}

	// SP metadata: entity ID = its own address, ACS with the HTTP-POST binding.
	md := b.Get(t, f.idp.SP.Metadata)
	if md.Status != http.StatusOK || !strings.Contains(md.Body, `entityID="`+f.idp.SP.EntityID+`"`) || !strings.Contains(md.Body, f.idp.SP.Callback) {
		t.Fatalf("metadata %d %s", md.Status, md.Body)
	}
	if f.idp.SP.EntityID != f.e.url("acme", "/sso/"+f.conn.ID+"/metadata") || f.idp.SP.Callback != f.e.url("acme", "/sso/"+f.conn.ID+"/acs") {
		t.Errorf("SP URLs %+v", f.idp.SP)
	}
}

func TestSAMLProvisioning(t *testing.T) {
	t.Parallel()
	f := newSAMLFixture(t, false, false)
	f.idp.User = samlUser("carol@acme.example")
	b := f.e.newBrowser(t)
	r := b.samlSignIn(t, f, false)
	wantSSORefused(t, f.e, f.ws, r, http.StatusForbidden, latchkey.MsgSSONotProvisioned, latchkey.SSOReasonNotProvisioned)

	g := newSAMLFixture(t, true, false)
	g.idp.User = samlUser("carol@acme.example")
	r = g.e.newBrowser(t).samlSignIn(t, g, false)
	wantPage(t, r, http.StatusOK, "/dashboard")
	a, err := g.e.store.AccountByEmail(t.Context(), g.ws.ID, "carol@acme.example")
	if err != nil || a.Status != latchkey.StatusActive || a.Name != "Bob Builder" || a.PasswordHash != "" {
		t.Fatalf("provisioned %+v, %v", a, err)
	}
}

// Each attack posted to the ACS is a clear page (never a 500) and an audit event with its
// reason; nobody is signed in.
func TestSAMLAttacks(t *testing.T) {
	t.Parallel()
	f := newSAMLFixture(t, false, false)
	other, err := samltest.NewKey("evil", start.Add(-time.Hour), start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		build  func(t *testing.T, req samltest.AuthnRequest) url.Values
		status int
		msg    string
		reason string
	}{
		{"unsigned", func(t *testing.T, req samltest.AuthnRequest) url.Values {
			r := f.idp.Response(f.idp.SP, req.ID, f.idp.User)
			r.SignAssertion = false
			return url.Values{"SAMLResponse": {encode(t, r)}, "RelayState": {req.RelayState}}
		}, http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonResponseInvalid},
		{"another key", func(t *testing.T, req samltest.AuthnRequest) url.Values {
			r := f.idp.Response(f.idp.SP, req.ID, f.idp.User)
			r.Key = other
			return url.Values{"SAMLResponse": {encode(t, r)}, "RelayState": {req.RelayState}}
		}, http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonResponseInvalid},
		{"XSW3", func(t *testing.T, req samltest.AuthnRequest) url.Values { return xsw(t, f, req, samltest.XSW3) }, http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonResponseInvalid},
		{"XSW4", func(t *testing.T, req samltest.AuthnRequest) url.Values { return xsw(t, f, req, samltest.XSW4) }, http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonResponseInvalid},
		{"XSW beside, after", func(t *testing.T, req samltest.AuthnRequest) url.Values {
			return xsw(t, f, req, samltest.XSWBesideAfter)
		}, http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonResponseInvalid},
		{"unknown InResponseTo", func(t *testing.T, req samltest.AuthnRequest) url.Values {
			r := f.idp.Response(f.idp.SP, samltest.NewID(), f.idp.User)
			return url.Values{"SAMLResponse": {encode(t, r)}, "RelayState": {req.RelayState}}
		}, http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonResponseInvalid},
		{"no RelayState", func(t *testing.T, req samltest.AuthnRequest) url.Values {
			r := f.idp.Response(f.idp.SP, req.ID, f.idp.User)
			return url.Values{"SAMLResponse": {encode(t, r)}}
		}, http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonUnsolicited},
		{"DOCTYPE", func(t *testing.T, req samltest.AuthnRequest) url.Values {
			r := f.idp.Response(f.idp.SP, req.ID, f.idp.User)
			raw, _ := base64.StdEncoding.DecodeString(encode(t, r))
			evil := append([]byte(`<!DOCTYPE r [<!ENTITY x "alice">]>`), raw...)
			return url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(evil)}, "RelayState": {req.RelayState}}
		}, http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonResponseInvalid},
		{"oversize body", func(t *testing.T, req samltest.AuthnRequest) url.Values {
			return url.Values{"SAMLResponse": {strings.Repeat("A", 300<<10)}, "RelayState": {req.RelayState}}
		}, http.StatusBadRequest, latchkey.MsgSSOFailed, connector.ReasonResponseInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := f.e.newBrowser(t)
			req := b.samlRequest(t, f, false)
			r := b.postACS(t, f, tt.build(t, req))
			wantSSORefused(t, f.e, f.ws, r, tt.status, tt.msg, tt.reason)
		})
	}

	t.Run("reused InResponseTo", func(t *testing.T) {
		b := f.e.newBrowser(t)
		first := b.samlRequest(t, f, false)
		fields := url.Values{"SAMLResponse": {encode(t, f.idp.Response(f.idp.SP, first.ID, f.idp.User))}, "RelayState": {first.RelayState}}
		wantPage(t, b.postACS(t, f, fields), http.StatusOK, "/dashboard")
		// The same response again: its flow is spent.
		r := b.postACS(t, f, fields)
		wantSSORefused(t, f.e, f.ws, r, http.StatusGone, latchkey.MsgSSOExpired, latchkey.SSOReasonFlow)
		// The same response with a fresh flow: its InResponseTo is not that flow's request.
		b2 := f.e.newBrowser(t)
		second := b2.samlRequest(t, f, false)
		fields.Set("RelayState", second.RelayState)
		r = b2.postACS(t, f, fields)
		wantSSORefused(t, f.e, f.ws, r, http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonResponseInvalid)
	})
	t.Run("another browser", func(t *testing.T) {
		a, other := f.e.newBrowser(t), f.e.newBrowser(t)
		req := a.samlRequest(t, f, false)
		fields := url.Values{"SAMLResponse": {encode(t, f.idp.Response(f.idp.SP, req.ID, f.idp.User))}, "RelayState": {req.RelayState}}
		wantSSORefused(t, f.e, f.ws, other.postACS(t, f, fields), http.StatusGone, latchkey.MsgSSOExpired, latchkey.SSOReasonFlow)
	})
	t.Run("another workspace's request", func(t *testing.T) {
		gws, gadmin, _ := f.e.createWorkspace(t, "globex", "Globex")
		f.e.activate(t, gadmin, goodPassword)
		f.e.approve(t, gws, "acme.example")
		g := f.e.samlFor(t, acme{ws: gws, admin: gadmin, member: f.member}, false, false)
		b := f.e.newBrowser(t)
		req := b.samlRequest(t, g, false)
		// globex's request and RelayState, answered by acme's IdP to acme's ACS.
		fields := url.Values{"SAMLResponse": {encode(t, f.idp.Response(f.idp.SP, req.ID, f.idp.User))}, "RelayState": {req.RelayState}}
		wantSSORefused(t, f.e, f.ws, b.postACS(t, f, fields), http.StatusGone, latchkey.MsgSSOExpired, latchkey.SSOReasonFlow)
	})
	if evs := f.e.events(t, f.ws, latchkey.EventSignIn); len(evs) != 1 {
		t.Errorf("%d sign-ins, want the one valid response's only", len(evs))
	}
}

func xsw(t *testing.T, f samlFixture, req samltest.AuthnRequest, variant int) url.Values {
	t.Helper()
	r := f.idp.Response(f.idp.SP, req.ID, f.idp.User)
	signed, err := r.Document()
	if err != nil {
		t.Fatal(err)
	}
	evil := f.idp.Response(f.idp.SP, req.ID, samlUser("eve@acme.example"))
	evil.Assertion.ID = samltest.NewID()
	doc, err := samltest.XSW(variant, signed, evil.AssertionElement())
	if err != nil {
		t.Fatal(err)
	}
	s, err := samltest.Encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"SAMLResponse": {s}, "RelayState": {req.RelayState}}
}

// IdP-initiated sign-in is off by default; on, every check applies and each assertion is
// accepted once.
func TestSAMLIdPInitiated(t *testing.T) {
	t.Parallel()
	f := newSAMLFixture(t, false, false)
	b := f.e.newBrowser(t)
	fields := url.Values{"SAMLResponse": {encode(t, f.idp.Response(f.idp.SP, "", f.idp.User))}}
	wantSSORefused(t, f.e, f.ws, b.postACS(t, f, fields), http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonUnsolicited)

	g := newSAMLFixture(t, false, true)
	fields = url.Values{"SAMLResponse": {encode(t, g.idp.Response(g.idp.SP, "", g.idp.User))}}
	b = g.e.newBrowser(t)
	wantPage(t, b.postACS(t, g, fields), http.StatusOK, "/dashboard")
	r := g.e.newBrowser(t).postACS(t, g, fields)
	wantSSORefused(t, g.e, g.ws, r, http.StatusUnauthorized, latchkey.MsgSSOExpired, latchkey.SSOReasonReplay)
}

// On https the SAML binding cookie is SameSite=None and Secure (the IdP's POST is
// cross-site); the OIDC one is Lax.
func TestSAMLBindingCookieHTTPS(t *testing.T) {
	t.Parallel()
	e := newHandlerEnv(t, "https://app.test")
	f := e.seedAcme(t)
	s := e.samlFor(t, f, false, false)
	serve := func(req *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		return rec
	}
	rec := serve(httptest.NewRequestWithContext(t.Context(), http.MethodGet, "https://acme.app.test/login", nil))
	doc, err := html.Parse(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	var nonce *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "__Host-latchkey_nonce" {
			nonce = c
		}
	}
	form := url.Values{"csrf": {(&webtest.Response{Doc: doc}).CSRF()}}
	post := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "https://acme.app.test/sso/"+s.conn.ID+"/start", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("Origin", "https://acme.app.test")
	post.Header.Set("Sec-Fetch-Site", "same-origin")
	post.AddCookie(&http.Cookie{Name: nonce.Name, Value: nonce.Value})
	rec = serve(post)
	if rec.Code != http.StatusOK {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	var line string
	for _, l := range rec.Header().Values("Set-Cookie") {
		if strings.HasPrefix(l, "__Host-latchkey_saml=") {
			line = l
		}
	}
	if !strings.Contains(line, "SameSite=None") || !strings.Contains(line, "Secure") || !strings.Contains(line, "HttpOnly") || !strings.Contains(line, "Max-Age=600") {
		t.Errorf("SAML binding cookie %q, want HttpOnly; Secure; SameSite=None; Max-Age=600", line)
	}
}

// Test connection through the ACS shows the assertion's attributes and the checks; a SAML
// connection's reply at the OIDC callback is not found.
func TestSAMLTestConnection(t *testing.T) {
	t.Parallel()
	f := newSAMLFixture(t, false, false)
	admin := f.e.newBrowser(t)
	admin.mustLogin(t, f.e, "acme", f.admin.Email, goodPassword)
	r := admin.Submit(t, f.e.url("acme", "/admin/sso"), f.e.url("acme", "/admin/sso/"+f.conn.ID+"/test"), nil)
	page := admin.Get(t, continueURL(t, r))
	fields := url.Values{}
	for _, n := range page.Find(func(n *html.Node) bool { return n.Data == "input" }) {
		fields.Set(webtest.Attr(n, "name"), webtest.Attr(n, "value"))
	}
	r = admin.postACS(t, f, fields)
	wantPage(t, r, http.StatusOK, "/sso/"+f.conn.ID+"/acs")
	for _, want := range []string{"Every check passed", "signature", "audience", "in response to", "once only", "approved domain", "firstName", "Bob"} {
		if !strings.Contains(r.Text(), want) {
			t.Errorf("the test page does not show %q: %q", want, r.Text())
		}
	}
	noSession(t, r)
	if links, _ := f.e.store.IdentityLinks(t.Context(), f.ws.ID, f.member.ID); len(links) != 0 {
		t.Errorf("Test connection linked %+v", links)
	}

	b := f.e.newBrowser(t)
	req := b.samlRequest(t, f, false)
	q := url.Values{"SAMLResponse": {encode(t, f.idp.Response(f.idp.SP, req.ID, f.idp.User))}, "RelayState": {req.RelayState}}
	r = b.Get(t, f.e.url("acme", "/sso/"+f.conn.ID+"/callback?"+q.Encode()))
	wantSSORefused(t, f.e, f.ws, r, http.StatusNotFound, latchkey.MsgSSOUnavailable, "")
}

// The edit form points a SAML connection at a metadata URL (fetched at once), takes pasted
// metadata XML, refuses metadata it cannot read without changing anything, and stops the
// refresh when the URL is emptied.
func TestAdminSSOEditSAMLMetadata(t *testing.T) {
	t.Parallel()
	f := newSAMLFixture(t, false, false)
	admin := f.e.newBrowser(t)
	admin.mustLogin(t, f.e, "acme", f.admin.Email, goodPassword)
	page, edit := f.e.url("acme", "/admin/sso"), f.e.url("acme", "/admin/sso/"+f.conn.ID+"/edit")
	stored := func() latchkey.Connection {
		t.Helper()
		c, err := f.e.store.Connection(t.Context(), f.ws.ID, f.conn.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	signsWith := func(c latchkey.Connection, k *samltest.Key) bool {
		for _, p := range c.IdPCerts {
			if b, _ := pem.Decode([]byte(p)); b != nil && bytes.Equal(b.Bytes, k.Cert.Raw) {
				return true
			}
		}
		return false
	}
	rollKey := func() *samltest.Key {
		t.Helper()
		k, err := samltest.NewKey("next", f.e.clock.Now().Add(-time.Hour), f.e.clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		f.idp.Key = k
		return k
	}
	metadata := httptest.NewTLSServer(f.idp) // latchkey fetches metadata over https only
	t.Cleanup(metadata.Close)
	form := func(fields url.Values) url.Values {
		fields.Set("name", "Okta")
		return fields
	}

	// The IdP rolled its key and publishes its metadata: the URL is fetched on save.
	k1 := rollKey()
	r := admin.Submit(t, page, edit, form(url.Values{"metadata_url": {metadata.URL + "/metadata"}}))
	wantPage(t, r, http.StatusOK, "/admin/sso")
	if c := stored(); c.MetadataURL != metadata.URL+"/metadata" || !signsWith(c, k1) || c.MetadataFetchedAt.IsZero() {
		t.Fatalf("after setting the metadata URL: url %q, fetched %v, new key taken %v", c.MetadataURL, c.MetadataFetchedAt, signsWith(c, k1))
	}
	if !strings.Contains(r.Text(), metadata.URL+"/metadata") {
		t.Errorf("the page does not show the metadata URL: %q", r.Text())
	}

	// Pasted metadata replaces the IdP settings.
	k2 := rollKey()
	r = admin.Submit(t, page, edit, form(url.Values{"metadata_url": {metadata.URL + "/metadata"}, "metadata_xml": {string(f.idp.Metadata())}}))
	wantPage(t, r, http.StatusOK, "/admin/sso")
	if c := stored(); !signsWith(c, k2) || signsWith(c, k1) {
		t.Fatalf("after pasting metadata: the new key taken %v, the old one kept %v", signsWith(c, k2), signsWith(c, k1))
	}

	// Metadata that cannot be read is refused, and nothing changes.
	before := stored()
	r = admin.Submit(t, page, edit, form(url.Values{"metadata_xml": {"<EntityDescriptor>"}}))
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Alert(), "The IdP metadata could not be read") {
		t.Fatalf("unreadable metadata: %d %q", r.Status, r.Alert())
	}
	r = admin.Submit(t, page, edit, form(url.Values{"metadata_url": {metadata.URL + "/nothing-here"}}))
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Alert(), "The IdP metadata could not be read") {
		t.Fatalf("a metadata URL that answers 404: %d %q", r.Status, r.Alert())
	}
	if c := stored(); !slices.Equal(c.IdPCerts, before.IdPCerts) || c.MetadataURL != before.MetadataURL {
		t.Fatalf("a refused edit changed the connection: %+v", c)
	}

	// An emptied URL stops the refresh and keeps what the metadata last gave.
	r = admin.Submit(t, page, edit, form(url.Values{"metadata_url": {""}}))
	wantPage(t, r, http.StatusOK, "/admin/sso")
	if c := stored(); c.MetadataURL != "" || !signsWith(c, k2) {
		t.Fatalf("after emptying the URL: url %q, key kept %v", c.MetadataURL, signsWith(c, k2))
	}
}
