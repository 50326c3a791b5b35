package sqlstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/latchkey/latchkey"
)

const eventColumns = `id, workspace_id, account_id, actor_id, event_type, email, client_addr, user_agent, detail, at`

// defaultEventLimit is what a zero EventFilter.Limit means.
const defaultEventLimit = 100

// RecordEvent stores e. An empty e.ID is given a new random one. Returns ErrNotFound if the
// workspace does not exist, and ErrConflict if the ID is taken.
func (db *DB) RecordEvent(ctx context.Context, e latchkey.Event) error {
	if e.ID == "" {
		e.ID = latchkey.NewID()
	}
	_, err := db.rw.ExecContext(ctx,
		`INSERT INTO audit_events (`+eventColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.ID, e.WorkspaceID, e.AccountID, e.ActorID, string(e.Type), e.Email, e.ClientAddr, e.UserAgent,
		e.Detail, timeValue(e.Time))
	if err != nil {
		return fmt.Errorf("record event: %w", storeError(err))
	}
	return nil
}

// Events lists the events of workspace ws matching f, newest first; events of the same
// microsecond come newest-recorded first. A Limit of 0 (or less) means 100.
func (db *DB) Events(ctx context.Context, ws string, f latchkey.EventFilter) ([]latchkey.Event, error) {
	query := `SELECT ` + eventColumns + ` FROM audit_events WHERE workspace_id = $1`
	args := []any{ws}
	if f.AccountID != "" {
		args = append(args, f.AccountID)
		query += ` AND account_id = $` + strconv.Itoa(len(args))
	}
	if f.Type != "" {
		args = append(args, string(f.Type))
		query += ` AND event_type = $` + strconv.Itoa(len(args))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultEventLimit
	}
	args = append(args, limit)
	query += ` ORDER BY at DESC, seq DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := db.ro.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var es []latchkey.Event
	for rows.Next() {
		var e latchkey.Event
		if err := rows.Scan(&e.ID, &e.WorkspaceID, &e.AccountID, &e.ActorID, &e.Type, &e.Email,
			&e.ClientAddr, &e.UserAgent, &e.Detail, timeDest(&e.Time)); err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return es, nil
}
