package sqlstore_test

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for raw access in tests
	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/pgtest"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
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
	// migrated returns the address of a database of the test's own at the latest schema, with
	// no rows: a copy of a migrated template (SQLite) or a pooled schema (PostgreSQL), for tests
	// that neither migrate nor touch the migration record.
	migrated func(t *testing.T) string
}

var sqliteBackend = backend{
	name:   "sqlite",
	driver: "sqlite",
	fresh: func(t *testing.T) string {
		return filepath.Join(t.TempDir(), "latchkey.db")
	},
	migrated: func(t *testing.T) string {
		return sqlitetest.DSN(t)
	},
}

var postgresBackend = backend{
	name:   "postgres",
	driver: "pgx",
	fresh:  freshPostgresSchema,
	migrated: func(t *testing.T) string {
		return pgtest.Pooled(t, "storetest")
	},
}

func freshPostgresSchema(t *testing.T) string {
	t.Helper()
	return pgtest.URL(t, "storetest")
}

// TestMain closes the reused stores and drops the pooled PostgreSQL schemas of the store
// contract tests when they are done.
func TestMain(m *testing.M) {
	code := m.Run()
	closeReused()
	if err := pgtest.DropPooled(); err != nil {
		fmt.Fprintln(os.Stderr, "drop pooled schemas:", err)
	}
	os.Exit(code)
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
	t.Parallel()
	storetest.Run(t, func(t *testing.T) latchkey.Store {
		// A copy of the migrated template, without syncs: the contract is about what the store
		// answers, and the migrations have tests of their own.
		return open(t, sqlitetest.DSN(t))
	})
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	if os.Getenv(postgresEnv) == "" {
		testenv.Missing(t, "postgres", postgresEnv+" is not set; skipping PostgreSQL store tests")
	}
	storetest.Run(t, reusedPostgres)
}

// pgStores holds the stores of the PostgreSQL contract tests that have ended, each open on its
// pooled schema, for the next test that gets that schema. A store opened per test cost
// PostgreSQL two new backends (the pool's and the LISTEN connection), each starting with cold
// catalog caches: that was most of the PostgreSQL contract's time. Such a store is what Open
// gives on an empty migrated schema: the schema is emptied between tests, and its cache is
// dropped before it is handed out again.
var pgStores struct {
	sync.Mutex
	free map[string]*sqlstore.DB // by database URL
}

// reusedPostgres is a store on an empty, migrated PostgreSQL schema, reused from an earlier test
// when one has ended.
func reusedPostgres(t *testing.T) latchkey.Store {
	dsn := pgtest.Pooled(t, "storetest")
	pgStores.Lock()
	db := pgStores.free[dsn]
	delete(pgStores.free, dsn)
	pgStores.Unlock()
	if db == nil {
		var err error
		if db, err = sqlstore.Open(t.Context(), dsn); err != nil {
			t.Fatalf("Open: %v", err)
		}
	} else {
		// The schema was emptied with its triggers off, so no notification told the cache.
		sqlstore.ForgetAll(db)
	}
	// Registered after Pooled's, so it runs first: the schema goes back to the pool, emptied,
	// only after the store is back here.
	t.Cleanup(func() {
		pgStores.Lock()
		defer pgStores.Unlock()
		if pgStores.free == nil {
			pgStores.free = map[string]*sqlstore.DB{}
		}
		pgStores.free[dsn] = db
	})
	return db
}

// closeReused closes the stores pgStores holds.
func closeReused() {
	pgStores.Lock()
	defer pgStores.Unlock()
	for dsn, db := range pgStores.free {
		db.Close()
		delete(pgStores.free, dsn)
	}
}

// forEachBackend runs f for SQLite and PostgreSQL.
func forEachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	for _, b := range []backend{sqliteBackend, postgresBackend} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

