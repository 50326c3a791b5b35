package saml

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	saml2 "github.com/russellhaering/gosaml2"
	"github.com/russellhaering/gosaml2/types"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector"
)

// Limits and tolerances of the ACS.
const (
	// MaxResponseSize bounds the base64 SAMLResponse form value, checked before anything is
	// decoded or parsed.
	MaxResponseSize = 256 << 10
	// MaxXMLTokens bounds the number of XML tokens in a decoded response or metadata document.
	MaxXMLTokens = 50000
	// Skew is the clock difference tolerated on every NotBefore and NotOnOrAfter.
	Skew = 3 * time.Minute
	// MaxRelayState is the longest flow id Begin sends as RelayState (SAML bindings §3.4.3).
	MaxRelayState = 80
	// MaxCerts is how many IdP signing certificates a connection holds at once (a rollover).
	MaxCerts = 2
)

// SAML namespaces, formats and status codes used here.
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"

	statusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success"
	methodBearer  = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

	// NameIDEmail is the email-address NameID format.
	NameIDEmail = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	// NameIDPersistent is the persistent (opaque, stable) NameID format.
	NameIDPersistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	// NameIDUnspecified is the unspecified NameID format.
	NameIDUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"

	// BindingRedirect and BindingPost are the two bindings latchkey speaks.
	BindingRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	BindingPost     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
)

// sha1Algorithms are the XML-DSig algorithm URIs that rest on SHA-1, refused unless the
// connection allows them: SHA-1 collisions are practical, so a SHA-1 digest no longer binds
// the signature to the signed content.
var sha1Algorithms = map[string]bool{
	"http://www.w3.org/2000/09/xmldsig#sha1":            true,
	"http://www.w3.org/2000/09/xmldsig#rsa-sha1":        true,
	"http://www.w3.org/2000/09/xmldsig#dsa-sha1":        true,
	"http://www.w3.org/2000/09/xmldsig#hmac-sha1":       true,
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1": true,
}

// Provider is a SAML 2.0 service provider for one connection: it sends AuthnRequests by the
// HTTP-Redirect binding and checks Responses posted to the ACS by the HTTP-POST binding.
type Provider struct {
	conn  latchkey.Connection
	urls  connector.URLs
	now   func() time.Time
	certs []*x509.Certificate
}

var _ connector.Connector = (*Provider)(nil)

