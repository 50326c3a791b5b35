// Package sqlitetest gives tests a fresh, migrated SQLite database file of their own without
// running every migration again for each test: the migrations run once per test process into
// a template, whose bytes each test then writes to its own temporary directory.
package sqlitetest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/sqlstore"
)

var template struct {
	once  sync.Once
	bytes []byte
	err   error
}

// Path returns the path of a new SQLite database in a temporary directory of t, already at
// the latest schema. Opening it with sqlstore.Open finds nothing to migrate.
func Path(t testing.TB) string {
	t.Helper()
	template.once.Do(func() { template.bytes, template.err = build() })
	if template.err != nil {
		t.Fatalf("sqlitetest: %v", template.err)
	}
	path := filepath.Join(t.TempDir(), "latchkey.db")
	if err := os.WriteFile(path, template.bytes, 0o600); err != nil {
		t.Fatalf("sqlitetest: %v", err)
	}
	return path
}

// DSN is Path with SQLite's syncs to disk turned off (synchronous=OFF), for sqlstore.Open. A
// test's database need not survive a power cut, and a sync per commit was most of the tests'
// time in the kernel; what a test can observe (transactions, locking, WAL readers beside the
// writer) is unchanged.
func DSN(t testing.TB) string {
	t.Helper()
	return Path(t) + "?_synchronous=OFF"
}

// build migrates a database in a directory of its own, closes it (SQLite then folds its WAL
// into the file) and returns the file's bytes.
func build() ([]byte, error) {
	dir, err := os.MkdirTemp("", "latchkey-sqlitetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	db, err := sqlstore.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}
