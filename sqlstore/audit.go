package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/latchkey/latchkey"
)

const eventColumns = `id, workspace_id, account_id, actor_id, event_type, email, client_addr, user_agent, detail, at`

// defaultEventLimit is what a zero EventFilter.Limit means.
const defaultEventLimit = 100

func scanEvent(s scanner) (latchkey.Event, error) {
	var e latchkey.Event
	err := s.Scan(&e.ID, &e.WorkspaceID, &e.AccountID, &e.ActorID, &e.Type, &e.Email,
		&e.ClientAddr, &e.UserAgent, &e.Detail, timeDest(&e.Time))
	return e, err
}

// insertEvent stores e, with email_key (NormalizeEmail of e.Email) for EventFilter.Email.
func insertEvent(ctx context.Context, q querier, e latchkey.Event) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO audit_events (`+eventColumns+`, email_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.ID, e.WorkspaceID, e.AccountID, e.ActorID, string(e.Type), e.Email, e.ClientAddr, e.UserAgent,
		e.Detail, timeValue(e.Time), latchkey.NormalizeEmail(e.Email))
	return err
}

// RecordEvent stores e. An empty e.ID is given a new random one. Returns ErrNotFound if the
// workspace does not exist, and ErrConflict if the ID is taken.
func (db *DB) RecordEvent(ctx context.Context, e latchkey.Event) error {
	if e.ID == "" {
		e.ID = latchkey.NewID()
	}
	if err := insertEvent(ctx, db.rw, e); err != nil {
		return fmt.Errorf("record event: %w", storeError(err))
	}
	return nil
}

// Events lists the events of workspace ws matching f, newest first; events of the same
// microsecond come newest-recorded first. A Limit of 0 (or less) means 100. f.TypePrefix
// compares characters exactly (case-sensitively, on both engines); f.Email compares
// normalised emails (latchkey.NormalizeEmail).
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
	if f.TypePrefix != "" {
		// Not LIKE: SQLite's LIKE ignores ASCII case, PostgreSQL's does not. substr counts
		// characters on both engines.
		args = append(args, utf8.RuneCountInString(f.TypePrefix), f.TypePrefix)
		query += ` AND substr(event_type, 1, $` + strconv.Itoa(len(args)-1) + `) = $` + strconv.Itoa(len(args))
	}
	if f.Email != "" {
		args = append(args, latchkey.NormalizeEmail(f.Email))
		query += ` AND email_key = $` + strconv.Itoa(len(args))
	}
	if !f.Before.IsZero() {
		args = append(args, timeValue(f.Before))
		query += ` AND at < $` + strconv.Itoa(len(args))
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
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return es, nil
}
