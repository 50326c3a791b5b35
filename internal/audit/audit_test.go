package audit_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
)

// Record gives the event an id and the clock's time, bounds the user agent, and logs a write
// that fails instead of returning it.
func TestRecord(t *testing.T) {
	store, err := sqlstore.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Date(2030, time.March, 4, 9, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	r := audit.Recorder{Log: store, Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ws := latchkey.Workspace{ID: latchkey.NewID(), Slug: "acme", Name: "Acme", CreatedAt: now}
	first := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws.ID, Email: "admin@acme.test", Role: latchkey.RoleAdmin, Status: latchkey.StatusInvited, CreatedAt: now, UpdatedAt: now}
	if err := store.CreateWorkspace(t.Context(), ws, first); err != nil {
		t.Fatal(err)
	}
	r.Record(t.Context(), latchkey.Event{Type: latchkey.EventSignIn, WorkspaceID: ws.ID, AccountID: first.ID, UserAgent: strings.Repeat("u", 600)})
	evs, err := store.Events(t.Context(), ws.ID, latchkey.EventFilter{})
	if err != nil || len(evs) != 1 {
		t.Fatalf("events %+v, %v", evs, err)
	}
	if ev := evs[0]; ev.ID == "" || !ev.Time.Equal(now) || len(ev.UserAgent) != audit.MaxUserAgent {
		t.Fatalf("recorded %+v, want an id, the clock's time and a %d-byte user agent", ev, audit.MaxUserAgent)
	}
	store.Close()
	r.Record(t.Context(), latchkey.Event{Type: latchkey.EventSignIn, WorkspaceID: ws.ID})
	if !strings.Contains(logs.String(), "audit event lost") {
		t.Fatalf("a failed write was not logged: %q", logs.String())
	}
}
