package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/latchkey/latchkey"
)

const workspaceColumns = `id, slug, name, created_at`

func scanWorkspace(s scanner) (latchkey.Workspace, error) {
	var w latchkey.Workspace
	err := s.Scan(&w.ID, &w.Slug, &w.Name, timeDest(&w.CreatedAt))
	return w, err
}

// CreateWorkspace stores w and its first administrator in one transaction, as
// latchkey.WorkspaceStore promises. firstAdmin.WorkspaceID may be left empty: it is w.ID.
// Returns ErrConflict if the slug (or the ID) is taken.
func (db *DB) CreateWorkspace(ctx context.Context, w latchkey.Workspace, firstAdmin latchkey.Account) error {
	if firstAdmin.WorkspaceID == "" {
		firstAdmin.WorkspaceID = w.ID
	}
	if firstAdmin.WorkspaceID != w.ID {
		return fmt.Errorf("create workspace: the first administrator belongs to workspace %q, not %q", firstAdmin.WorkspaceID, w.ID)
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO workspaces (`+workspaceColumns+`) VALUES ($1, $2, $3, $4)`,
			w.ID, w.Slug, w.Name, timeValue(w.CreatedAt)); err != nil {
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
		`SELECT `+workspaceColumns+` FROM workspaces WHERE id = $1`, id))
	if err != nil {
		return latchkey.Workspace{}, fmt.Errorf("read workspace: %w", storeError(err))
	}
	return w, nil
}

// WorkspaceBySlug returns the workspace with this slug, or ErrNotFound.
func (db *DB) WorkspaceBySlug(ctx context.Context, slug string) (latchkey.Workspace, error) {
	w, err := scanWorkspace(db.ro.QueryRowContext(ctx,
		`SELECT `+workspaceColumns+` FROM workspaces WHERE slug = $1`, slug))
	if err != nil {
		return latchkey.Workspace{}, fmt.Errorf("read workspace by slug: %w", storeError(err))
	}
	return w, nil
}

// Workspaces lists every workspace ordered by slug.
func (db *DB) Workspaces(ctx context.Context) ([]latchkey.Workspace, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT `+workspaceColumns+` FROM workspaces ORDER BY slug`)
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
