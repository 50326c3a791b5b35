// Package pgtest gives tests a PostgreSQL schema of their own. It lives apart from the store
// contract (storetest), which must not depend on a driver.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/latchkey/latchkey/internal/testenv"
)

// PostgresEnv names the variable holding a PostgreSQL URL for tests, such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const PostgresEnv = "LATCHKEY_TEST_POSTGRES"

// pool holds this process's migrated schemas that no test is using (Pooled), and the one
// connection pool through which Pooled and URL create, empty and drop schemas. A connection of its own per
// test cost PostgreSQL a new backend each time, whose catalog caches start cold: emptying a
// schema on it took twice as long as on a warm one.
var pool struct {
	sync.Mutex
	free  []string
	all   []string
	admin *sql.DB
}

// adminDB is the pool's connection pool, opened on first use.
func adminDB(base string) (*sql.DB, error) {
	pool.Lock()
	defer pool.Unlock()
	if pool.admin == nil {
		admin, err := sql.Open("pgx", noSync(base))
		if err != nil {
			return nil, err
		}
		admin.SetMaxIdleConns(4)
		pool.admin = admin
	}
	return pool.admin, nil
}

// Pooled is URL for tests that only need an empty, migrated schema of their own: it hands out a
// schema that an earlier test of this process used (its rows deleted, its migrations kept), or a
// new one that the caller's Open migrates. Creating and migrating a schema costs PostgreSQL a
// synced file per table, which made the store contract tests minutes long; emptying one is a few
// DELETEs. Sequences are not reset. Call DropPooled from TestMain when the tests are done.
func Pooled(t *testing.T, prefix string) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		testenv.Missing(t, "postgres", PostgresEnv+" is not set; skipping this PostgreSQL test")
	}
	pool.Lock()
	var schema string
	if n := len(pool.free); n > 0 {
		schema, pool.free = pool.free[n-1], pool.free[:n-1]
	}
	pool.Unlock()
	admin, err := adminDB(base)
	if err != nil {
		t.Fatalf("open %s: %v", PostgresEnv, err)
	}
	if schema == "" {
		schema = prefix + "_" + strings.ToLower(rand.Text())
		if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		pool.Lock()
		pool.all = append(pool.all, schema)
		pool.Unlock()
	}
	t.Cleanup(func() {
		if err := empty(admin, schema); err != nil {
			t.Errorf("empty schema %s: %v", schema, err)
			return // not reused
		}
		pool.Lock()
		pool.free = append(pool.free, schema)
		pool.Unlock()
	})
	return withSchema(t, base, schema)
}

// empty deletes every row of the schema's tables but the migration record, in one transaction,
// with foreign-key triggers off (session_replication_role, which the tests' superuser may set),
// so that the order of the deletes does not matter. The deletes go in one round trip, and the
// tables come from pg_tables: reading information_schema and deleting table by table took
// longer than most of the tests that use the schema.
func empty(admin *sql.DB, schema string) error {
	ctx := context.Background()
	tx, err := admin.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT tablename FROM pg_tables
		WHERE schemaname = $1 AND tablename <> 'schema_migrations'`, schema)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("SET LOCAL session_replication_role = replica;")
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		b.WriteString(`DELETE FROM "` + schema + `"."` + name + `";`)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// Without arguments, pgx sends this as one simple query: every statement, one round trip.
	if _, err := tx.ExecContext(ctx, b.String()); err != nil {
		return err
	}
	return tx.Commit()
}

// DropPooled drops every schema Pooled made in this process, and closes the admin pool.
func DropPooled() error {
	pool.Lock()
	all, admin := pool.all, pool.admin
	pool.all, pool.free, pool.admin = nil, nil, nil
	pool.Unlock()
	if admin == nil {
		return nil
	}
	defer admin.Close()
	var errs []error
	for _, schema := range all {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// URL creates a schema with a random name (starting with prefix) in $LATCHKEY_TEST_POSTGRES,
// drops it when t ends, and returns the database URL with search_path set to it, so that tests
// can run in parallel in one database. It skips t, naming the variable, if it is not set.
func URL(t *testing.T, prefix string) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		testenv.Missing(t, "postgres", PostgresEnv+" is not set; skipping this PostgreSQL test")
	}
	admin, err := adminDB(base)
	if err != nil {
		t.Fatalf("open %s: %v", PostgresEnv, err)
	}
	schema := prefix + "_" + strings.ToLower(rand.Text())
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		// t.Context is already cancelled when cleanups run.
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSchema(t, base, schema)
}

// withSchema is base with search_path set to schema, and synchronous_commit off.
func withSchema(t *testing.T, base, schema string) string {
	t.Helper()
	u, err := url.Parse(noSync(base))
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// noSync is the PostgreSQL URL base with synchronous_commit off for its connections, unless
// the URL sets it: a commit then returns without waiting for its WAL to reach the disk. That
// wait was most of the PostgreSQL tests' time; a crash of the server could lose the last
// commits, never make a transaction half-done, and tests do not survive crashes anyway. A URL
// that does not parse is returned as it is, for the caller to report.
func noSync(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	if q.Get("synchronous_commit") == "" {
		q.Set("synchronous_commit", "off")
	}
	u.RawQuery = q.Encode()
	return u.String()
}
