// Package audit records the audit events of the services that share one rule for them
// (signin and admin): an event gets its id and time here, and a write that fails is logged
// while the action it records stands.
package audit

import (
	"context"
	"log/slog"
	"time"

	"github.com/latchkey/latchkey"
)

// MaxUserAgent bounds the user agent an event keeps, in bytes.
const MaxUserAgent = 512

// Recorder writes audit events to Log. Its fields are set by whoever builds it, once.
type Recorder struct {
	Log    latchkey.AuditLog
	Now    func() time.Time
	Logger *slog.Logger
}

// Record gives e a new id and the current time, bounds its user agent, and stores it. An audit
// write that fails is logged, and the decision stands: a user's sign-in or an administrator's
// change must not depend on the audit table, but the operator must hear of it.
func (r Recorder) Record(ctx context.Context, e latchkey.Event) {
	e = r.Stamp(e)
	if err := r.Log.RecordEvent(ctx, e); err != nil {
		r.Logger.Error("audit event lost", "type", e.Type, "workspace", e.WorkspaceID, "err", err)
	}
}

// Stamp gives e what Record gives it (a new id, the current time, a bounded user agent), for
// an event written in a transaction of its own action (latchkey.SessionStart.Events).
func (r Recorder) Stamp(e latchkey.Event) latchkey.Event {
	e.ID = latchkey.NewID()
	e.Time = r.Now().UTC()
	if len(e.UserAgent) > MaxUserAgent {
		e.UserAgent = e.UserAgent[:MaxUserAgent]
	}
	return e
}
