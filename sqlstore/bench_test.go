package sqlstore_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/sqlstore"
)

// benchRows is the size of the benchmarks' workspace: enough accounts and sessions that the
// reads go through real index pages.
const benchRows = 10_000

// benchStore opens SQLite in a temporary directory, or the PostgreSQL database named by
// LATCHKEY_BENCH_POSTGRES (its public schema is used: point it at a throw-away database), and
// seeds a workspace of benchRows accounts, each with one session. It returns the workspace,
// the accounts and the session IDs.
func benchStore(b *testing.B) (*sqlstore.DB, latchkey.Workspace, []latchkey.Account, []string) {
	b.Helper()
	dsn := filepath.Join(b.TempDir(), "bench.db")
	if pg := os.Getenv("LATCHKEY_BENCH_POSTGRES"); pg != "" {
		dsn = pg
	}
	db, err := sqlstore.Open(b.Context(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	now := time.Now().UTC().Truncate(time.Microsecond)
	ws := latchkey.Workspace{ID: latchkey.NewID(), Slug: "bench-" + latchkey.NewID()[:8], Name: "Bench", CreatedAt: now}
	bulk := sqlstore.Bulk{Workspaces: []latchkey.Workspace{ws}}
	var ids []string
	for i := range benchRows {
		a := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws.ID, Email: fmt.Sprintf("user%d@bench.test", i), Name: "U",
			Role: latchkey.RoleMember, Status: latchkey.StatusActive, PasswordHash: "h", CreatedAt: now, UpdatedAt: now}
		bulk.Accounts = append(bulk.Accounts, a)
		_, hash := latchkey.NewSecret()
		ids = append(ids, hash)
		bulk.Sessions = append(bulk.Sessions, latchkey.Session{ID: hash, WorkspaceID: ws.ID, AccountID: a.ID,
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)})
	}
	if err := db.BulkInsert(b.Context(), bulk); err != nil {
		b.Fatal(err)
	}
	return db, ws, bulk.Accounts, ids
}

// BenchmarkSession is the store's half of the session check on every signed-in request: one
// read of the session joined with its account.
func BenchmarkSession(b *testing.B) {
	db, ws, _, ids := benchStore(b)
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, _, err := db.Session(ctx, ws.ID, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
			i += 7919 // a prime stride, so that parallel readers do not walk the same pages
		}
	})
}

// BenchmarkAccountByEmail is the look-up that starts every password sign-in.
func BenchmarkAccountByEmail(b *testing.B) {
	db, ws, accounts, _ := benchStore(b)
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := db.AccountByEmail(ctx, ws.ID, accounts[i%len(accounts)].Email); err != nil {
				b.Fatal(err)
			}
			i += 7919
		}
	})
}

// BenchmarkWorkspaceBySlug is the look-up of the workspace from the Host header, on every
// request to a workspace.
func BenchmarkWorkspaceBySlug(b *testing.B) {
	db, ws, _, _ := benchStore(b)
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.WorkspaceBySlug(ctx, ws.Slug); err != nil {
				b.Fatal(err)
			}
		}
	})
}