// New returns the service provider for conn, a SAML connection with the IdP's entity ID, its
// HTTP-Redirect SSO URL and one or two PEM signing certificates. urls.EntityID is our SP
// entity ID (the Audience we require), urls.Callback our ACS URL (the Recipient and
// Destination we require). now is the clock every validity window is checked against; nil
// means time.Now. It returns an error when the connection is incomplete or a certificate does
// not parse.
func New(conn latchkey.Connection, urls connector.URLs, now func() time.Time) (*Provider, error) {
	if conn.Kind != latchkey.KindSAML {
		return nil, fmt.Errorf("saml: connection kind %q is not saml", conn.Kind)
	}
	if conn.IdPEntityID == "" {
		return nil, errors.New("saml: connection has no IdP entity ID")
	}
	if err := checkURL(conn.IdPSSOURL); err != nil {
		return nil, fmt.Errorf("saml: IdP SSO URL: %w", err)
	}
	if urls.EntityID == "" {
		return nil, errors.New("saml: no SP entity ID")
	}
	if err := checkURL(urls.Callback); err != nil {
		return nil, fmt.Errorf("saml: ACS URL: %w", err)
	}
	certs, err := ParseCerts(conn.IdPCerts)
	if err != nil {
		return nil, fmt.Errorf("saml: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &Provider{conn: conn, urls: urls, now: now, certs: certs}, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// ParseCerts parses PEM signing certificates, each string holding one or more CERTIFICATE
// blocks. It returns an error when there is none, more than MaxCerts, or one does not parse.
func ParseCerts(pems []string) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for i, p := range pems {
		rest := []byte(p)
		n := 0
		for {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			if block.Type != "CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("IdP certificate %d: %w", i+1, err)
			}
			certs = append(certs, c)
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("IdP certificate %d: no PEM CERTIFICATE block", i+1)
		}
	}
	if len(certs) == 0 {
		return nil, errors.New("no IdP signing certificate")
	}
	if len(certs) > MaxCerts {
		return nil, fmt.Errorf("%d IdP signing certificates, at most %d", len(certs), MaxCerts)
	}
	return certs, nil
}

// serviceProvider is the gosaml2 configuration for one call, its clock frozen at t.
func (p *Provider) serviceProvider(t time.Time) *saml2.SAMLServiceProvider {
	return &saml2.SAMLServiceProvider{
		IdentityProviderSSOURL:      p.conn.IdPSSOURL,
		IdentityProviderSSOBinding:  BindingRedirect,
		IdentityProviderIssuer:      p.conn.IdPEntityID,
		AssertionConsumerServiceURL: p.urls.Callback,
		ServiceProviderIssuer:       p.urls.EntityID,
		AudienceURI:                 p.urls.EntityID,
		IDPCertificateStore:         &dsig.MemoryX509CertificateStore{Roots: p.certs},
		Clock:                       dsig.NewFakeClockAt(t),
		MaximumDecompressedBodySize: MaxResponseSize,
		MaximumXMLTokens:            MaxXMLTokens,
	}
}

// validate runs gosaml2 over raw with every configured certificate. goxmldsig picks the
// certificate from the signature's KeyInfo, or, without KeyInfo, uses the only configured
// one; so when two certificates are configured (a rollover) and the signature fails, each
// is tried alone, for signers that leave KeyInfo out.
func (p *Provider) validate(t time.Time, raw []byte) (*types.Response, error) {
	encoded := base64.StdEncoding.EncodeToString(raw)
	sp := p.serviceProvider(t)
	resp, err := sp.ValidateEncodedResponse(encoded)
	if err == nil || len(p.certs) < 2 || libraryCheck(err) != CheckSignature {
		return resp, err
	}
	for _, c := range p.certs {
		sp.IDPCertificateStore = &dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{c}}
		if r, e := sp.ValidateEncodedResponse(encoded); e == nil || libraryCheck(e) != CheckSignature {
			return r, e
		}
	}
	return nil, err
}

// Begin starts SP-initiated sign-in: an unsigned AuthnRequest, deflated and base64-encoded
// into the IdP's SSO URL (the HTTP-Redirect binding) with RelayState = flowID. Start.Secret
// is the request ID, 128 random bits, which the Response's InResponseTo must repeat. It
// returns an error for a flowID longer than MaxRelayState bytes.
func (p *Provider) Begin(ctx context.Context, flowID string) (connector.Start, error) {
	// SAML bindings §3.4.3: RelayState must not exceed 80 bytes, and IdPs truncate or refuse
	// longer ones.
	if len(flowID) > MaxRelayState {
		return connector.Start{}, fmt.Errorf("saml: flow id of %d bytes, RelayState allows %d", len(flowID), MaxRelayState)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return connector.Start{}, fmt.Errorf("saml: request id: %w", err)
	}
	// An XML ID is an NCName: it may not begin with a digit.
	id := "_" + hex.EncodeToString(b[:])
	sp := p.serviceProvider(p.now())
	doc, err := sp.BuildAuthRequestDocumentNoSig()
	if err != nil {
		return connector.Start{}, fmt.Errorf("saml: build AuthnRequest: %w", err)
	}
	doc.Root().CreateAttr("ID", id)
	u, err := sp.BuildAuthURLRedirect(flowID, doc)
	if err != nil {
		return connector.Start{}, fmt.Errorf("saml: AuthnRequest URL: %w", err)
	}
	return connector.Start{URL: u, Secret: []byte(id)}, nil
}

// checker records the checks made, in order.
type checker struct{ checks []connector.Check }

