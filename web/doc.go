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
package web
