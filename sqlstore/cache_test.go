package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/pgtest"
)

// cacheFixture is a workspace with one active member signed in once.
type cacheFixture struct {
	ws   latchkey.Workspace
	acct latchkey.Account
	sess latchkey.Session
}

func seedCache(t *testing.T, db *sqlstore.DB) cacheFixture {
	t.Helper()
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	ws := latchkey.Workspace{ID: latchkey.NewID(), Slug: "cache-" + latchkey.NewID()[:8], Name: "Cache", CreatedAt: now}
	a := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws.ID, Email: "ada@cache.test", Name: "Ada",
		Role: latchkey.RoleAdmin, Status: latchkey.StatusActive, PasswordHash: "h", CreatedAt: now, UpdatedAt: now}
	if err := db.CreateWorkspace(ctx, ws, a); err != nil {
		t.Fatal(err)
	}
	_, hash := latchkey.NewSecret()
	s := latchkey.Session{ID: hash, WorkspaceID: ws.ID, AccountID: a.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	return cacheFixture{ws, a, s}
}

// warm reads the workspace and the session twice, so that both are cached, and checks that
// the second reads were hits.
func warm(t *testing.T, db *sqlstore.DB, f cacheFixture) {
	t.Helper()
	waitLive(t, db, true) // on PostgreSQL, once the listener is connected
	ctx := t.Context()
	for range 2 {
		if _, err := db.WorkspaceBySlug(ctx, f.ws.Slug); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Session(ctx, f.ws.ID, f.sess.ID); err != nil {
			t.Fatal(err)
		}
	}
	hits, _, live := db.CacheStats()
	if !live || hits < 2 {
		t.Fatalf("after reading twice: CacheStats hits=%d live=%v; want the second reads answered by the cache", hits, live)
	}
}

// changes are what a cached read must never hide once they have committed, made through
// store w; each returns a check of what reader r then reads.
var cacheChanges = []struct {
	name  string
	apply func(t *testing.T, w *sqlstore.DB, f cacheFixture)
	check func(t *testing.T, r *sqlstore.DB, f cacheFixture) error
}{
	{"session ended",
		func(t *testing.T, w *sqlstore.DB, f cacheFixture) {
			if err := w.DeleteSession(t.Context(), f.ws.ID, f.sess.ID); err != nil {
				t.Fatal(err)
			}
		},
		func(t *testing.T, r *sqlstore.DB, f cacheFixture) error {
			if _, _, err := r.Session(t.Context(), f.ws.ID, f.sess.ID); !errors.Is(err, latchkey.ErrNotFound) {
				return errors.New("the ended session is still served")
			}
			return nil
		}},
	{"account suspended",
		func(t *testing.T, w *sqlstore.DB, f cacheFixture) {
			if err := w.UpdateAccount(t.Context(), f.ws.ID, f.acct.ID, func(a *latchkey.Account) error {
				a.Status = latchkey.StatusSuspended
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		},
		func(t *testing.T, r *sqlstore.DB, f cacheFixture) error {
			_, a, err := r.Session(t.Context(), f.ws.ID, f.sess.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != latchkey.StatusSuspended {
				return errors.New("the session's account is served as " + string(a.Status))
			}
			return nil
		}},
	{"workspace policy changed",
		func(t *testing.T, w *sqlstore.DB, f cacheFixture) {
			if err := w.UpdateWorkspace(t.Context(), f.ws.ID, func(ws *latchkey.Workspace) error {
				ws.Policy.Require2FA = true
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		},
		func(t *testing.T, r *sqlstore.DB, f cacheFixture) error {
			ws, err := r.WorkspaceBySlug(t.Context(), f.ws.Slug)
			if err != nil {
				t.Fatal(err)
			}
			if !ws.Policy.Require2FA {
				return errors.New("the workspace is served with its old policy")
			}
			return nil
		}},
	{"account removed",
		func(t *testing.T, w *sqlstore.DB, f cacheFixture) {
			if err := w.DeleteAccount(t.Context(), f.ws.ID, f.acct.ID); err != nil {
				t.Fatal(err)
			}
		},
		func(t *testing.T, r *sqlstore.DB, f cacheFixture) error {
			if _, _, err := r.Session(t.Context(), f.ws.ID, f.sess.ID); !errors.Is(err, latchkey.ErrNotFound) {
				return errors.New("the removed account's session is still served")
			}
			return nil
		}},
}

// TestCacheSeesItsOwnChanges: a change made through a DB is seen by its next read, on both
// engines, with no wait.
func TestCacheSeesItsOwnChanges(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, c := range cacheChanges {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				db := open(t, b.migrated(t))
				f := seedCache(t, db)
				warm(t, db, f)
				c.apply(t, db, f)
				if err := c.check(t, db, f); err != nil {
					t.Error(err)
				}
			})
		}
	})
}

// TestSQLiteCacheSeesOtherProcesses: on SQLite another process (the CLI beside a running
// server) changes the same file; the server sees it through cache_epoch: in its very next read
// when the cache checks on every read, and within epochWindow (1 ms) as the server runs it.
func TestSQLiteCacheSeesOtherProcesses(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{true, false} {
		for _, c := range cacheChanges {
			t.Run(fmt.Sprintf("%s/strict=%v", c.name, strict), func(t *testing.T) {
				t.Parallel()
				path := sqliteBackend.migrated(t)
				server, cli := open(t, path), open(t, path)
				if strict {
					sqlstore.StrictCache(server)
				}
				f := seedCache(t, server)
				warm(t, server, f)
				c.apply(t, cli, f)
				if strict {
					if err := c.check(t, server, f); err != nil {
						t.Error(err)
					}
					return
				}
				eventually(t, server, f, c.check, time.Second)
			})
		}
	}
}

// eventually waits (up to limit) until check passes on r, then checks that it keeps passing:
// once a change has been seen, the stale value must never come back.
func eventually(t *testing.T, r *sqlstore.DB, f cacheFixture, check func(*testing.T, *sqlstore.DB, cacheFixture) error, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := check(t, r, f)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v after the change in another process: %v", limit, err)
		}
		time.Sleep(100 * time.Microsecond)
	}
	for range 50 {
		if err := check(t, r, f); err != nil {
			t.Fatalf("after the change was seen: %v", err)
		}
	}
}

