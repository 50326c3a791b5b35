package sqlstore

import (
	"testing"
)

// The two engines' migrations must stay in step: version N means the same schema on both.
func TestMigrationsMatchAcrossDialects(t *testing.T) {
	s, p := sqliteDialect.migrations, postgresDialect.migrations
	if len(s) != len(p) {
		t.Fatalf("%d SQLite migrations, %d PostgreSQL migrations", len(s), len(p))
	}
	for i := range s {
		if s[i].version != p[i].version || s[i].name != p[i].name {
			t.Errorf("migration %d: SQLite %04d_%s, PostgreSQL %04d_%s", i, s[i].version, s[i].name, p[i].version, p[i].name)
		}
	}
}
