package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey"
)

// AdvanceTOTPStep sets the account's last accepted TOTP step to step if step is greater. It
// is one conditional UPDATE (… AND totp_last_step < step), so of concurrent calls with one
// step the database lets exactly one change the row; on PostgreSQL the others wait for its
// row lock and then find the condition false. When no row changed, a second look tells a
// replay (ErrConflict) from a missing account (ErrNotFound).
func (db *DB) AdvanceTOTPStep(ctx context.Context, ws, accountID string, step int64) error {
	defer db.forget(ws)
	res, err := db.rw.ExecContext(ctx,
		`UPDATE accounts SET totp_last_step = $3 WHERE workspace_id = $1 AND id = $2 AND totp_last_step < $3`,
		ws, accountID, step)
	if err != nil {
		return fmt.Errorf("advance totp step: %w", err)
	}
	n, err := affected(res)
	if err != nil {
		return fmt.Errorf("advance totp step: %w", err)
	}
	if n == 1 {
		return nil
	}
	var one int
	err = db.rw.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE workspace_id = $1 AND id = $2`, ws, accountID).Scan(&one)
	if err != nil {
		return fmt.Errorf("advance totp step: %w", storeError(err))
	}
	return fmt.Errorf("advance totp step: step %d is not after the last accepted one: %w", step, latchkey.ErrConflict)
}

// lockAccount checks, inside tx, that the account exists (sql.ErrNoRows if not) and, on
// PostgreSQL, locks its row until tx ends, so that transactions about one account's recovery
// codes run one after the other. SQLite's write transaction has the database locked already.
func (db *DB) lockAccount(ctx context.Context, tx *sql.Tx, ws, accountID string) error {
	var one int
	return tx.QueryRowContext(ctx,
		`SELECT 1 FROM accounts WHERE workspace_id = $1 AND id = $2`+db.d.forUpdate, ws, accountID).Scan(&one)
}

// ReplaceRecoveryCodes deletes the account's recovery codes and inserts codes, in one
// transaction that first locks the account: two concurrent replacements cannot leave both new
// sets behind. Returns ErrNotFound if ws has no such account, and ErrConflict (writing
// nothing) if two of codes share an ID.
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, ws, accountID string, codes []latchkey.RecoveryCode) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockAccount(ctx, tx, ws, accountID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM recovery_codes WHERE workspace_id = $1 AND account_id = $2`, ws, accountID); err != nil {
			return err
		}
		for _, c := range codes {
			if err := insertRecoveryCode(ctx, tx, ws, accountID, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replace recovery codes: %w", storeError(err))
	}
	return nil
}

func insertRecoveryCode(ctx context.Context, q querier, ws, accountID string, c latchkey.RecoveryCode) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO recovery_codes (workspace_id, account_id, id, hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
		ws, accountID, c.ID, c.Hash, timeValue(c.CreatedAt))
	return err
}

// RecoveryCodes lists the account's unused recovery codes, oldest first (by CreatedAt, then
// ID). An unknown account, or one of another workspace, has none.
func (db *DB) RecoveryCodes(ctx context.Context, ws, accountID string) ([]latchkey.RecoveryCode, error) {
	rows, err := db.ro.QueryContext(ctx,
		`SELECT id, hash, created_at FROM recovery_codes WHERE workspace_id = $1 AND account_id = $2
		ORDER BY created_at, id`, ws, accountID)
	if err != nil {
		return nil, fmt.Errorf("list recovery codes: %w", err)
	}
	defer rows.Close()
	var cs []latchkey.RecoveryCode
	for rows.Next() {
		var c latchkey.RecoveryCode
		if err := rows.Scan(&c.ID, &c.Hash, timeDest(&c.CreatedAt)); err != nil {
			return nil, fmt.Errorf("list recovery codes: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list recovery codes: %w", err)
	}
	return cs, nil
}

// ConsumeRecoveryCode deletes the code and counts the account's remaining ones, in one
// transaction that first locks the account. Of concurrent calls for one code, the first to
// lock deletes it and the others, after it commits, delete nothing and get ErrNotFound; the
// lock also makes the count exact when other codes of the account are consumed at once.
// Returns ErrNotFound if ws has no such account or the account no such code.
func (db *DB) ConsumeRecoveryCode(ctx context.Context, ws, accountID, id string) (int, error) {
	var remaining int
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockAccount(ctx, tx, ws, accountID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx,
			`DELETE FROM recovery_codes WHERE workspace_id = $1 AND account_id = $2 AND id = $3`, ws, accountID, id)
		if err != nil {
			return err
		}
		n, err := affected(res)
		if err != nil {
			return err
		}
		if n == 0 {
			return sql.ErrNoRows
		}
		return tx.QueryRowContext(ctx,
			`SELECT count(*) FROM recovery_codes WHERE workspace_id = $1 AND account_id = $2`, ws, accountID).Scan(&remaining)
	})
	if err != nil {
		return 0, fmt.Errorf("consume recovery code: %w", storeError(err))
	}
	return remaining, nil
}

