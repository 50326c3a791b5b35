package main

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/latchkey/latchkey/sqlstore"
)

// migrateCommand applies pending migrations and says how many. Opening the store already
// migrates; this command exists so that an operator can do it on purpose before rolling out.
func (m *Main) migrateCommand(ctx context.Context, args []string) error {
	if err := m.flags("migrate").Parse(args); err != nil {
		return errUsage
	}
	if err := m.Config.Validate(); err != nil {
		return err
	}
	// Open only checks the schema here, so that Migrate reports what it applied.
	opts := m.Config.storeOptions()
	opts.SkipMigrations = true
	db, err := sqlstore.OpenWith(ctx, m.Config.databaseDSN(), opts)
	if err != nil {
		return fmt.Errorf("open database %s: %w", redact(m.Config.databaseDSN()), err)
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "database is up to date (%d migration(s) applied now)\n", n)
	return nil
}

func randRead(b []byte) { rand.Read(b) }
