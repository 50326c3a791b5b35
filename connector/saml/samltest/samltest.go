// Package samltest is a SAML 2.0 identity provider for tests. It builds real Responses with
// etree and signs them with a generated test key through goxmldsig (the Assertion, the
// Response, or both), and has a knob for each attack a service provider must refuse:
// unsigned, signed by another key, wrong audience, recipient, destination or issuer, expired
// or not yet valid, wrong or absent InResponseTo, a failure status, SHA-1, the XML Signature
// Wrapping shapes XSW1–8 and comments injected into a NameID. It also serves its metadata
// and an HTTP-Redirect SSO endpoint that answers with an auto-POST form, for browser tests.
//
// Nothing here is for production: keys are generated or loaded without protection.
package samltest

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector"
)

// SAML namespaces and values used in the documents built here.
const (
	NSProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	NSAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	NSMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	NSDSig      = "http://www.w3.org/2000/09/xmldsig#"

	StatusSuccess   = "urn:oasis:names:tc:SAML:2.0:status:Success"
	StatusResponder = "urn:oasis:names:tc:SAML:2.0:status:Responder"

	NameIDEmail      = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	NameIDPersistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"

	methodBearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	timeFormat   = "2006-01-02T15:04:05Z"
)

// KeyBits is the size of the keys NewKey makes: 1024 bits, which take a sixth of the time of
// 2048 to generate (a tenth of the web tests' CPU went to making IdP keys). Every key is still
// fresh and distinct, and signing and verifying are the same code whatever the size.
const KeyBits = 1024

// Key is a signing key and its self-signed certificate.
type Key struct {
	Private *rsa.PrivateKey
	Cert    *x509.Certificate
}

// NewKey generates an RSA key of KeyBits bits with a self-signed certificate for commonName,
// valid from notBefore to notAfter.
func NewKey(commonName string, notBefore, notAfter time.Time) (*Key, error) {
	priv, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, fmt.Errorf("serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	return &Key{Private: priv, Cert: cert}, nil
}

// ParseKey reads a Key from a PEM private key (PKCS#1 or PKCS#8) and a PEM certificate.
func ParseKey(keyPEM, certPEM []byte) (*Key, error) {
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, errors.New("no PEM private key")
	}
	var priv *rsa.PrivateKey
	if k, err := x509.ParsePKCS1PrivateKey(kb.Bytes); err == nil {
		priv = k
	} else {
		k8, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse private key: %w", err)
		}
		var ok bool
		if priv, ok = k8.(*rsa.PrivateKey); !ok {
			return nil, errors.New("private key is not RSA")
		}
	}
	cb, _ := pem.Decode(certPEM)
	if cb == nil {
		return nil, errors.New("no PEM certificate")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	return &Key{Private: priv, Cert: cert}, nil
}

// CertPEM returns the certificate in PEM.
func (k *Key) CertPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Cert.Raw}))
}

// KeyPEM returns the private key in PEM (PKCS#1).
func (k *Key) KeyPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.Private)}))
}

// User is who the IdP says signed in.
type User struct {
	NameID       string
	NameIDFormat string
	Attributes   []Attribute
}

// Attribute is one SAML attribute.
type Attribute struct {
	Name         string
	NameFormat   string
	FriendlyName string
	Values       []string
}

// IdP is a test identity provider.
type IdP struct {
	EntityID string
	SSOURL   string // where the Handler is served, for Connection and Metadata
	Key      *Key
	Now      func() time.Time
	// User and SP are who Handler signs in and for which service provider.
	User User
	SP   connector.URLs
}

// New returns an IdP with a fresh key valid for a year around now().
func New(entityID string, now func() time.Time) (*IdP, error) {
	if now == nil {
		now = time.Now
	}
	t := now()
	k, err := NewKey("samltest "+entityID, t.Add(-24*time.Hour), t.Add(365*24*time.Hour))
	if err != nil {
		return nil, err
	}
	return &IdP{EntityID: entityID, SSOURL: "https://idp.test/sso", Key: k, Now: now}, nil
}

// Connection returns a SAML connection to this IdP.
func (idp *IdP) Connection() latchkey.Connection {
	return latchkey.Connection{
		Kind:        latchkey.KindSAML,
		Name:        "samltest",
		Enabled:     true,
		IdPEntityID: idp.EntityID,
		IdPSSOURL:   idp.SSOURL,
		IdPCerts:    []string{idp.Key.CertPEM()},
	}
}