const challengeColumns = `id, workspace_id, account_id, created_at, expires_at, attempts, remember, client_addr, user_agent`

// CreateChallenge stores c. Returns ErrNotFound if c.WorkspaceID has no account c.AccountID
// (the foreign key is on the pair), and ErrConflict if the ID is taken.
func (db *DB) CreateChallenge(ctx context.Context, c latchkey.Challenge) error {
	_, err := db.rw.ExecContext(ctx,
		`INSERT INTO challenges (`+challengeColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		c.ID, c.WorkspaceID, c.AccountID, timeValue(c.CreatedAt), timeValue(c.ExpiresAt), c.Attempts,
		c.Remember, c.ClientAddr, c.UserAgent)
	if err != nil {
		return fmt.Errorf("create challenge: %w", storeError(err))
	}
	return nil
}

// Challenge returns the challenge with this ID in workspace ws, expired or not, or
// ErrNotFound.
func (db *DB) Challenge(ctx context.Context, ws, id string) (latchkey.Challenge, error) {
	var c latchkey.Challenge
	err := db.ro.QueryRowContext(ctx,
		`SELECT `+challengeColumns+` FROM challenges WHERE id = $1 AND workspace_id = $2`, id, ws).
		Scan(&c.ID, &c.WorkspaceID, &c.AccountID, timeDest(&c.CreatedAt), timeDest(&c.ExpiresAt),
			&c.Attempts, &c.Remember, &c.ClientAddr, &c.UserAgent)
	if err != nil {
		return latchkey.Challenge{}, fmt.Errorf("read challenge: %w", storeError(err))
	}
	return c, nil
}

// UseChallengeAttempt adds one to the challenge's attempts unless it has used limit, and returns
// the new count. It is one UPDATE … WHERE attempts < limit RETURNING, so concurrent codes never
// get more than limit checks. When it updates nothing, a second read tells a challenge out of
// attempts (ErrConflict) from one that is gone or of another workspace (ErrNotFound).
func (db *DB) UseChallengeAttempt(ctx context.Context, ws, id string, limit int) (int, error) {
	var n int
	err := db.rw.QueryRowContext(ctx,
		`UPDATE challenges SET attempts = attempts + 1 WHERE id = $1 AND workspace_id = $2 AND attempts < $3 RETURNING attempts`,
		id, ws, limit).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		var attempts int
		err := db.rw.QueryRowContext(ctx, `SELECT attempts FROM challenges WHERE id = $1 AND workspace_id = $2`, id, ws).Scan(&attempts)
		if err == nil {
			return attempts, fmt.Errorf("use challenge attempt: %w", latchkey.ErrConflict)
		}
		return 0, fmt.Errorf("use challenge attempt: %w", storeError(err))
	}
	if err != nil {
		return 0, fmt.Errorf("use challenge attempt: %w", storeError(err))
	}
	return n, nil
}

// DeleteChallenge removes one challenge. Deleting a missing one, or one of another
// workspace, removes nothing and is not an error.
func (db *DB) DeleteChallenge(ctx context.Context, ws, id string) error {
	if _, err := db.rw.ExecContext(ctx, `DELETE FROM challenges WHERE id = $1 AND workspace_id = $2`, id, ws); err != nil {
		return fmt.Errorf("delete challenge: %w", err)
	}
	return nil
}

// DeleteExpiredChallenges removes, across all workspaces, the challenges whose ExpiresAt is
// not after now, and returns how many.
func (db *DB) DeleteExpiredChallenges(ctx context.Context, now time.Time) (int, error) {
	res, err := db.rw.ExecContext(ctx, `DELETE FROM challenges WHERE expires_at <= $1`, timeValue(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired challenges: %w", err)
	}
	n, err := affected(res)
	if err != nil {
		return 0, fmt.Errorf("delete expired challenges: %w", err)
	}
	return n, nil
}
