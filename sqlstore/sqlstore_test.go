package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for raw access in tests
	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/storetest"
)

// postgresEnv names the variable holding a PostgreSQL URL for the tests, such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Each test gets its own schema in
// that database.
const postgresEnv = "LATCHKEY_TEST_POSTGRES"

var t0 = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// A backend makes fresh, empty databases of one engine.
type backend struct {
	name string
	// driver is the database/sql driver for raw access to what fresh returns.
	driver string
	// fresh returns the address of a new, empty database, removed when t ends.
	fresh func(t *testing.T) string
}

var sqliteBackend = backend{
	name:   "sqlite",
	driver: "sqlite",
	fresh: func(t *testing.T) string {
		return filepath.Join(t.TempDir(), "latchkey.db")
	},
}

var postgresBackend = backend{
	name:   "postgres",
	driver: "pgx",
	fresh:  freshPostgresSchema,
}

// freshPostgresSchema creates a schema with a random name, drops it when t ends, and returns
// the URL of $LATCHKEY_TEST_POSTGRES with search_path set to it, so that tests can run in
// parallel in one database. It skips t if the variable is not set.
func freshPostgresSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skip(postgresEnv + " is not set; skipping PostgreSQL store tests")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", postgresEnv, err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := "storetest_" + strings.ToLower(rand.Text())
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
		t.Fatalf("parse %s: %v", postgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// open opens database and closes it when t ends.
func open(t *testing.T, database string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(t.Context(), database)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) latchkey.Store {
		return open(t, sqliteBackend.fresh(t))
	})
}

func TestPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " is not set; skipping PostgreSQL store tests")
	}
	storetest.Run(t, func(t *testing.T) latchkey.Store {
		return open(t, postgresBackend.fresh(t))
	})
}

// forEachBackend runs f for SQLite and PostgreSQL.
func forEachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	for _, b := range []backend{sqliteBackend, postgresBackend} {
		t.Run(b.name, func(t *testing.T) { f(t, b) })
	}
}

func TestDialect(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		if got := open(t, b.fresh(t)).Dialect(); got != b.name {
			t.Errorf("Dialect()=%q, want %q", got, b.name)
		}
	})
	t.Run("sqlite: prefix", func(t *testing.T) {
		path := sqliteBackend.fresh(t)
		if got := open(t, "sqlite:"+path).Dialect(); got != "sqlite" {
			t.Errorf("Dialect()=%q, want sqlite", got)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the database file is not where the path says: %v", err)
		}
	})
}

func TestMigrationsAreIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		database := b.fresh(t)
		db, err := sqlstore.OpenWith(ctx, database, sqlstore.Options{SkipMigrations: true})
		if err != nil {
			t.Fatalf("OpenWith(SkipMigrations): %v", err)
		}
		defer db.Close()
		n, err := db.Migrate(ctx)
		if err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		if n < 1 {
			t.Fatalf("Migrate on an empty database applied %d migrations, want at least 1", n)
		}
		if n, err := db.Migrate(ctx); err != nil || n != 0 {
			t.Fatalf("Migrate again: applied %d, err %v; want 0, nil", n, err)
		}

		again := open(t, database) // Open migrates too: nothing left to do.
		if n, err := again.Migrate(ctx); err != nil || n != 0 {
			t.Fatalf("Migrate after a second Open: applied %d, err %v; want 0, nil", n, err)
		}
		if err := again.CreateWorkspace(ctx, latchkey.Workspace{ID: "w1", Slug: "acme", CreatedAt: t0},
			latchkey.Account{ID: "a1", Email: "a@acme.test", CreatedAt: t0, UpdatedAt: t0}); err != nil {
			t.Fatalf("CreateWorkspace after reopening: %v", err)
		}
	})
}

func TestSchemaTooNewIsRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		database := b.fresh(t)
		db := open(t, database)
		db.Close()

		raw, err := sql.Open(b.driver, database)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', 0)`); err != nil {
			t.Fatalf("record a future migration: %v", err)
		}

		for _, o := range []sqlstore.Options{{}, {SkipMigrations: true}} {
			db, err := sqlstore.OpenWith(ctx, database, o)
			if err == nil {
				db.Close()
				t.Fatalf("OpenWith(%+v) of a database at version 9999 succeeded", o)
			}
			if !errors.Is(err, sqlstore.ErrSchemaTooNew) {
				t.Errorf("OpenWith(%+v): err=%v, want ErrSchemaTooNew", o, err)
			}
			if !strings.Contains(err.Error(), "version 9999") {
				t.Errorf("OpenWith(%+v): error %q does not say which version the database is at", o, err)
			}
		}
	})
}

func TestPostgresConcurrentOpen(t *testing.T) {
	database := freshPostgresSchema(t)
	ctx := t.Context()
	const n = 4
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			db, err := sqlstore.Open(ctx, database)
			if err == nil {
				err = db.Close()
			}
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Open: %v", err)
		}
	}

	raw, err := sql.Open("pgx", database)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var rows, versions int
	if err := raw.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if rows != versions {
		t.Errorf("schema_migrations has %d rows for %d versions: a migration ran twice", rows, versions)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := t.Context()
	if _, err := sqlstore.Open(ctx, ""); err == nil {
		t.Error(`Open("") succeeded`)
	}
	if _, err := sqlstore.Open(ctx, "sqlite:"); err == nil {
		t.Error(`Open("sqlite:") succeeded`)
	}
	_, err := sqlstore.Open(ctx, "postgres://user:hunter2@localhost:notaport/db")
	if err == nil {
		t.Fatal("Open with a bad port succeeded")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error for a bad URL shows the password: %v", err)
	}
	if _, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "missing-dir", "x.db")); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
}

func TestUpdateAccountRefusesToMoveTheAccount(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		db := open(t, b.fresh(t))
		admin := latchkey.Account{ID: "a1", Email: "a@acme.test", Name: "Admin", CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateWorkspace(ctx, latchkey.Workspace{ID: "w1", Slug: "acme", CreatedAt: t0}, admin); err != nil {
			t.Fatal(err)
		}
		admin.WorkspaceID = "w1"
		for name, move := range map[string]func(*latchkey.Account){
			"ID":          func(a *latchkey.Account) { a.ID = "a2"; a.Name = "Moved" },
			"WorkspaceID": func(a *latchkey.Account) { a.WorkspaceID = "w2"; a.Name = "Moved" },
		} {
			err := db.UpdateAccount(ctx, "w1", "a1", func(a *latchkey.Account) error { move(a); return nil })
			if err == nil {
				t.Errorf("UpdateAccount changing %s succeeded", name)
			}
			got, err := db.Account(ctx, "w1", "a1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(admin, got); diff != "" {
				t.Errorf("account after UpdateAccount changing %s (-want +got):\n%s", name, diff)
			}
		}
	})
}
