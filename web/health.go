package web

import (
	"context"
	"net/http"
	"time"

	"github.com/latchkey/latchkey"
)

var errForbiddenForm = latchkey.Errorf(latchkey.CodeForbidden, "", latchkey.MsgFormExpired)

func notFound(w http.ResponseWriter, r *http.Request) error {
	return latchkey.Errorf(latchkey.CodeNotFound, "", latchkey.MsgNotFound)
}

// healthz answers 200 when the store answers within two seconds, 503 otherwise.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.store.Ping(ctx); err != nil {
		s.log.Error("health check: store unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"unavailable","store":"unreachable"}` + "\n"))
		return
	}
	w.Write([]byte(`{"status":"ok","store":"ok"}` + "\n"))
}