// Metadata returns the IdP's metadata: entity ID, signing certificate, SSO endpoints for
// both bindings and the NameID formats.
func (idp *IdP) Metadata() []byte {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	ed := doc.CreateElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", NSMetadata)
	ed.CreateAttr("xmlns:ds", NSDSig)
	ed.CreateAttr("entityID", idp.EntityID)
	d := ed.CreateElement("md:IDPSSODescriptor")
	d.CreateAttr("WantAuthnRequestsSigned", "false")
	d.CreateAttr("protocolSupportEnumeration", NSProtocol)
	kd := d.CreateElement("md:KeyDescriptor")
	kd.CreateAttr("use", "signing")
	kd.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").
		SetText(base64.StdEncoding.EncodeToString(idp.Key.Cert.Raw))
	for _, f := range []string{NameIDEmail, NameIDPersistent} {
		d.CreateElement("md:NameIDFormat").SetText(f)
	}
	for _, b := range []string{"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"} {
		s := d.CreateElement("md:SingleSignOnService")
		s.CreateAttr("Binding", b)
		s.CreateAttr("Location", idp.SSOURL)
	}
	doc.Indent(2)
	b, _ := doc.WriteToBytes()
	return b
}

// Response is a SAML Response to build and sign. Response returns one with every field set
// for a valid sign-in; a test changes the field its attack needs, then calls Document or
// Encode. Empty strings and zero times leave the attribute or element out.
type Response struct {
	ID            string
	IssueInstant  time.Time
	Destination   string
	InResponseTo  string
	Issuer        string
	Status        string
	StatusMessage string
	Assertion     Assertion

	SignAssertion bool
	SignResponse  bool
	// SHA1 signs with RSA-SHA1 and SHA-1 digests instead of RSA-SHA256 and SHA-256.
	SHA1 bool
	// Key signs; another IdP's key makes a "signed by someone else" response.
	Key *Key
	// NoAssertion leaves the Assertion out, as an IdP's error response does.
	NoAssertion bool
	// NoKeyInfo leaves the certificate out of the signatures (KeyInfo is not signed), as
	// some signers do: the SP must then find the key among the ones it trusts.
	NoKeyInfo bool
}

// Assertion is the assertion inside a Response.
type Assertion struct {
	ID           string
	IssueInstant time.Time
	Issuer       string
	User         User
	// SubjectConfirmationData
	Recipient           string
	InResponseTo        string
	SubjectNotOnOrAfter time.Time
	// Conditions
	NotBefore    time.Time
	NotOnOrAfter time.Time
	Audience     string
	NoConditions bool
}

// NewID returns a random XML ID.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "_" + hex.EncodeToString(b[:])
}

// Response returns a valid, assertion-signed Response for user to the service provider sp,
// answering the request inResponseTo ("" for an IdP-initiated one), issued now and valid for
// five minutes.
func (idp *IdP) Response(sp connector.URLs, inResponseTo string, user User) *Response {
	now := idp.Now().UTC().Truncate(time.Second)
	return &Response{
		ID:           NewID(),
		IssueInstant: now,
		Destination:  sp.Callback,
		InResponseTo: inResponseTo,
		Issuer:       idp.EntityID,
		Status:       StatusSuccess,
		Assertion: Assertion{
			ID:                  NewID(),
			IssueInstant:        now,
			Issuer:              idp.EntityID,
			User:                user,
			Recipient:           sp.Callback,
			InResponseTo:        inResponseTo,
			SubjectNotOnOrAfter: now.Add(5 * time.Minute),
			NotBefore:           now.Add(-30 * time.Second),
			NotOnOrAfter:        now.Add(5 * time.Minute),
			Audience:            sp.EntityID,
		},
		SignAssertion: true,
		Key:           idp.Key,
	}
}

// Alice is a user with an email NameID and the attributes most IdPs send.
func Alice() User {
	return User{
		NameID:       "alice@acme.test",
		NameIDFormat: NameIDEmail,
		Attributes: []Attribute{
			{Name: "email", Values: []string{"alice@acme.test"}},
			{Name: "firstName", Values: []string{"Alice"}},
			{Name: "lastName", Values: []string{"Liddell"}},
		},
	}
}

func setAttr(el *etree.Element, key, value string) {
	if value != "" {
		el.CreateAttr(key, value)
	}
}

func setTime(el *etree.Element, key string, t time.Time) {
	if !t.IsZero() {
		el.CreateAttr(key, t.UTC().Format(timeFormat))
	}
}

