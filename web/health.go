package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// health is the body of /healthz.
type health struct {
	Status   string `json:"status"`             // "ok" or "unavailable"
	Store    string `json:"store"`              // "ok" or "unreachable"
	Database string `json:"database,omitempty"` // the engine: "sqlite" or "postgres"
}

// healthz answers 200 when the store answers within two seconds, 503 otherwise, and names the
// database engine so that an operator can see at a glance which one a node runs on.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	h, status := health{Status: "ok", Store: "ok"}, http.StatusOK
	if d, ok := s.store.(interface{ Dialect() string }); ok {
		h.Database = d.Dialect()
	}
	if err := s.store.Ping(ctx); err != nil {
		s.log.Error("health check: store unreachable", "err", err)
		h.Status, h.Store, status = "unavailable", "unreachable", http.StatusServiceUnavailable
	}
	b, _ := json.Marshal(h) // three strings: cannot fail
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
