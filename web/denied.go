package web

import (
	"net/http"
	"net/url"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

// auditCrossOrigin records a request that CrossOriginProtection refused in the audit log of the
// workspace it was sent to (ASVS 16.3.2): cross-workspace when it came from a page of another
// workspace of this server, cross-origin otherwise. Refusals on the central address, which has
// no audit log, are only logged. The path is not recorded: paths carry one-time secrets.
func (s *Server) auditCrossOrigin(r *http.Request) {
	kind, slug := s.classifyHost(r.Host)
	if kind != hostWorkspace {
		return
	}
	ws, err := s.store.WorkspaceBySlug(r.Context(), slug)
	if err != nil {
		return // an unknown workspace has no log; a store error is the next handler's to report
	}
	origin := r.Header.Get("Origin")
	detail := "cross-origin request refused"
	if u, err := url.Parse(origin); err == nil && u.Host != "" {
		if k, from := s.classifyHost(u.Host); k == hostWorkspace && from != slug {
			detail = "cross-workspace request refused, from " + from
		}
	}
	if origin != "" {
		detail += " (origin " + truncateEcho(origin) + ")"
	}
	s.svc.AccessDenied(r.Context(), ws.ID, latchkey.Account{}, signin.Client{Addr: s.clientAddr(r), UserAgent: r.UserAgent()}, r.Method+" "+detail)
}
