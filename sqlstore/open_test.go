package sqlstore

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
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
		testenv.Missing(t, "postgres", "LATCHKEY_TEST_POSTGRES is not set; skipping PostgreSQL store tests")
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

// A new database file, and its WAL, are readable by their owner only, in a directory that
// already existed and whatever the umask; an existing file keeps the mode it has.
func TestSQLiteFileIsPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	path := filepath.Join(dir, "latchkey.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range []string{path, path + "-wal"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(f), got)
		}
	}
	existing := filepath.Join(dir, "kept.db")
	if err := os.WriteFile(existing, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(t.Context(), existing)
	if err != nil {
		t.Fatal(err)
	}
	db2.Close()
	if fi, _ := os.Stat(existing); fi.Mode().Perm() != 0o640 {
		t.Errorf("an existing file's mode changed to %o", fi.Mode().Perm())
	}
}
