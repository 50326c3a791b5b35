package latchkey

import "time"

// ConnectionKind names the protocol and provider family of an SSO connection.
type ConnectionKind string

// The connection kinds.
const (
	KindGoogle    ConnectionKind = "google"    // Google Workspace, OpenID Connect
	KindMicrosoft ConnectionKind = "microsoft" // Microsoft Entra ID, OpenID Connect
	KindOIDC      ConnectionKind = "oidc"      // any OpenID provider, by issuer and discovery
	KindSAML      ConnectionKind = "saml"      // a SAML 2.0 identity provider
)

// Connection is one identity provider an administrator connected to a workspace. The OIDC
// fields are set for google, microsoft and oidc; the SAML fields for saml.
type Connection struct {
	ID          string
	WorkspaceID string
	Kind        ConnectionKind
	Name        string // the button says "Continue with <Name>"
	Position    int    // button order, smallest first
	Enabled     bool
	JIT         bool // just-in-time provisioning: create a member at the first sign-in

	// OpenID Connect.
	Issuer   string // google and oidc: the issuer URL; microsoft: the authority (https://login.microsoftonline.com)
	ClientID string
	// ClientSecret is sealed by the server keyring in the store; callers unseal it into a copy
	// of the Connection before handing it to connector.Open.
	ClientSecret string
	Tenants      []string // microsoft: the allowed tenant ids

	// SAML 2.0.
	IdPEntityID       string
	IdPSSOURL         string   // HTTP-Redirect binding endpoint
	IdPCerts          []string // PEM signing certificates; two at once during a rollover
	MetadataURL       string   // refreshed daily when set
	MetadataXML       string   // the last good copy of the IdP's metadata, when it came from a file or URL
	MetadataFetchedAt time.Time
	IdPInitiated      bool // accept unsolicited responses (every other check still applies)
	AllowSHA1         bool // accept RSA-SHA1 signatures and SHA-1 digests from an old IdP

	CreatedAt time.Time
	UpdatedAt time.Time
}

// OIDC reports whether the connection speaks OpenID Connect.
func (c Connection) OIDC() bool {
	return c.Kind == KindGoogle || c.Kind == KindMicrosoft || c.Kind == KindOIDC
}
