// Package saml is latchkey's SAML 2.0 service provider: one Provider per connection, which
// satisfies connector.Connector. It speaks SP-initiated Web Browser SSO (and, when the
// connection allows it, IdP-initiated): the AuthnRequest goes out by the HTTP-Redirect
// binding and the Response comes back by HTTP-POST to the ACS.
//
//	Begin(flowID) ──► 302 to IdP SSO URL ?SAMLRequest=deflate+base64(AuthnRequest ID=_<128 bits>)
//	                                      &RelayState=flowID
//	                  Start.Secret = the request ID, kept server-side with the flow
//	IdP ──► auto-POST form to the ACS: SAMLResponse=base64(Response), RelayState=flowID
//	caller finds the flow by RelayState ──► Finish(reply, secret) ──► Identity | *connector.Error
//	caller records Identity.OnceID until Identity.OnceUntil (once only) ──► session
//
// # What gosaml2 checks, and what this package adds
//
// Signature verification is github.com/russellhaering/gosaml2 v0.12.0 on
// github.com/russellhaering/goxmldsig v1.6.1 (older goxmldsig releases, and the copy pinned
// by crewjam/saml, have signature-bypass CVEs). Read from their source, gosaml2's
// ValidateEncodedResponse:
//
//   - verifies an enveloped signature that references the element it sits in (by ID, or URI
//     ""), against certificates byte-equal to the configured ones and valid at its clock;
//     goxmldsig returns the canonicalized signed bytes re-parsed, so what is read afterwards
//     is exactly what was signed (comments dropped by exclusive canonicalization);
//   - accepts a signed Response (then verifies any assertion signature inside it too), or an
//     unsigned Response whose every assertion is signed, refusing an assertion whose parent
//     is not the Response (the nesting XSW shapes) and an unsigned one beside a signed one;
//   - refuses Issuer ≠ the IdP's entity ID on the Response and each assertion, a missing
//     Issuer, Status ≠ Success, Destination ≠ the ACS when Destination is present,
//     SubjectConfirmation Method ≠ bearer, Recipient ≠ the ACS, and SubjectConfirmationData
//     NotOnOrAfter in the past (no skew), and Version ≠ 2.0;
//   - bounds tokens (50 000) and runs the XML round-trip validator.
//
// It does not check, or only reports as a warning (VerifyAssertionConditions, which it never
// calls itself): the Audience, Conditions NotBefore and NotOnOrAfter, InResponseTo, replays,
// DOCTYPEs without entities, unsolicited responses, SHA-1. This package adds, in the order
// Finish makes its checks (each one a connector.Check, the names are the Check* constants):
//
//	solicited        nil secret (IdP-initiated) only when Connection.IdPInitiated   [unsolicited]
//	size             SAMLResponse ≤ 256 KiB, before any decoding
//	encoding         base64 (line breaks tolerated)
//	xml              well-formed; any DOCTYPE or directive refused; no entity but the five
//	                 predefined ones (encoding/xml strict mode expands nothing else); ≤ 50 000 tokens
//	status           top-level StatusCode Success (read before the signature, since an error
//	                 response is often unsigned; refusing unsigned data is safe)  [provider_error]
//	shape            a protocol Response, Version 2.0, exactly one Assertion child, no
//	                 EncryptedAssertion (we publish no encryption key): a second assertion beside
//	                 the signed one (XSW3, XSW5) is refused here, before anything is trusted
//	algorithms       no SHA-1 signature or digest method anywhere unless Connection.AllowSHA1
//	signature        gosaml2, as above, clock set back by the skew; with two certificates and a
//	                 signature without KeyInfo, each certificate is tried alone
//	issuer           Response and Assertion Issuer = Connection.IdPEntityID (again, on signed data)
//	destination      = the ACS; required when the Response itself is signed (bindings §3.5.5.2)
//	in response to   Response InResponseTo and SubjectConfirmationData InResponseTo both equal the
//	                 secret; both absent for IdP-initiated; absent with a secret is [unsolicited]
//	audience         at least one AudienceRestriction, each containing our SP entity ID
//	recipient        SubjectConfirmationData Recipient = the ACS
//	subject confirmation  method bearer
//	validity         Conditions NotBefore ≤ now + 3 min; Conditions NotOnOrAfter required and
//	                 > now − 3 min
//	subject confirmation expiry  SubjectConfirmationData NotOnOrAfter required and > now − 3 min
//	subject          a non-empty NameID and an assertion ID
//	email            mapped email attribute or an email-format NameID, a bare address
//
// Every refusal is a *connector.Error: Reason is connector.ReasonUnsolicited,
// connector.ReasonProviderError (non-success status) or connector.ReasonResponseInvalid;
// Err says what was expected and what came; Checks lists the checks up to the failed one.
//
// Identity is read only from the signed content gosaml2 returns: Subject = NameID, Email and
// Name from the attribute mapping (attributes.go: Okta, JumpCloud, OneLogin, Entra claim URIs,
// LDAP OIDs; names compared without regard to case), EmailVerified = true (the IdP asserts
// the address from its own directory; the workspace's approved domains still apply),
// Claims = the attributes. encoding/xml joins every text run of an element, so a comment in a
// NameID or attribute value (alice@acme.test<!---->.evil.com) never shortens what is read.
//
// # Replays
//
// Finish alone does not stop a replayed response: it is stateless. Identity.OnceID (the
// assertion ID) must be recorded once only until Identity.OnceUntil (the earlier of the two
// NotOnOrAfter bounds, plus the skew) in the store shared by every node; the secret (the
// request ID) must be consumed with its flow, so InResponseTo is used once too.
//
// # Metadata
//
// ParseMetadata reads an IdP's metadata (entity ID, HTTP-Redirect SSO URL, signing
// certificates and their NotAfter); FetchMetadata fetches it over HTTPS, bounded;
// SPMetadata publishes ours; CertWarnings warns 30 days before a signing certificate
// expires. Metadata signatures are not verified: the document's authority is the admin's
// upload or HTTPS.
//
// # Tests
//
// Package samltest is a real IdP: it builds Responses with etree and signs them with
// goxmldsig, with a knob per attack. testdata/metadata holds Okta-, Entra-, JumpCloud- and
// OneLogin-shaped metadata, testdata/fuzz/FuzzFinish the fuzz seeds signed by
// testdata/fuzz-idp-*.pem, testdata/foreign responses signed with the same key by the JDK's
// XML-DSig implementation (Sign.java), so a second implementation's signatures are tested
// too; all are rewritten (java needed) by
//
//	go test ./connector/saml -run TestFixtures -update
//
// and the fuzz test runs with (minimization off: each interesting input would otherwise be
// minimized for up to a minute)
//
//	go test ./connector/saml -run '^$' -fuzz FuzzFinish -fuzztime 30s -fuzzminimizetime 1x
package saml
