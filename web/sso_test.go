package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/connector"
	"github.com/latchkey/latchkey/connector/oidc/oidctest"
	"github.com/latchkey/latchkey/internal/webtest"
)

const (
	tenantA = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	tenantB = "0b1d7d36-8e54-4c2d-9a3f-2f8a3f0c9e11"
	tenantC = "5c3e1a2b-6d4f-4e8a-9b7c-1d2e3f4a5b6c"
)

// addConnection adds a connection through the service, as the CLI does (no actor).
func (e *env) addConnection(t *testing.T, ws latchkey.Workspace, c latchkey.Connection, secret string) latchkey.Connection {
	t.Helper()
	c.Enabled = true
	got, err := e.adm.CreateConnection(t.Context(), admin.NewConnection{
		ConnectionAction: admin.ConnectionAction{Workspace: ws, Actor: latchkey.OperatorActor()}, Connection: c, ClientSecret: secret,
	})
	if err != nil {
		t.Fatalf("add connection: %v", err)
	}
	return got
}

// approve approves domains for ws.
func (e *env) approve(t *testing.T, ws latchkey.Workspace, domains ...string) {
	t.Helper()
	for _, d := range domains {
		if err := e.store.AddDomain(t.Context(), ws.ID, d); err != nil {
			t.Fatal(err)
		}
	}
}

// oidcFixture is acme with acme.example approved and an OpenID provider started on the
// test's clock.
type oidcFixture struct {
	acme
	e *env
	p *oidctest.Server
}

func newOIDCFixture(t *testing.T) oidcFixture {
	t.Helper()
	e := newEnv(t)
	f := e.seedAcme(t)
	e.approve(t, f.ws, "acme.example")
	p := oidctest.New(t, oidctest.Options{Now: e.clock.Now})
	return oidcFixture{acme: f, e: e, p: p}
}

func (f oidcFixture) generic(t *testing.T, jit bool) latchkey.Connection {
	t.Helper()
	return f.e.addConnection(t, f.ws, latchkey.Connection{Kind: latchkey.KindOIDC, Name: "Acme ID", Issuer: f.p.Issuer(), ClientID: f.p.ClientID, JIT: jit}, f.p.ClientSecret)
}

func (f oidcFixture) google(t *testing.T) latchkey.Connection {
	t.Helper()
	return f.e.addConnection(t, f.ws, latchkey.Connection{Kind: latchkey.KindGoogle, Issuer: f.p.Issuer(), ClientID: f.p.ClientID}, f.p.ClientSecret)
}

// microsoft adds a Microsoft connection to p, which, like Entra, sends no RFC 9207 iss.
func (f oidcFixture) microsoft(t *testing.T, p *oidctest.Server, tenants ...string) latchkey.Connection {
	t.Helper()
	return f.e.addConnection(t, f.ws, latchkey.Connection{Kind: latchkey.KindMicrosoft, Issuer: p.Authority(), ClientID: p.ClientID, Tenants: tenants}, p.ClientSecret)
}

// ssoStart presses the connection's button on the sign-in page (a form of its own, or, with
// password sign-in off, a button of the one form that also holds Keep me signed in) and returns
// the hand-off page.
func (b *browser) ssoStart(t *testing.T, e *env, slug, connID string, remember bool) *webtest.Response {
	t.Helper()
	login := b.Get(t, e.url(slug, "/login"))
	action := "/sso/" + connID + "/start"
	var tok string
	hasButton := func(form *html.Node) bool {
		for n := range form.Descendants() {
			if n.Type == html.ElementNode && n.Data == "button" && webtest.Attr(n, "formaction") == action {
				return true
			}
		}
		return false
	}
	for _, form := range login.Find(func(n *html.Node) bool {
		return n.Data == "form" && (webtest.Attr(n, "action") == action || hasButton(n))
	}) {
		for n := range form.Descendants() {
			if n.Type == html.ElementNode && webtest.Attr(n, "name") == "csrf" {
				tok = webtest.Attr(n, "value")
			}
		}
	}
	if tok == "" {
		t.Fatalf("the sign-in page has no button form for %s: %q", action, login.Text())
	}
	fields := url.Values{"csrf": {tok}}
	if remember {
		fields.Set("remember", "1")
	}
	return b.Post(t, e.url(slug, action), fields)
}