// AssertionElement builds the assertion, unsigned, with its own namespace declarations so it
// can be signed or moved on its own.
func (r *Response) AssertionElement() *etree.Element {
	a := r.Assertion
	el := etree.NewElement("saml:Assertion")
	el.CreateAttr("xmlns:saml", NSAssertion)
	el.CreateAttr("xmlns:xs", "http://www.w3.org/2001/XMLSchema")
	el.CreateAttr("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
	setAttr(el, "ID", a.ID)
	el.CreateAttr("Version", "2.0")
	setTime(el, "IssueInstant", a.IssueInstant)
	if a.Issuer != "" {
		el.CreateElement("saml:Issuer").SetText(a.Issuer)
	}
	subj := el.CreateElement("saml:Subject")
	if a.User.NameID != "" {
		n := subj.CreateElement("saml:NameID")
		setAttr(n, "Format", a.User.NameIDFormat)
		n.SetText(a.User.NameID)
	}
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", methodBearer)
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	setAttr(scd, "InResponseTo", a.InResponseTo)
	setTime(scd, "NotOnOrAfter", a.SubjectNotOnOrAfter)
	setAttr(scd, "Recipient", a.Recipient)
	if !a.NoConditions {
		c := el.CreateElement("saml:Conditions")
		setTime(c, "NotBefore", a.NotBefore)
		setTime(c, "NotOnOrAfter", a.NotOnOrAfter)
		if a.Audience != "" {
			c.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(a.Audience)
		}
	}
	as := el.CreateElement("saml:AuthnStatement")
	setTime(as, "AuthnInstant", a.IssueInstant)
	as.CreateAttr("SessionIndex", a.ID)
	as.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").
		SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	if len(a.User.Attributes) > 0 {
		st := el.CreateElement("saml:AttributeStatement")
		for _, at := range a.User.Attributes {
			ae := st.CreateElement("saml:Attribute")
			setAttr(ae, "Name", at.Name)
			nf := at.NameFormat
			if nf == "" {
				nf = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
			}
			ae.CreateAttr("NameFormat", nf)
			setAttr(ae, "FriendlyName", at.FriendlyName)
			for _, v := range at.Values {
				ve := ae.CreateElement("saml:AttributeValue")
				ve.CreateAttr("xsi:type", "xs:string")
				ve.SetText(v)
			}
		}
	}
	return el
}

// signingContext is goxmldsig's signer for key: exclusive canonicalization, as every
// mainstream IdP uses.
func signingContext(key *Key, sha1 bool) (*dsig.SigningContext, error) {
	ctx, err := dsig.NewSigningContext(key.Private, [][]byte{key.Cert.Raw})
	if err != nil {
		return nil, err
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if sha1 {
		ctx.Hash = crypto.SHA1
	}
	return ctx, nil
}

// Sign returns a copy of el with an enveloped signature by key placed right after its
// Issuer, where the SAML schema puts it.
func Sign(el *etree.Element, key *Key, sha1 bool) (*etree.Element, error) {
	ctx, err := signingContext(key, sha1)
	if err != nil {
		return nil, err
	}
	sig, err := ctx.ConstructSignature(el, true)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", el.Tag, err)
	}
	out := el.Copy()
	at := 0
	for i, t := range out.Child {
		if c, ok := t.(*etree.Element); ok && c.Tag == "Issuer" {
			at = i + 1
			break
		}
	}
	out.InsertChildAt(at, sig)
	return out, nil
}

// Document builds the Response and signs what SignAssertion and SignResponse ask for, the
// assertion first.
func (r *Response) Document() (*etree.Document, error) {
	root := etree.NewElement("samlp:Response")
	root.CreateAttr("xmlns:samlp", NSProtocol)
	root.CreateAttr("xmlns:saml", NSAssertion)
	setAttr(root, "ID", r.ID)
	root.CreateAttr("Version", "2.0")
	setTime(root, "IssueInstant", r.IssueInstant)
	setAttr(root, "Destination", r.Destination)
	setAttr(root, "InResponseTo", r.InResponseTo)
	if r.Issuer != "" {
		root.CreateElement("saml:Issuer").SetText(r.Issuer)
	}
	st := root.CreateElement("samlp:Status")
	st.CreateElement("samlp:StatusCode").CreateAttr("Value", r.Status)
	if r.StatusMessage != "" {
		st.CreateElement("samlp:StatusMessage").SetText(r.StatusMessage)
	}
	if !r.NoAssertion {
		a := r.AssertionElement()
		if r.SignAssertion {
			var err error
			if a, err = Sign(a, r.Key, r.SHA1); err != nil {
				return nil, err
			}
		}
		root.AddChild(a)
	}
	if r.SignResponse {
		var err error
		if root, err = Sign(root, r.Key, r.SHA1); err != nil {
			return nil, err
		}
	}
	if r.NoKeyInfo {
		dropKeyInfo(root)
	}
	doc := etree.NewDocument()
	doc.SetRoot(root)
	return doc, nil
}

func dropKeyInfo(el *etree.Element) {
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" {
			if ki := childNamed(c, "KeyInfo"); ki != nil {
				c.RemoveChild(ki)
			}
		}
		dropKeyInfo(c)
	}
}