func (c *checker) pass(name, detail string) {
	c.checks = append(c.checks, connector.Check{Name: name, Passed: true, Detail: detail})
}

// fail records name as failed and returns the *connector.Error for it.
func (c *checker) fail(reason, name string, err error) error {
	err = fmt.Errorf("%s: %w", name, err)
	c.checks = append(c.checks, connector.Check{Name: name, Detail: err.Error()})
	return &connector.Error{Reason: reason, Err: err, Checks: c.checks}
}

// Check names, in the order Finish makes them.
const (
	CheckSolicited    = "solicited"
	CheckSize         = "size"
	CheckEncoding     = "encoding"
	CheckXML          = "xml"
	CheckStatus       = "status"
	CheckShape        = "shape"
	CheckAlgorithms   = "algorithms"
	CheckSignature    = "signature"
	CheckIssuer       = "issuer"
	CheckDestination  = "destination"
	CheckInResponseTo = "in response to"
	CheckAudience     = "audience"
	CheckRecipient    = "recipient"
	CheckBearer       = "subject confirmation"
	CheckValidity     = "validity"
	CheckConfirmation = "subject confirmation expiry"
	CheckSubject      = "subject"
	CheckEmail        = "email"
)

// Finish checks the SAMLResponse posted to the ACS (reply holds SAMLResponse and RelayState;
// the caller found the flow by RelayState and hands back its secret, the request ID). A nil
// secret is an IdP-initiated response, accepted only when the connection allows it and then
// only without InResponseTo. Every refusal is a *connector.Error: ReasonUnsolicited for an
// unsolicited response the connection does not accept, ReasonProviderError for a non-success
// status, ReasonResponseInvalid for anything else; see doc.go for the checks, in order.
//
// Finish does not stop replays by itself: Identity.OnceID (the assertion ID) must be
// accepted once only until Identity.OnceUntil, by the caller's store.
func (p *Provider) Finish(ctx context.Context, reply url.Values, secret []byte) (connector.Identity, error) {
	now := p.now()
	var c checker

	if secret == nil {
		if !p.conn.IdPInitiated {
			return connector.Identity{}, c.fail(connector.ReasonUnsolicited, CheckSolicited,
				errors.New("IdP-initiated response while the connection accepts only responses to its own requests"))
		}
		c.pass(CheckSolicited, "IdP-initiated, allowed by the connection")
	} else {
		c.pass(CheckSolicited, "response to request "+string(secret))
	}

	encoded := reply.Get("SAMLResponse")
	if len(encoded) > MaxResponseSize {
		return connector.Identity{}, c.fail(connector.ReasonResponseInvalid, CheckSize,
			fmt.Errorf("SAMLResponse is %d bytes, at most %d", len(encoded), MaxResponseSize))
	}
	if encoded == "" {
		return connector.Identity{}, c.fail(connector.ReasonResponseInvalid, CheckSize, errors.New("no SAMLResponse"))
	}
	c.pass(CheckSize, "")

	raw, err := base64.StdEncoding.DecodeString(stripSpace(encoded))
	if err != nil {
		return connector.Identity{}, c.fail(connector.ReasonResponseInvalid, CheckEncoding, fmt.Errorf("SAMLResponse is not base64: %w", err))
	}
	c.pass(CheckEncoding, "")

	doc, err := ParseXML(raw)
	if err != nil {
		return connector.Identity{}, c.fail(connector.ReasonResponseInvalid, CheckXML, err)
	}
	c.pass(CheckXML, "")

	root := doc.Root()
	if root.NamespaceURI() != nsProtocol || root.Tag != "Response" {
		return connector.Identity{}, c.fail(connector.ReasonResponseInvalid, CheckShape,
			fmt.Errorf("root element is {%s}%s, want {%s}Response", root.NamespaceURI(), root.Tag, nsProtocol))
	}
	// The status is read before the signature is checked because an IdP's error response
	// often carries no signature and no assertion; refusing on unsigned data is safe, and
	// the verified status is checked again below.
	switch code, msg := status(root); code {
	case statusSuccess:
	case "":
		return connector.Identity{}, c.fail(connector.ReasonResponseInvalid, CheckStatus, errors.New("no StatusCode"))
	default:
		return connector.Identity{}, c.fail(connector.ReasonProviderError, CheckStatus,
			fmt.Errorf("want %s, got %q%s", statusSuccess, code, msg))
	}
	c.pass(CheckStatus, "")

	if err := checkShape(root); err != nil {
		return connector.Identity{}, c.fail(connector.ReasonResponseInvalid, CheckShape, err)
	}
	c.pass(CheckShape, "")

	if !p.conn.AllowSHA1 {
		if alg := sha1Algorithm(root); alg != "" {
			return connector.Identity{}, c.fail(connector.ReasonResponseInvalid, CheckAlgorithms,
				fmt.Errorf("%s rests on SHA-1, which this connection does not accept", alg))
		}
	}
	c.pass(CheckAlgorithms, "")

	// gosaml2 and goxmldsig verify the signatures against the configured certificates and
	// return only what the signatures cover. Its clock is set back by the skew because it
	// compares SubjectConfirmationData NotOnOrAfter (and the certificate's validity) with no
	// tolerance; our own, exact comparisons follow.
	resp, err := p.validate(now.Add(-Skew), raw)
	if err != nil {
		name := libraryCheck(err)
		if name != CheckSignature {
			c.pass(CheckSignature, "")
		}
		return connector.Identity{}, c.fail(connector.ReasonResponseInvalid, name, err)
	}
	if len(resp.Assertions) != 1 {
		return connector.Identity{}, c.fail(connector.ReasonResponseInvalid, CheckSignature,
			fmt.Errorf("%d signed assertions, want 1", len(resp.Assertions)))
	}
	a := &resp.Assertions[0]
	var signed string
	switch {
	case resp.SignatureValidated && a.SignatureValidated:
		signed = "response and assertion"
	case resp.SignatureValidated:
		signed = "response"
	case a.SignatureValidated:
		signed = "assertion"
	default:
		return connector.Identity{}, c.fail(connector.ReasonResponseInvalid, CheckSignature, errors.New("neither the response nor the assertion is signed"))
	}
	c.pass(CheckSignature, "signed: "+signed)

	// From here on everything is read from resp, the signed content only.
	id, err := p.checkVerified(&c, now, resp, a, secret)
	if err != nil {
		return connector.Identity{}, err
	}
	id.Checks = c.checks
	return id, nil
}

