// Package scim serves a SCIM 2.0 endpoint (RFC 7643, RFC 7644) for each workspace, at
// https://<slug>.<base host>/scim/v2, so that an identity provider (Okta, Microsoft Entra,
// JumpCloud, OneLogin) provisions and deprovisions the workspace's accounts.
//
// The caller resolves the workspace from the host and hands the request to Handler.Serve,
// which authenticates the bearer token (Authenticate: SHA-256 look-up scoped to the
// workspace, constant-time compare, last use recorded at most once a minute), throttles per
// token, and dispatches:
//
//	GET  /ServiceProviderConfig, /ResourceTypes[/{name}], /Schemas[/{urn}]
//	GET  /Users?filter=…&startIndex=…&count=…&attributes=…&excludedAttributes=…   POST /Users/.search
//	POST /Users                     create an active member (no password, no email)
//	GET|PUT|PATCH|DELETE /Users/{id}
//	GET  /Groups…, POST /Groups, GET|PUT|PATCH|DELETE /Groups/{id}
//
// A SCIM User is a latchkey account: userName is its email, and the attributes latchkey has
// no column for (externalId, name parts, displayName) live in its latchkey.SCIMProfile. Every
// account of the workspace is a User, including those an administrator created, so that a
// provider's first look-up by userName finds and links them; the first provider write marks
// an account as managed.
//
//	POST /Users            → account {role member, status active (or suspended if active:false)}
//	active: false          → status suspended; every session of the account ends at once
//	active: true           → status active
//	userName or the primary/work email changes → the account's email changes (userName wins)
//	DELETE /Users/{id}     → the account is removed (sessions, tokens and memberships with it),
//	                         or, with SCIMSettings.DeleteSuspends, suspended and hidden from
//	                         SCIM; a later POST of the same userName brings it back
//	member of a group mapped to the admin role → admin (Profile.AdminByGroup)
//	in no such group any more → member again, if SCIM made it admin
//
// SCIM never suspends, deletes or demotes the workspace's last active administrator: a
// suspend or delete is refused with 400 mutability, and a demotion is skipped and audited.
// A userName whose domain is not among the workspace's approved domains is refused with
// 400 invalidValue. Every change is an audit event whose ActorID is the token's ID and whose
// Detail names the token.
//
// PATCH works on the resource's JSON form: the handler renders the current resource, applies
// the operations to it (paths parsed by github.com/scim2/filter-parser/v2), and reads the
// result back exactly as it reads a PUT body, so that both validate alike. Filters are
// evaluated in memory over the workspace's users, which keeps the store contract small and
// the semantics (case-insensitive names and values, caseExact ids) in one place.
package scim
