package saml

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector"
)

// Metadata limits.
const (
	// MaxMetadataSize bounds an IdP metadata document fetched by URL.
	MaxMetadataSize = 1 << 20
	// FetchTimeout bounds FetchMetadata as a whole.
	FetchTimeout = 15 * time.Second
	// CertWarningPeriod is how long before an IdP signing certificate expires CertWarnings
	// starts to warn.
	CertWarningPeriod = 30 * 24 * time.Hour
)

const nsMetadata = "urn:oasis:names:tc:SAML:2.0:metadata"

// IdP is what latchkey takes from an IdP's metadata.
type IdP struct {
	EntityID string
	SSOURL   string // the HTTP-Redirect SingleSignOnService
	Certs    []Cert // the signing certificates, in document order, without duplicates
}

// Cert is one IdP signing certificate.
type Cert struct {
	PEM      string
	Subject  string
	NotAfter time.Time
}

// CertPEMs returns the certificates' PEM, for Connection.IdPCerts.
func (m IdP) CertPEMs() []string {
	out := make([]string, len(m.Certs))
	for i, c := range m.Certs {
		out[i] = c.PEM
	}
	return out
}

// ParseMetadata reads an IdP's SAML metadata: an EntityDescriptor, or an EntitiesDescriptor
// holding exactly one IdP, with an IDPSSODescriptor for SAML 2.0. It returns the entity ID,
// the HTTP-Redirect SSO URL and every signing certificate (KeyDescriptor use="signing" or
// without use). Metadata signatures (Entra signs its metadata) are not verified: the
// document is trusted as the administrator's upload or a fetch over HTTPS. It returns
// ErrDOCTYPE for a DOCTYPE, and an error naming what is missing otherwise.
func ParseMetadata(xml []byte) (IdP, error) {
	doc, err := ParseXML(xml)
	if err != nil {
		return IdP{}, fmt.Errorf("saml metadata: %w", err)
	}
	ed, err := entityDescriptor(doc.Root())
	if err != nil {
		return IdP{}, fmt.Errorf("saml metadata: %w", err)
	}
	m := IdP{EntityID: strings.TrimSpace(ed.SelectAttrValue("entityID", ""))}
	if m.EntityID == "" {
		return IdP{}, errors.New("saml metadata: EntityDescriptor has no entityID")
	}
	idp := idpDescriptor(ed)
	if idp == nil {
		return IdP{}, errors.New("saml metadata: no IDPSSODescriptor for SAML 2.0")
	}
	for _, el := range idp.ChildElements() {
		if el.NamespaceURI() != nsMetadata {
			continue
		}
		switch el.Tag {
		case "SingleSignOnService":
			if m.SSOURL == "" && el.SelectAttrValue("Binding", "") == BindingRedirect {
				m.SSOURL = strings.TrimSpace(el.SelectAttrValue("Location", ""))
			}
		case "KeyDescriptor":
			if use := el.SelectAttrValue("use", ""); use != "" && use != "signing" {
				continue
			}
			for _, x := range descendants(el, nsDSig, "X509Certificate") {
				c, err := parseMetadataCert(textOf(x))
				if err != nil {
					return IdP{}, fmt.Errorf("saml metadata: signing certificate: %w", err)
				}
				if !hasCert(m.Certs, c) {
					m.Certs = append(m.Certs, c)
				}
			}
		}
	}
	if m.SSOURL == "" {
		return IdP{}, errors.New("saml metadata: no SingleSignOnService with the HTTP-Redirect binding")
	}
	if err := checkURL(m.SSOURL); err != nil {
		return IdP{}, fmt.Errorf("saml metadata: SSO URL: %w", err)
	}
	if len(m.Certs) == 0 {
		return IdP{}, errors.New("saml metadata: no signing certificate")
	}
	return m, nil
}

func entityDescriptor(root *etree.Element) (*etree.Element, error) {
	if root.NamespaceURI() != nsMetadata {
		return nil, fmt.Errorf("root element is {%s}%s, not SAML metadata", root.NamespaceURI(), root.Tag)
	}
	switch root.Tag {
	case "EntityDescriptor":
		return root, nil
	case "EntitiesDescriptor":
		var found []*etree.Element
		for _, ed := range descendants(root, nsMetadata, "EntityDescriptor") {
			if idpDescriptor(ed) != nil {
				found = append(found, ed)
			}
		}
		if len(found) != 1 {
			return nil, fmt.Errorf("EntitiesDescriptor holds %d identity providers, want 1", len(found))
		}
		return found[0], nil
	}
	return nil, fmt.Errorf("root element is %s, want EntityDescriptor", root.Tag)
}

func idpDescriptor(ed *etree.Element) *etree.Element {
	for _, el := range ed.ChildElements() {
		if el.NamespaceURI() == nsMetadata && el.Tag == "IDPSSODescriptor" &&
			strings.Contains(el.SelectAttrValue("protocolSupportEnumeration", ""), nsProtocol) {
			return el
		}
	}
	return nil
}