func TestDialect(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		if got := open(t, b.migrated(t)).Dialect(); got != b.name {
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		db := open(t, b.migrated(t))
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

func TestUpdateWorkspaceRefusesToChangeIDOrSlug(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		db := open(t, b.migrated(t))
		w := latchkey.Workspace{ID: "w1", Slug: "acme", Name: "Acme", CreatedAt: t0}
		if err := db.CreateWorkspace(ctx, w, latchkey.Account{ID: "a1", Email: "a@acme.test", CreatedAt: t0, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		for name, change := range map[string]func(*latchkey.Workspace){
			"ID":   func(w *latchkey.Workspace) { w.ID = "w2"; w.Name = "Moved" },
			"Slug": func(w *latchkey.Workspace) { w.Slug = "other"; w.Name = "Moved" },
		} {
			err := db.UpdateWorkspace(ctx, "w1", func(w *latchkey.Workspace) error { change(w); return nil })
			if err == nil {
				t.Errorf("UpdateWorkspace changing %s succeeded", name)
			}
			got, err := db.Workspace(ctx, "w1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("workspace after UpdateWorkspace changing %s (-want +got):\n%s", name, diff)
			}
		}
	})
}

func TestExportVersion(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		db := open(t, b.migrated(t))
		if err := db.CreateWorkspace(ctx, latchkey.Workspace{ID: "w1", Slug: "acme", CreatedAt: t0},
			latchkey.Account{ID: "a1", Email: "a@acme.test", CreatedAt: t0, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		x, err := db.ExportWorkspace(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if x.Version != sqlstore.ExportVersion || sqlstore.ExportVersion != 1 {
			t.Fatalf("ExportWorkspace: Version=%d, want %d (ExportVersion %d)", x.Version, 1, sqlstore.ExportVersion)
		}

		to := open(t, b.migrated(t))
		for _, version := range []int{0, 2} {
			x.Version = version
			err := to.ImportWorkspace(ctx, x)
			if err == nil {
				t.Fatalf("ImportWorkspace(Version %d) succeeded", version)
			}
			if !strings.Contains(err.Error(), "version") {
				t.Errorf("ImportWorkspace(Version %d): the error %q does not say that the version is the problem", version, err)
			}
			if _, err := to.WorkspaceBySlug(ctx, "acme"); !errors.Is(err, latchkey.ErrNotFound) {
				t.Fatalf("after a refused ImportWorkspace(Version %d): WorkspaceBySlug err=%v, want ErrNotFound", version, err)
			}
		}
	})
}

// TestMigration0002KeepsData puts rows into a database at version 1 and checks what
// migration 2 makes of them: the zero policy, two-factor off, no TOTP step, and audit events
// that EventFilter.Email finds.
func TestMigration0002KeepsData(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		database := b.fresh(t)
		db, err := sqlstore.OpenWith(ctx, database, sqlstore.Options{SkipMigrations: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.MigrateTo(ctx, 1); err != nil {
			t.Fatalf("MigrateTo(1): %v", err)
		}
		raw, err := sql.Open(b.driver, database)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		at := t0.UnixMicro()
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'acme', 'Acme', $1)`, []any{at}},
			{`INSERT INTO accounts (workspace_id, id, email, email_key, name, role, status, password_hash, created_at, updated_at)
				VALUES ('w1', 'a1', 'Pat@Acme.test', 'pat@acme.test', 'Pat', 'member', 'active', '', $1, $1)`, []any{at}},
			{`INSERT INTO audit_events (id, workspace_id, account_id, actor_id, event_type, email, client_addr, user_agent, detail, at)
				VALUES ('e1', 'w1', 'a1', '', 'signin.success', ' Pat@Acme.TEST ', '', '', '', $1)`, []any{at}},
		} {
			if _, err := raw.ExecContext(ctx, q.sql, q.args...); err != nil {
				t.Fatalf("%s: %v", q.sql, err)
			}
		}
		// MigrateTo(2), not Migrate: later migrations must not change what this test counts.
		if n, err := db.MigrateTo(ctx, 2); err != nil || n != 1 {
			t.Fatalf("MigrateTo(2) from version 1: applied %d, err %v; want 1, nil", n, err)
		}
		// The store's queries name the columns of every migration: read through them at the latest.
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}

		w, err := db.Workspace(ctx, "w1")
		if err != nil {
			t.Fatal(err)
		}
		if w.Policy != (latchkey.Policy{}) {
			t.Errorf("Policy of a workspace from before migration 2: %+v, want the zero policy", w.Policy)
		}
		a, err := db.Account(ctx, "w1", "a1")
		if err != nil {
			t.Fatal(err)
		}
		if a.TOTPSecret != "" || !a.TOTPEnabledAt.IsZero() || a.TwoFactor() {
			t.Errorf("an account from before migration 2 has two-factor authentication: %q, %v", a.TOTPSecret, a.TOTPEnabledAt)
		}
		if err := db.AdvanceTOTPStep(ctx, "w1", "a1", 1); err != nil {
			t.Errorf("AdvanceTOTPStep(1) on an account from before migration 2: %v", err)
		}
		es, err := db.Events(ctx, "w1", latchkey.EventFilter{Email: "pat@acme.test"})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].ID != "e1" {
			t.Errorf("Events(Email) found %d events recorded before migration 2, want e1", len(es))
		}
	})
}