func (p *Provider) checkVerified(c *checker, now time.Time, resp *types.Response, a *types.Assertion, secret []byte) (connector.Identity, error) {
	invalid := connector.ReasonResponseInvalid

	if got := issuerOf(resp.Issuer); got != p.conn.IdPEntityID {
		return connector.Identity{}, c.fail(invalid, CheckIssuer, fmt.Errorf("response issuer: want %q, got %q", p.conn.IdPEntityID, got))
	}
	if got := issuerOf(a.Issuer); got != p.conn.IdPEntityID {
		return connector.Identity{}, c.fail(invalid, CheckIssuer, fmt.Errorf("assertion issuer: want %q, got %q", p.conn.IdPEntityID, got))
	}
	c.pass(CheckIssuer, "")

	if resp.Status == nil || resp.Status.StatusCode == nil || resp.Status.StatusCode.Value != statusSuccess {
		return connector.Identity{}, c.fail(connector.ReasonProviderError, CheckStatus, errors.New("signed status is not success"))
	}

	// SAML bindings §3.5.5.2: a signed Response must name where it was sent. When only the
	// assertion is signed, Destination is not covered and Recipient (inside it) binds the ACS.
	switch {
	case resp.Destination != "" && resp.Destination != p.urls.Callback:
		return connector.Identity{}, c.fail(invalid, CheckDestination, fmt.Errorf("want %q, got %q", p.urls.Callback, resp.Destination))
	case resp.Destination == "" && resp.SignatureValidated:
		return connector.Identity{}, c.fail(invalid, CheckDestination, errors.New("a signed response must carry Destination"))
	}
	c.pass(CheckDestination, "")

	if err := p.checkInResponseTo(resp, a, secret); err != nil {
		reason := invalid
		if errors.Is(err, errUnsolicited) {
			reason = connector.ReasonUnsolicited
		}
		return connector.Identity{}, c.fail(reason, CheckInResponseTo, err)
	}
	c.pass(CheckInResponseTo, "")

	cond := a.Conditions
	if cond == nil {
		return connector.Identity{}, c.fail(invalid, CheckAudience, errors.New("assertion has no Conditions"))
	}
	if err := checkAudience(cond, p.urls.EntityID); err != nil {
		return connector.Identity{}, c.fail(invalid, CheckAudience, err)
	}
	c.pass(CheckAudience, "")

	if a.Subject == nil || a.Subject.SubjectConfirmation == nil || a.Subject.SubjectConfirmation.SubjectConfirmationData == nil {
		return connector.Identity{}, c.fail(invalid, CheckRecipient, errors.New("assertion has no SubjectConfirmationData"))
	}
	scd := a.Subject.SubjectConfirmation.SubjectConfirmationData
	if scd.Recipient != p.urls.Callback {
		return connector.Identity{}, c.fail(invalid, CheckRecipient, fmt.Errorf("want %q, got %q", p.urls.Callback, scd.Recipient))
	}
	c.pass(CheckRecipient, "")

	if m := a.Subject.SubjectConfirmation.Method; m != methodBearer {
		return connector.Identity{}, c.fail(invalid, CheckBearer, fmt.Errorf("method: want %s, got %q", methodBearer, m))
	}
	c.pass(CheckBearer, "")

	if cond.NotBefore != "" {
		nb, err := parseTime(cond.NotBefore)
		if err != nil {
			return connector.Identity{}, c.fail(invalid, CheckValidity, fmt.Errorf("NotBefore: %w", err))
		}
		if now.Add(Skew).Before(nb) {
			return connector.Identity{}, c.fail(invalid, CheckValidity,
				fmt.Errorf("not valid before %s, now is %s (skew %s)", stamp(nb), stamp(now), Skew))
		}
	}
	if cond.NotOnOrAfter == "" {
		return connector.Identity{}, c.fail(invalid, CheckValidity, errors.New("no NotOnOrAfter in Conditions"))
	}
	condEnd, err := parseTime(cond.NotOnOrAfter)
	if err != nil {
		return connector.Identity{}, c.fail(invalid, CheckValidity, fmt.Errorf("NotOnOrAfter: %w", err))
	}
	if !now.Add(-Skew).Before(condEnd) {
		return connector.Identity{}, c.fail(invalid, CheckValidity,
			fmt.Errorf("expired at %s, now is %s (skew %s)", stamp(condEnd), stamp(now), Skew))
	}
	c.pass(CheckValidity, "until "+stamp(condEnd))

	if scd.NotOnOrAfter == "" {
		return connector.Identity{}, c.fail(invalid, CheckConfirmation, errors.New("no NotOnOrAfter in SubjectConfirmationData"))
	}
	scdEnd, err := parseTime(scd.NotOnOrAfter)
	if err != nil {
		return connector.Identity{}, c.fail(invalid, CheckConfirmation, fmt.Errorf("NotOnOrAfter: %w", err))
	}
	if !now.Add(-Skew).Before(scdEnd) {
		return connector.Identity{}, c.fail(invalid, CheckConfirmation,
			fmt.Errorf("expired at %s, now is %s (skew %s)", stamp(scdEnd), stamp(now), Skew))
	}
	c.pass(CheckConfirmation, "until "+stamp(scdEnd))

	if a.Subject.NameID == nil || strings.TrimSpace(a.Subject.NameID.Value) == "" {
		return connector.Identity{}, c.fail(invalid, CheckSubject, errors.New("assertion has no NameID"))
	}
	if a.ID == "" {
		return connector.Identity{}, c.fail(invalid, CheckSubject, errors.New("assertion has no ID"))
	}
	// encoding/xml joins every character-data run of the element, so a comment inside the
	// NameID (alice@acme.test<!---->.evil.com) cannot shorten the value read.
	nameID := strings.TrimSpace(a.Subject.NameID.Value)
	c.pass(CheckSubject, nameID)

	claims := attributes(a)
	email := pickEmail(claims, a.Subject.NameID)
	if email == "" {
		return connector.Identity{}, c.fail(invalid, CheckEmail,
			errors.New("no email attribute ("+strings.Join(emailAttributes[:4], ", ")+", …) and the NameID is not an email address"))
	}
	c.pass(CheckEmail, email)

	until := condEnd
	if scdEnd.Before(until) {
		until = scdEnd
	}
	return connector.Identity{
		Subject:       nameID,
		Email:         email,
		Name:          pickName(claims),
		EmailVerified: true, // the IdP asserts the address of its own directory
		OnceID:        a.ID,
		OnceUntil:     until.Add(Skew),
		Claims:        claims,
	}, nil
}

