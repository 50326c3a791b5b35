package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey"
)

const workspaceColumns = `id, slug, name, created_at, require_2fa, password_min_length, password_sign_in_off, session_idle, session_max`

// workspaceSelect is what scanWorkspace reads: workspaceColumns of the workspaces table and
// the passkey policy, kept in a table of its own (a row means passkey sign-in is off).
const workspaceSelect = workspaceColumns + `, EXISTS (SELECT 1 FROM passkey_policy p WHERE p.workspace_id = workspaces.id)`

// workspaceValues are the query arguments for workspaceColumns. Policy.SessionIdle and
// Policy.SessionMax are stored in microseconds, the precision of every time in the store.
func workspaceValues(w latchkey.Workspace) []any {
	return []any{w.ID, w.Slug, w.Name, timeValue(w.CreatedAt), w.Policy.Require2FA,
		w.Policy.PasswordMinLength, w.Policy.PasswordSignInOff, w.Policy.SessionIdle.Microseconds(), w.Policy.SessionMax.Microseconds()}
}

func scanWorkspace(s scanner) (latchkey.Workspace, error) {
	var w latchkey.Workspace
	var idle, maxLife int64
	err := s.Scan(&w.ID, &w.Slug, &w.Name, timeDest(&w.CreatedAt), &w.Policy.Require2FA,
		&w.Policy.PasswordMinLength, &w.Policy.PasswordSignInOff, &idle, &maxLife, &w.Policy.PasskeySignInOff)
	w.Policy.SessionIdle = time.Duration(idle) * time.Microsecond
	w.Policy.SessionMax = time.Duration(maxLife) * time.Microsecond
	return w, err
}

func insertWorkspace(ctx context.Context, q querier, w latchkey.Workspace) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO workspaces (`+workspaceColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		workspaceValues(w)...)
	if err != nil {
		return err
	}
	return writePasskeyPolicy(ctx, q, w)
}

// writePasskeyPolicy stores w.Policy.PasskeySignInOff: a row of passkey_policy when off, none
// when on.
func writePasskeyPolicy(ctx context.Context, q querier, w latchkey.Workspace) error {
	if !w.Policy.PasskeySignInOff {
		_, err := q.ExecContext(ctx, `DELETE FROM passkey_policy WHERE workspace_id = $1`, w.ID)
		return err
	}
	_, err := q.ExecContext(ctx,
		`INSERT INTO passkey_policy (workspace_id, updated_at) VALUES ($1, $2) ON CONFLICT (workspace_id) DO NOTHING`,
		w.ID, time.Now().UnixMicro())
	return err
}

// CreateWorkspace stores w (with its policy) and its first administrator in one transaction,
// as latchkey.WorkspaceStore promises. firstAdmin.WorkspaceID may be left empty: it is w.ID.
// Returns ErrConflict if the slug (or the ID) is taken.
func (db *DB) CreateWorkspace(ctx context.Context, w latchkey.Workspace, firstAdmin latchkey.Account) error {
	if firstAdmin.WorkspaceID == "" {
		firstAdmin.WorkspaceID = w.ID
	}
	if firstAdmin.WorkspaceID != w.ID {
		return fmt.Errorf("create workspace: the first administrator belongs to workspace %q, not %q", firstAdmin.WorkspaceID, w.ID)
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := insertWorkspace(ctx, tx, w); err != nil {
			return err
		}
		return insertAccount(ctx, tx, firstAdmin)
	})
	if err != nil {
		return fmt.Errorf("create workspace: %w", storeError(err))
	}
	return nil
}

// Workspace returns the workspace with this ID, or ErrNotFound.
func (db *DB) Workspace(ctx context.Context, id string) (latchkey.Workspace, error) {
	w, err := scanWorkspace(db.ro.QueryRowContext(ctx,
		`SELECT `+workspaceSelect+` FROM workspaces WHERE id = $1`, id))
	if err != nil {
		return latchkey.Workspace{}, fmt.Errorf("read workspace: %w", storeError(err))
	}
	return w, nil
}

// WorkspaceBySlug returns the workspace with this slug, or ErrNotFound.
// It is read through the cache (cache.go).
func (db *DB) WorkspaceBySlug(ctx context.Context, slug string) (latchkey.Workspace, error) {
	if !db.checkCache(ctx) {
		return db.readWorkspaceBySlug(ctx, slug)
	}
	if w, ok := db.cache.workspace(slug); ok {
		return w, nil
	}
	seq, at := db.cache.snapshot()
	w, err := db.readWorkspaceBySlug(ctx, slug)
	if err == nil {
		db.cache.storeWorkspace(w, seq, at)
	}
	return w, err
}

func (db *DB) readWorkspaceBySlug(ctx context.Context, slug string) (latchkey.Workspace, error) {
	w, err := scanWorkspace(db.queryRow(ctx, db.hot.workspaceBySlug, workspaceBySlugQuery, slug))
	if err != nil {
		return latchkey.Workspace{}, fmt.Errorf("read workspace by slug: %w", storeError(err))
	}
	return w, nil
}

var workspaceBySlugQuery = `SELECT ` + workspaceSelect + ` FROM workspaces WHERE slug = $1`

// Workspaces lists every workspace ordered by slug.
func (db *DB) Workspaces(ctx context.Context) ([]latchkey.Workspace, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT `+workspaceSelect+` FROM workspaces ORDER BY slug`)
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	defer rows.Close()
	var ws []latchkey.Workspace
	for rows.Next() {
		w, err := scanWorkspace(rows)
		if err != nil {
			return nil, fmt.Errorf("list workspaces: %w", err)
		}
		ws = append(ws, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	return ws, nil
}

// UpdateWorkspace reads the workspace, runs fn on it and writes its name and policy back, in
// one transaction that holds the row (PostgreSQL: SELECT … FOR UPDATE; SQLite: the database
// write lock). If fn returns an error, nothing is written and that error is returned
// unchanged. Returns ErrNotFound if there is no such workspace (fn is then not called), and an
// error, writing nothing, if fn changed ID or Slug. Changes fn makes to CreatedAt are not
// written. fn must be quick and must not call the store (see UpdateAccount).
func (db *DB) UpdateWorkspace(ctx context.Context, id string, fn func(*latchkey.Workspace) error) error {
	defer db.forget(id)
	var fnErr error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		w, err := scanWorkspace(tx.QueryRowContext(ctx,
			`SELECT `+workspaceSelect+` FROM workspaces WHERE id = $1`+db.d.forUpdate, id))
		if err != nil {
			return err
		}
		slug := w.Slug
		if fnErr = fn(&w); fnErr != nil {
			return fnErr
		}
		if w.ID != id || w.Slug != slug {
			return errors.New("the update changed the workspace's ID or slug")
		}
		_, err = tx.ExecContext(ctx,
			`UPDATE workspaces SET name = $2, require_2fa = $3, password_min_length = $4,
				password_sign_in_off = $5, session_idle = $6, session_max = $7
			WHERE id = $1`,
			id, w.Name, w.Policy.Require2FA, w.Policy.PasswordMinLength, w.Policy.PasswordSignInOff,
			w.Policy.SessionIdle.Microseconds(), w.Policy.SessionMax.Microseconds())
		if err != nil {
			return err
		}
		return writePasskeyPolicy(ctx, tx, w)
	})
	switch {
	case fnErr != nil:
		return fnErr
	case err != nil:
		return fmt.Errorf("update workspace: %w", storeError(err))
	}
	return nil
}
