package saml_test

import (
	"testing"

	"github.com/latchkey/latchkey/connector/saml/samltest"
)

// The attribute mapping defaults, on the attribute sets each vendor sends by default or as
// set up in docs/sso.md.
func TestAttributeMapping(t *testing.T) {
	const (
		claims  = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
		uri     = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
		opaque  = "AAAAAAAAAAAAAAAAAAAAAPtGq1ZxGGc5xEBk9NX0Ywo"
		persist = samltest.NameIDPersistent
	)
	attr := func(name string, v ...string) samltest.Attribute { return samltest.Attribute{Name: name, Values: v} }
	for _, tc := range []struct {
		name      string
		user      samltest.User
		wantEmail string
		wantName  string
	}{
		{"Okta", samltest.User{NameID: "alice@acme.test", NameIDFormat: samltest.NameIDEmail, Attributes: []samltest.Attribute{
			attr("email", "alice@acme.test"), attr("firstName", "Alice"), attr("lastName", "Liddell"),
		}}, "alice@acme.test", "Alice Liddell"},
		{"JumpCloud", samltest.User{NameID: "alice", NameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", Attributes: []samltest.Attribute{
			attr("Email", "alice@acme.test"), attr("firstname", "Alice"), attr("lastname", "Liddell"),
		}}, "alice@acme.test", "Alice Liddell"},
		{"OneLogin", samltest.User{NameID: "alice@acme.test", NameIDFormat: samltest.NameIDEmail, Attributes: []samltest.Attribute{
			attr("User.email", "alice@acme.test"), attr("User.FirstName", "Alice"), attr("User.LastName", "Liddell"),
		}}, "alice@acme.test", "Alice Liddell"},
		{"Entra", samltest.User{NameID: opaque, NameIDFormat: persist, Attributes: []samltest.Attribute{
			attr("http://schemas.microsoft.com/identity/claims/tenantid", "6f1e2d3c-4b5a-4987-a6b5-c4d3e2f1a0b9"),
			attr("http://schemas.microsoft.com/identity/claims/displayname", "Alice P. Liddell"),
			attr(claims+"givenname", "Alice"), attr(claims+"surname", "Liddell"),
			attr(claims+"emailaddress", "alice@acme.test"), attr(claims+"name", "alice@acme.onmicrosoft.test"),
		}}, "alice@acme.test", "Alice P. Liddell"},
		{"Entra without display name", samltest.User{NameID: opaque, NameIDFormat: persist, Attributes: []samltest.Attribute{
			attr(claims+"givenname", "Alice"), attr(claims+"surname", "Liddell"), attr(claims+"emailaddress", "alice@acme.test"),
		}}, "alice@acme.test", "Alice Liddell"},
		{"Entra with only the name claim", samltest.User{NameID: "alice@acme.test", NameIDFormat: samltest.NameIDEmail, Attributes: []samltest.Attribute{
			attr(claims+"name", "alice@acme.test"),
		}}, "alice@acme.test", "alice@acme.test"},
		{"LDAP OIDs", samltest.User{NameID: opaque, NameIDFormat: persist, Attributes: []samltest.Attribute{
			{Name: "urn:oid:0.9.2342.19200300.100.1.3", NameFormat: uri, FriendlyName: "mail", Values: []string{"alice@acme.test"}},
			{Name: "urn:oid:2.16.840.1.113730.3.1.241", NameFormat: uri, FriendlyName: "displayName", Values: []string{"Alice Liddell"}},
		}}, "alice@acme.test", "Alice Liddell"},
		{"email-format NameID only", samltest.User{NameID: "alice@acme.test", NameIDFormat: samltest.NameIDEmail}, "alice@acme.test", ""},
		{"mail attribute not an address", samltest.User{NameID: "alice@acme.test", NameIDFormat: samltest.NameIDEmail, Attributes: []samltest.Attribute{
			attr("mail", "Alice <mallory@evil.test>"),
		}}, "alice@acme.test", ""},
		{"surrounding whitespace", samltest.User{NameID: "  alice@acme.test\n", NameIDFormat: samltest.NameIDEmail, Attributes: []samltest.Attribute{
			attr("email", "\n  alice@acme.test  "), attr("name", " Alice "),
		}}, "alice@acme.test", "Alice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testIdP(t).Response(testSP, requestID, tc.user)
			id, err := provider(t, nil).Finish(t.Context(), reply(encode(t, r)), []byte(requestID))
			if err != nil {
				t.Fatal(err)
			}
			if id.Email != tc.wantEmail || id.Name != tc.wantName {
				t.Errorf("email %q name %q, want %q %q", id.Email, id.Name, tc.wantEmail, tc.wantName)
			}
			if id.Subject == "" || id.Subject[0] == ' ' {
				t.Errorf("subject = %q", id.Subject)
			}
			if len(tc.user.Attributes) > 0 && len(id.Claims) < len(tc.user.Attributes) {
				t.Errorf("claims = %v", id.Claims)
			}
		})
	}
}
