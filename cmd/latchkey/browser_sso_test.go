package main

import (
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/connector/oidc/oidctest"
	"github.com/latchkey/latchkey/connector/saml/samltest"
)

// TestBrowserSSO ticks Keep me signed in and clicks "Continue with Acme ID" in Chromium: the
// hand-off page moves on to an OpenID provider running in the test, which redirects back to the
// callback, and the dashboard loads, with a persistent session.
func TestBrowserSSO(t *testing.T) {
	t.Parallel()
	m, d := bootDemo(t)
	ctx := startBrowser(t)
	p := oidctest.New(t, oidctest.Options{})
	ws, err := m.Store.WorkspaceBySlug(t.Context(), d.Slug)
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.Admin.CreateConnection(t.Context(), admin.NewConnection{
		ConnectionAction: admin.ConnectionAction{Workspace: ws, Actor: latchkey.OperatorActor()},
		Connection:       latchkey.Connection{Kind: latchkey.KindOIDC, Name: "Acme ID", Issuer: p.Issuer(), ClientID: p.ClientID, Enabled: true},
		ClientSecret:     p.ClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Admin.AddDomain(t.Context(), admin.DomainAction{Workspace: ws, Domain: "acme.test", Actor: latchkey.OperatorActor()}); err != nil {
		t.Fatal(err)
	}
	p.Next(oidctest.Generic("member-at-acme-id", d.MemberEmail))

	var label, heading string
	err = chromedp.Run(ctx,
		chromedp.Navigate(m.Service.WorkspaceURL("acme")+"/login"),
		textOf(`.sso-button`, &label),
		chromedp.Click(`#remember`, chromedp.ByQuery),
		chromedp.Click(`form[action="/sso/`+c.ID+`/start"] button`, chromedp.ByQuery),
		textOf(`h1:not(:empty)`, &heading, "Your dashboard"),
	)
	if err != nil {
		t.Fatalf("sign in through the button: %v (button %q, heading %q)", err, label, heading)
	}
	if label != "Continue with Acme ID" {
		t.Errorf("button %q", label)
	}
	member, err := m.Store.AccountByEmail(t.Context(), ws.ID, d.MemberEmail)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := m.Store.AccountSessions(t.Context(), ws.ID, member.ID)
	if err != nil || len(sessions) != 1 || !sessions[0].SSO || !sessions[0].Persistent {
		t.Fatalf("sessions %+v, %v; want one persistent SSO session", sessions, err)
	}
}

// TestBrowserSAML clicks "Continue with Okta" in Chromium: the AuthnRequest goes to a SAML IdP
// running in the test, whose page auto-posts the signed response cross-site to the ACS, and
// the dashboard loads. On plain http the binding cookie has no SameSite attribute (None needs
// Secure); Chromium sends it with this top-level POST (its Lax-by-default lets a cookie that
// young through a top-level POST), which is all local development needs.
func TestBrowserSAML(t *testing.T) {
	t.Parallel()
	m, d := bootDemo(t)
	ctx := startBrowser(t)
	ws, err := m.Store.WorkspaceBySlug(t.Context(), d.Slug)
	if err != nil {
		t.Fatal(err)
	}
	idp, err := samltest.New("https://idp.acme.test/saml", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(idp)
	t.Cleanup(srv.Close)
	idp.SSOURL = srv.URL + "/sso"
	c, err := m.Admin.CreateConnection(t.Context(), admin.NewConnection{
		ConnectionAction: admin.ConnectionAction{Workspace: ws, Actor: latchkey.OperatorActor()},
		Connection:       latchkey.Connection{Kind: latchkey.KindSAML, Name: "Okta", MetadataXML: string(idp.Metadata()), Enabled: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	idp.SP = m.Service.ConnectionURLs(ws, c)
	idp.User = samltest.User{NameID: d.MemberEmail, NameIDFormat: samltest.NameIDEmail}
	if _, err := m.Admin.AddDomain(t.Context(), admin.DomainAction{Workspace: ws, Domain: "acme.test", Actor: latchkey.OperatorActor()}); err != nil {
		t.Fatal(err)
	}
	var heading string
	err = chromedp.Run(ctx,
		chromedp.Navigate(m.Service.WorkspaceURL("acme")+"/login"),
		textOf(`.sso-button`, new(string), "Continue with Okta"),
		chromedp.Click(`form[action="/sso/`+c.ID+`/start"] button`, chromedp.ByQuery),
		textOf(`h1:not(:empty)`, &heading, "Your dashboard"),
	)
	if err != nil {
		t.Fatalf("sign in through the SAML button: %v (heading %q)", err, heading)
	}
}
