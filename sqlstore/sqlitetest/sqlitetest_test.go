package sqlitetest

import (
	"database/sql"
	"testing"

	"github.com/latchkey/latchkey/sqlstore"
)

// A database from the template is at the latest schema, and each test's is its own.
func TestPathIsMigratedAndFresh(t *testing.T) {
	a, b := Path(t), Path(t)
	if a == b {
		t.Fatal("two calls gave one file")
	}
	db, err := sqlstore.Open(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := db.Migrate(t.Context())
	if err != nil || n != 0 {
		t.Fatalf("Migrate on a template copy applied %d (%v), want 0: the copy is not at the latest schema", n, err)
	}
	wss, err := db.Workspaces(t.Context())
	if err != nil || len(wss) != 0 {
		t.Fatalf("a fresh copy has workspaces %v (%v)", wss, err)
	}
}

// DSN is a fresh copy whose connections do not sync to disk.
func TestDSNDoesNotSync(t *testing.T) {
	dsn := DSN(t)
	db, err := sqlstore.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.Migrate(t.Context()); err != nil || n != 0 {
		t.Fatalf("Migrate on DSN's copy applied %d (%v), want 0", n, err)
	}
	raw, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var sync int
	if err := raw.QueryRowContext(t.Context(), "PRAGMA synchronous").Scan(&sync); err != nil || sync != 0 {
		t.Fatalf("PRAGMA synchronous = %d (%v), want 0 (OFF)", sync, err)
	}
}
