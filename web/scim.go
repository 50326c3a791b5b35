package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/scim"
)

// scimPrefix is where a workspace's SCIM 2.0 endpoint lives.
const scimPrefix = "/scim/v2"

// isSCIMPath reports whether path is below the SCIM endpoint, whose bodies (a group with many
// members) may be larger than any form.
func isSCIMPath(path string) bool {
	return path == scimPrefix || strings.HasPrefix(path, scimPrefix+"/")
}

// scimBaseURL is the SCIM endpoint of the workspace with this slug:
// https://<slug>.<base host>/scim/v2.
func (s *Server) scimBaseURL(slug string) string {
	return s.base.Scheme + "://" + slug + "." + s.base.Host + scimPrefix
}

// serveSCIM serves the workspace's SCIM endpoint. Each attempt is counted against the client
// address before the bearer token is checked, and taken back when the token is right, so that
// an address sending wrong tokens is refused (429) before any more are looked up. Errors are in
// the SCIM error schema, a token of another workspace included (401).
func (s *Server) serveSCIM(w http.ResponseWriter, r *http.Request, ws latchkey.Workspace) error {
	if s.scim == nil {
		scim.WriteError(w, http.StatusNotFound, "", "SCIM provisioning is not enabled on this server")
		return nil
	}
	ctx, addr := r.Context(), s.clientAddr(r)
	if err := s.svc.CountBearerGuess(ctx, "scim", ws.ID, addr); err != nil {
		var le *latchkey.Error
		if !errors.As(err, &le) || le.Code != latchkey.CodeThrottled {
			s.log.Error("scim throttle", "err", err)
			scim.WriteError(w, http.StatusInternalServerError, "", "internal error")
			return nil
		}
		w.Header().Set("Retry-After", retryAfterSeconds(le.RetryAfter))
		scim.WriteError(w, http.StatusTooManyRequests, "", "too many failed attempts from this address; retry later")
		return nil
	}
	tok, err := s.scim.Authenticate(ctx, ws, r.Header.Get("Authorization"))
	if latchkey.ErrorCode(err) == latchkey.CodeUnauthorized {
		s.log.Warn("scim token refused", "workspace", ws.Slug, "client", addr)
		scim.WriteUnauthorized(w)
		return nil
	}
	if err != nil {
		s.log.Error("scim authenticate", "err", err)
		scim.WriteError(w, http.StatusInternalServerError, "", "internal error")
		return nil
	}
	if err := s.svc.ForgiveBearerGuess(ctx, "scim", ws.ID, addr); err != nil {
		s.log.Error("scim throttle", "err", err)
	}
	s.scim.ServeSCIM(w, r, ws, tok, s.scimBaseURL(ws.Slug))
	return nil
}