var errUnsolicited = errors.New("unsolicited response")

func (p *Provider) checkInResponseTo(resp *types.Response, a *types.Assertion, secret []byte) error {
	var scdIRT string
	if a.Subject != nil && a.Subject.SubjectConfirmation != nil && a.Subject.SubjectConfirmation.SubjectConfirmationData != nil {
		scdIRT = a.Subject.SubjectConfirmation.SubjectConfirmationData.InResponseTo
	}
	if secret == nil {
		// An IdP-initiated response answers no request; one that claims to answer a request
		// was meant for a flow that this reply is not part of.
		if resp.InResponseTo != "" || scdIRT != "" {
			return fmt.Errorf("IdP-initiated sign-in, but the response answers a request (InResponseTo %q, subject confirmation %q)", resp.InResponseTo, scdIRT)
		}
		return nil
	}
	want := string(secret)
	if resp.InResponseTo == "" && scdIRT == "" {
		return fmt.Errorf("%w: want InResponseTo %q, got none", errUnsolicited, want)
	}
	if resp.InResponseTo != want {
		return fmt.Errorf("response: want %q, got %q", want, resp.InResponseTo)
	}
	// Profiles §4.1.4.2: the bearer confirmation repeats the request ID inside the
	// assertion, where an assertion-only signature covers it.
	if scdIRT != want {
		return fmt.Errorf("subject confirmation: want %q, got %q", want, scdIRT)
	}
	return nil
}

