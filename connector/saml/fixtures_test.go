package saml_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/latchkey/latchkey/connector/saml/samltest"
)

// go test ./connector/saml -run TestFixtures -update rewrites testdata: the vendor-shaped
// metadata documents (fresh test certificates with fixed expiry dates), the fuzz key pair and
// the FuzzFinish seed corpus. The tests read only what is committed.
var update = flag.Bool("update", false, "rewrite the fixtures in testdata")

// The fixed clock and IdP of the fuzz corpus.
var (
	fuzzNow    = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	fuzzEntity = "https://idp.fuzz.test/saml"
	fuzzSecret = "_fuzz0000000000000000000000000001"
)

// The vendors' metadata fixtures and the certificate expiry each was written with.
var metadataFixtures = []struct {
	file     string
	entityID string
	ssoURL   string
	notAfter []time.Time
	xml      string // %[1]s, %[2]s: base64 DER of the certificates
}{
	{
		file:     "okta.xml",
		entityID: "http://www.okta.com/exk8acme2latchkey7x5d7",
		ssoURL:   "https://acme.okta.com/app/acme_latchkey_1/exk8acme2latchkey7x5d7/sso/saml",
		notAfter: []time.Time{time.Date(2036, 3, 14, 9, 0, 0, 0, time.UTC)},
		xml:      `<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://www.okta.com/exk8acme2latchkey7x5d7"><md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>%[1]s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat><md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://acme.okta.com/app/acme_latchkey_1/exk8acme2latchkey7x5d7/sso/saml"/><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://acme.okta.com/app/acme_latchkey_1/exk8acme2latchkey7x5d7/sso/saml"/></md:IDPSSODescriptor></md:EntityDescriptor>`,
	},
	{
		file:     "entra.xml",
		entityID: "https://sts.windows.net/6f1e2d3c-4b5a-4987-a6b5-c4d3e2f1a0b9/",
		ssoURL:   "https://login.microsoftonline.com/6f1e2d3c-4b5a-4987-a6b5-c4d3e2f1a0b9/saml2",
		notAfter: []time.Time{time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC), time.Date(2029, 1, 15, 0, 0, 0, 0, time.UTC)},
		// Entra's federation metadata: signed, WS-Federation RoleDescriptors before the
		// IDPSSODescriptor, default namespace, two signing certificates during a rollover.
		xml: `<?xml version="1.0" encoding="utf-8"?><EntityDescriptor ID="_3f2b9c1e-8d7a-4e6f-9b5c-2a1d0e9f8c7b" entityID="https://sts.windows.net/6f1e2d3c-4b5a-4987-a6b5-c4d3e2f1a0b9/" xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><RoleDescriptor xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706"><KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>%[1]s</X509Certificate></X509Data></KeyInfo></KeyDescriptor><fed:ClaimTypesOffered><auth:ClaimType Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name" xmlns:auth="http://docs.oasis-open.org/wsfed/authorization/200706"><auth:DisplayName>Name</auth:DisplayName><auth:Description>The mutable display name of the user.</auth:Description></auth:ClaimType><auth:ClaimType Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" xmlns:auth="http://docs.oasis-open.org/wsfed/authorization/200706"><auth:DisplayName>Email</auth:DisplayName><auth:Description>Email address of the user.</auth:Description></auth:ClaimType></fed:ClaimTypesOffered><fed:PassiveRequestorEndpoint><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>https://login.microsoftonline.com/6f1e2d3c-4b5a-4987-a6b5-c4d3e2f1a0b9/wsfed</wsa:Address></wsa:EndpointReference></fed:PassiveRequestorEndpoint></RoleDescriptor><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>%[1]s</X509Certificate></X509Data></KeyInfo></KeyDescriptor><KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>%[2]s</X509Certificate></X509Data></KeyInfo></KeyDescriptor><SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.microsoftonline.com/6f1e2d3c-4b5a-4987-a6b5-c4d3e2f1a0b9/saml2"/><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.microsoftonline.com/6f1e2d3c-4b5a-4987-a6b5-c4d3e2f1a0b9/saml2"/><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://login.microsoftonline.com/6f1e2d3c-4b5a-4987-a6b5-c4d3e2f1a0b9/saml2"/></IDPSSODescriptor></EntityDescriptor>`,
	},
	{
		file:     "jumpcloud.xml",
		entityID: "JumpCloud",
		ssoURL:   "https://sso.jumpcloud.com/saml2/latchkey-acme",
		notAfter: []time.Time{time.Date(2031, 5, 1, 0, 0, 0, 0, time.UTC)},
		xml: `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="JumpCloud">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data>
          <ds:X509Certificate>%[1]s</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://sso.jumpcloud.com/saml2/latchkey-acme"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sso.jumpcloud.com/saml2/latchkey-acme"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`,
	},
	{
		file:     "onelogin.xml",
		entityID: "https://app.onelogin.com/saml/metadata/8c1f3a2e-5b4d-4c6a-9e8f-7d6c5b4a3f2e",
		ssoURL:   "https://acme.onelogin.com/trust/saml2/http-redirect/sso/8c1f3a2e-5b4d-4c6a-9e8f-7d6c5b4a3f2e",
		notAfter: []time.Time{time.Date(2033, 7, 20, 0, 0, 0, 0, time.UTC)},
		// OneLogin: default namespace, the certificate wrapped at 64 columns, distinct
		// Redirect and POST endpoints, and a SOAP one.
		xml: `<?xml version="1.0"?>
<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://app.onelogin.com/saml/metadata/8c1f3a2e-5b4d-4c6a-9e8f-7d6c5b4a3f2e">
  <IDPSSODescriptor xmlns:ds="http://www.w3.org/2000/09/xmldsig#" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data>
          <ds:X509Certificate>%[1]s</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </KeyDescriptor>
    <SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://acme.onelogin.com/trust/saml2/http-redirect/slo/2468013"/>
    <NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</NameIDFormat>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://acme.onelogin.com/trust/saml2/http-post/sso/8c1f3a2e-5b4d-4c6a-9e8f-7d6c5b4a3f2e"/>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://acme.onelogin.com/trust/saml2/http-redirect/sso/8c1f3a2e-5b4d-4c6a-9e8f-7d6c5b4a3f2e"/>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://acme.onelogin.com/trust/saml2/soap/sso/8c1f3a2e-5b4d-4c6a-9e8f-7d6c5b4a3f2e"/>
  </IDPSSODescriptor>
</EntityDescriptor>
`,
	},
}

