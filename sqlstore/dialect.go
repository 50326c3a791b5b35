package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/latchkey/latchkey"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// A dialect is what differs between the two engines. The SQL itself does not: both take
// $1-style parameters, INSERT … ON CONFLICT and DELETE … RETURNING, and every time is the same
// integer (see timeValue), so each query is written once.
type dialect struct {
	name string
	// forUpdate ends the SELECT of a read-modify-write transaction. PostgreSQL needs the row
	// lock; SQLite has none, and needs none: its write transactions begin IMMEDIATE, so the
	// whole database is already locked for writing.
	forUpdate string
	// migrations are this engine's embedded schema changes, in order.
	migrations []migration
	// lockMigrations serialises migrations between processes, inside the migration transaction.
	lockMigrations func(ctx context.Context, tx *sql.Tx) error
	// hasVersionTable counts (0 or 1) the schema_migrations tables visible to this connection.
	hasVersionTable string
	// skipLocked ends the sub-SELECT that picks the mail ClaimMail takes. On PostgreSQL it locks
	// the rows it picks and passes over rows another worker's claim holds, so that concurrent
	// claims take disjoint sets without waiting for each other. SQLite runs one writer at a
	// time, so its UPDATE's select and write are atomic already.
	skipLocked string
	// lower is the SQL function that lower-cases text for case-insensitive search. SQLite's own
	// lower() knows only ASCII, so SQLite uses latchkey_lower, which is Go's strings.ToLower;
	// PostgreSQL's lower() follows the database's LC_CTYPE (Unicode under any UTF-8 locale).
	lower string
	// snapshot begins the read transaction of ExportWorkspace: every read in it sees the
	// database as of one moment. SQLite in WAL mode gives each read transaction a snapshot
	// from its first read; PostgreSQL needs REPEATABLE READ for the same, as its default READ
	// COMMITTED takes a new snapshot per statement.
	snapshot *sql.TxOptions
	// bulkRows is how many rows one statement of BulkInsert carries. The SQLite driver looks
	// each parameter's name up by a linear scan when it binds, so a statement's binding costs
	// the square of its parameters there: 8 rows to a statement measured fastest (1 and 32 were
	// slower by half, 100 by three times). PostgreSQL gains from fewer round trips.
	bulkRows int
}

var sqliteDialect = &dialect{
	name:       "sqlite",
	migrations: mustLoadMigrations("migrations/sqlite"),
	// The transaction is BEGIN IMMEDIATE (_txlock=immediate): it holds the write lock already.
	lockMigrations:  func(context.Context, *sql.Tx) error { return nil },
	hasVersionTable: `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`,
	lower:           "latchkey_lower",
	snapshot:        &sql.TxOptions{ReadOnly: true},
	bulkRows:        8,
}

var postgresDialect = &dialect{
	name:            "postgres",
	forUpdate:       " FOR UPDATE",
	migrations:      mustLoadMigrations("migrations/postgres"),
	lockMigrations:  lockPostgresMigrations,
	hasVersionTable: `SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'`,
	skipLocked:      " FOR UPDATE SKIP LOCKED",
	lower:           "lower",
	snapshot:        &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
	bulkRows:        100,
}

func init() {
	// Registered before any connection opens: the driver gives it to every new connection.
	sqlite.MustRegisterDeterministicScalarFunction("latchkey_lower", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case nil:
			return nil, nil
		case string:
			return strings.ToLower(v), nil
		default:
			return nil, fmt.Errorf("latchkey_lower: want text, got %T", v)
		}
	})
}

// lockPostgresMigrations takes a transaction-scoped advisory lock, so that nodes starting
// together migrate one after the other: the later ones then find nothing left to do. The
// transaction-scoped form (pg_advisory_xact_lock) cannot outlive the transaction, so no pooled
// connection can be left holding it after an error. The key depends on the schema, so that
// deployments in separate schemas of one database do not wait for each other.
func lockPostgresMigrations(ctx context.Context, tx *sql.Tx) error {
	var schema sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("read current schema: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("latchkey/migrate/" + schema.String))
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(h.Sum64())); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	return nil
}

// Times are stored as integer microseconds since the Unix epoch, UTC, in both engines (INTEGER
// on SQLite, BIGINT on PostgreSQL). One representation means one code path and one set of
// comparisons (expires_at > $3) for both engines, with no driver-specific time parsing: modernc
// would store time.Time as text in a configurable layout, pgx as timestamptz in the session's
// time zone. Microseconds are what timestamptz keeps, so the contract is the same whichever
// engine is behind it: a time comes back in UTC, truncated to the microsecond, and every
// comparison with a caller's now happens at that precision. The zero time.Time is stored as
// NULL and comes back as the zero time; columns where zero has no meaning are NOT NULL, so a
// caller that forgot to set CreatedAt gets an error instead of year 1.

// timeValue returns t as a query argument: its unix microseconds, or nil (NULL) for the zero time.
func timeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// timeDest returns a Scan destination that sets *t from a column written by timeValue.
func timeDest(t *time.Time) sql.Scanner { return (*storedTime)(t) }

// storedTime is a time.Time that scans from unix microseconds.
type storedTime time.Time

// Scan implements sql.Scanner.
func (t *storedTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*t = storedTime{}
	case int64:
		*t = storedTime(time.UnixMicro(v).UTC())
	default:
		return fmt.Errorf("scan time: unexpected %T", src)
	}
	return nil
}

// storeError maps the driver errors that callers act on to the domain's, by error code rather
// than by message: a UNIQUE or PRIMARY KEY violation is latchkey.ErrConflict, a FOREIGN KEY
// violation (the workspace or account does not exist) and sql.ErrNoRows are
// latchkey.ErrNotFound. The driver's error is kept as the cause, for logs. Any other error is
// returned as it is.
func storeError(err error) error {
	var code string
	var sqliteErr *sqlite.Error
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		code = latchkey.CodeNotFound
	case errors.As(err, &sqliteErr):
		switch sqliteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			code = latchkey.CodeConflict
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			code = latchkey.CodeNotFound
		}
	case errors.As(err, &pgErr):
		switch pgErr.Code {
		case "23505": // unique_violation
			code = latchkey.CodeConflict
		case "23503": // foreign_key_violation
			code = latchkey.CodeNotFound
		}
	}
	switch code {
	case latchkey.CodeConflict:
		return &latchkey.Error{Code: code, Message: latchkey.MsgConflict, Err: err}
	case latchkey.CodeNotFound:
		return &latchkey.Error{Code: code, Message: latchkey.MsgNotFound, Err: err}
	}
	return err
}

// querier is what *sql.DB and *sql.Tx have in common, so that a helper can run inside or
// outside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// affected returns how many rows res changed.
func affected(res sql.Result) (int, error) {
	n, err := res.RowsAffected()
	return int(n), err
}

// likePattern returns a LIKE pattern (for ESCAPE '\') that matches any text containing s:
// the wildcards % and _ and the escape character in s itself stand for themselves.
func likePattern(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
	return "%" + s + "%"
}
