package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey"
)

var accountColumnList = []string{
	"workspace_id", "id", "email", "name", "role", "status", "password_hash",
	"totp_secret", "totp_enabled_at", "created_at", "updated_at", "last_sign_in_at",
}

var (
	accountColumns = strings.Join(accountColumnList, ", ")
	// accountColumnsA names the same columns of the accounts table aliased as a, for joins.
	accountColumnsA = "a." + strings.Join(accountColumnList, ", a.")
)

func scanAccount(s scanner) (latchkey.Account, error) {
	var a latchkey.Account
	err := s.Scan(accountDest(&a)...)
	return a, err
}

// accountDest returns the Scan destinations for accountColumns.
func accountDest(a *latchkey.Account) []any {
	return []any{&a.WorkspaceID, &a.ID, &a.Email, &a.Name, &a.Role, &a.Status, &a.PasswordHash,
		&a.TOTPSecret, timeDest(&a.TOTPEnabledAt), timeDest(&a.CreatedAt), timeDest(&a.UpdatedAt),
		timeDest(&a.LastSignInAt)}
}

// accountValues are the query arguments for accountColumns followed by email_key.
func accountValues(a latchkey.Account) []any {
	return []any{a.WorkspaceID, a.ID, a.Email, a.Name, string(a.Role), string(a.Status), a.PasswordHash,
		a.TOTPSecret, timeValue(a.TOTPEnabledAt), timeValue(a.CreatedAt), timeValue(a.UpdatedAt),
		timeValue(a.LastSignInAt), latchkey.NormalizeEmail(a.Email)}
}

func insertAccount(ctx context.Context, q querier, a latchkey.Account) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO accounts (`+accountColumns+`, email_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		accountValues(a)...)
	return err
}

// CreateAccount stores a. Returns ErrConflict if a.WorkspaceID has an account with the same
// email, compared case-insensitively, and ErrNotFound if the workspace does not exist.
func (db *DB) CreateAccount(ctx context.Context, a latchkey.Account) error {
	if err := insertAccount(ctx, db.rw, a); err != nil {
		return fmt.Errorf("create account: %w", storeError(err))
	}
	return nil
}

// Account returns the account with this ID in workspace ws, or ErrNotFound.
func (db *DB) Account(ctx context.Context, ws, id string) (latchkey.Account, error) {
	a, err := scanAccount(db.ro.QueryRowContext(ctx,
		`SELECT `+accountColumns+` FROM accounts WHERE workspace_id = $1 AND id = $2`, ws, id))
	if err != nil {
		return latchkey.Account{}, fmt.Errorf("read account: %w", storeError(err))
	}
	return a, nil
}

// AccountByEmail returns the account of workspace ws whose email matches case-insensitively,
// or ErrNotFound.
func (db *DB) AccountByEmail(ctx context.Context, ws, email string) (latchkey.Account, error) {
	a, err := scanAccount(db.ro.QueryRowContext(ctx,
		`SELECT `+accountColumns+` FROM accounts WHERE workspace_id = $1 AND email_key = $2`,
		ws, latchkey.NormalizeEmail(email)))
	if err != nil {
		return latchkey.Account{}, fmt.Errorf("read account by email: %w", storeError(err))
	}
	return a, nil
}