// continueURL is the provider address of the hand-off page.
func continueURL(t *testing.T, r *webtest.Response) string {
	t.Helper()
	for _, n := range r.Find(func(n *html.Node) bool { return n.Data == "a" && webtest.Attr(n, "id") == "sso-continue" }) {
		return webtest.Attr(n, "href")
	}
	t.Fatalf("no hand-off link: %d %q", r.Status, r.Text())
	return ""
}

// oidcSignIn presses the button, goes to the provider, which signs in its next user, and
// comes back through the callback.
func (b *browser) oidcSignIn(t *testing.T, e *env, connID string, remember bool) *webtest.Response {
	t.Helper()
	r := b.ssoStart(t, e, "acme", connID, remember)
	wantPage(t, r, http.StatusOK, "/sso/"+connID+"/start")
	return b.Get(t, continueURL(t, r))
}

// wantSSORefused checks the refusal page: status, message, a way back to Sign in, no session,
// and an audit event with the reason.
func wantSSORefused(t *testing.T, e *env, ws latchkey.Workspace, r *webtest.Response, status int, msg, reason string) {
	t.Helper()
	if r.Status != status || !strings.Contains(r.Text(), msg) {
		t.Fatalf("got %d %q, want %d with %q", r.Status, r.Text(), status, msg)
	}
	if !containsLink(r, "/login") {
		t.Errorf("the refusal page has no way back to Sign in: %q", r.Links())
	}
	noSession(t, r)
	if reason == "" {
		return
	}
	for _, ev := range e.events(t, ws, latchkey.EventSSORefused) {
		if strings.HasPrefix(ev.Detail, reason+" ") {
			return
		}
	}
	t.Errorf("no %s event with reason %s: %+v", latchkey.EventSSORefused, reason, e.events(t, ws, latchkey.EventSSORefused))
}

func TestOIDCSignIn(t *testing.T) {
	t.Parallel()
	f := newOIDCFixture(t)
	c := f.generic(t, false)
	b := f.e.newBrowser(t)

	login := b.Get(t, f.e.url("acme", "/login"))
	if got := login.Texts("button", "sso-button"); len(got) != 1 || got[0] != "Continue with Acme ID" {
		t.Fatalf("buttons %q", got)
	}
	f.p.Next(oidctest.Generic("sub-bob", f.member.Email))
	r := b.oidcSignIn(t, f.e, c.ID, false)
	wantPage(t, r, http.StatusOK, "/dashboard")
	if sc := r.SetCookie("latchkey_session"); sc == nil || sc.MaxAge != 0 {
		t.Errorf("without Keep me signed in, the session cookie should end with the browser: %v", r.SetCookieLine("latchkey_session"))
	}
	links, err := f.e.store.IdentityLinks(t.Context(), f.ws.ID, f.member.ID)
	if err != nil || len(links) != 1 || links[0].Subject != "sub-bob" {
		t.Fatalf("links %+v, %v", links, err)
	}
	evs := f.e.events(t, f.ws, latchkey.EventSignIn)
	if len(evs) == 0 || evs[0].Detail != "sso" || evs[0].AccountID != f.member.ID {
		t.Fatalf("sign-in event %+v", evs)
	}

	// Later sign-ins use the link, even with another email at the provider; and the callback
	// replayed is refused.
	b2 := f.e.newBrowser(t)
	f.p.Next(oidctest.Generic("sub-bob", "bobby@acme.example"))
	r = b2.oidcSignIn(t, f.e, c.ID, true)
	wantPage(t, r, http.StatusOK, "/dashboard")
	if sc := r.SetCookie("latchkey_session"); sc == nil || sc.MaxAge <= 0 {
		t.Errorf("Keep me signed in was not honoured: %v", r.SetCookieLine("latchkey_session"))
	}
	callback := r.Hops[0].Request.URL.String()
	if !strings.Contains(callback, "/callback") {
		callback = ""
		for _, h := range r.Hops {
			if strings.Contains(h.Request.URL.Path, "/callback") {
				callback = h.Request.URL.String()
			}
		}
	}
	if callback == "" {
		t.Fatal("no callback in the redirects")
	}
	r = b2.Get(t, callback)
	wantSSORefused(t, f.e, f.ws, r, http.StatusGone, latchkey.MsgSSOExpired, latchkey.SSOReasonFlow)
}

