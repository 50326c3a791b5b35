package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"
)

// SQLite's driver (modernc.org/sqlite) parses every query it is given through
// database/sql's QueryContext and ExecContext afresh: preparing took as much CPU as running
// the statements in a sign-in (about 4.5 % of its CPU, the argon2id hash being 80 %). The
// driver registered here wraps it with a cache of prepared statements per connection, so that
// every query of the store, in a transaction or not, is parsed once per connection and then
// only bound and stepped. PostgreSQL needs none: pgx caches its prepared statements itself.

// cachingDriverName is the database/sql driver of openSQLite.
const cachingDriverName = "sqlite+stmtcache"

// maxCachedStmts bounds each connection's cache. The store has a few hundred distinct queries
// (IN lists of different lengths count apiece); past the bound the cache starts again.
const maxCachedStmts = 512

var registerCaching sync.Once

// registerCachingDriver registers cachingDriverName around the driver named "sqlite".
func registerCachingDriver() {
	registerCaching.Do(func() {
		db, err := sql.Open("sqlite", ":memory:")
		if err != nil {
			panic("sqlstore: the sqlite driver is not registered: " + err.Error())
		}
		base := db.Driver()
		db.Close()
		sql.Register(cachingDriverName, cachingDriver{base})
	})
}

type cachingDriver struct{ base driver.Driver }

func (d cachingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.base.Open(name)
	if err != nil {
		return nil, err
	}
	_, prepares := c.(driver.ConnPrepareContext)
	_, begins := c.(driver.ConnBeginTx)
	_, pings := c.(driver.Pinger)
	if !prepares || !begins || !pings {
		c.Close()
		return nil, errors.New("sqlstore: the sqlite driver lacks the interfaces the statement cache needs")
	}
	return &cachingConn{Conn: c, stmts: map[string]*cachedStmt{}}, nil
}

// cachingConn is one SQLite connection with its prepared statements. database/sql uses a
// connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	driver.Conn
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	s    driver.Stmt
	busy bool // its rows are open: a second use at once gets a statement of its own
}

// stmt returns the cached statement for query, preparing it if need be; oneOff is true for a
// statement prepared for this call alone (the cached one is busy), which the caller closes.
func (c *cachingConn) stmt(ctx context.Context, query string) (st *cachedStmt, oneOff bool, err error) {
	st, ok := c.stmts[query]
	if ok && !st.busy {
		return st, false, nil
	}
	s, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, false, err
	}
	if ok {
		return &cachedStmt{s: s}, true, nil
	}
	if len(c.stmts) >= maxCachedStmts {
		c.closeIdle()
	}
	st = &cachedStmt{s: s}
	c.stmts[query] = st
	return st, false, nil
}

// closeIdle closes and forgets every cached statement not in use.
func (c *cachingConn) closeIdle() {
	for q, st := range c.stmts {
		if !st.busy {
			st.s.Close()
			delete(c.stmts, q)
		}
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st, oneOff, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if oneOff {
		defer st.s.Close()
	}
	return st.s.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, oneOff, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.s.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		if oneOff {
			st.s.Close()
		}
		return nil, err
	}
	if oneOff {
		return &cachedRows{Rows: rows, done: func() { st.s.Close() }}, nil
	}
	st.busy = true
	return &cachedRows{Rows: rows, done: func() { st.busy = false }}, nil
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *cachingConn) Close() error {
	for _, st := range c.stmts {
		st.s.Close()
	}
	clear(c.stmts)
	return c.Conn.Close()
}

// cachedRows gives its statement back when closed.
type cachedRows struct {
	driver.Rows
	done func()
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.done != nil {
		r.done()
		r.done = nil
	}
	return err
}
