package saml_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/go-cmp/cmp"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector"
	"github.com/latchkey/latchkey/connector/saml"
	"github.com/latchkey/latchkey/connector/saml/samltest"
)

var (
	testNow = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	testSP  = connector.URLs{
		Callback: "https://acme.latchkey.test/sso/saml/c1/acs",
		EntityID: "https://acme.latchkey.test/sso/saml/c1/metadata",
		Metadata: "https://acme.latchkey.test/sso/saml/c1/metadata",
	}
	requestID = "_0123456789abcdef0123456789abcdef"
)

// Keys are generated once: 2048-bit RSA costs a noticeable fraction of a second.
var (
	idpOnce = sync.OnceValues(func() (*samltest.IdP, error) {
		return samltest.New("http://www.okta.com/exk1acme", func() time.Time { return testNow })
	})
	otherOnce = sync.OnceValues(func() (*samltest.Key, error) {
		return samltest.NewKey("mallory", testNow.Add(-time.Hour), testNow.Add(24*time.Hour))
	})
)

func testIdP(t testing.TB) *samltest.IdP {
	t.Helper()
	idp, err := idpOnce()
	if err != nil {
		t.Fatal(err)
	}
	return idp
}

func otherKey(t testing.TB) *samltest.Key {
	t.Helper()
	k, err := otherOnce()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func provider(t testing.TB, edit func(*latchkey.Connection)) *saml.Provider {
	t.Helper()
	conn := testIdP(t).Connection()
	if edit != nil {
		edit(&conn)
	}
	p, err := saml.New(conn, testSP, func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func reply(encoded string) url.Values {
	return url.Values{"SAMLResponse": {encoded}, "RelayState": {"flow-1"}}
}

func encodeDoc(t testing.TB, doc *etree.Document) string {
	t.Helper()
	s, err := samltest.Encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func encode(t testing.TB, r *samltest.Response) string {
	t.Helper()
	s, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// refused asserts err is a *connector.Error with reason whose last check is check, failed.
func refused(t *testing.T, err error, reason, check string) {
	t.Helper()
	var ce *connector.Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *connector.Error %s", err, reason)
	}
	if ce.Reason != reason {
		t.Errorf("reason = %q, want %q (%v)", ce.Reason, reason, err)
	}
	if len(ce.Checks) == 0 {
		t.Fatalf("no checks in %v", err)
	}
	last := ce.Checks[len(ce.Checks)-1]
	if last.Name != check || last.Passed {
		t.Errorf("last check = %+v, want %q failed (%v)", last, check, err)
	}
	for _, c := range ce.Checks[:len(ce.Checks)-1] {
		if !c.Passed {
			t.Errorf("check %+v before the last is not passed", c)
		}
	}
}

func TestBegin(t *testing.T) {
	p := provider(t, nil)
	start, err := p.Begin(t.Context(), "flow-1")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(start.URL)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Scheme+"://"+u.Host+u.Path, testIdP(t).SSOURL; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if got := u.Query().Get("RelayState"); got != "flow-1" {
		t.Errorf("RelayState = %q, want flow-1", got)
	}
	if start.Form != nil {
		t.Errorf("Form = %v, want nil for the HTTP-Redirect binding", start.Form)
	}
	req, err := samltest.ParseRedirect(u.Query())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := req.ID, string(start.Secret); got != want {
		t.Errorf("request ID = %q, want the secret %q", got, want)
	}
	// 128 random bits in hex behind an underscore.
	if len(req.ID) != 33 || req.ID[0] != '_' {
		t.Errorf("request ID %q is not _ + 32 hex digits", req.ID)
	}
	if req.Issuer != testSP.EntityID || req.AssertionConsumerServiceURL != testSP.Callback {
		t.Errorf("request = %+v, want issuer %q and ACS %q", req, testSP.EntityID, testSP.Callback)
	}
	again, err := p.Begin(t.Context(), "flow-2")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(again.Secret, start.Secret) {
		t.Error("two requests share an ID")
	}
	if _, err := p.Begin(t.Context(), strings.Repeat("f", saml.MaxRelayState+1)); err == nil {
		t.Error("Begin accepted a RelayState over 80 bytes")
	}

	// The request is deflated (raw DEFLATE, RFC 1951), not zlib or gzip.
	b, _ := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
	if _, err := io.ReadAll(flate.NewReader(bytes.NewReader(b))); err != nil {
		t.Errorf("SAMLRequest does not inflate: %v", err)
	}
}

func TestFinishSuccess(t *testing.T) {
	idp := testIdP(t)
	for _, tc := range []struct {
		name                    string
		signAssertion, signResp bool
	}{
		{"assertion signed", true, false},
		{"response signed", false, true},
		{"both signed", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := idp.Response(testSP, requestID, samltest.Alice())
			r.SignAssertion, r.SignResponse = tc.signAssertion, tc.signResp
			id, err := provider(t, nil).Finish(t.Context(), reply(encode(t, r)), []byte(requestID))
			if err != nil {
				t.Fatal(err)
			}
			want := connector.Identity{
				Subject:       "alice@acme.test",
				Email:         "alice@acme.test",
				Name:          "Alice Liddell",
				EmailVerified: true,
				OnceID:        r.Assertion.ID,
				OnceUntil:     r.Assertion.NotOnOrAfter.Add(saml.Skew),
				Claims: map[string][]string{
					"email":     {"alice@acme.test"},
					"firstName": {"Alice"},
					"lastName":  {"Liddell"},
				},
			}
			if diff := cmp.Diff(want, id, cmpIgnoreChecks); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			var names []string
			for _, c := range id.Checks {
				if !c.Passed {
					t.Errorf("check %+v not passed in a success", c)
				}
				names = append(names, c.Name)
			}
			for _, must := range []string{saml.CheckSignature, saml.CheckIssuer, saml.CheckAudience, saml.CheckRecipient,
				saml.CheckDestination, saml.CheckInResponseTo, saml.CheckValidity, saml.CheckConfirmation} {
				if !strings.Contains(strings.Join(names, ","), must) {
					t.Errorf("checks %q lack %q", names, must)
				}
			}
		})
	}
}

var cmpIgnoreChecks = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Checks" }, cmp.Ignore())

func TestFinishSHA1(t *testing.T) {
	idp := testIdP(t)
	for _, signResp := range []bool{false, true} {
		r := idp.Response(testSP, requestID, samltest.Alice())
		r.SHA1 = true
		r.SignResponse, r.SignAssertion = signResp, !signResp
		enc := encode(t, r)
		_, err := provider(t, nil).Finish(t.Context(), reply(enc), []byte(requestID))
		refused(t, err, connector.ReasonResponseInvalid, saml.CheckAlgorithms)

		allow := provider(t, func(c *latchkey.Connection) { c.AllowSHA1 = true })
		if _, err := allow.Finish(t.Context(), reply(enc), []byte(requestID)); err != nil {
			t.Errorf("with AllowSHA1: %v", err)
		}
	}
}

func TestFinishRefused(t *testing.T) {
	idp := testIdP(t)
	type tc struct {
		name        string
		edit        func(*samltest.Response)
		doc         func(t *testing.T, r *samltest.Response) string // instead of r.Encode
		unsolicited bool                                            // Finish gets a nil secret
		conn        func(*latchkey.Connection)
		reason      string
		check       string
	}
	invalid := connector.ReasonResponseInvalid
	at := func(d time.Duration) time.Time { return testNow.Add(d) }
	evilAssertion := func(r *samltest.Response) *etree.Element {
		e := *r
		e.Assertion.ID = "_evil"
		e.Assertion.User = samltest.User{NameID: "mallory@acme.test", NameIDFormat: samltest.NameIDEmail}
		return e.AssertionElement()
	}
	xsw := func(variant int, signResponse bool) func(t *testing.T, r *samltest.Response) string {
		return func(t *testing.T, r *samltest.Response) string {
			r.SignResponse, r.SignAssertion = signResponse, !signResponse
			doc, err := r.Document()
			if err != nil {
				t.Fatal(err)
			}
			w, err := samltest.XSW(variant, doc, evilAssertion(r))
			if err != nil {
				t.Fatal(err)
			}
			return encodeDoc(t, w)
		}
	}
	raw := func(s string) func(*testing.T, *samltest.Response) string {
		return func(*testing.T, *samltest.Response) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	}
	withDoctype := func(doctype string) func(*testing.T, *samltest.Response) string {
		return func(t *testing.T, r *samltest.Response) string {
			doc, err := r.Document()
			if err != nil {
				t.Fatal(err)
			}
			b, err := doc.WriteToBytes()
			if err != nil {
				t.Fatal(err)
			}
			return base64.StdEncoding.EncodeToString(append([]byte(doctype), b...))
		}
	}

	cases := []tc{
		{name: "unsigned", edit: func(r *samltest.Response) { r.SignAssertion = false }, reason: invalid, check: saml.CheckSignature},
		{name: "signed by another key", edit: func(r *samltest.Response) { r.Key = otherKey(t) }, reason: invalid, check: saml.CheckSignature},
		{name: "response signed by another key", edit: func(r *samltest.Response) {
			r.Key, r.SignAssertion, r.SignResponse = otherKey(t), false, true
		}, reason: invalid, check: saml.CheckSignature},
		{name: "wrong audience", edit: func(r *samltest.Response) { r.Assertion.Audience = "https://evil.test/metadata" }, reason: invalid, check: saml.CheckAudience},
		{name: "no audience", edit: func(r *samltest.Response) { r.Assertion.Audience = "" }, reason: invalid, check: saml.CheckAudience},
		{name: "wrong recipient", edit: func(r *samltest.Response) { r.Assertion.Recipient = "https://evil.test/acs" }, reason: invalid, check: saml.CheckRecipient},
		{name: "wrong destination", edit: func(r *samltest.Response) { r.Destination = "https://evil.test/acs" }, reason: invalid, check: saml.CheckDestination},
		{name: "signed response without destination", edit: func(r *samltest.Response) {
			r.Destination, r.SignResponse = "", true
		}, reason: invalid, check: saml.CheckDestination},
		{name: "wrong response issuer", edit: func(r *samltest.Response) { r.Issuer = "https://evil.test" }, reason: invalid, check: saml.CheckIssuer},
		{name: "wrong assertion issuer", edit: func(r *samltest.Response) {
			r.Issuer, r.Assertion.Issuer = "https://evil.test", "https://evil.test"
		}, reason: invalid, check: saml.CheckIssuer},
		{name: "status failure", edit: func(r *samltest.Response) {
			r.Status, r.StatusMessage = samltest.StatusResponder, "no such user"
		}, reason: connector.ReasonProviderError, check: saml.CheckStatus},
		{name: "status failure without assertion", edit: func(r *samltest.Response) {
			r.Status, r.NoAssertion, r.SignAssertion = samltest.StatusResponder, true, false
		}, reason: connector.ReasonProviderError, check: saml.CheckStatus},
		{name: "expired conditions", edit: func(r *samltest.Response) {
			r.Assertion.NotOnOrAfter = at(-saml.Skew)
		}, reason: invalid, check: saml.CheckValidity},
		{name: "no conditions expiry", edit: func(r *samltest.Response) { r.Assertion.NotOnOrAfter = time.Time{} }, reason: invalid, check: saml.CheckValidity},
		{name: "expired subject confirmation", edit: func(r *samltest.Response) {
			r.Assertion.SubjectNotOnOrAfter = at(-saml.Skew)
		}, reason: invalid, check: saml.CheckConfirmation},
		{name: "expired subject confirmation beyond the skew", edit: func(r *samltest.Response) {
			r.Assertion.SubjectNotOnOrAfter = at(-saml.Skew - time.Second)
		}, reason: invalid, check: saml.CheckConfirmation},
		{name: "not yet valid, one second past the skew", edit: func(r *samltest.Response) {
			r.Assertion.NotBefore = at(saml.Skew + time.Second)
		}, reason: invalid, check: saml.CheckValidity},
		{name: "wrong InResponseTo", edit: func(r *samltest.Response) {
			r.InResponseTo, r.Assertion.InResponseTo = "_other", "_other"
		}, reason: invalid, check: saml.CheckInResponseTo},
		{name: "wrong InResponseTo in the assertion only", edit: func(r *samltest.Response) {
			r.Assertion.InResponseTo = "_other"
		}, reason: invalid, check: saml.CheckInResponseTo},
		{name: "absent InResponseTo", edit: func(r *samltest.Response) {
			r.InResponseTo, r.Assertion.InResponseTo = "", ""
		}, reason: connector.ReasonUnsolicited, check: saml.CheckInResponseTo},
		{name: "unsolicited while IdP-initiated is off", edit: func(r *samltest.Response) {
			r.InResponseTo, r.Assertion.InResponseTo = "", ""
		}, unsolicited: true, reason: connector.ReasonUnsolicited, check: saml.CheckSolicited},
		{name: "IdP-initiated claiming to answer a request", unsolicited: true,
			conn: func(c *latchkey.Connection) { c.IdPInitiated = true }, reason: invalid, check: saml.CheckInResponseTo},
		{name: "XSW1", doc: xsw(samltest.XSW1, true), reason: invalid, check: saml.CheckSignature},
		{name: "XSW2", doc: xsw(samltest.XSW2, true), reason: invalid, check: saml.CheckSignature},
		{name: "XSW3 evil before signed", doc: xsw(samltest.XSW3, false), reason: invalid, check: saml.CheckShape},
		{name: "evil after signed", doc: xsw(samltest.XSWBesideAfter, false), reason: invalid, check: saml.CheckShape},
		{name: "XSW4 signed inside evil", doc: xsw(samltest.XSW4, false), reason: invalid, check: saml.CheckSignature},
		{name: "XSW5", doc: xsw(samltest.XSW5, false), reason: invalid, check: saml.CheckShape},
		{name: "XSW6", doc: xsw(samltest.XSW6, false), reason: invalid, check: saml.CheckSignature},
		{name: "XSW7", doc: xsw(samltest.XSW7, false), reason: invalid, check: saml.CheckSignature},
		{name: "XSW8", doc: xsw(samltest.XSW8, false), reason: invalid, check: saml.CheckSignature},
		{name: "XSW3 with both signed", doc: func(t *testing.T, r *samltest.Response) string {
			r.SignResponse = true
			doc, err := r.Document()
			if err != nil {
				t.Fatal(err)
			}
			w, err := samltest.XSW(samltest.XSW3, doc, evilAssertion(r))
			if err != nil {
				t.Fatal(err)
			}
			return encodeDoc(t, w)
		}, reason: invalid, check: saml.CheckShape},
		{name: "DOCTYPE without entities", doc: withDoctype(`<!DOCTYPE Response>`), reason: invalid, check: saml.CheckXML},
		{name: "DOCTYPE with entities", doc: withDoctype(`<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>`), reason: invalid, check: saml.CheckXML},
		{name: "external entity", doc: raw(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&x;</samlp:Response>`), reason: invalid, check: saml.CheckXML},
		{name: "undeclared entity", doc: raw(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&x;</samlp:Response>`), reason: invalid, check: saml.CheckXML},
		{name: "oversize", doc: func(*testing.T, *samltest.Response) string {
			return strings.Repeat("A", saml.MaxResponseSize+4)
		}, reason: invalid, check: saml.CheckSize},
		{name: "empty", doc: raw(""), reason: invalid, check: saml.CheckSize},
		{name: "not base64", doc: func(*testing.T, *samltest.Response) string { return "%%%" }, reason: invalid, check: saml.CheckEncoding},
		{name: "not XML", doc: raw("hello"), reason: invalid, check: saml.CheckXML},
		{name: "no status", doc: raw(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Version="2.0"/>`), reason: invalid, check: saml.CheckStatus},
		{name: "not a Response", doc: raw(`<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Version="2.0"/>`), reason: invalid, check: saml.CheckShape},
		{name: "encrypted assertion", doc: raw(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Version="2.0"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:EncryptedAssertion/></samlp:Response>`), reason: invalid, check: saml.CheckShape},
		{name: "no email", edit: func(r *samltest.Response) {
			r.Assertion.User = samltest.User{NameID: "00u1abc", NameIDFormat: samltest.NameIDPersistent}
		}, reason: invalid, check: saml.CheckEmail},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := idp.Response(testSP, requestID, samltest.Alice())
			if c.edit != nil {
				c.edit(r)
			}
			var enc string
			if c.doc != nil {
				enc = c.doc(t, r)
			} else {
				enc = encode(t, r)
			}
			secret := []byte(requestID)
			if c.unsolicited {
				secret = nil
			}
			id, err := provider(t, c.conn).Finish(t.Context(), reply(enc), secret)
			if err == nil {
				t.Fatalf("accepted: %+v", id)
			}
			refused(t, err, c.reason, c.check)
		})
	}
}

// A comment inside the NameID or an attribute value leaves the signature valid (exclusive
// canonicalization drops comments) but must not shorten the value read.
func TestFinishCommentInjection(t *testing.T) {
	idp := testIdP(t)
	for _, signResp := range []bool{false, true} {
		u := samltest.Alice()
		u.NameID = "alice@acme.test.evil.com"
		u.Attributes = []samltest.Attribute{{Name: "email", Values: []string{"alice@acme.test.evil.com"}}}
		r := idp.Response(testSP, requestID, u)
		r.SignResponse, r.SignAssertion = signResp, !signResp
		doc, err := r.Document()
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range []string{"NameID", "AttributeValue"} {
			if err := samltest.InjectComment(doc, tag, len("alice@acme.test")); err != nil {
				t.Fatal(err)
			}
		}
		b, _ := doc.WriteToBytes()
		if !bytes.Contains(b, []byte("alice@acme.test<!---->.evil.com")) {
			t.Fatalf("no comment injected: %s", b)
		}
		id, err := provider(t, nil).Finish(t.Context(), reply(encodeDoc(t, doc)), []byte(requestID))
		if err != nil {
			t.Fatal(err)
		}
		if id.Subject != "alice@acme.test.evil.com" || id.Email != "alice@acme.test.evil.com" {
			t.Errorf("subject %q, email %q, want both alice@acme.test.evil.com", id.Subject, id.Email)
		}
	}
}

func TestFinishSkewBoundaries(t *testing.T) {
	idp := testIdP(t)
	for _, tc := range []struct {
		name string
		edit func(*samltest.Response)
	}{
		{"NotBefore exactly 3 minutes ahead", func(r *samltest.Response) { r.Assertion.NotBefore = testNow.Add(saml.Skew) }},
		{"NotOnOrAfter 3 minutes less a second ago", func(r *samltest.Response) {
			r.Assertion.NotOnOrAfter = testNow.Add(-saml.Skew + time.Second)
		}},
		{"SubjectConfirmationData 3 minutes less a second ago", func(r *samltest.Response) {
			r.Assertion.SubjectNotOnOrAfter = testNow.Add(-saml.Skew + time.Second)
		}},
		{"no NotBefore", func(r *samltest.Response) { r.Assertion.NotBefore = time.Time{} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := idp.Response(testSP, requestID, samltest.Alice())
			tc.edit(r)
			id, err := provider(t, nil).Finish(t.Context(), reply(encode(t, r)), []byte(requestID))
			if err != nil {
				t.Fatal(err)
			}
			end := r.Assertion.NotOnOrAfter
			if r.Assertion.SubjectNotOnOrAfter.Before(end) {
				end = r.Assertion.SubjectNotOnOrAfter
			}
			if got, want := id.OnceUntil, end.Add(saml.Skew); !got.Equal(want) {
				t.Errorf("OnceUntil = %s, want %s", got, want)
			}
		})
	}
}

func TestFinishIdPInitiated(t *testing.T) {
	idp := testIdP(t)
	r := idp.Response(testSP, "", samltest.Alice())
	p := provider(t, func(c *latchkey.Connection) { c.IdPInitiated = true })
	id, err := p.Finish(t.Context(), reply(encode(t, r)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "alice@acme.test" || id.OnceID != r.Assertion.ID {
		t.Errorf("identity = %+v", id)
	}
	// Every other check still applies.
	r = idp.Response(testSP, "", samltest.Alice())
	r.Assertion.Audience = "https://evil.test"
	_, err = p.Finish(t.Context(), reply(encode(t, r)), nil)
	refused(t, err, connector.ReasonResponseInvalid, saml.CheckAudience)
}

// Finish does not remember assertions: the same response is accepted twice, with the same
// OnceID, and the caller's store must refuse the second.
func TestFinishReplayIsTheCallersJob(t *testing.T) {
	idp := testIdP(t)
	enc := encode(t, idp.Response(testSP, requestID, samltest.Alice()))
	p := provider(t, nil)
	a, err := p.Finish(t.Context(), reply(enc), []byte(requestID))
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Finish(t.Context(), reply(enc), []byte(requestID))
	if err != nil {
		t.Fatal(err)
	}
	if a.OnceID == "" || a.OnceID != b.OnceID {
		t.Errorf("OnceID %q then %q, want the same non-empty assertion ID", a.OnceID, b.OnceID)
	}
}

func TestNew(t *testing.T) {
	idp := testIdP(t)
	for _, tc := range []struct {
		name string
		edit func(*latchkey.Connection)
		urls func(*connector.URLs)
	}{
		{"not saml", func(c *latchkey.Connection) { c.Kind = latchkey.KindOIDC }, nil},
		{"no entity id", func(c *latchkey.Connection) { c.IdPEntityID = "" }, nil},
		{"relative SSO URL", func(c *latchkey.Connection) { c.IdPSSOURL = "/sso" }, nil},
		{"no cert", func(c *latchkey.Connection) { c.IdPCerts = nil }, nil},
		{"bad cert", func(c *latchkey.Connection) {
			c.IdPCerts = []string{"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}
		}, nil},
		{"three certs", func(c *latchkey.Connection) { c.IdPCerts = []string{c.IdPCerts[0], c.IdPCerts[0], c.IdPCerts[0]} }, nil},
		{"no ACS", nil, func(u *connector.URLs) { u.Callback = "" }},
		{"no SP entity id", nil, func(u *connector.URLs) { u.EntityID = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, urls := idp.Connection(), testSP
			if tc.edit != nil {
				tc.edit(&conn)
			}
			if tc.urls != nil {
				tc.urls(&urls)
			}
			if _, err := saml.New(conn, urls, nil); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}

// Two certificates during a rollover: a response signed by either verifies.
func TestFinishRollover(t *testing.T) {
	idp := testIdP(t)
	other := otherKey(t)
	p := provider(t, func(c *latchkey.Connection) { c.IdPCerts = append(c.IdPCerts, other.CertPEM()) })
	for _, k := range []*samltest.Key{idp.Key, other} {
		for _, noKeyInfo := range []bool{false, true} {
			r := idp.Response(testSP, requestID, samltest.Alice())
			r.Key, r.NoKeyInfo = k, noKeyInfo
			if _, err := p.Finish(t.Context(), reply(encode(t, r)), []byte(requestID)); err != nil {
				t.Errorf("signed by %s, without KeyInfo %t: %v", k.Cert.Subject.CommonName, noKeyInfo, err)
			}
		}
	}
	// Without KeyInfo, a key that is not configured still fails.
	stranger, err := samltest.NewKey("stranger", testNow.Add(-time.Hour), testNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r := idp.Response(testSP, requestID, samltest.Alice())
	r.Key, r.NoKeyInfo = stranger, true
	_, err = p.Finish(t.Context(), reply(encode(t, r)), []byte(requestID))
	refused(t, err, connector.ReasonResponseInvalid, saml.CheckSignature)
}