// checkAudience requires at least one AudienceRestriction and our entity ID in every one
// (SAML core §2.5.1.4: each restriction must be met).
func checkAudience(cond *types.Conditions, entityID string) error {
	if len(cond.AudienceRestrictions) == 0 {
		return errors.New("assertion has no AudienceRestriction")
	}
	for _, ar := range cond.AudienceRestrictions {
		var got []string
		ok := false
		for _, au := range ar.Audiences {
			v := strings.TrimSpace(au.Value)
			got = append(got, v)
			if v == entityID {
				ok = true
			}
		}
		if !ok {
			return fmt.Errorf("want %q, got %q", entityID, got)
		}
	}
	return nil
}

func issuerOf(i *types.Issuer) string {
	if i == nil {
		return ""
	}
	return strings.TrimSpace(i.Value)
}

// libraryCheck names the check a gosaml2 error belongs to. Its typed errors come from the
// validation it runs after the signatures verified; anything else is the signature's.
func libraryCheck(err error) string {
	var iv saml2.ErrInvalidValue
	if errors.As(err, &iv) {
		switch iv.Key {
		case saml2.DestinationAttr:
			return CheckDestination
		case saml2.IssuerTag:
			return CheckIssuer
		case saml2.StatusCodeTag:
			return CheckStatus
		case saml2.RecipientAttr:
			return CheckRecipient
		case saml2.NotOnOrAfterAttr:
			return CheckConfirmation
		case saml2.SubjectConfirmationTag:
			return CheckBearer
		}
		return CheckShape
	}
	var me saml2.ErrMissingElement
	if errors.As(err, &me) {
		switch me.Tag {
		case saml2.IssuerTag:
			return CheckIssuer
		case saml2.StatusTag, saml2.StatusCodeTag:
			return CheckStatus
		case saml2.SubjectConfirmationTag:
			return CheckBearer
		case saml2.SubjectConfirmationDataTag:
			if me.Attribute != "" {
				return CheckConfirmation
			}
			return CheckRecipient
		case saml2.SubjectTag:
			return CheckSubject
		}
		return CheckShape
	}
	var pe saml2.ErrParsing
	if errors.As(err, &pe) {
		return CheckConfirmation
	}
	return CheckSignature
}

