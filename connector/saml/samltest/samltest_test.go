package samltest_test

import (
	"crypto/x509"
	"testing"
	"time"

	dsig "github.com/russellhaering/goxmldsig"

	"github.com/latchkey/latchkey/connector"
	"github.com/latchkey/latchkey/connector/saml/samltest"
)

// The signatures samltest makes are real: goxmldsig verifies them with the IdP's
// certificate, and refuses them with another.
func TestSignaturesVerify(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	idp, err := samltest.New("https://idp.test", func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	other, err := samltest.NewKey("other", now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r := idp.Response(connector.URLs{Callback: "https://sp.test/acs", EntityID: "https://sp.test"}, "_req", samltest.Alice())
	r.SignResponse = true
	doc, err := r.Document()
	if err != nil {
		t.Fatal(err)
	}
	validate := func(c *x509.Certificate) error {
		ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{c}})
		ctx.Clock = dsig.NewFakeClockAt(now)
		_, err := ctx.Validate(doc.Root())
		return err
	}
	if err := validate(idp.Key.Cert); err != nil {
		t.Errorf("response signature: %v", err)
	}
	if err := validate(other.Cert); err == nil {
		t.Error("verified with another certificate")
	}
	if doc.Root().SelectElement("Assertion").SelectElement("Signature") == nil {
		t.Error("assertion not signed")
	}
}

func TestXSWVariants(t *testing.T) {
	now := time.Now()
	idp, err := samltest.New("https://idp.test", func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	r := idp.Response(connector.URLs{Callback: "https://sp.test/acs", EntityID: "https://sp.test"}, "_req", samltest.Alice())
	r.SignResponse = true
	doc, err := r.Document()
	if err != nil {
		t.Fatal(err)
	}
	evil := *r
	evil.Assertion.ID = "_evil"
	for v := samltest.XSW1; v <= samltest.XSWBesideAfter; v++ {
		w, err := samltest.XSW(v, doc, evil.AssertionElement())
		if err != nil {
			t.Errorf("XSW%d: %v", v, err)
			continue
		}
		if len(w.FindElements("//Assertion")) < 2 {
			t.Errorf("XSW%d: fewer than two assertions", v)
		}
	}
	if _, err := samltest.XSW(99, doc, evil.AssertionElement()); err == nil {
		t.Error("XSW99 built")
	}
}
