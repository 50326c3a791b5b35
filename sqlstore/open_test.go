package sqlstore

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSQLiteSettings checks the connection settings that the rest of the package relies on:
// WAL (readers beside the writer), foreign keys (ErrNotFound for a missing workspace or
// account), busy_timeout, and read-only readers.
func TestSQLiteSettings(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "latchkey.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		pool   string
		pragma string
		want   string
	}{
		{"rw", "journal_mode", "wal"},
		{"rw", "foreign_keys", "1"},
		{"rw", "busy_timeout", "10000"},
		{"rw", "query_only", "0"},
		{"ro", "foreign_keys", "1"},
		{"ro", "busy_timeout", "10000"},
		{"ro", "query_only", "1"},
	} {
		pool := db.rw
		if tc.pool == "ro" {
			pool = db.ro
		}
		var got string
		if err := pool.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("%s: PRAGMA %s: %v", tc.pool, tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("%s: PRAGMA %s = %q, want %q", tc.pool, tc.pragma, got, tc.want)
		}
	}
	if got := db.rw.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("SQLite writer pool: MaxOpenConnections=%d, want 1", got)
	}
}

func TestPostgresSettings(t *testing.T) {
	url := os.Getenv("LATCHKEY_TEST_POSTGRES")
	if url == "" {
		t.Skip("LATCHKEY_TEST_POSTGRES is not set; skipping PostgreSQL store tests")
	}
	ctx := t.Context()
	// Only settings are read here, so the shared schema of the URL is left alone.
	db, err := OpenWith(ctx, url, Options{SkipMigrations: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var timeout string
	if err := db.ro.QueryRowContext(ctx, "SHOW statement_timeout").Scan(&timeout); err != nil {
		t.Fatal(err)
	}
	if timeout != "30s" {
		t.Errorf("statement_timeout=%q, want 30s", timeout)
	}
	if got := db.rw.Stats().MaxOpenConnections; got != DefaultPostgresMaxOpenConns {
		t.Errorf("MaxOpenConnections=%d, want %d", got, DefaultPostgresMaxOpenConns)
	}
	if db.rw != db.ro {
		t.Error("PostgreSQL reads and writes use two pools, want one")
	}
}