// Encode builds, signs and base64-encodes the Response, as the SAMLResponse form value.
func (r *Response) Encode() (string, error) {
	doc, err := r.Document()
	if err != nil {
		return "", err
	}
	return Encode(doc)
}

// Encode serializes doc and base64-encodes it, as the SAMLResponse form value.
func Encode(doc *etree.Document) (string, error) {
	b, err := doc.WriteToBytes()
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// ErrShape is returned by the attack helpers when the document lacks what they move.
var ErrShape = errors.New("samltest: document has not the shape this attack needs")

func childNamed(el *etree.Element, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag {
			return c
		}
	}
	return nil
}

// InjectComment splits the text of the first element named tag (NameID, AttributeValue …)
// at byte offset with an empty comment: "alice@acme.test.evil.com" becomes
// "alice@acme.test<!---->.evil.com". Exclusive canonicalization drops comments, so the
// signature still verifies; a parser that reads only the first text node would see
// "alice@acme.test".
func InjectComment(doc *etree.Document, tag string, offset int) error {
	var el *etree.Element
	for _, e := range doc.FindElements("//" + tag) {
		el = e
		break
	}
	if el == nil {
		return ErrShape
	}
	text := el.Text()
	if offset <= 0 || offset >= len(text) {
		return ErrShape
	}
	for len(el.Child) > 0 {
		el.RemoveChildAt(0)
	}
	el.AddChild(etree.NewText(text[:offset]))
	el.AddChild(etree.NewComment(""))
	el.AddChild(etree.NewText(text[offset:]))
	return nil
}

// The XML Signature Wrapping shapes of Somorovsky et al., "On Breaking SAML" (2012). XSW1
// and XSW2 need a signed Response; the others a signed Assertion.
const (
	XSW1 = 1 + iota // evil Response at the root; the signed Response inside its Signature
	XSW2            // evil Response at the root; the signed Response before its Signature
	XSW3            // evil Assertion before the signed one
	XSW4            // evil Assertion holding the signed one
	XSW5            // evil Assertion carries the signature; the original, unsigned, appended
	XSW6            // evil Assertion carries the signature; the original inside that Signature
	XSW7            // evil Assertion in place; the signed one inside an Extensions element
	XSW8            // evil Assertion carries the signature; the original in a ds:Object in it
	// XSWBesideAfter puts the evil Assertion after the signed one.
	XSWBesideAfter
)

// XSW returns signed (a Response built by Document) rewritten into the wrapping shape
// variant with the unsigned evil assertion (from AssertionElement, with its own ID). The
// signed parts are untouched, so their signatures still verify over the original content.
func XSW(variant int, signed *etree.Document, evil *etree.Element) (*etree.Document, error) {
	src := signed.Root()
	if src == nil {
		return nil, ErrShape
	}
	orig := childNamed(src, "Assertion")
	if orig == nil {
		return nil, ErrShape
	}
	evil = evil.Copy()
	out := src.Copy()
	assertionAt := func(root *etree.Element) int {
		for i, t := range root.Child {
			if c, ok := t.(*etree.Element); ok && c.Tag == "Assertion" {
				return i
			}
		}
		return -1
	}
	withoutSignature := func(el *etree.Element) *etree.Element {
		el = el.Copy()
		if s := childNamed(el, "Signature"); s != nil {
			el.RemoveChild(s)
		}
		return el
	}
	insertAfterIssuer := func(el *etree.Element, t etree.Token) {
		at := 0
		for i, c := range el.Child {
			if e, ok := c.(*etree.Element); ok && e.Tag == "Issuer" {
				at = i + 1
			}
		}
		el.InsertChildAt(at, t)
	}

	switch variant {
	case XSW1, XSW2:
		sig := childNamed(out, "Signature")
		if sig == nil {
			return nil, ErrShape
		}
		out.CreateAttr("ID", NewID())
		i := assertionAt(out)
		out.RemoveChildAt(i)
		out.InsertChildAt(i, evil)
		if variant == XSW1 {
			sig.AddChild(src.Copy())
		} else {
			out.InsertChildAt(sig.Index(), withoutSignature(src))
		}
	case XSW3:
		out.InsertChildAt(assertionAt(out), evil)
	case XSWBesideAfter:
		out.AddChild(evil)
	case XSW4:
		i := assertionAt(out)
		out.RemoveChildAt(i)
		evil.AddChild(orig.Copy())
		out.InsertChildAt(i, evil)
	case XSW5, XSW6, XSW8:
		sig := childNamed(orig, "Signature")
		if sig == nil {
			return nil, ErrShape
		}
		sig = sig.Copy()
		insertAfterIssuer(evil, sig)
		i := assertionAt(out)
		out.RemoveChildAt(i)
		out.InsertChildAt(i, evil)
		switch variant {
		case XSW5:
			out.AddChild(withoutSignature(orig))
		case XSW6:
			sig.AddChild(withoutSignature(orig))
		case XSW8:
			obj := sig.CreateElement("ds:Object")
			obj.AddChild(withoutSignature(orig))
		}
	case XSW7:
		i := assertionAt(out)
		out.RemoveChildAt(i)
		out.InsertChildAt(i, evil)
		ext := etree.NewElement("samlp:Extensions")
		ext.AddChild(orig.Copy())
		insertAfterIssuer(out, ext)
	default:
		return nil, fmt.Errorf("samltest: no XSW variant %d", variant)
	}
	doc := etree.NewDocument()
	doc.SetRoot(out)
	return doc, nil
}

