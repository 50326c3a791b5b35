package sqlstore

import "context"

// MigrateTo is Migrate with only the migrations up to version n, so that a test can put data
// in an older schema and then check what the later migrations make of it.
func (db *DB) MigrateTo(ctx context.Context, n int) (int, error) {
	saved := db.d
	d := *db.d
	d.migrations = d.migrations[:n]
	db.d = &d
	defer func() { db.d = saved }()
	return db.Migrate(ctx)
}
