package sqlitetest

import (
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
