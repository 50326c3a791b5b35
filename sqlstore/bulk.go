package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey"
)

// Bulk is a batch of rows for BulkInsert.
type Bulk struct {
	Workspaces []latchkey.Workspace
	Accounts   []latchkey.Account
	Sessions   []latchkey.Session
}

// BulkInsert stores the workspaces, then the accounts, then the sessions of b in one
// transaction, many rows to a statement. It is for load tests that need a million rows in
// minutes: it checks nothing that the schema does not (no slug or email validation, no first
// administrator), and it is not part of latchkey.Store. Either every row is stored or none is.
// Returns ErrConflict if a row's key is taken and ErrNotFound if an account or session names a
// workspace or account that neither the store nor b holds.
func (db *DB) BulkInsert(ctx context.Context, b Bulk) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		n := db.d.bulkRows
		if err := insertRows(ctx, tx, n, "workspaces ("+workspaceColumns+")", len(b.Workspaces),
			func(i int) []any { return workspaceValues(b.Workspaces[i]) }); err != nil {
			return err
		}
		if err := insertRows(ctx, tx, n, "accounts ("+accountColumns+", email_key)", len(b.Accounts),
			func(i int) []any { return accountValues(b.Accounts[i]) }); err != nil {
			return err
		}
		return insertRows(ctx, tx, n, "sessions ("+sessionColumns+")", len(b.Sessions),
			func(i int) []any { return sessionValues(b.Sessions[i]) })
	})
	if err != nil {
		return fmt.Errorf("bulk insert: %w", storeError(err))
	}
	return nil
}

// insertRows inserts n rows into table (which names its columns), per rows to a statement.
// The full-size statement is prepared once: parsing it again for every batch would cost as
// much as the inserts.
func insertRows(ctx context.Context, tx *sql.Tx, per int, table string, n int, values func(i int) []any) error {
	if n == 0 {
		return nil
	}
	cols := len(values(0))
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, per*cols)
	for start := 0; start < n; start += per {
		rows := min(per, n-start)
		args = args[:0]
		for i := start; i < start+rows; i++ {
			args = append(args, values(i)...)
		}
		var err error
		if rows == per {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, insertSQL(table, rows, cols)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertSQL(table, rows, cols), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// insertSQL is INSERT INTO table VALUES ($1, …), (…) for rows rows of cols columns.
func insertSQL(table string, rows, cols int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " VALUES ")
	p := 1
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(p))
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}