// TestPostgresCacheSeesOtherNodes: on PostgreSQL another node's change reaches this node's
// cache by NOTIFY. The notice is asynchronous, so the check waits for it (briefly); once it
// has been seen, the stale value must never come back.
func TestPostgresCacheSeesOtherNodes(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		testenv.Missing(t, "postgres", postgresEnv+" is not set; skipping")
	}
	t.Parallel()
	for _, c := range cacheChanges {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.Pooled(t, "storetest")
			a, b := open(t, url), open(t, url)
			f := seedCache(t, a)
			warm(t, a, f)
			c.apply(t, b, f)
			eventually(t, a, f, c.check, 5*time.Second)
		})
	}
}

// TestPostgresCacheOffWithoutListener: while the listening connection is down, notices may be
// lost, so the cache must not serve; when it is back, it serves again (and what it held from
// before is gone).
func TestPostgresCacheOffWithoutListener(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		testenv.Missing(t, "postgres", postgresEnv+" is not set; skipping")
	}
	url := pgtest.URL(t, "cache")
	a, b := open(t, url), open(t, url)
	f := seedCache(t, a)
	warm(t, a, f)

	// Cut a's listener off, from the server side, as a network failure or a restart would.
	admin := rawDB(t, "pgx", url)
	var cut bool
	if err := admin.QueryRowContext(t.Context(), `SELECT pg_terminate_backend($1)`, int64(sqlstore.ListenerPID(a))).Scan(&cut); err != nil || !cut {
		t.Fatalf("terminate the listening connection (pid %d): %v, %v", sqlstore.ListenerPID(a), cut, err)
	}
	waitLive(t, a, false)
	// The listener may already be back; what matters is that a change made now is seen.
	if err := b.DeleteSession(t.Context(), f.ws.ID, f.sess.ID); err != nil {
		t.Fatal(err)
	}
	waitLive(t, a, true)
	if _, _, err := a.Session(t.Context(), f.ws.ID, f.sess.ID); !errors.Is(err, latchkey.ErrNotFound) {
		t.Fatalf("after the listener came back: Session err=%v, want ErrNotFound (the change made while it was down)", err)
	}
	hits, _, _ := a.CacheStats()
	for range 2 {
		if _, err := a.WorkspaceBySlug(t.Context(), f.ws.Slug); err != nil {
			t.Fatal(err)
		}
	}
	if h, _, _ := a.CacheStats(); h <= hits {
		t.Errorf("with the listener back the cache answers nothing (hits %d → %d)", hits, h)
	}
}

// waitLive waits until db's cache is on (or off), as its listener connects (or drops).
func waitLive(t *testing.T, db *sqlstore.DB, want bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		if _, _, live := db.CacheStats(); live == want {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("cache live never became %v", want)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestNoCache: a DB opened with NoCache reads the database every time.
func TestNoCache(t *testing.T) {
	t.Parallel()
	db, err := sqlstore.OpenWith(t.Context(), sqliteBackend.migrated(t), sqlstore.Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := seedCache(t, db)
	for range 3 {
		if _, _, err := db.Session(t.Context(), f.ws.ID, f.sess.ID); err != nil {
			t.Fatal(err)
		}
	}
	if hits, misses, live := db.CacheStats(); hits != 0 || misses != 0 || live {
		t.Errorf("NoCache: CacheStats = %d, %d, %v; want 0, 0, false", hits, misses, live)
	}
}

// rawDB opens database with driver, without the store, closed when t ends.
func rawDB(t *testing.T, driver, database string) *sql.DB {
	t.Helper()
	raw, err := sql.Open(driver, database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// TestDeleteExpiredSessionsInBatches: a sweep larger than one batch deletes every expired
// session and no live one, and counts them all.
func TestDeleteExpiredSessionsInBatches(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		db := open(t, b.migrated(t))
		f := seedCache(t, db)
		now := f.sess.CreatedAt
		var bulk sqlstore.Bulk
		const expired, live = 1234, 10
		for i := range expired + live {
			_, hash := latchkey.NewSecret()
			s := latchkey.Session{ID: hash, WorkspaceID: f.ws.ID, AccountID: f.acct.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
			if i < expired {
				s.ExpiresAt = now.Add(-time.Minute)
			}
			bulk.Sessions = append(bulk.Sessions, s)
		}
		if err := db.BulkInsert(t.Context(), bulk); err != nil {
			t.Fatal(err)
		}
		n, err := db.DeleteExpiredSessions(t.Context(), now, now.Add(-time.Hour))
		if err != nil || n != expired {
			t.Fatalf("DeleteExpiredSessions = %d, %v; want %d, nil", n, err, expired)
		}
		left, err := db.AccountSessions(t.Context(), f.ws.ID, f.acct.ID)
		if err != nil || len(left) != live+1 {
			t.Fatalf("sessions left: %d (err %v), want %d", len(left), err, live+1)
		}
	})
}
