package pgtest_test

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := pgtest.DropPooled(); err != nil {
		fmt.Fprintln(os.Stderr, "drop pooled schemas:", err)
	}
	os.Exit(code)
}

// A pooled schema comes back to the next test empty, with its migrations kept, and its
// connections do not wait for commits to reach the disk.
func TestPooledIsEmptiedAndReused(t *testing.T) {
	var first string
	t.Run("first", func(t *testing.T) {
		dsn := pgtest.Pooled(t, "pgtest")
		first = schemaOf(t, dsn)
		db, err := sqlstore.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		at := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
		ws := latchkey.Workspace{ID: latchkey.NewID(), Slug: "acme", Name: "Acme", CreatedAt: at}
		admin := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws.ID, Email: "admin@acme.test", Name: "Admin",
			Role: latchkey.RoleAdmin, Status: latchkey.StatusActive, CreatedAt: at, UpdatedAt: at}
		if err := db.CreateWorkspace(t.Context(), ws, admin); err != nil {
			t.Fatal(err)
		}
		raw, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		var sync string
		if err := raw.QueryRowContext(t.Context(), "SHOW synchronous_commit").Scan(&sync); err != nil || sync != "off" {
			t.Fatalf("synchronous_commit = %q (%v), want off", sync, err)
		}
	})
	t.Run("second", func(t *testing.T) {
		dsn := pgtest.Pooled(t, "pgtest")
		if got := schemaOf(t, dsn); got != first {
			t.Fatalf("second test got schema %s, want the first's %s again", got, first)
		}
		db, err := sqlstore.OpenWith(t.Context(), dsn, sqlstore.Options{SkipMigrations: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if n, err := db.Migrate(t.Context()); err != nil || n != 0 {
			t.Fatalf("Migrate on a reused schema applied %d (%v), want 0: the migration record was lost", n, err)
		}
		if wss, err := db.Workspaces(t.Context()); err != nil || len(wss) != 0 {
			t.Fatalf("reused schema holds workspaces %v (%v), want none", wss, err)
		}
	})
}

func schemaOf(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("search_path")
}
