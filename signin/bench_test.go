package signin_test

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/sqlstore"
)

// benchStore opens a SQLite store in a temporary directory, or the PostgreSQL database named by
// LATCHKEY_BENCH_POSTGRES (its public schema is used: point it at a throw-away database).
func benchStore(b *testing.B) latchkey.Store {
	b.Helper()
	dsn := filepath.Join(b.TempDir(), "bench.db")
	if pg := os.Getenv("LATCHKEY_BENCH_POSTGRES"); pg != "" {
		dsn = pg
	}
	s, err := sqlstore.Open(b.Context(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkAuthenticate measures the session check every signed-in request makes: one indexed
// read (session joined with account); last-seen is not rewritten within a minute.
func BenchmarkAuthenticate(b *testing.B) {
	store := benchStore(b)
	base, _ := url.Parse("http://app.test")
	now := time.Now().UTC()
	svc := signin.New(signin.Config{Store: store, BaseURL: base, Now: func() time.Time { return now }, Passwords: password.NewHasher(password.HasherConfig{Params: password.InsecureTestParams, LightParams: password.InsecureTestParams})})
	ctx := b.Context()
	ws := latchkey.Workspace{ID: latchkey.NewID(), Slug: "bench" + latchkey.NewID()[:6], Name: "Bench", CreatedAt: now}
	h, _ := password.HashWith("correct horse battery staple", password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16})
	admin := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws.ID, Email: "a@bench.test", Role: latchkey.RoleAdmin, Status: latchkey.StatusActive, PasswordHash: h, CreatedAt: now, UpdatedAt: now}
	if err := store.CreateWorkspace(ctx, ws, admin); err != nil {
		b.Fatal(err)
	}
	secret, hash := latchkey.NewSecret()
	if err := store.CreateSession(ctx, latchkey.Session{ID: hash, WorkspaceID: ws.ID, AccountID: admin.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := svc.Authenticate(ctx, ws, secret); err != nil {
				b.Fatal(err)
			}
		}
	})
}
