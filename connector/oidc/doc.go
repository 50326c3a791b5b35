// Package oidc signs people in with OpenID Connect: Google Workspace, Microsoft Entra ID, or
// any OpenID provider found by discovery. A *Provider is a connector.Connector.
//
// One Cache per server holds what providers publish (discovery documents per issuer, key sets
// per jwks_uri) and the HTTP client every provider call goes through, with a timeout and a
// 1 MiB bound on each response. Cache.Open turns a connection into a Provider, discovering
// the issuer on first use only.
//
//	Begin(flowID) ── authorization URL: code flow, PKCE S256, nonce, state=flowID, no prompt
//	   │              Start.Secret = {nonce, verifier}, kept by the caller with the flow
//	   ▼
//	provider ── redirect back: code, state, iss (RFC 9207) ── or error ─► provider_error
//	   │
//	   ▼ the caller matches state to its single-use flow record, then
//	Finish(reply, secret)
//	   iss parameter ─────────── another provider's reply ─────────────► state_mismatch
//	   code exchange + verifier ─ no answer ► provider_unreachable; refused ► provider_error
//	   signature (go-oidc, keys refreshed on an unknown kid) ───────────► token_invalid
//	   issuer, audience (+azp), expiry (go-oidc) ───────────────────────► token_invalid
//	   nonce ───────────────────────────────────────────────────────────► nonce_mismatch
//	   kind rules: google email_verified, hd; microsoft tid, iss, oid;
//	               oidc email_verified ─► email_unverified, hosted_domain, tenant_not_allowed
//	   ▼
//	connector.Identity{Subject, Email, EmailVerified, HostedDomain, Tenant, Claims, Checks}
//
// Workspace policy (approved domains, linking, just-in-time provisioning) is not here: it is
// signin's, which reads Identity.EmailVerified and Identity.HostedDomain.
package oidc
