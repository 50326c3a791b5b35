package saml_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector/saml"
	"github.com/latchkey/latchkey/connector/saml/samltest"
)

func TestParseMetadataVendors(t *testing.T) {
	for _, f := range metadataFixtures {
		t.Run(f.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "metadata", f.file))
			if err != nil {
				t.Fatal(err)
			}
			m, err := saml.ParseMetadata(b)
			if err != nil {
				t.Fatal(err)
			}
			if m.EntityID != f.entityID {
				t.Errorf("entity ID = %q, want %q", m.EntityID, f.entityID)
			}
			if m.SSOURL != f.ssoURL {
				t.Errorf("SSO URL = %q, want %q", m.SSOURL, f.ssoURL)
			}
			if len(m.Certs) != len(f.notAfter) {
				t.Fatalf("%d certificates, want %d", len(m.Certs), len(f.notAfter))
			}
			for i, c := range m.Certs {
				if !c.NotAfter.Equal(f.notAfter[i]) {
					t.Errorf("cert %d NotAfter = %s, want %s", i, c.NotAfter, f.notAfter[i])
				}
				if !strings.Contains(c.Subject, "test") {
					t.Errorf("cert %d subject = %q", i, c.Subject)
				}
			}
			// What ParseMetadata returns makes a working connection.
			conn := latchkey.Connection{Kind: latchkey.KindSAML, IdPEntityID: m.EntityID, IdPSSOURL: m.SSOURL, IdPCerts: m.CertPEMs()}
			if _, err := saml.New(conn, testSP, nil); err != nil {
				t.Errorf("New from the metadata: %v", err)
			}
		})
	}
}

func TestParseMetadataSamltest(t *testing.T) {
	idp := testIdP(t)
	m, err := saml.ParseMetadata(idp.Metadata())
	if err != nil {
		t.Fatal(err)
	}
	if m.EntityID != idp.EntityID || m.SSOURL != idp.SSOURL || len(m.Certs) != 1 || m.Certs[0].PEM != idp.Key.CertPEM() {
		t.Errorf("metadata = %+v", m)
	}
}

func TestParseMetadataRefused(t *testing.T) {
	okta, err := os.ReadFile("testdata/metadata/okta.xml")
	if err != nil {
		t.Fatal(err)
	}
	body := okta[bytes.Index(okta, []byte("<md:EntityDescriptor")):]
	for _, tc := range []struct {
		name string
		xml  string
		want error
	}{
		{"DOCTYPE", `<?xml version="1.0"?><!DOCTYPE md:EntityDescriptor>` + string(body), saml.ErrDOCTYPE},
		{"DOCTYPE with entity", `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + string(body), saml.ErrDOCTYPE},
		{"not metadata", `<html/>`, nil},
		{"no IdP", `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`, nil},
		{"no redirect binding", strings.ReplaceAll(string(okta), "bindings:HTTP-Redirect", "bindings:SOAP"), nil},
		{"no signing cert", strings.ReplaceAll(string(okta), `use="signing"`, `use="encryption"`), nil},
		{"no entity ID", strings.Replace(string(okta), `entityID="http://www.okta.com/exk8acme2latchkey7x5d7"`, "", 1), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := saml.ParseMetadata([]byte(tc.xml))
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestFetchMetadata(t *testing.T) {
	idp := testIdP(t)
	big := bytes.Repeat([]byte("x"), saml.MaxMetadataSize+1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/metadata":
			w.Write(idp.Metadata())
		case "/big":
			w.Write(big)
		case "/downgrade":
			http.Redirect(w, r, "http://"+r.Host+"/metadata", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)

	b, err := saml.FetchMetadata(t.Context(), srv.Client(), srv.URL+"/metadata")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := saml.ParseMetadata(b); err != nil {
		t.Errorf("fetched metadata: %v", err)
	}
	for _, u := range []string{srv.URL + "/big", srv.URL + "/missing", srv.URL + "/downgrade", "http://" + strings.TrimPrefix(srv.URL, "https://") + "/metadata"} {
		if _, err := saml.FetchMetadata(t.Context(), srv.Client(), u); err == nil {
			t.Errorf("FetchMetadata(%s) succeeded", u)
		}
	}
}

func TestSPMetadata(t *testing.T) {
	b, err := saml.SPMetadata(testSP)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := saml.ParseXML(b)
	if err != nil {
		t.Fatal(err)
	}
	ed := doc.Root()
	if ed.Tag != "EntityDescriptor" || ed.SelectAttrValue("entityID", "") != testSP.EntityID {
		t.Fatalf("root = %s entityID %q", ed.Tag, ed.SelectAttrValue("entityID", ""))
	}
	sp := ed.SelectElement("SPSSODescriptor")
	if sp == nil {
		t.Fatal("no SPSSODescriptor")
	}
	for k, want := range map[string]string{
		"AuthnRequestsSigned":        "false",
		"WantAssertionsSigned":       "true",
		"protocolSupportEnumeration": "urn:oasis:names:tc:SAML:2.0:protocol",
	} {
		if got := sp.SelectAttrValue(k, ""); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	acs := sp.SelectElement("AssertionConsumerService")
	if acs == nil || acs.SelectAttrValue("Binding", "") != saml.BindingPost || acs.SelectAttrValue("Location", "") != testSP.Callback {
		t.Errorf("ACS = %v", acs)
	}
	var formats []string
	for _, f := range sp.SelectElements("NameIDFormat") {
		formats = append(formats, f.Text())
	}
	if got, want := strings.Join(formats, " "), saml.NameIDEmail+" "+saml.NameIDPersistent+" "+saml.NameIDUnspecified; got != want {
		t.Errorf("NameID formats = %q, want %q", got, want)
	}
	var _ *etree.Element = acs
}

func TestCertWarnings(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	key := func(notAfter time.Time) string {
		k, err := samltest.NewKey("idp", at.AddDate(-1, 0, 0), notAfter)
		if err != nil {
			t.Fatal(err)
		}
		return k.CertPEM()
	}
	far, soon, gone := key(at.AddDate(1, 0, 0)), key(at.Add(30*24*time.Hour)), key(at.Add(-time.Hour))
	edge := key(at.Add(30*24*time.Hour + time.Second))
	for _, tc := range []struct {
		name  string
		certs []string
		want  []string // substrings, one per warning
	}{
		{"far", []string{far}, nil},
		{"just beyond 30 days", []string{edge}, nil},
		{"30 days", []string{far, soon}, []string{"expires on 2026-12-31 (in 30 days)"}},
		{"expired", []string{gone}, []string{"expired on 2026-11-30"}},
		{"garbage", []string{"nope"}, []string{"does not parse"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := saml.CertWarnings(latchkey.Connection{IdPCerts: tc.certs}, at)
			if len(got) != len(tc.want) {
				t.Fatalf("warnings = %q, want %d", got, len(tc.want))
			}
			for i := range got {
				if !strings.Contains(got[i], tc.want[i]) {
					t.Errorf("warning %q lacks %q", got[i], tc.want[i])
				}
			}
		})
	}
}
