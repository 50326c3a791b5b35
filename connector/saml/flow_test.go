package saml_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/latchkey/latchkey/connector/saml"
	"github.com/latchkey/latchkey/connector/saml/samltest"
)

// TestFlowThroughIdPHandler walks SP-initiated sign-in over HTTP: Begin's redirect to the
// samltest IdP, its auto-POST form, and Finish on the posted fields.
func TestFlowThroughIdPHandler(t *testing.T) {
	idp := *testIdP(t)
	idp.User, idp.SP = samltest.Alice(), testSP
	srv := httptest.NewServer(&idp)
	t.Cleanup(srv.Close)
	idp.SSOURL = srv.URL + "/sso"

	p, err := saml.New(idp.Connection(), testSP, idp.Now)
	if err != nil {
		t.Fatal(err)
	}
	start, err := p.Begin(t.Context(), "flow-42")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Get(start.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("IdP answered %s: %s", resp.Status, body)
	}
	action, fields := parseForm(t, string(body))
	if action != testSP.Callback {
		t.Errorf("form posts to %q, want the ACS %q", action, testSP.Callback)
	}
	if got := fields.Get("RelayState"); got != "flow-42" {
		t.Errorf("RelayState = %q, want flow-42", got)
	}
	id, err := p.Finish(t.Context(), fields, start.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if id.Email != "alice@acme.test" {
		t.Errorf("email = %q", id.Email)
	}
	// The same response does not answer another request.
	other, err := p.Begin(t.Context(), "flow-43")
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Finish(t.Context(), fields, other.Secret)
	refused(t, err, "response_invalid", saml.CheckInResponseTo)

	// IdP-initiated: refused unless the connection allows it.
	resp, err = srv.Client().Get(srv.URL + "/initiate")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	_, fields = parseForm(t, string(body))
	_, err = p.Finish(t.Context(), fields, nil)
	refused(t, err, "unsolicited", saml.CheckSolicited)
	conn := idp.Connection()
	conn.IdPInitiated = true
	allow, err := saml.New(conn, testSP, idp.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := allow.Finish(t.Context(), fields, nil); err != nil {
		t.Errorf("IdP-initiated with the connection allowing it: %v", err)
	}

	// The IdP serves its metadata, which parses.
	resp, err = srv.Client().Get(srv.URL + "/metadata")
	if err != nil {
		t.Fatal(err)
	}
	md, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m, err := saml.ParseMetadata(md)
	if err != nil {
		t.Fatal(err)
	}
	if m.SSOURL != idp.SSOURL {
		t.Errorf("metadata SSO URL = %q, want %q", m.SSOURL, idp.SSOURL)
	}
}

func parseForm(t *testing.T, page string) (string, url.Values) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var action string
	fields := url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			switch n.Data {
			case "form":
				action = attr["action"]
			case "input":
				fields.Set(attr["name"], attr["value"])
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return action, fields
}
