package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/latchkey/latchkey"
)

const apiTokenColumns = `workspace_id, id, name, scope, account_id, created_by, hash, hint, created_at,
	last_used_at, last_used_ip, revoked_at`

func scanAPIToken(s scanner) (latchkey.APIToken, error) {
	var t latchkey.APIToken
	err := s.Scan(&t.WorkspaceID, &t.ID, &t.Name, &t.Scope, &t.AccountID, &t.CreatedBy, &t.Hash, &t.Hint,
		timeDest(&t.CreatedAt), timeDest(&t.LastUsedAt), &t.LastUsedIP, timeDest(&t.RevokedAt))
	return t, err
}

// CreateAPIToken stores t. Returns ErrNotFound if the workspace does not exist and
// ErrConflict if a token with this ID or hash exists.
func (db *DB) CreateAPIToken(ctx context.Context, t latchkey.APIToken) error {
	if err := insertAPIToken(ctx, db.rw, t); err != nil {
		return fmt.Errorf("create api token: %w", storeError(err))
	}
	return nil
}

// insertAPIToken writes t as it is, times and revocation included (CreateAPIToken, and
// ImportWorkspace in its transaction).
func insertAPIToken(ctx context.Context, q querier, t latchkey.APIToken) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO api_tokens (`+apiTokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		t.WorkspaceID, t.ID, t.Name, string(t.Scope), t.AccountID, t.CreatedBy, t.Hash, t.Hint,
		timeValue(t.CreatedAt), timeValue(t.LastUsedAt), t.LastUsedIP, timeValue(t.RevokedAt))
	return err
}

// APITokenByHash returns the token of ws with this hash, revoked or not, or ErrNotFound. The
// query names the workspace, so a token of another workspace is not found.
func (db *DB) APITokenByHash(ctx context.Context, ws, hash string) (latchkey.APIToken, error) {
	t, err := scanAPIToken(db.ro.QueryRowContext(ctx,
		`SELECT `+apiTokenColumns+` FROM api_tokens WHERE workspace_id = $1 AND hash = $2`, ws, hash))
	if err != nil {
		return latchkey.APIToken{}, fmt.Errorf("read api token: %w", storeError(err))
	}
	return t, nil
}

// APIToken returns the token of ws with this ID, revoked or not, or ErrNotFound.
func (db *DB) APIToken(ctx context.Context, ws, id string) (latchkey.APIToken, error) {
	t, err := scanAPIToken(db.ro.QueryRowContext(ctx,
		`SELECT `+apiTokenColumns+` FROM api_tokens WHERE workspace_id = $1 AND id = $2`, ws, id))
	if err != nil {
		return latchkey.APIToken{}, fmt.Errorf("read api token: %w", storeError(err))
	}
	return t, nil
}

// APITokens lists every token of ws, revoked ones included, newest first.
func (db *DB) APITokens(ctx context.Context, ws string) ([]latchkey.APIToken, error) {
	rows, err := db.ro.QueryContext(ctx,
		`SELECT `+apiTokenColumns+` FROM api_tokens WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC`, ws)
	if err != nil {
		return nil, fmt.Errorf("list api tokens: %w", err)
	}
	defer rows.Close()
	var ts []latchkey.APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list api tokens: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list api tokens: %w", err)
	}
	return ts, nil
}

// RevokeAPIToken sets the live token's RevokedAt to now, or returns ErrNotFound.
func (db *DB) RevokeAPIToken(ctx context.Context, ws, id string, now time.Time) error {
	return db.execOne(ctx, "revoke api token",
		`UPDATE api_tokens SET revoked_at = $3 WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL`,
		ws, id, timeValue(now))
}

// TouchAPIToken records a use of the token at now from addr, or returns ErrNotFound.
func (db *DB) TouchAPIToken(ctx context.Context, ws, id string, now time.Time, addr string) error {
	return db.execOne(ctx, "touch api token",
		`UPDATE api_tokens SET last_used_at = $3, last_used_ip = $4 WHERE workspace_id = $1 AND id = $2`,
		ws, id, timeValue(now), addr)
}