// AuthnRequest is what Handler read from an HTTP-Redirect AuthnRequest.
type AuthnRequest struct {
	ID                          string
	Issuer                      string
	AssertionConsumerServiceURL string
	RelayState                  string
}

// ParseRedirect reads the AuthnRequest of an HTTP-Redirect binding URL query.
func ParseRedirect(q map[string][]string) (AuthnRequest, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	deflated, err := base64.StdEncoding.DecodeString(get("SAMLRequest"))
	if err != nil {
		return AuthnRequest{}, fmt.Errorf("SAMLRequest: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(deflated)), 1<<20))
	if err != nil {
		return AuthnRequest{}, fmt.Errorf("inflate SAMLRequest: %w", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return AuthnRequest{}, fmt.Errorf("parse AuthnRequest: %w", err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "AuthnRequest" || root.NamespaceURI() != NSProtocol {
		return AuthnRequest{}, errors.New("not an AuthnRequest")
	}
	req := AuthnRequest{
		ID:                          root.SelectAttrValue("ID", ""),
		AssertionConsumerServiceURL: root.SelectAttrValue("AssertionConsumerServiceURL", ""),
		RelayState:                  get("RelayState"),
	}
	if iss := childNamed(root, "Issuer"); iss != nil {
		req.Issuer = iss.Text()
	}
	return req, nil
}

var formTemplate = template.Must(template.New("form").Parse(`<!DOCTYPE html>
<html><head><title>Signing in</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{{.ACS}}">
<input type="hidden" name="SAMLResponse" value="{{.SAMLResponse}}">
<input type="hidden" name="RelayState" value="{{.RelayState}}">
<noscript><button type="submit">Continue</button></noscript>
</form></body></html>
`))

// Form returns the HTTP-POST binding page: a form that posts SAMLResponse and RelayState to
// acs as soon as it loads, with a button when scripts are off.
func Form(acs, samlResponse, relayState string) []byte {
	var b bytes.Buffer
	_ = formTemplate.Execute(&b, struct{ ACS, SAMLResponse, RelayState string }{acs, samlResponse, relayState})
	return b.Bytes()
}

// ServeHTTP serves GET /metadata (the IdP metadata), GET /sso (the HTTP-Redirect
// AuthnRequest), which answers with an auto-POST form carrying a valid, assertion-signed
// Response for idp.User to idp.SP, and GET /initiate, the same form with an unsolicited
// Response (IdP-initiated sign-in, no RelayState). An AuthnRequest from another issuer or
// for another ACS is a 400.
func (idp *IdP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/metadata":
		w.Header().Set("Content-Type", "application/samlmetadata+xml")
		_, _ = w.Write(idp.Metadata())
	case "/sso":
		req, err := ParseRedirect(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if req.Issuer != idp.SP.EntityID || (req.AssertionConsumerServiceURL != "" && req.AssertionConsumerServiceURL != idp.SP.Callback) {
			http.Error(w, "unknown service provider", http.StatusBadRequest)
			return
		}
		resp, err := idp.Response(idp.SP, req.ID, idp.User).Encode()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(Form(idp.SP.Callback, resp, req.RelayState))
	case "/initiate":
		resp, err := idp.Response(idp.SP, "", idp.User).Encode()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(Form(idp.SP.Callback, resp, ""))
	default:
		http.NotFound(w, r)
	}
}
