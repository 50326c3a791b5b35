package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/latchkey/latchkey"
)

const tokenColumns = `hash, purpose, workspace_id, account_id, created_at, expires_at`

func scanToken(s scanner) (latchkey.Token, error) {
	var t latchkey.Token
	err := s.Scan(&t.Hash, &t.Purpose, &t.WorkspaceID, &t.AccountID, timeDest(&t.CreatedAt), timeDest(&t.ExpiresAt))
	return t, err
}

// CreateToken stores t. Returns ErrNotFound if the account does not exist in t.WorkspaceID,
// and ErrConflict if a token with this purpose and hash exists.
func (db *DB) CreateToken(ctx context.Context, t latchkey.Token) error {
	_, err := db.rw.ExecContext(ctx,
		`INSERT INTO tokens (`+tokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.Hash, string(t.Purpose), t.WorkspaceID, t.AccountID, timeValue(t.CreatedAt), timeValue(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create token: %w", storeError(err))
	}
	return nil
}

// Token returns the live token (ExpiresAt after now, to the microsecond) with this purpose
// and hash without consuming it, or ErrNotFound.
func (db *DB) Token(ctx context.Context, purpose latchkey.Purpose, hash string, now time.Time) (latchkey.Token, error) {
	t, err := scanToken(db.ro.QueryRowContext(ctx,
		`SELECT `+tokenColumns+` FROM tokens WHERE purpose = $1 AND hash = $2 AND expires_at > $3`,
		string(purpose), hash, timeValue(now)))
	if err != nil {
		return latchkey.Token{}, fmt.Errorf("read token: %w", storeError(err))
	}
	return t, nil
}

// ConsumeToken deletes and returns the live token with this purpose and hash, or returns
// ErrNotFound. It is one DELETE … RETURNING statement, so of any number of concurrent calls
// for one token exactly one gets it: the database, not the caller, decides the winner.
func (db *DB) ConsumeToken(ctx context.Context, purpose latchkey.Purpose, hash string, now time.Time) (latchkey.Token, error) {
	t, err := scanToken(db.rw.QueryRowContext(ctx,
		`DELETE FROM tokens WHERE purpose = $1 AND hash = $2 AND expires_at > $3 RETURNING `+tokenColumns,
		string(purpose), hash, timeValue(now)))
	if err != nil {
		return latchkey.Token{}, fmt.Errorf("consume token: %w", storeError(err))
	}
	return t, nil
}

// DeleteAccountTokens removes every token of the account with this purpose and returns how
// many it removed.
func (db *DB) DeleteAccountTokens(ctx context.Context, ws, accountID string, purpose latchkey.Purpose) (int, error) {
	res, err := db.rw.ExecContext(ctx,
		`DELETE FROM tokens WHERE workspace_id = $1 AND account_id = $2 AND purpose = $3`,
		ws, accountID, string(purpose))
	if err != nil {
		return 0, fmt.Errorf("delete account tokens: %w", err)
	}
	n, err := affected(res)
	if err != nil {
		return 0, fmt.Errorf("delete account tokens: %w", err)
	}
	return n, nil
}

// DeleteExpiredTokens removes the tokens whose ExpiresAt is not after now and returns how many.
func (db *DB) DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error) {
	res, err := db.rw.ExecContext(ctx, `DELETE FROM tokens WHERE expires_at <= $1`, timeValue(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired tokens: %w", err)
	}
	n, err := affected(res)
	if err != nil {
		return 0, fmt.Errorf("delete expired tokens: %w", err)
	}
	return n, nil
}