func TestFixtures(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata")
	}
	writeMetadataFixtures(t)
	key := writeFuzzFixtures(t)
	writeForeignFixtures(t, key)
}

// writeForeignFixtures has the JDK's XML-DSig implementation sign responses built here, with
// the fuzz key, for TestForeignSignatures.
func writeForeignFixtures(t *testing.T, key *samltest.Key) {
	if _, err := exec.LookPath("java"); err != nil {
		t.Fatal("java is needed to sign testdata/foreign: ", err)
	}
	dir := t.TempDir()
	der, err := x509.MarshalPKCS8PrivateKey(key.Private)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, certFile, in := filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "in.xml")
	writeFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	writeFile(t, certFile, []byte(key.CertPEM()))
	idp := &samltest.IdP{EntityID: fuzzEntity, Key: key, Now: func() time.Time { return fuzzNow }}
	for _, mode := range []string{"assertion", "response", "both"} {
		r := idp.Response(testSP, fuzzSecret, samltest.Alice())
		r.SignAssertion = false
		doc, err := r.Document()
		if err != nil {
			t.Fatal(err)
		}
		if err := doc.WriteToFile(in); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join("testdata", "foreign", mode+"-signed.xml")
		cmd := exec.Command("java", filepath.Join("testdata", "foreign", "Sign.java"), in, out, keyFile, certFile, mode)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("java Sign.java %s: %v\n%s", mode, err, b)
		}
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeMetadataFixtures(t *testing.T) {
	for _, f := range metadataFixtures {
		var certs []any
		var signer *samltest.Key
		for i, na := range f.notAfter {
			k, err := samltest.NewKey(fmt.Sprintf("%s test %d", strings.TrimSuffix(f.file, ".xml"), i+1), na.AddDate(-3, 0, 0), na)
			if err != nil {
				t.Fatal(err)
			}
			b64 := base64.StdEncoding.EncodeToString(k.Cert.Raw)
			if f.file == "onelogin.xml" {
				b64 = wrap(b64, 64)
			}
			certs = append(certs, b64)
			if signer == nil {
				signer = k
			}
		}
		if len(certs) == 1 {
			certs = append(certs, "")
		}
		xml := fmt.Sprintf(f.xml, certs...)
		if f.file == "entra.xml" {
			// Entra signs its federation metadata; ParseMetadata ignores the signature but
			// must read around it.
			doc := etree.NewDocument()
			if err := doc.ReadFromString(xml); err != nil {
				t.Fatal(err)
			}
			signed, err := samltest.Sign(doc.Root(), signer, false)
			if err != nil {
				t.Fatal(err)
			}
			doc.SetRoot(signed)
			if xml, err = doc.WriteToString(); err != nil {
				t.Fatal(err)
			}
		}
		writeFile(t, filepath.Join("testdata", "metadata", f.file), []byte(xml))
	}
}

