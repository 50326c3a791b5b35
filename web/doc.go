// Package web is latchkey's HTTP face: one route table (routes.go), one file per flow or page,
// handlers that return errors to a single fail function, and server-rendered pages that work
// without JavaScript.
//
// Hosts: the base host (app.example.com) serves the find-your-workspace page and nothing that
// touches an account; <slug>.app.example.com serves that workspace; any other host gets a 404
// page pointing back to the base host. The workspace is resolved from the Host header once, in
// middleware, and handed to handlers as an explicit argument, never through a context.
//
// Security on every request: http.CrossOriginProtection refuses cross-origin state-changing
// requests, which includes sibling workspaces (evil.app.example.com is same-site but not
// same-origin, so its forged POST carries Sec-Fetch-Site: same-site, or a foreign Origin, and is
// refused); every form also carries a token bound by HMAC to the session (or, before sign-in,
// to a host-only cookie), checked in constant time. Pages carry a strict CSP with no inline
// script, frame-ancestors 'none', nosniff, a no-referrer policy and, on https, HSTS.
//
// The JSON API (api.go, api_inventory*.go, docs/api.md) lives on the workspace host under
// /api/v1 and answers only JSON, errors included ({"code", "message"}, the status from statusOf).
// A request with an Authorization header is a token request and never reads a cookie; any other
// is the browser's session, whose state-changing requests must carry the form token in the
// X-CSRF-Token header, as the cookie is ambient:
//
//	Authorization: Bearer lk_api_… ─► AuthenticateAPIToken (counted per address before the
//	    look-up) ─► scope read and a change? 403 : handler (as the token's administrator)
//	no Authorization ─► session cookie ─► 2FA required and not set up? 403
//	    ─► a change without the X-CSRF-Token form token? 403 : handler (as the person)
package web
