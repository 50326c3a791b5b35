// Package latchkey is the domain of the latchkey sign-in server: the words every other package
// shares and the storage contract they are built on. It imports only the standard library.
//
// Glossary:
//
//   - Workspace: one customer organisation, served at its own host (acme.app.example.com).
//     Everything below belongs to exactly one workspace, and every store method that reads or
//     writes it takes the WorkspaceID, so one workspace can never see another's data.
//   - Account: a person in a workspace. The email is the username, unique per workspace and
//     compared case-insensitively. Accounts are created by an administrator or an identity
//     provider; there is no self sign-up.
//   - Session: a signed-in browser. The cookie holds a random token; the store keeps only its
//     SHA-256, so a leaked database cannot be replayed as cookies.
//   - Token: a single-use link secret (set the first password, invitation, password reset),
//     stored as a hash, consumed atomically, with an expiry.
//   - Throttle: a failure counter keyed by what an attacker guesses against (email and client
//     address, client address, account). Counters live in the store so that several nodes count
//     together.
//   - Challenge: the pending second step after a right password, when the account has two-factor
//     authentication: its own cookie, a 5-minute life and at most 5 codes. No session exists
//     until it is passed.
//   - RecoveryCode: one of ten single-use codes that pass a challenge without the authenticator;
//     stored only as salted argon2id hashes.
//   - OutgoingMail: a message (or a job, such as the work of a reset request) in the durable mail
//     queue, sealed at rest, delivered at least once by a worker on any node.
//   - Connection: an identity provider (Google, Microsoft Entra, any OpenID provider, a SAML
//     IdP) an administrator connected to a workspace; IdentityLink ties a provider's subject to
//     an account, and approved domains say whose identities may sign in.
//   - Passkey: a WebAuthn credential of an account, bound to the workspace host.
//   - SCIMToken: the bearer secret an identity provider provisions a workspace with.
//   - Event: an audit record of a sign-in decision or an administrative action.
package latchkey
