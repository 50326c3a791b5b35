package sqlstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// cacheChannel is the PostgreSQL channel of 0013_cache_epoch.sql's triggers.
const cacheChannel = "latchkey_cache"

const epochQuery = `SELECT n FROM cache_epoch WHERE id = 1`

// startCache turns the read cache on: on SQLite at once, checked against cache_epoch on every
// read; on PostgreSQL once the listener has connected and is LISTENing.
func (db *DB) startCache() {
	if db.d.name == "sqlite" {
		db.cache = newCache(true, newEpochGate(epochWindow))
		return
	}
	db.cache = newCache(false, nil)
	ctx, cancel := context.WithCancel(context.Background())
	db.stopListening, db.listening = cancel, make(chan struct{})
	ready := make(chan struct{})
	go db.listen(ctx, ready)
	// Wait a moment for the first connection, so that a new server starts with its cache on;
	// without it the cache stays off (reads go to the database) until the listener connects.
	select {
	case <-ready:
	case <-time.After(2 * time.Second):
	}
}

// CacheStats reports how many reads of workspaces and sessions the in-process cache answered
// (hits) and how many went to the database while it was on (misses), and whether it is on now
// (on PostgreSQL, while the listener is connected). A DB opened with NoCache reports zeros.
func (db *DB) CacheStats() (hits, misses uint64, live bool) {
	if db.cache == nil {
		return 0, 0, false
	}
	db.cache.mu.RLock()
	live = db.cache.live
	db.cache.mu.RUnlock()
	return db.cache.hits.Load(), db.cache.misses.Load(), live
}

// readEpoch reads SQLite's change counter.
func (db *DB) readEpoch(ctx context.Context) (int64, error) {
	var n int64
	err := db.queryRow(ctx, db.hot.epoch, epochQuery).Scan(&n)
	return n, err
}

// checkCache reports whether the cache may be used for a read now.
func (db *DB) checkCache(ctx context.Context) bool {
	return db.cache != nil && db.cache.check(ctx, db.readEpoch)
}

// listen holds a PostgreSQL connection LISTENing on cacheChannel and drops the cached entries
// of each workspace named in a notice. The cache is live only while the connection is: on any
// error it goes off (and drops everything) and the listener reconnects with a growing pause.
func (db *DB) listen(ctx context.Context, ready chan struct{}) {
	defer close(db.listening)
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		// Whatever ended the connection, the cache is off until the next one: reads still
		// work, from the database.
		if connected := db.listenOnce(ctx, ready); connected {
			pause = 100 * time.Millisecond // a link that worked is retried at once
		}
		db.cache.setLive(false)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// listenOnce holds one listening connection until it fails or ctx ends, and reports whether it
// got as far as listening.
func (db *DB) listenOnce(ctx context.Context, ready chan struct{}) (connected bool) {
	conn, err := pgx.ConnectConfig(ctx, db.pgConfig.Copy())
	if err != nil {
		return false
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+cacheChannel); err != nil {
		return false
	}
	db.listenerPID.Store(conn.PgConn().PID())
	// From here no notice is missed: setLive drops whatever was cached before.
	db.cache.setLive(true)
	select {
	case <-ready:
	default:
		close(ready)
	}
	for {
		wait, cancel := context.WithTimeout(ctx, listenerPing)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case err == nil:
			db.cache.forget(n.Payload)
		case ctx.Err() != nil:
			return true
		case wait.Err() != nil:
			// Quiet for a while: make sure the connection still answers, so that a dead
			// link (a half-open TCP connection) cannot leave the cache on without notices.
			ping, cancel := context.WithTimeout(ctx, listenerPing)
			err := conn.Ping(ping)
			cancel()
			if err != nil {
				return true
			}
		default:
			return true
		}
	}
}

// listenerPing is how long the listener waits for a notice before it checks its connection,
// and how long that check may take.
const listenerPing = 5 * time.Second
