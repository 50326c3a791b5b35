package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"time"
)

// ErrSchemaTooNew is returned (wrapped) by Open and Migrate when the database holds migrations
// that this binary does not know: a newer latchkey has migrated it, and an older one could
// misread or damage what the newer one wrote.
var ErrSchemaTooNew = errors.New("database schema is newer than this latchkey")

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// A migration is one embedded SQL file, migrations/<dialect>/NNNN_name.sql. Version NNNN counts
// up from 1 with no gaps. Each file is run once, in a transaction, and recorded in
// schema_migrations.
type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^([0-9]{4})_([a-z0-9_]+)\.sql$`)

// mustLoadMigrations reads the migrations of one dialect. A misnamed or missing file is a
// build mistake, so it panics, at start-up.
func mustLoadMigrations(dir string) []migration {
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		panic(fmt.Sprintf("sqlstore: read %s: %v", dir, err))
	}
	var ms []migration
	for _, e := range entries { // ReadDir sorts by name
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			panic(fmt.Sprintf("sqlstore: migration %s/%s is not named NNNN_name.sql", dir, e.Name()))
		}
		version, _ := strconv.Atoi(m[1])
		if version != len(ms)+1 {
			panic(fmt.Sprintf("sqlstore: migration %s/%s: want version %04d", dir, e.Name(), len(ms)+1))
		}
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			panic(fmt.Sprintf("sqlstore: read %s/%s: %v", dir, e.Name(), err))
		}
		ms = append(ms, migration{version: version, name: m[2], sql: string(b)})
	}
	if len(ms) == 0 {
		panic("sqlstore: no migrations in " + dir)
	}
	return ms
}

// The runner's own table is created outside the numbered migrations, the same way on both
// engines.
const createVersionTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at BIGINT  NOT NULL
)`

// Migrate applies the migrations that the database lacks and returns how many it applied.
// All of them run in one transaction, so a failure leaves the schema as it was. Concurrent
// calls, from this process or others, are serialised: on PostgreSQL by an advisory lock, on
// SQLite by the write lock of an IMMEDIATE transaction. On PostgreSQL each statement,
// including the wait for another node's migration, is bounded by Options.StatementTimeout.
// Returns an error wrapping ErrSchemaTooNew, and changes nothing, if the database is newer
// than this binary.
func (db *DB) Migrate(ctx context.Context) (applied int, err error) {
	known := db.d.migrations
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.d.lockMigrations(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, createVersionTable); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		version, err := readVersion(ctx, tx)
		if err != nil {
			return err
		}
		if err := checkKnown(version, len(known)); err != nil {
			return err
		}
		for _, m := range known[version:] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("apply %04d_%s: %w", m.version, m.name, err)
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, time.Now().UnixMicro()); err != nil {
				return fmt.Errorf("record %04d_%s: %w", m.version, m.name, err)
			}
			applied++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("migrate %s database: %w", db.d.name, err)
	}
	return applied, nil
}

// checkVersion returns the schema version of the database, 0 if it has never been migrated,
// and an error wrapping ErrSchemaTooNew if it is newer than this binary. It changes nothing.
func (db *DB) checkVersion(ctx context.Context) (int, error) {
	var tables int
	if err := db.ro.QueryRowContext(ctx, db.d.hasVersionTable).Scan(&tables); err != nil {
		return 0, fmt.Errorf("check schema version: %w", err)
	}
	if tables == 0 {
		return 0, nil
	}
	version, err := readVersion(ctx, db.ro)
	if err == nil {
		err = checkKnown(version, len(db.d.migrations))
	}
	if err != nil {
		return 0, fmt.Errorf("check schema version: %w", err)
	}
	return version, nil
}

func readVersion(ctx context.Context, q querier) (int, error) {
	var version int
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return version, nil
}

func checkKnown(version, known int) error {
	if version > known {
		return fmt.Errorf("%w: the database is at version %d and this binary knows up to %d; run a newer latchkey", ErrSchemaTooNew, version, known)
	}
	return nil
}
