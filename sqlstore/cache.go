package sqlstore

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latchkey/latchkey"
)

// The read cache keeps, in the process, what every signed-in request reads: the workspace of
// the Host header and the session of the cookie with its account. Without it each request made
// two queries, the largest share of its cost (on SQLite the engine's own work; on PostgreSQL a
// round trip each).
//
// A cached entry is never served after a change to it has committed:
//
//   - Changes made through this DB invalidate at once: the write methods that touch a
//     workspace, an account or a session's end call forget (one workspace) or forgetAll.
//   - Changes made by another process or node reach the cache through the database. SQLite
//     keeps a counter (cache_epoch) that triggers add one to on every such change; each cached
//     read first reads the counter (one query of one row, shared by every read that arrives
//     while it runs: see epochGate) and drops the whole cache when it moved. PostgreSQL sends a
//     NOTIFY with the workspace's id from the same triggers; a listening connection drops that
//     workspace's entries. While the listener is not connected (at start, after a network
//     failure) the cache is bypassed, so a lost notice can never leave a stale entry behind.
//   - Entries are also re-read after cacheTTL, which bounds how far another node's touches of
//     a session's last-seen time can drift from the copy here (the touch itself, written once
//     a minute, is not a change that invalidates).
//
// A session that is not found is not cached (a new one may be created at any moment), and
// neither is a workspace that is not found.
type cache struct {
	mu     sync.RWMutex
	global uint64            // moves on forgetAll; entries stamped with an older value are stale
	gens   map[string]uint64 // per workspace id; moves on forget
	// seq moves on every forget and forgetAll, and recent names what each of the last
	// len(recent) moves dropped (a workspace id, or "" for everything). A read that fills an
	// entry takes seq first (snapshot) and stores only if no move since concerned the entry's
	// workspace: one that did might have committed after the read, which then holds the value
	// from before it. Moves for other workspaces (sign-ins everywhere, on every node) do not
	// stop the fill.
	seq    uint64
	recent [64]string
	// live reports whether cross-process invalidation is working (PostgreSQL's listener is
	// connected). Not live, the cache neither serves nor stores.
	live bool

	workspaces map[string]wsEntry    // by slug
	sessions   map[sessKey]sessEntry // by (workspace id, session id hash)

	// epoch is SQLite's counter as last read, and gate shares its reads; nil on PostgreSQL.
	epoch int64
	gate  *epochGate

	now func() time.Time

	hits, misses atomic.Uint64
}

// Bounds of the cache. Past them an arbitrary entry makes room (Go's map iteration order is
// unspecified, which is good enough for a cache whose misses are cheap and correct).
const (
	cacheMaxSessions   = 100_000
	cacheMaxWorkspaces = 20_000
	cacheTTL           = 10 * time.Second
)

type stamp struct{ global, gen uint64 }

type wsEntry struct {
	w  latchkey.Workspace
	st stamp
	at time.Time
}

type sessKey struct{ ws, id string }

type sessEntry struct {
	s  latchkey.Session
	a  latchkey.Account
	st stamp
	at time.Time
}

func newCache(live bool, gate *epochGate) *cache {
	return &cache{
		gens:       map[string]uint64{},
		workspaces: map[string]wsEntry{},
		sessions:   map[sessKey]sessEntry{},
		live:       live,
		gate:       gate,
		now:        time.Now,
	}
}

// stampOf returns the current stamp for workspace ws. Callers hold mu.
func (c *cache) stampOf(ws string) stamp {
	return stamp{c.global, c.gens[ws]}
}

// snapshot is taken before the database read that fills an entry, and given to the store
// call after it.
func (c *cache) snapshot() (seq uint64, at time.Time) {
	c.mu.RLock()
	seq = c.seq
	c.mu.RUnlock()
	return seq, c.now()
}

// check brings the cache up to date with changes made elsewhere and reports whether it may be
// used. On SQLite it reads the change counter (shared with every concurrent check) and drops
// everything when it moved.
func (c *cache) check(ctx context.Context, readEpoch func(context.Context) (int64, error)) bool {
	if c.gate == nil {
		c.mu.RLock()
		live := c.live
		c.mu.RUnlock()
		return live
	}
	n, err := c.gate.read(ctx, readEpoch)
	if err != nil {
		return false
	}
	c.mu.RLock()
	same := c.epoch == n
	c.mu.RUnlock()
	if !same {
		c.mu.Lock()
		if c.epoch != n {
			c.dropLocked()
			c.epoch = n
		}
		c.mu.Unlock()
	}
	return true
}

func (c *cache) workspace(slug string) (latchkey.Workspace, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.workspaces[slug]
	if !ok || !c.live || e.st != c.stampOf(e.w.ID) || c.now().Sub(e.at) >= cacheTTL {
		c.misses.Add(1)
		return latchkey.Workspace{}, false
	}
	c.hits.Add(1)
	return e.w, true
}

// storeWorkspace keeps w, read after snapshot returned seq and at.
func (c *cache) storeWorkspace(w latchkey.Workspace, seq uint64, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.movedFor(w.ID, seq) {
		return
	}
	if len(c.workspaces) >= cacheMaxWorkspaces {
		for k := range c.workspaces {
			delete(c.workspaces, k)
			break
		}
	}
	c.workspaces[w.Slug] = wsEntry{w, c.stampOf(w.ID), at}
}

