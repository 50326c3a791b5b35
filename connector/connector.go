// Package connector sends a browser to an identity provider and checks what comes back. A
// connector knows providers, not workspaces: workspace policy (approved domains, just-in-time
// provisioning, linking) lives in signin. The OpenID Connect kinds are in connector/oidc and
// SAML 2.0 in connector/saml; both satisfy Connector, so callers need no type switch.
package connector

import (
	"context"
	"net/url"
	"time"
)

// A Connector sends the browser to an identity provider and checks what comes back.
type Connector interface {
	// Begin starts a sign-in. flowID must come back unchanged (OIDC state, SAML RelayState).
	// Start.Secret (nonce and PKCE verifier, or the SAML request ID) stays on the server until
	// Finish.
	Begin(ctx context.Context, flowID string) (Start, error)
	// Finish checks the provider's reply (query or form values) against that secret and
	// returns the verified identity. Every failed protocol check is an *Error with its Reason.
	// A nil secret means an unsolicited reply (SAML IdP-initiated), which only a connector
	// configured for it accepts.
	Finish(ctx context.Context, reply url.Values, secret []byte) (Identity, error)
}

// Start is where the browser goes to sign in at the provider.
type Start struct {
	URL    string     // where the browser goes
	Form   url.Values // non-nil: auto-POST these fields to URL (SAML HTTP-POST binding), with a no-JS button
	Secret []byte     // kept server-side with the flow, handed back to Finish
}

// Identity is who the provider says signed in, after every protocol check passed.
type Identity struct {
	// Subject is the provider's stable id for the person: the OIDC sub (for Microsoft,
	// "<tid>/<oid>"), or the SAML NameID. Identity links are keyed on it, never on Email.
	Subject       string
	Email         string
	Name          string
	EmailVerified bool
	HostedDomain  string // Google's hd claim; empty otherwise
	Tenant        string // Microsoft's tid claim; empty otherwise

	// OnceID and OnceUntil, when OnceID is set, name a value the caller must accept only once
	// until OnceUntil (the SAML assertion ID), shared across nodes through the store.
	OnceID    string
	OnceUntil time.Time

	// Claims are what the provider sent (ID token claims or SAML attributes), for the admin's
	// Test connection page. Never used to decide anything.
	Claims map[string][]string
	// Checks are the protocol checks made, in order, each passed; on failure the *Error holds
	// the list up to the failed one.
	Checks []Check
}

// Check is one protocol check and how it came out, shown by Test connection.
type Check struct {
	Name   string // "signature", "issuer", "audience", "nonce", "email verified", "tenant", ...
	Passed bool
	Detail string // what was expected and what came, when it failed
}

// Reasons say why a reply was refused. They are stable strings recorded in audit events.
const (
	ReasonProviderError   = "provider_error"       // the provider returned an error instead of a sign-in
	ReasonUnreachable     = "provider_unreachable" // discovery, keys or the token endpoint did not answer
	ReasonStateMismatch   = "state_mismatch"       // the reply is not for this flow (state, RelayState, iss mix-up)
	ReasonNonceMismatch   = "nonce_mismatch"
	ReasonTokenInvalid    = "token_invalid" // signature, issuer, audience, expiry, malformed
	ReasonEmailUnverified = "email_unverified"
	ReasonHostedDomain    = "hosted_domain" // Google: hd missing
	ReasonTenant          = "tenant_not_allowed"
	ReasonResponseInvalid = "response_invalid" // SAML: any check of the response or assertion
	ReasonReplay          = "replay"
	ReasonUnsolicited     = "unsolicited" // SAML: IdP-initiated while the connection does not allow it
)

// Error is a refused reply: Reason is one of the Reason constants, Err the detail for logs and
// for the admin's Test connection page (never shown to a user signing in), Checks the protocol
// checks made up to and including the failed one.
type Error struct {
	Reason string
	Err    error
	Checks []Check
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err == nil {
		return "connector: " + e.Reason
	}
	return "connector: " + e.Reason + ": " + e.Err.Error()
}

// Unwrap returns the detail.
func (e *Error) Unwrap() error { return e.Err }

// URLs are latchkey's own addresses for one connection, all on the workspace host.
type URLs struct {
	Callback string // OIDC redirect URI, or the SAML ACS URL
	EntityID string // SAML: our SP entity ID (the metadata URL)
	Metadata string // SAML: where our SP metadata is published
}