func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}

func writeFuzzFixtures(t *testing.T) *samltest.Key {
	k, err := samltest.NewKey("fuzz idp", fuzzNow.AddDate(-1, 0, 0), fuzzNow.AddDate(20, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, "testdata/fuzz-idp-key.pem", []byte(k.KeyPEM()))
	writeFile(t, "testdata/fuzz-idp-cert.pem", []byte(k.CertPEM()))
	other, err := samltest.NewKey("fuzz other", fuzzNow.AddDate(-1, 0, 0), fuzzNow.AddDate(20, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	idp := &samltest.IdP{EntityID: fuzzEntity, SSOURL: "https://idp.fuzz.test/sso", Key: k, Now: func() time.Time { return fuzzNow }}

	seeds := map[string]func(r *samltest.Response) (*etree.Document, error){
		"valid-assertion-signed": func(r *samltest.Response) (*etree.Document, error) { return r.Document() },
		"valid-response-signed": func(r *samltest.Response) (*etree.Document, error) {
			r.SignAssertion, r.SignResponse = false, true
			return r.Document()
		},
		"valid-both-signed": func(r *samltest.Response) (*etree.Document, error) {
			r.SignResponse = true
			return r.Document()
		},
		"unsigned": func(r *samltest.Response) (*etree.Document, error) {
			r.SignAssertion = false
			return r.Document()
		},
		"other-key": func(r *samltest.Response) (*etree.Document, error) {
			r.Key = other
			return r.Document()
		},
		"sha1": func(r *samltest.Response) (*etree.Document, error) {
			r.SHA1 = true
			return r.Document()
		},
		"status-failure": func(r *samltest.Response) (*etree.Document, error) {
			r.Status, r.NoAssertion, r.SignAssertion = samltest.StatusResponder, true, false
			return r.Document()
		},
		"comment-nameid": func(r *samltest.Response) (*etree.Document, error) {
			r.Assertion.User.NameID = "alice@acme.test.evil.com"
			doc, err := r.Document()
			if err != nil {
				return nil, err
			}
			return doc, samltest.InjectComment(doc, "NameID", len("alice@acme.test"))
		},
		"xsw1": xswSeed(samltest.XSW1, true),
		"xsw3": xswSeed(samltest.XSW3, false),
		"xsw4": xswSeed(samltest.XSW4, false),
		"xsw7": xswSeed(samltest.XSW7, false),
	}
	for name, build := range seeds {
		r := idp.Response(testSP, fuzzSecret, samltest.Alice())
		doc, err := build(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := doc.WriteToBytes()
		if err != nil {
			t.Fatal(err)
		}
		writeSeed(t, name, b)
	}
	writeSeed(t, "doctype-entities", []byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Version="2.0">&b;</samlp:Response>`))
	return k
}

func xswSeed(variant int, signResponse bool) func(r *samltest.Response) (*etree.Document, error) {
	return func(r *samltest.Response) (*etree.Document, error) {
		r.SignResponse, r.SignAssertion = signResponse, !signResponse
		evil := *r
		evil.Assertion.ID = "_evil"
		evil.Assertion.User = samltest.User{NameID: "mallory@acme.test", NameIDFormat: samltest.NameIDEmail}
		doc, err := r.Document()
		if err != nil {
			return nil, err
		}
		return samltest.XSW(variant, doc, evil.AssertionElement())
	}
}

func writeSeed(t *testing.T, name string, b []byte) {
	writeFile(t, filepath.Join("testdata", "fuzz", "FuzzFinish", name),
		[]byte("go test fuzz v1\n[]byte("+strconv.Quote(string(b))+")\n"))
}
