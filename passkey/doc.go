// Package passkey runs the WebAuthn ceremonies of latchkey on go-webauthn/webauthn: adding a
// passkey to an account, checking one as the second factor after a password, and signing in
// with a discoverable passkey and no password. It knows no net/http: Begin returns the JSON the
// page hands to navigator.credentials, Finish takes the JSON the browser sends back.
//
// Every workspace is its own relying party: the RP ID is the workspace host
// (acme.app.example.com, acme.localhost) and the only accepted origin is the workspace URL, so
// a passkey made on one workspace can never be used on another, and neither can a response
// collected on another origin.
//
// Each ceremony is a state kept on the server, single-use and short-lived:
//
//	Begin*  ──► Ceremony{kind, account, session data, browser, expires 5m}  + cookie secret
//	              │
//	Finish* ──► ConsumeCeremony(hash(secret), kind, now)   (deleted, whatever follows)
//	              ├── gone, expired, other kind or workspace ─► CodeExpired
//	              ├── another browser ──────────────────────► CodeExpired
//	              ├── signature, origin, RP ID, UV, challenge ─► CodeUnauthorized
//	              ├── unknown or removed credential ─────────► CodeUnauthorized (ErrUnknownCredential)
//	              ├── counter not forward (clone, replay) ───► CodeUnauthorized (ErrClonedAuthenticator)
//	              └── ok ─► passkey stored (register) or UsePasskey(counter, backup state, now)
//
// User verification is preferred for registration and the second factor, and required for
// passwordless sign-in, where the passkey is both factors. Attestation is not asked for
// (none), but the authenticator's AAGUID is kept. The user handle is the account ID, so that a
// passwordless assertion names its account, which is then checked against the workspace and
// the credential's owner.
package passkey