// checkShape requires a protocol Response holding exactly one plain Assertion. Any second
// assertion is refused here, before the signatures, which closes the wrapping attacks that
// place a signed assertion beside an evil one.
func checkShape(root *etree.Element) error {
	if root.NamespaceURI() != nsProtocol || root.Tag != "Response" {
		return fmt.Errorf("root element is {%s}%s, want {%s}Response", root.NamespaceURI(), root.Tag, nsProtocol)
	}
	if v := root.SelectAttrValue("Version", ""); v != "2.0" {
		return fmt.Errorf("version %q, want 2.0", v)
	}
	n := 0
	for _, el := range root.ChildElements() {
		if el.NamespaceURI() != nsAssertion {
			continue
		}
		switch el.Tag {
		case "Assertion":
			n++
		case "EncryptedAssertion":
			return errors.New("encrypted assertions are not accepted: latchkey publishes no encryption key")
		}
	}
	if n != 1 {
		return fmt.Errorf("%d assertions in the response, want 1", n)
	}
	return nil
}

// status reads the top-level StatusCode (unverified) and any second-level code and message.
func status(root *etree.Element) (code, detail string) {
	st := child(root, nsProtocol, "Status")
	if st == nil {
		return "", ""
	}
	sc := child(st, nsProtocol, "StatusCode")
	if sc == nil {
		return "", ""
	}
	code = sc.SelectAttrValue("Value", "")
	if sub := child(sc, nsProtocol, "StatusCode"); sub != nil {
		detail += " (" + sub.SelectAttrValue("Value", "") + ")"
	}
	if m := child(st, nsProtocol, "StatusMessage"); m != nil {
		detail += ": " + textOf(m)
	}
	return code, detail
}

func child(el *etree.Element, ns, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			return c
		}
	}
	return nil
}

// textOf joins every character-data run directly inside el, so comments never cut a value.
func textOf(el *etree.Element) string {
	var b strings.Builder
	for _, t := range el.Child {
		if cd, ok := t.(*etree.CharData); ok {
			b.WriteString(cd.Data)
		}
	}
	return strings.TrimSpace(b.String())
}

// sha1Algorithm returns the first SHA-1 signature or digest algorithm anywhere in the
// document, or "".
func sha1Algorithm(root *etree.Element) string {
	var found string
	var walk func(*etree.Element)
	walk = func(el *etree.Element) {
		if found != "" {
			return
		}
		if el.NamespaceURI() == nsDSig && (el.Tag == "SignatureMethod" || el.Tag == "DigestMethod") {
			if alg := el.SelectAttrValue("Algorithm", ""); sha1Algorithms[alg] || strings.HasSuffix(strings.ToLower(alg), "sha1") {
				found = alg
				return
			}
		}
		for _, c := range el.ChildElements() {
			walk(c)
		}
	}
	walk(root)
	return found
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an xs:dateTime", s)
	}
	return t, nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