// UpdateAccount reads the account, runs fn on it and writes the result, in one transaction
// that holds the row (PostgreSQL: SELECT … FOR UPDATE; SQLite: the database write lock), so
// that concurrent updates apply one after the other. If fn returns an error, nothing is
// written and that error is returned unchanged. Returns ErrNotFound if the account does not
// exist in ws (fn is then not called), ErrConflict if the new email is taken, and an error if
// fn changed ID or WorkspaceID. fn runs while the transaction holds its lock, so it must be
// quick and must not call the store: on SQLite, where there is one writer connection, a write
// from inside fn would wait for fn forever.
func (db *DB) UpdateAccount(ctx context.Context, ws, id string, fn func(*latchkey.Account) error) error {
	defer db.forget(ws)
	var fnErr error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		a, err := scanAccount(tx.QueryRowContext(ctx,
			`SELECT `+accountColumns+` FROM accounts WHERE workspace_id = $1 AND id = $2`+db.d.forUpdate, ws, id))
		if err != nil {
			return err
		}
		if fnErr = fn(&a); fnErr != nil {
			return fnErr
		}
		if a.ID != id || a.WorkspaceID != ws {
			return errors.New("the update changed the account's ID or workspace")
		}
		_, err = tx.ExecContext(ctx,
			`UPDATE accounts SET email = $3, email_key = $4, name = $5, role = $6, status = $7,
				password_hash = $8, totp_secret = $9, totp_enabled_at = $10, created_at = $11,
				updated_at = $12, last_sign_in_at = $13
			WHERE workspace_id = $1 AND id = $2`,
			ws, id, a.Email, latchkey.NormalizeEmail(a.Email), a.Name, string(a.Role), string(a.Status),
			a.PasswordHash, a.TOTPSecret, timeValue(a.TOTPEnabledAt), timeValue(a.CreatedAt),
			timeValue(a.UpdatedAt), timeValue(a.LastSignInAt))
		return err
	})
	switch {
	case fnErr != nil:
		return fnErr
	case err != nil:
		return fmt.Errorf("update account: %w", storeError(err))
	}
	return nil
}

// Accounts lists the accounts of workspace ws matching f, ordered by email compared
// case-insensitively (by the normalised email, bytewise). f.Query matches when the normalised
// email or the lower-cased name contains the lower-cased query; % and _ in the query are
// plain characters. Names are lower-cased by Go's strings.ToLower on SQLite and by lower() on
// PostgreSQL, which agree on every letter under a UTF-8 locale (under the C locale PostgreSQL
// lower-cases ASCII only).
func (db *DB) Accounts(ctx context.Context, ws string, f latchkey.AccountFilter) ([]latchkey.Account, error) {
	query := `SELECT ` + accountColumns + ` FROM accounts WHERE workspace_id = $1`
	args := []any{ws}
	if f.Status != "" {
		args = append(args, string(f.Status))
		query += ` AND status = $` + strconv.Itoa(len(args))
	}
	if f.Role != "" {
		args = append(args, string(f.Role))
		query += ` AND role = $` + strconv.Itoa(len(args))
	}
	if f.Query != "" {
		args = append(args, likePattern(strings.ToLower(f.Query)))
		n := strconv.Itoa(len(args))
		query += ` AND (email_key LIKE $` + n + ` ESCAPE '\' OR ` + db.d.lower + `(name) LIKE $` + n + ` ESCAPE '\')`
	}
	query += ` ORDER BY email_key, id`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		query += ` LIMIT $` + strconv.Itoa(len(args))
	}
	rows, err := db.ro.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var as []latchkey.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return as, nil
}

// CountAccounts returns how many accounts of ws have each status. A status that no account
// has is absent from the map, which reads as 0.
func (db *DB) CountAccounts(ctx context.Context, ws string) (map[latchkey.Status]int, error) {
	rows, err := db.ro.QueryContext(ctx,
		`SELECT status, count(*) FROM accounts WHERE workspace_id = $1 GROUP BY status`, ws)
	if err != nil {
		return nil, fmt.Errorf("count accounts: %w", err)
	}
	defer rows.Close()
	counts := map[latchkey.Status]int{}
	for rows.Next() {
		var s latchkey.Status
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("count accounts: %w", err)
		}
		counts[s] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count accounts: %w", err)
	}
	return counts, nil
}

// DeleteAccount removes the account. Its sessions, tokens, recovery codes, challenges and
// software seats go with it (ON DELETE CASCADE on the foreign keys); its hardware goes back in
// stock and requests assigned to it lose their assignee (releaseAccountItems), in the same
// transaction; audit events and the requests it opened, which name the account without a
// foreign key, stay. Returns ErrNotFound if ws has no such account.
func (db *DB) DeleteAccount(ctx context.Context, ws, id string) error {
	defer db.forget(ws)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var email string
		if err := tx.QueryRowContext(ctx, `DELETE FROM accounts WHERE workspace_id = $1 AND id = $2 RETURNING email`, ws, id).Scan(&email); err != nil {
			return storeError(err)
		}
		return releaseAccountItems(ctx, tx, ws, id, email)
	})
	if err != nil {
		return fmt.Errorf("delete account: %w", err)
	}
	return nil
}
