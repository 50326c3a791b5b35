// Package signin holds the sign-in flows of latchkey as small state machines, with no net/http:
// the web package turns their results into pages, cookies and redirects.
//
// Password sign-in:
//
//	throttled? ──yes──► "Too many login attempts" (+ wait)         audit signin.throttled
//	    │no
//	    ▼
//	account by email ──none──► dummy argon2id verify ──► "Those credentials do not match our records"
//	    │                                                      audit signin.unknown_email, failure counted
//	    ▼
//	verify password ──wrong──► same message, same status, same time  audit signin.wrong_password, failure counted
//	    │ok
//	    ▼
//	active? ──no──► "This account is not active"                     audit signin.not_active
//	    │yes
//	    ▼
//	session (new random id; the store keeps its SHA-256)             audit signin.success, counters reset
//
// "Not active" is only ever told to someone who gave the right password, so the answer never
// reveals that an address has an account.
//
// Throttling counts failures by what the attacker guesses against, the same for real and unknown
// emails (keys are built from the typed email, never from whether an account exists):
//
//   - per workspace, email and client address: 5 failures, then a wait of 1 minute doubling with
//     each further failure up to 15 minutes; a success resets it;
//   - per workspace and client address: 50 failures an hour;
//   - per workspace and email: 100 consecutive failures, then 15 minutes, so that an attacker
//     spreading guesses over many addresses is slowed, yet can lock the real user out for at
//     most 15 minutes at a time.
//
// Nothing locks an account for good. The counters live in the store, so every node counts.
//
// One-time links (welcome, invitation, reset) share one mechanism: a 256-bit secret in the
// link, its SHA-256 in the store, consumed atomically once, with an expiry; issuing a link ends
// the account's earlier links of the same purpose. Setting a password through a link never
// signs the user in; it returns them to the sign-in page.
//
// Forgotten password (RequestReset, CheckResetLink, ResetPassword):
//
//	Email me a reset link ──► counted per email (5/h) and per address (20/h)
//	    │                          over ──► nothing sent ─┐
//	    ▼                                                  │
//	account by email ─ active ────► reset link (1 hour) ───┤
//	                 ─ invited ───► fresh invitation ──────┤  the same answer (nil), mail only
//	                 ─ suspended ─► nothing sent ──────────┤  queued; audit password.reset_requested
//	                 ─ unknown ───► nothing sent ──────────┘  with what was done
//
//	Set new password ──► link live? ──no──► "This reset link is invalid or has expired…"
//	    │ email is the account's? ──no──► re-render, link kept (5 wrong emails end it)
//	    │ policy, confirmation ──no──► re-render, link kept
//	    ▼
//	consume link (atomic) ─► argon2id hash ─► end every session ─► clear sign-in throttle
//	    ─► audit password.reset ─► "Your password was changed" ─► back to sign in (2FA untouched)
//
// Mail leaves through Service.Mailer, which the server makes a mail.Queue: a request only
// stores the message in the store's queue, and a mail.Worker sends it, retrying with back-off.
// So no answer, and no answer's timing, depends on the mail server.
//
// Administration (members, policy, SSO connections, API tokens) is package admin's, which uses
// what this package exports for it: SendWelcome and SendInvitation (set-password links),
// MailResetLink, EndSetPasswordLinks, ClearSignInLimits, SealClientSecret, FetchMetadata and
// ConnectionURLs, and the session limits SessionIdle and SessionMax. This package never imports
// admin.
//
// Single sign-on (sso.go): BeginSSO stores one flow record per button press,
// under the hash of a random state (OIDC state, SAML RelayState), bound to the browser by a
// cookie's hash and to the workspace, for 10 minutes, holding the connector's secret (nonce
// and PKCE verifier, or the SAML request ID), Keep me signed in and the Test flag:
//
//	button ──► BeginSSO ─► flow{hash(state), hash(browser), secret, remember, test} ─► provider
//	provider ──► FinishSSO: flow consumed once ─► connector.Finish (protocol checks)
//	   ─► once-only assertion ID ─► approved domains (and Google hd)
//	   ─► Test connection? show claims and checks, stop
//	   ─► link (connection, subject) | active account with the verified email | JIT member
//	   ─► finishSignIn (Method "sso": no latchkey two-factor; the session is marked SSO)
//
// The connector is chosen by a switch (connector): the OIDC kinds through the service's one
// oidc.Cache, SAML through saml.New. Connection secrets are sealed with Keys, bound to the
// workspace and connection. Workspace policy (domains, linking, provisioning) is here; the
// protocol rules are the connectors'.
//
// A user's own security page (ChangePassword, Sessions, RevokeSession, RevokeOtherSessions)
// acts only on the signed-in account's sessions.
//
// Passkeys (passkey.go, on package passkey). An account with a passkey has a second factor
// (HasSecondFactor), so its password leads to the challenge, where VerifyPasskey is one more
// way to pass it. Passwordless sign-in needs no password and no challenge:
//
//	BeginPasskeySignIn ─► passkey sign-in off? ─yes─► "Signing in with a passkey is turned off…"
//	    ▼ ceremony bound to the browser's nonce (5 minutes, single-use)
//	PasskeySignIn ─► counted per (workspace, address) before the check   over ─► throttled
//	    ▼ FinishPasswordless (origin, RP ID, UV required, counter) ─no─► signin.passkey_refused
//	    ▼ account active? ─no─► "This account is not active"              audit signin.not_active
//	    ▼ finishSignIn(Method "passkey")                                  audit signin.passkey, signin.success
//
// Every sign-in ends in finishSignIn, which also sends new-device alerts (alert.go): the device
// cookie's identifier, hashed, is recorded per account; a device the account has not used
// before, not its first, queues "New sign-in to your <workspace> account" unless the person
// turned alerts off or was sent device.MaxAlerts within device.AlertWindow.
package signin
