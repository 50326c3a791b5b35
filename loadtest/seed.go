package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/sqlstore"
)

// Size counts the rows of a data set.
type Size struct {
	Workspaces int `json:"workspaces"`
	Accounts   int `json:"accounts"`
	Sessions   int `json:"sessions"`
}

// Scale is the data set of "bench --scale": ten thousand workspaces of ten accounts, each
// with ten sessions.
var Scale = Size{Workspaces: 10_000, Accounts: 100_000, Sessions: 1_000_000}

// Seed describes what to put in the store before a run.
type Seed struct {
	// Accounts and Sessions are the size of the workspace the run signs in to: that many
	// active accounts (the first an administrator) sharing one password, and that many
	// sessions spread over them.
	Accounts int
	Sessions int
	// Filler is more data around it, in other workspaces, so that look-ups run on big tables:
	// Filler.Accounts spread evenly over Filler.Workspaces, Filler.Sessions over those accounts.
	Filler Size
	// Params are the argon2id parameters of the one hash every account shares (it is computed
	// once: hashing a hundred thousand passwords would take an hour).
	Params password.Params
	// Now is the time the rows are created; sessions expire a day later.
	Now time.Time
	// Progress, if not nil, is called after each transaction with the rows written so far and
	// the total.
	Progress func(rows, total int)
}

// Fixture is the seeded workspace and how to sign in to it.
type Fixture struct {
	Workspace latchkey.Workspace
	Password  string   // every account's password
	Emails    []string // of the accounts, in order
	Sessions  []string // session cookie values, one per seeded session
	Rows      int      // rows written, filler included
}

// seedBatch is how many rows one transaction writes: big enough that commits cost little,
// small enough that a PostgreSQL transaction does not hold a million rows' locks.
const seedBatch = 20_000

// SeedStore writes s into db with BulkInsert, in transactions of about 20,000 rows, and
// returns the fixture. Workspace slugs carry a random tag, so that a database seeded before
// can be seeded again.
func SeedStore(ctx context.Context, db *sqlstore.DB, s Seed) (Fixture, error) {
	if s.Accounts < 1 {
		return Fixture{}, fmt.Errorf("seed: %d accounts: the workspace needs at least one", s.Accounts)
	}
	if s.Filler.Workspaces == 0 && (s.Filler.Accounts > 0 || s.Filler.Sessions > 0) ||
		s.Filler.Accounts == 0 && s.Filler.Sessions > 0 {
		return Fixture{}, fmt.Errorf("seed: filler of %d workspaces, %d accounts and %d sessions: accounts need workspaces and sessions need accounts",
			s.Filler.Workspaces, s.Filler.Accounts, s.Filler.Sessions)
	}
	if s.Now.IsZero() {
		s.Now = time.Now()
	}
	now := s.Now.UTC().Truncate(time.Microsecond)
	tag := strings.ToLower(latchkey.NewID()[:8])
	pw := "bench " + latchkey.NewID()
	hash, err := password.HashWith(pw, s.Params)
	if err != nil {
		return Fixture{}, fmt.Errorf("seed: %w", err)
	}
	total := 1 + s.Accounts + s.Sessions + s.Filler.Workspaces + s.Filler.Accounts + s.Filler.Sessions
	w := &seedWriter{ctx: ctx, db: db, total: total, progress: s.Progress}
	account := func(ws latchkey.Workspace, email string, role latchkey.Role) latchkey.Account {
		return latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws.ID, Email: email, Name: "Bench " + email[:strings.IndexByte(email, '@')],
			Role: role, Status: latchkey.StatusActive, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	}
	session := func(a latchkey.Account, id string) latchkey.Session {
		return latchkey.Session{ID: id, WorkspaceID: a.WorkspaceID, AccountID: a.ID, CreatedAt: now, LastSeenAt: now,
			ExpiresAt: now.Add(24 * time.Hour), ClientAddr: "127.0.0.1", UserAgent: "latchkey-bench"}
	}

	f := Fixture{Password: pw}
	f.Workspace = latchkey.Workspace{ID: latchkey.NewID(), Slug: "bench-" + tag, Name: "Bench", CreatedAt: now}
	w.add(f.Workspace)
	accounts := make([]latchkey.Account, s.Accounts)
	for i := range accounts {
		role := latchkey.RoleMember
		if i == 0 {
			role = latchkey.RoleAdmin
		}
		accounts[i] = account(f.Workspace, fmt.Sprintf("member%d@bench.test", i), role)
		f.Emails = append(f.Emails, accounts[i].Email)
		w.addAccount(accounts[i])
	}
	for i := range s.Sessions {
		secret, id := latchkey.NewSecret()
		f.Sessions = append(f.Sessions, secret)
		w.addSession(session(accounts[i%len(accounts)], id))
	}

	id := make([]byte, 32)
	for n := range s.Filler.Workspaces {
		ws := latchkey.Workspace{ID: latchkey.NewID(), Slug: fmt.Sprintf("fill-%s-%d", tag, n), Name: "Filler", CreatedAt: now}
		w.add(ws)
		for i := range share(s.Filler.Accounts, s.Filler.Workspaces, n) {
			a := account(ws, fmt.Sprintf("user%d@fill%d.test", i, n), latchkey.RoleMember)
			w.addAccount(a)
			for range share(s.Filler.Sessions, s.Filler.Accounts, w.fillerAccounts) {
				// The IDs have the shape of real ones (hex SHA-256) without the cost of hashing.
				rand.Read(id)
				w.addSession(session(a, hex.EncodeToString(id)))
			}
			w.fillerAccounts++
		}
	}
	if err := w.flush(); err != nil {
		return Fixture{}, err
	}
	f.Rows = w.written
	return f, w.err
}

// share is the part of total that item i of n gets when total is spread evenly: total/n, one
// more for the first total%n items.
func share(total, n, i int) int {
	if n == 0 {
		return 0
	}
	s := total / n
	if i < total%n {
		s++
	}
	return s
}

// seedWriter gathers rows and writes them seedBatch at a time. It keeps the first error and
// ignores rows after it.
type seedWriter struct {
	ctx            context.Context
	db             *sqlstore.DB
	bulk           sqlstore.Bulk
	rows, written  int
	total          int
	fillerAccounts int
	progress       func(rows, total int)
	err            error
}

func (w *seedWriter) add(ws latchkey.Workspace) {
	w.bulk.Workspaces = append(w.bulk.Workspaces, ws)
	w.grow()
}

func (w *seedWriter) addAccount(a latchkey.Account) {
	w.bulk.Accounts = append(w.bulk.Accounts, a)
	w.grow()
}

func (w *seedWriter) addSession(s latchkey.Session) {
	w.bulk.Sessions = append(w.bulk.Sessions, s)
	w.grow()
}

func (w *seedWriter) grow() {
	if w.rows++; w.rows >= seedBatch {
		w.flush()
	}
}

// flush writes the gathered rows in one transaction. Rows of one batch may name workspaces
// and accounts of an earlier one: those are committed already.
func (w *seedWriter) flush() error {
	if w.err == nil && w.rows > 0 {
		if err := w.db.BulkInsert(w.ctx, w.bulk); err != nil {
			w.err = fmt.Errorf("seed: %w", err)
		} else {
			w.written += w.rows
			if w.progress != nil {
				w.progress(w.written, w.total)
			}
		}
	}
	w.bulk = sqlstore.Bulk{
		Workspaces: w.bulk.Workspaces[:0],
		Accounts:   w.bulk.Accounts[:0],
		Sessions:   w.bulk.Sessions[:0],
	}
	w.rows = 0
	return w.err
}
