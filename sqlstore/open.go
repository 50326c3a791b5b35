package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/latchkey/latchkey"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DB is a latchkey.Store kept in SQLite or PostgreSQL. It is safe for concurrent use.
type DB struct {
	d *dialect
	// rw runs writes and read-modify-write transactions. On SQLite it is a single connection:
	// SQLite allows one writer at a time, and queueing writers in the pool is cheaper and
	// fairer than letting them spin on busy_timeout.
	rw *sql.DB
	// ro runs plain reads. On SQLite it is a pool of read-only connections that WAL lets run
	// beside the writer; on PostgreSQL it is the same pool as rw.
	ro *sql.DB
	// hot are the statements every signed-in request runs, prepared once for the life of the
	// pool: re-parsing them on each request was a quarter of SQLite's CPU.
	hot struct {
		session, workspaceBySlug, epoch *sql.Stmt
	}
	// cache holds workspaces and sessions for the signed-in request path (cache.go); nil when
	// Options.NoCache.
	cache *cache
	// stopListening ends PostgreSQL's cache listener (listen.go), and listening is closed when
	// it has.
	stopListening context.CancelFunc
	listening     chan struct{}
	listenerPID   atomic.Uint32 // the backend of the connection that LISTENs, for tests
	pgConfig      *pgx.ConnConfig
}

var _ latchkey.Store = (*DB)(nil)

// Options tune Open. A zero field takes its default.
type Options struct {
	// MaxOpenConns bounds the PostgreSQL pool, or SQLite's pool of readers (SQLite always has
	// exactly one writer). The default is 20 on PostgreSQL and the number of CPUs (at least 4)
	// on SQLite.
	MaxOpenConns int
	// MaxIdleConns is how many idle connections are kept. The default is 10 on PostgreSQL and
	// MaxOpenConns on SQLite.
	MaxIdleConns int
	// ConnMaxIdleTime closes connections idle for longer. The default is 5 minutes.
	ConnMaxIdleTime time.Duration
	// StatementTimeout makes PostgreSQL cancel any statement that runs longer, so that a stuck
	// query cannot hold a connection forever. The default is 30 seconds. A statement_timeout
	// given in the URL wins.
	StatementTimeout time.Duration
	// BusyTimeout is how long a SQLite statement waits for another process's write lock
	// before it fails. The default is 10 seconds.
	BusyTimeout time.Duration
	// SkipMigrations makes Open leave the schema as it is (for Migrate to apply, say from
	// "latchkey migrate"). Open still refuses a schema newer than this binary knows. Such a DB
	// has no read cache.
	SkipMigrations bool
	// NoCache turns off the in-process cache of workspaces and sessions (cache.go): every
	// read goes to the database.
	NoCache bool
}

// The defaults of Options.
const (
	DefaultPostgresMaxOpenConns = 20
	DefaultPostgresMaxIdleConns = 10
	DefaultConnMaxIdleTime      = 5 * time.Minute
	DefaultStatementTimeout     = 30 * time.Second
	DefaultBusyTimeout          = 10 * time.Second
	// DefaultConnectTimeout bounds each new PostgreSQL connection, unless the URL gives a
	// connect_timeout. Without a bound, a dial to a host that drops packets waits for the
	// kernel to give up (minutes), and every request waits with it.
	DefaultConnectTimeout = 5 * time.Second
)

// Open connects to database with the default Options and applies pending migrations.
// database is a PostgreSQL URL (postgres:// or postgresql://) or a SQLite file path,
// optionally prefixed with "sqlite:". It returns an error wrapping ErrSchemaTooNew if the
// database was migrated by a newer latchkey.
func Open(ctx context.Context, database string) (*DB, error) {
	return OpenWith(ctx, database, Options{})
}

