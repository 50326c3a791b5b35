package sqlstore_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/sqlstore"
)

func TestBulkInsert(t *testing.T) {
	t.Parallel()
	for _, b := range []backend{sqliteBackend, postgresBackend} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db := open(t, b.migrated(t))
			ctx := t.Context()
			var bulk sqlstore.Bulk
			for w := range 2 {
				ws := latchkey.Workspace{ID: latchkey.NewID(), Slug: fmt.Sprintf("bulk-%d", w), Name: "Bulk", CreatedAt: t0}
				bulk.Workspaces = append(bulk.Workspaces, ws)
				// 150 accounts and sessions per workspace: a full statement and a partial one.
				for i := range 150 {
					a := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws.ID, Email: fmt.Sprintf("User%d@Bulk.test", i),
						Name: "U", Role: latchkey.RoleMember, Status: latchkey.StatusActive, PasswordHash: "h", CreatedAt: t0, UpdatedAt: t0}
					bulk.Accounts = append(bulk.Accounts, a)
					_, hash := latchkey.NewSecret()
					bulk.Sessions = append(bulk.Sessions, latchkey.Session{ID: hash, WorkspaceID: ws.ID, AccountID: a.ID,
						CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour), ClientAddr: "127.0.0.1", UserAgent: "bulk"})
				}
			}
			if err := db.BulkInsert(ctx, bulk); err != nil {
				t.Fatalf("BulkInsert: %v", err)
			}
			last := bulk.Sessions[len(bulk.Sessions)-1]
			s, a, err := db.Session(ctx, last.WorkspaceID, last.ID)
			if err != nil {
				t.Fatalf("Session: %v", err)
			}
			if diff := cmp.Diff(last, s); diff != "" {
				t.Errorf("session (-stored +read):\n%s", diff)
			}
			if diff := cmp.Diff(bulk.Accounts[len(bulk.Accounts)-1], a); diff != "" {
				t.Errorf("account (-stored +read):\n%s", diff)
			}
			if _, err := db.AccountByEmail(ctx, bulk.Workspaces[0].ID, "user149@bulk.test"); err != nil {
				t.Errorf("AccountByEmail: %v", err)
			}

			// A batch with one taken key stores nothing.
			again := sqlstore.Bulk{
				Workspaces: []latchkey.Workspace{{ID: latchkey.NewID(), Slug: "bulk-new", Name: "New", CreatedAt: t0}},
				Accounts:   bulk.Accounts[:1],
			}
			if err := db.BulkInsert(ctx, again); !errors.Is(err, latchkey.ErrConflict) {
				t.Fatalf("BulkInsert with a taken account = %v, want ErrConflict", err)
			}
			if _, err := db.WorkspaceBySlug(ctx, "bulk-new"); !errors.Is(err, latchkey.ErrNotFound) {
				t.Errorf("workspace of the refused batch: %v, want ErrNotFound", err)
			}
		})
	}
}
