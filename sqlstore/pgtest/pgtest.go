// Package pgtest gives tests a PostgreSQL schema of their own. It lives apart from the store
// contract (storetest), which must not depend on a driver.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/latchkey/latchkey/internal/testenv"
)

// PostgresEnv names the variable holding a PostgreSQL URL for tests, such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const PostgresEnv = "LATCHKEY_TEST_POSTGRES"

// URL creates a schema with a random name (starting with prefix) in $LATCHKEY_TEST_POSTGRES,
// drops it when t ends, and returns the database URL with search_path set to it, so that tests
// can run in parallel in one database. It skips t, naming the variable, if it is not set.
func URL(t *testing.T, prefix string) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		testenv.Missing(t, "postgres", PostgresEnv+" is not set; skipping this PostgreSQL test")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", PostgresEnv, err)
	}
	t.Cleanup(func() { admin.Close() })
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
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