// OpenWith is Open with Options.
func OpenWith(ctx context.Context, database string, o Options) (*DB, error) {
	if o.ConnMaxIdleTime == 0 {
		o.ConnMaxIdleTime = DefaultConnMaxIdleTime
	}
	var db *DB
	var err error
	switch {
	case database == "":
		return nil, errors.New("open database: no database given")
	case strings.HasPrefix(database, "postgres://"), strings.HasPrefix(database, "postgresql://"):
		db, err = openPostgres(database, o)
	default:
		db, err = openSQLite(strings.TrimPrefix(database, "sqlite:"), o)
	}
	if err != nil {
		return nil, err
	}
	if err := db.start(ctx, o.SkipMigrations, o.NoCache); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// start checks the connection and brings the schema up to date, or only checks its version.
func (db *DB) start(ctx context.Context, skipMigrations, noCache bool) error {
	if err := db.Ping(ctx); err != nil {
		return err
	}
	if skipMigrations {
		if _, err := db.checkVersion(ctx); err != nil {
			return err
		}
	} else if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	if err := db.prepareHot(ctx); err != nil {
		return err
	}
	if !noCache && !skipMigrations {
		db.startCache()
	}
	return nil
}

// prepareHot prepares the statements of the signed-in request path on the reader pool. A
// database whose schema is older than this binary (SkipMigrations) may lack their columns; then
// the statements stay unprepared and the methods run the plain queries.
func (db *DB) prepareHot(ctx context.Context) error {
	var err error
	if db.hot.session, err = db.ro.PrepareContext(ctx, sessionQuery); err != nil {
		db.hot.session = nil
	}
	if db.hot.workspaceBySlug, err = db.ro.PrepareContext(ctx, workspaceBySlugQuery); err != nil {
		db.hot.workspaceBySlug = nil
	}
	if db.d.name == "sqlite" {
		if db.hot.epoch, err = db.ro.PrepareContext(ctx, epochQuery); err != nil {
			db.hot.epoch = nil
		}
	}
	return nil
}

// queryRow runs q through its prepared statement when there is one.
func (db *DB) queryRow(ctx context.Context, stmt *sql.Stmt, q string, args ...any) *sql.Row {
	if stmt != nil {
		return stmt.QueryRowContext(ctx, args...)
	}
	return db.ro.QueryRowContext(ctx, q, args...)
}

func openPostgres(url string, o Options) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's parse errors quote the URL, password included; keep them out of logs.
		return nil, errors.New("open postgres: the database URL is not valid")
	}
	if o.StatementTimeout == 0 {
		o.StatementTimeout = DefaultStatementTimeout
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if _, ok := cfg.RuntimeParams["statement_timeout"]; !ok {
		cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if o.MaxOpenConns == 0 {
		o.MaxOpenConns = DefaultPostgresMaxOpenConns
	}
	if o.MaxIdleConns == 0 {
		o.MaxIdleConns = DefaultPostgresMaxIdleConns
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(o.MaxOpenConns)
	pool.SetMaxIdleConns(o.MaxIdleConns)
	pool.SetConnMaxIdleTime(o.ConnMaxIdleTime)
	return &DB{d: postgresDialect, rw: pool, ro: pool, pgConfig: cfg}, nil
}

// createPrivate creates a new SQLite database file readable by its owner only (0600), whatever
// the umask and whether or not its directory existed: it holds password hashes and sealed
// secrets. SQLite gives the -wal and -shm files the database file's permissions. An existing
// file is left as it is (the operator chose its mode; the server warns at start if others can
// read it), and so are in-memory databases and file: URIs.
func createPrivate(path string) error {
	if path == ":memory:" || strings.HasPrefix(path, "file:") || strings.Contains(path, "mode=memory") {
		return nil
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil { // the umask may have taken bits off, never added
		f.Close()
		return err
	}
	return f.Close()
}

func openSQLite(path string, o Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("open sqlite: no file given")
	}
	if o.BusyTimeout == 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	if o.MaxOpenConns == 0 {
		o.MaxOpenConns = max(4, runtime.NumCPU())
	}
	if o.MaxIdleConns == 0 {
		o.MaxIdleConns = o.MaxOpenConns
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	// foreign_keys is off by default in SQLite and is per connection: set it on every one.
	common := path + sep + "_busy_timeout=" + strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10) + "&_foreign_keys=1"
	// _txlock=immediate: a transaction that reads and then writes would otherwise begin as a
	// reader and fail with SQLITE_BUSY, without waiting, when it tries to upgrade while another
	// connection writes.
	registerCachingDriver()
	rw, err := sql.Open(cachingDriverName, common+"&_journal_mode=WAL&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	rw.SetMaxOpenConns(1)
	rw.SetMaxIdleConns(1)
	rw.SetConnMaxIdleTime(0)
	if path == ":memory:" || strings.Contains(path, "mode=memory") {
		// Every connection to an in-memory database gets its own: share the one writer.
		return &DB{d: sqliteDialect, rw: rw, ro: rw}, nil
	}
	ro, err := sql.Open(cachingDriverName, common+"&_query_only=1")
	if err != nil {
		rw.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	ro.SetMaxOpenConns(o.MaxOpenConns)
	ro.SetMaxIdleConns(o.MaxIdleConns)
	ro.SetConnMaxIdleTime(o.ConnMaxIdleTime)
	return &DB{d: sqliteDialect, rw: rw, ro: ro}, nil
}

// Dialect returns the engine behind db: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.d.name }

// Ping checks that the database answers, for writes and for reads.
func (db *DB) Ping(ctx context.Context) error {
	// The writer first: on a new SQLite file it is the connection that switches on WAL.
	if err := db.rw.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", db.d.name, err)
	}
	if err := db.ro.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", db.d.name, err)
	}
	return nil
}

// Close closes every connection. Calls in flight may fail.
func (db *DB) Close() error {
	if db.stopListening != nil {
		db.stopListening()
		<-db.listening
	}
	for _, st := range []*sql.Stmt{db.hot.session, db.hot.workspaceBySlug, db.hot.epoch} {
		if st != nil {
			st.Close()
		}
	}
	err := db.rw.Close()
	if db.ro != db.rw {
		err = errors.Join(err, db.ro.Close())
	}
	return err
}

// inTx runs fn in a write transaction and commits it if fn returns nil. On SQLite the
// transaction holds the write lock from its start (BEGIN IMMEDIATE).
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