func TestOIDCProvisioning(t *testing.T) {
	t.Parallel()
	f := newOIDCFixture(t)
	off := f.generic(t, false)
	on := f.generic(t, true)
	mails := len(f.e.mail(t))

	b := f.e.newBrowser(t)
	f.p.Next(oidctest.Generic("sub-carol", "carol@acme.example"))
	r := b.oidcSignIn(t, f.e, off.ID, false)
	wantSSORefused(t, f.e, f.ws, r, http.StatusForbidden, latchkey.MsgSSONotProvisioned, latchkey.SSOReasonNotProvisioned)

	f.p.Next(oidctest.Generic("sub-carol", "carol@acme.example"))
	r = b.oidcSignIn(t, f.e, on.ID, false)
	wantPage(t, r, http.StatusOK, "/dashboard")
	a, err := f.e.store.AccountByEmail(t.Context(), f.ws.ID, "carol@acme.example")
	if err != nil || a.Status != latchkey.StatusActive || a.Role != latchkey.RoleMember || a.PasswordHash != "" || a.Name != "carol" {
		t.Fatalf("provisioned %+v, %v", a, err)
	}
	if n := len(f.e.mail(t)); n != mails {
		t.Errorf("%d emails sent to an SSO-provisioned member", n-mails)
	}
	if evs := f.e.events(t, f.ws, latchkey.EventSSOProvisioned); len(evs) != 1 {
		t.Errorf("provisioned events %+v", evs)
	}
}