func (c *cache) session(ws, id string) (latchkey.Session, latchkey.Account, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.sessions[sessKey{ws, id}]
	if !ok || !c.live || e.st != c.stampOf(ws) || c.now().Sub(e.at) >= cacheTTL {
		c.misses.Add(1)
		return latchkey.Session{}, latchkey.Account{}, false
	}
	c.hits.Add(1)
	return e.s, e.a, true
}

// storeSession keeps s and a, read after snapshot returned seq and at.
func (c *cache) storeSession(s latchkey.Session, a latchkey.Account, seq uint64, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.movedFor(s.WorkspaceID, seq) {
		return
	}
	if len(c.sessions) >= cacheMaxSessions {
		for k := range c.sessions {
			delete(c.sessions, k)
			break
		}
	}
	c.sessions[sessKey{s.WorkspaceID, s.ID}] = sessEntry{s, a, c.stampOf(s.WorkspaceID), at}
}

// touched records a session's new last-seen time, written through this DB.
func (c *cache) touched(ws, id string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := sessKey{ws, id}
	if e, ok := c.sessions[k]; ok {
		e.s.LastSeenAt = at
		c.sessions[k] = e
	}
}

// movedFor reports whether a move since seq dropped workspace ws (or everything), or too many
// moves happened to tell. Callers hold mu.
func (c *cache) movedFor(ws string, seq uint64) bool {
	if c.seq-seq > uint64(len(c.recent)) {
		return true
	}
	for n := seq + 1; n <= c.seq; n++ {
		if w := c.recent[n%uint64(len(c.recent))]; w == "" || w == ws {
			return true
		}
	}
	return false
}

// forget makes everything cached for workspace ws stale.
func (c *cache) forget(ws string) {
	c.mu.Lock()
	c.gens[ws]++
	c.seq++
	c.recent[c.seq%uint64(len(c.recent))] = ws
	c.mu.Unlock()
}

// forgetAll makes the whole cache stale.
func (c *cache) forgetAll() {
	c.mu.Lock()
	c.dropLocked()
	c.mu.Unlock()
}

func (c *cache) dropLocked() {
	c.global++
	c.seq++
	c.recent[c.seq%uint64(len(c.recent))] = ""
	clear(c.workspaces)
	clear(c.sessions)
	// Every entry stored from now on carries the new global value, so the per-workspace counts
	// can start again: this keeps gens from growing with every workspace ever changed.
	clear(c.gens)
}

// setLive turns the cache on or off (PostgreSQL's listener connected or not). Either way what
// it held is dropped: notices may have been missed while it was off.
func (c *cache) setLive(live bool) {
	c.mu.Lock()
	c.dropLocked()
	c.live = live
	c.mu.Unlock()
}

// An epochGate shares reads of SQLite's change counter between concurrent callers, and never
// gives a caller a value read more than window before it called: a caller takes the last
// read if that read started within window of the call, and otherwise joins the next read that
// has not yet started (starting it if none is running). With window 0 every value reflects
// every change that committed before the call; the server's window (epochWindow) lets one
// read serve every request of a millisecond, where reading for each request was a fifth of
// the server's CPU under load.
type epochGate struct {
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	running bool
	next    *epochRound   // the round newcomers join; not yet started
	idle    chan struct{} // closed when the running round ends
	last    *epochRound   // the newest round that ended without error
}

type epochRound struct {
	done    chan struct{}
	started bool
	at      time.Time // when the read started
	n       int64
	err     error
}

// epochWindow is how old a read of cache_epoch may be when the server uses it: a change made
// by another process (the CLI) reaches the cache within it. Changes made through the DB
// itself invalidate at once, whatever the window.
const epochWindow = time.Millisecond

func newEpochGate(window time.Duration) *epochGate {
	return &epochGate{window: window, now: time.Now, idle: make(chan struct{})}
}

func (g *epochGate) read(ctx context.Context, read func(context.Context) (int64, error)) (int64, error) {
	g.mu.Lock()
	if g.window > 0 && g.last != nil && g.now().Sub(g.last.at) <= g.window {
		n := g.last.n
		g.mu.Unlock()
		return n, nil
	}
	r := g.next
	if r == nil {
		r = &epochRound{done: make(chan struct{})}
		g.next = r
	}
	for {
		if !g.running {
			g.running, g.next, r.started = true, nil, true
			r.at = g.now()
			g.mu.Unlock()
			r.n, r.err = read(ctx)
			g.mu.Lock()
			g.running = false
			if r.err == nil {
				g.last = r
			}
			idle := g.idle
			g.idle = make(chan struct{})
			g.mu.Unlock()
			close(r.done)
			close(idle)
			return r.n, r.err
		}
		idle := g.idle
		g.mu.Unlock()
		select {
		case <-r.done:
			return r.n, r.err
		case <-idle:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		g.mu.Lock()
		if r.started {
			g.mu.Unlock()
			select {
			case <-r.done:
				return r.n, r.err
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
	}
}