func descendants(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			out = append(out, c)
		}
		out = append(out, descendants(c, ns, tag)...)
	}
	return out
}

func parseMetadataCert(b64 string) (Cert, error) {
	der, err := base64.StdEncoding.DecodeString(stripSpace(b64))
	if err != nil {
		return Cert{}, fmt.Errorf("not base64: %w", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return Cert{}, err
	}
	return certOf(c), nil
}

func certOf(c *x509.Certificate) Cert {
	return Cert{
		PEM:      string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})),
		Subject:  c.Subject.String(),
		NotAfter: c.NotAfter,
	}
}

func hasCert(certs []Cert, c Cert) bool {
	for _, have := range certs {
		if have.PEM == c.PEM {
			return true
		}
	}
	return false
}

// FetchMetadata GETs an IdP metadata document over HTTPS with client (nil means
// http.DefaultClient), within FetchTimeout and at most MaxMetadataSize bytes. It returns the
// body unparsed; an error for a non-https URL or redirect, a non-200 status, a larger body
// or a timeout.
func FetchMetadata(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	if !strings.HasPrefix(url, "https://") {
		return nil, fmt.Errorf("saml metadata: %q is not an https URL", url)
	}
	if client == nil {
		client = http.DefaultClient
	}
	// A redirect must not downgrade to plain HTTP, where the certificates could be swapped.
	c := *client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to %s is not https", req.URL.Redacted())
		}
		if len(via) >= 5 {
			return errors.New("more than 5 redirects")
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("saml metadata: %w", err)
	}
	req.Header.Set("Accept", "application/samlmetadata+xml, application/xml, text/xml")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("saml metadata: fetch: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("saml metadata: fetch %s: status %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxMetadataSize+1))
	if err != nil {
		return nil, fmt.Errorf("saml metadata: read: %w", err)
	}
	if len(body) > MaxMetadataSize {
		return nil, fmt.Errorf("saml metadata: more than %d bytes", MaxMetadataSize)
	}
	return body, nil
}

// SPMetadata returns latchkey's service-provider metadata for one connection: entity ID
// urls.EntityID, one AssertionConsumerService with the HTTP-POST binding at urls.Callback,
// the NameID formats we accept, unsigned AuthnRequests and WantAssertionsSigned. It returns
// an error when either URL is empty.
func SPMetadata(urls connector.URLs) ([]byte, error) {
	if urls.EntityID == "" || urls.Callback == "" {
		return nil, errors.New("saml: SP metadata needs the entity ID and the ACS URL")
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	ed := doc.CreateElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", nsMetadata)
	ed.CreateAttr("entityID", urls.EntityID)
	sp := ed.CreateElement("md:SPSSODescriptor")
	sp.CreateAttr("AuthnRequestsSigned", "false")
	sp.CreateAttr("WantAssertionsSigned", "true")
	sp.CreateAttr("protocolSupportEnumeration", nsProtocol)
	for _, f := range []string{NameIDEmail, NameIDPersistent, NameIDUnspecified} {
		sp.CreateElement("md:NameIDFormat").SetText(f)
	}
	acs := sp.CreateElement("md:AssertionConsumerService")
	acs.CreateAttr("Binding", BindingPost)
	acs.CreateAttr("Location", urls.Callback)
	acs.CreateAttr("index", "0")
	acs.CreateAttr("isDefault", "true")
	doc.Indent(2)
	b, err := doc.WriteToBytes()
	if err != nil {
		return nil, fmt.Errorf("saml: SP metadata: %w", err)
	}
	return b, nil
}

// CertWarnings returns one sentence per IdP signing certificate of conn that has expired or
// expires within CertWarningPeriod of now, and one per certificate that does not parse, for
// the console and `connection show`. It returns nil when all is well.
func CertWarnings(conn latchkey.Connection, now time.Time) []string {
	var out []string
	for i, p := range conn.IdPCerts {
		certs, err := ParseCerts([]string{p})
		if err != nil {
			out = append(out, fmt.Sprintf("IdP signing certificate %d does not parse: %v", i+1, err))
			continue
		}
		for _, c := range certs {
			switch left := c.NotAfter.Sub(now); {
			case left <= 0:
				out = append(out, fmt.Sprintf("IdP signing certificate %q expired on %s: sign-in fails until a new one is configured",
					c.Subject.String(), c.NotAfter.UTC().Format(time.DateOnly)))
			case left <= CertWarningPeriod:
				days := int((left + 24*time.Hour - 1) / (24 * time.Hour))
				out = append(out, fmt.Sprintf("IdP signing certificate %q expires on %s (in %d days): add the new one before then",
					c.Subject.String(), c.NotAfter.UTC().Format(time.DateOnly), days))
			}
		}
	}
	return out
}