func TestOIDCRefusals(t *testing.T) {
	t.Parallel()
	f := newOIDCFixture(t)
	generic := f.generic(t, true)
	google := f.google(t)
	entra := oidctest.New(t, oidctest.Options{Now: f.e.clock.Now, NoIssParam: true})
	ms := f.microsoft(t, entra, tenantA, tenantC) // several tenants: the tid claim decides
	ms1 := f.microsoft(t, entra, tenantA)         // one tenant: its issuer decides
	bob := f.member.Email
	tests := []struct {
		name   string
		conn   latchkey.Connection
		user   oidctest.User
		status int
		msg    string
		reason string
	}{
		{"domain refused", generic, oidctest.Generic("s1", "eve@other.example"), http.StatusForbidden, latchkey.MsgSSODomainRefused, latchkey.SSOReasonDomain},
		{"google hd missing", google, oidctest.Google("s2", bob, "acme.example").Without("hd"), http.StatusForbidden, latchkey.MsgSSODomainRefused, connector.ReasonHostedDomain},
		{"google hd wrong", google, oidctest.Google("s3", bob, "other.example"), http.StatusForbidden, latchkey.MsgSSODomainRefused, latchkey.SSOReasonDomain},
		{"email_verified false", generic, oidctest.Generic("s4", bob).With("email_verified", false), http.StatusForbidden, latchkey.MsgSSOEmailUnverified, connector.ReasonEmailUnverified},
		{"email_verified absent", generic, oidctest.Generic("s5", bob).Without("email_verified"), http.StatusForbidden, latchkey.MsgSSOEmailUnverified, connector.ReasonEmailUnverified},
		{"tenant not allowed", ms, oidctest.Entra(tenantB, "oid-1", bob), http.StatusForbidden, latchkey.MsgSSODomainRefused, connector.ReasonTenant},
		{"tenant not allowed, one tenant", ms1, oidctest.Entra(tenantB, "oid-1", bob), http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonTokenInvalid},
		{"microsoft email not verified", ms, oidctest.Entra(tenantA, "oid-2", bob).With("xms_edov", false), http.StatusForbidden, latchkey.MsgSSOEmailUnverified, latchkey.SSOReasonUnverified},
		{"wrong issuer", generic, oidctest.Generic("s6", bob).With("iss", "https://evil.example"), http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonTokenInvalid},
		{"wrong audience", generic, oidctest.Generic("s7", bob).With("aud", "someone-else"), http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonTokenInvalid},
		{"bad nonce", generic, oidctest.Generic("s8", bob).With("nonce", "not-ours"), http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonNonceMismatch},
		{"expired token", generic, oidctest.Generic("s9", bob).With("exp", start.Add(-time.Hour).Unix()), http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonTokenInvalid},
		{"other key", generic, func() oidctest.User { u := oidctest.Generic("s10", bob); u.OtherKey = true; return u }(), http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonTokenInvalid},
		{"alg none", generic, func() oidctest.User { u := oidctest.Generic("s11", bob); u.Alg = oidctest.AlgNone; return u }(), http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonTokenInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := f.e.newBrowser(t)
			p := f.p
			if tt.conn.Kind == latchkey.KindMicrosoft {
				p = entra
			}
			p.Next(tt.user)
			r := b.oidcSignIn(t, f.e, tt.conn.ID, false)
			wantSSORefused(t, f.e, f.ws, r, tt.status, tt.msg, tt.reason)
		})
	}
	if links, _ := f.e.store.IdentityLinks(t.Context(), f.ws.ID, f.member.ID); len(links) != 0 {
		t.Errorf("a refused sign-in linked %+v", links)
	}

	t.Run("google succeeds for an approved hd", func(t *testing.T) {
		b := f.e.newBrowser(t)
		if got := b.Get(t, f.e.url("acme", "/login")).Texts("button", "sso-button"); !slices.Contains(got, "Continue with Google") || !slices.Contains(got, "Continue with Microsoft") {
			t.Errorf("buttons %q", got)
		}
		f.p.Next(oidctest.Google("google-bob", bob, "acme.example"))
		wantPage(t, b.oidcSignIn(t, f.e, google.ID, false), http.StatusOK, "/dashboard")
		if _, err := f.e.store.IdentityBySubject(t.Context(), f.ws.ID, google.ID, "google-bob"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("microsoft succeeds for an allowed tenant", func(t *testing.T) {
		b := f.e.newBrowser(t)
		entra.Next(oidctest.Entra(tenantA, "oid-bob", bob))
		wantPage(t, b.oidcSignIn(t, f.e, ms.ID, false), http.StatusOK, "/dashboard")
		l, err := f.e.store.IdentityBySubject(t.Context(), f.ws.ID, ms.ID, tenantA+"/oid-bob")
		if err != nil || l.AccountID != f.member.ID {
			t.Fatalf("link %+v, %v", l, err)
		}
	})
	t.Run("provider error", func(t *testing.T) {
		b := f.e.newBrowser(t)
		f.p.Deny("access_denied", "<b>the user said no</b>")
		r := b.oidcSignIn(t, f.e, generic.ID, false)
		wantSSORefused(t, f.e, f.ws, r, http.StatusUnauthorized, latchkey.MsgSSOFailed, connector.ReasonProviderError)
		if strings.Contains(r.Body, "the user said no") {
			t.Error("the provider's words reached the page")
		}
	})
	t.Run("another browser's flow", func(t *testing.T) {
		a, other := f.e.newBrowser(t), f.e.newBrowser(t)
		r := a.ssoStart(t, f.e, "acme", generic.ID, false)
		f.p.Next(oidctest.Generic("sub-bob", bob))
		r = other.Get(t, continueURL(t, r))
		wantSSORefused(t, f.e, f.ws, r, http.StatusGone, latchkey.MsgSSOExpired, latchkey.SSOReasonFlow)
	})
	t.Run("expired flow", func(t *testing.T) {
		b := f.e.newBrowser(t)
		r := b.ssoStart(t, f.e, "acme", generic.ID, false)
		f.e.clock.Advance(latchkey.SSOFlowTTL + time.Second)
		f.p.Next(oidctest.Generic("sub-bob", bob))
		r = b.Get(t, continueURL(t, r))
		wantSSORefused(t, f.e, f.ws, r, http.StatusGone, latchkey.MsgSSOExpired, latchkey.SSOReasonFlow)
	})
	t.Run("suspended account", func(t *testing.T) {
		f.e.setAccount(t, f.member, func(a *latchkey.Account) { a.Status = latchkey.StatusSuspended })
		defer f.e.setAccount(t, f.member, func(a *latchkey.Account) { a.Status = latchkey.StatusActive })
		b := f.e.newBrowser(t)
		f.p.Next(oidctest.Generic("sub-bob", bob))
		r := b.oidcSignIn(t, f.e, generic.ID, false)
		wantSSORefused(t, f.e, f.ws, r, http.StatusForbidden, latchkey.MsgNotActive, latchkey.SSOReasonNotActive)
	})
}

// The provider down: before the button (discovery) and between the button and the callback
// (the token exchange). Both are a clear page, never a 500.
func TestOIDCProviderDown(t *testing.T) {
	t.Parallel()
	f := newOIDCFixture(t)
	c := f.generic(t, false)
	b := f.e.newBrowser(t)
	r := b.ssoStart(t, f.e, "acme", c.ID, false)
	f.p.Next(oidctest.Generic("sub-bob", f.member.Email))
	q := f.p.FollowT(t, continueURL(t, r))
	f.p.Close()
	r = b.Get(t, f.e.url("acme", "/sso/"+c.ID+"/callback?"+q.Encode()))
	wantSSORefused(t, f.e, f.ws, r, http.StatusServiceUnavailable, latchkey.MsgSSOUnreachable, connector.ReasonUnreachable)

	// A fresh server has not discovered the provider yet.
	e2 := newEnv(t)
	f2 := e2.seedAcme(t)
	down := oidctest.New(t, oidctest.Options{Now: e2.clock.Now})
	c2 := e2.addConnection(t, f2.ws, latchkey.Connection{Kind: latchkey.KindOIDC, Name: "Down", Issuer: down.Issuer(), ClientID: down.ClientID}, down.ClientSecret)
	down.Close()
	r = e2.newBrowser(t).ssoStart(t, e2, "acme", c2.ID, false)
	wantSSORefused(t, e2, f2.ws, r, http.StatusServiceUnavailable, latchkey.MsgSSOUnreachable, connector.ReasonUnreachable)
}

// A workspace that requires two-factor authentication signs a member in by SSO without a code
// and without sending them to set one up.
func TestOIDCNoTwoFactor(t *testing.T) {
	t.Parallel()
	f := newOIDCFixture(t)
	c := f.generic(t, false)
	if err := f.e.store.UpdateWorkspace(t.Context(), f.ws.ID, func(w *latchkey.Workspace) error {
		w.Policy.Require2FA = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b := f.e.newBrowser(t)
	f.p.Next(oidctest.Generic("sub-bob", f.member.Email))
	wantPage(t, b.oidcSignIn(t, f.e, c.ID, false), http.StatusOK, "/dashboard")
	wantPage(t, b.Get(t, f.e.url("acme", "/profile/security")), http.StatusOK, "/profile/security")
}

// A disabled connection shows no button and cannot be started.
func TestSSODisabledConnection(t *testing.T) {
	t.Parallel()
	f := newOIDCFixture(t)
	c := f.generic(t, false)
	if _, err := f.e.adm.SetConnectionEnabled(t.Context(), admin.ConnectionAction{Workspace: f.ws, ConnectionID: c.ID, Actor: latchkey.OperatorActor()}, false); err != nil {
		t.Fatal(err)
	}
	b := f.e.newBrowser(t)
	login := b.Get(t, f.e.url("acme", "/login"))
	if got := login.Texts("button", "sso-button"); len(got) != 0 {
		t.Fatalf("a disabled connection has a button: %q", got)
	}
	tok := login.CSRF()
	r := b.Post(t, f.e.url("acme", "/sso/"+c.ID+"/start"), url.Values{"csrf": {tok}})
	wantSSORefused(t, f.e, f.ws, r, http.StatusNotFound, latchkey.MsgSSOUnavailable, "")
}

// Test connection shows the claims and checks, and signs nobody in.
func TestSSOTestConnection(t *testing.T) {
	t.Parallel()
	f := newOIDCFixture(t)
	c := f.google(t)
	admin := f.e.newBrowser(t)
	cookie := admin.mustLogin(t, f.e, "acme", f.admin.Email, goodPassword)

	f.p.Next(oidctest.Google("sub-bob", f.member.Email, "acme.example"))
	r := admin.Submit(t, f.e.url("acme", "/admin/sso"), f.e.url("acme", "/admin/sso/"+c.ID+"/test"), nil)
	wantPage(t, r, http.StatusOK, "/admin/sso/"+c.ID+"/test")
	r = admin.Get(t, continueURL(t, r))
	wantPage(t, r, http.StatusOK, "/sso/"+c.ID+"/callback")
	if r.Heading() != "Test connection: Google" || !strings.Contains(r.Text(), "Every check passed") {
		t.Fatalf("test page: %q", r.Text())
	}
	for _, want := range []string{"signature", "issuer", "audience", "nonce", "email verified", "hosted domain", "approved domain", "hd", "acme.example"} {
		if !strings.Contains(r.Text(), want) {
			t.Errorf("the test page does not show %q: %q", want, r.Text())
		}
	}
	noSession(t, r)
	if admin.Cookie(t, f.e.url("acme", "/"), "latchkey_session") != cookie {
		t.Error("Test connection changed the administrator's session")
	}
	if links, _ := f.e.store.IdentityLinks(t.Context(), f.ws.ID, f.member.ID); len(links) != 0 {
		t.Errorf("Test connection linked %+v", links)
	}

	// A failing check is shown, not a refusal page.
	f.p.Next(oidctest.Google("sub-bob", f.member.Email, "acme.example").Without("hd"))
	r = admin.Submit(t, f.e.url("acme", "/admin/sso"), f.e.url("acme", "/admin/sso/"+c.ID+"/test"), nil)
	r = admin.Get(t, continueURL(t, r))
	if r.Status != http.StatusOK || !strings.Contains(r.Alert(), connector.ReasonHostedDomain) {
		t.Fatalf("failed test: %d %q", r.Status, r.Text())
	}

	// Members cannot run it.
	m := f.e.newBrowser(t)
	m.mustLogin(t, f.e, "acme", f.member.Email, goodPassword)
	r = m.Submit(t, f.e.url("acme", "/dashboard"), f.e.url("acme", "/admin/sso/"+c.ID+"/test"), nil)
	if r.Status != http.StatusNotFound {
		t.Errorf("member's Test connection: %d", r.Status)
	}
}

// The button's POST is a form like any other: refused cross-site and without the form token.
func TestSSOStartIsAForm(t *testing.T) {
	t.Parallel()
	f := newOIDCFixture(t)
	c := f.generic(t, false)
	b := f.e.newBrowser(t)
	tok := b.CSRF(t, f.e.url("acme", "/login"))
	req := webtest.FormRequest(t, f.e.url("acme", "/sso/"+c.ID+"/start"), url.Values{"csrf": {tok}})
	req.Header.Set("Origin", "http://evil.app.test")
	req.Header.Set("Sec-Fetch-Site", "same-site")
	if r := b.Do(t, req); r.Status != http.StatusForbidden {
		t.Errorf("cross-site start: %d, want 403", r.Status)
	}
	if r := b.Post(t, f.e.url("acme", "/sso/"+c.ID+"/start"), url.Values{}); r.Status != http.StatusForbidden {
		t.Errorf("start without the form token: %d, want 403", r.Status)
	}
}

// With password sign-in off, the buttons and "Keep me signed in" are one form, so the box
// counts without JavaScript: each button posts the form to its own connection.
func TestSSOButtonsCarryKeepMeSignedInWithoutScript(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	e.enableSSO(t, f.ws)
	off := true
	w, err := e.store.Workspace(t.Context(), f.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.adm.SetPolicySwitches(t.Context(), admin.PolicySwitches{Workspace: w, Actor: latchkey.OperatorActor(), PasswordSignInOff: &off}); err != nil {
		t.Fatal(err)
	}
	r := e.newBrowser(t).Get(t, e.url("acme", "/login"))
	forms := r.Find(func(n *html.Node) bool { return n.Data == "form" && webtest.Attr(n, "id") == "sso-buttons" })
	if len(forms) != 1 {
		t.Fatalf("%d button forms, want one", len(forms))
	}
	var box, buttons int
	for n := range forms[0].Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if n.Data == "input" && webtest.Attr(n, "name") == "remember" && webtest.Attr(n, "type") == "checkbox" {
			box++
		}
		if n.Data == "button" && strings.HasPrefix(webtest.Attr(n, "formaction"), "/sso/") {
			buttons++
		}
	}
	if box != 1 || buttons == 0 {
		t.Fatalf("the button form holds %d Keep me signed in boxes and %d connection buttons; want 1 and some", box, buttons)
	}
}

// A sign-in that began from a page (return_to) lands there after single sign-on, as after a
// password; a return_to that leaves the workspace is dropped when the flow begins.
func TestSSOReturnsToThePageItStartedFrom(t *testing.T) {
	t.Parallel()
	f := newOIDCFixture(t)
	c := f.generic(t, false)
	for _, tc := range []struct{ returnTo, want string }{
		{"/requests", "/requests"},
		{"//evil.example/x", "/dashboard"},
	} {
		b := f.e.newBrowser(t)
		login := b.Get(t, f.e.url("acme", "/login?return_to="+url.QueryEscape(tc.returnTo)))
		var tok string
		for _, n := range login.Find(func(n *html.Node) bool { return n.Data == "input" && webtest.Attr(n, "name") == "csrf" }) {
			tok = webtest.Attr(n, "value")
		}
		f.p.Next(oidctest.Generic("sub-bob", f.member.Email))
		r := b.Post(t, f.e.url("acme", "/sso/"+c.ID+"/start"), url.Values{"csrf": {tok}, "return_to": {tc.returnTo}})
		wantPage(t, r, http.StatusOK, "/sso/"+c.ID+"/start")
		r = b.Get(t, continueURL(t, r))
		if r.URL.Path != tc.want {
			t.Errorf("return_to %q: landed on %s, want %s", tc.returnTo, r.URL.Path, tc.want)
		}
	}
}
