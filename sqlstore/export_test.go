package sqlstore

// StrictCache makes db's SQLite cache read cache_epoch for every read (no epochWindow), so
// that a test can expect another process's change in the very next read.
func StrictCache(db *DB) { db.cache.gate.window = 0 }

// ListenerPID is the PostgreSQL backend of db's LISTEN connection (0 before it connects).
func ListenerPID(db *DB) uint32 { return db.listenerPID.Load() }

// ForgetAll drops everything db's read cache holds, as a change made behind its back (a
// test emptying its schema with triggers off) needs.
func ForgetAll(db *DB) {
	if db.cache != nil {
		db.cache.forgetAll()
	}
}
