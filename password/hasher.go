package password

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latchkey/latchkey/password/internal/argon2"
)

// ErrBusy is returned by a Hasher when every hashing slot is taken and either the waiting room
// is full or the wait passed its deadline. argon2id needs Params.Memory of RAM per hash, so
// hashing without a bound lets a burst of sign-ins exhaust the server's memory; refusing is the
// safe answer, and the caller shows "try again in a moment".
var ErrBusy = errors.New("password hashing is busy")

// HasherConfig sets a Hasher's cost and bounds. Zero fields take the defaults.
type HasherConfig struct {
	Params Params // for new hashes and the dummy; default Default
	// LightParams hash secrets that are random rather than chosen (recovery codes, about 79
	// bits: nothing to guess from a dictionary); default Light.
	LightParams Params
	Limit       int           // hashes computed at once, process-wide; default runtime.GOMAXPROCS(0)
	Queue       int           // callers that may wait for a slot; default 16 × Limit
	Wait        time.Duration // longest wait for a slot; default 3 s
	// KeepMemory is how long the hashing slots keep their argon2 memory (Params.Memory each)
	// after the last hash ends; default 30 s. Each slot reuses its memory from one hash to the
	// next, which saves allocating, zeroing and faulting in 19 MiB per hash; once no hash has
	// run for KeepMemory the slots give it back, so that an idle server is small.
	KeepMemory time.Duration
}

// Hasher hashes and verifies passwords with at most Limit argon2id computations in flight and at
// most Queue callers waiting for one. A caller whose context ends while it waits (the client went
// away) gives up its place without hashing. A Hasher is safe for concurrent use.
//
// Each of the Limit slots owns its argon2 memory and reuses it from one hash to the next (the
// package-level Hash and Verify allocate it per call), so a busy Hasher holds Limit × Params.Memory
// and makes no garbage of it; KeepMemory after the last hash the slots give it back. A hash whose
// parameters need more memory than the Hasher's own gets memory of its own, not kept.
type Hasher struct {
	params Params
	light  Params
	slots  chan *slot // the free ones: Limit slots in all
	queue  chan struct{}
	wait   time.Duration
	dummy  string

	keepMax uint32        // KiB: the most memory a slot keeps between hashes
	keep    time.Duration // KeepMemory
	now     func() time.Time
	// afterFunc is time.AfterFunc, replaced in tests.
	afterFunc func(time.Duration, func()) resetter

	mu        sync.Mutex
	idleTimer resetter // runs releaseIdleNow once no hash has run for keep; nil until first armed

	inFlight atomic.Int64
	peak     atomic.Int64
}

// A slot is the right to compute one hash at a time, with the argon2 memory it reuses.
type slot struct {
	mem      argon2.Memory
	lastUsed time.Time // when its last hash ended
}

type resetter interface{ Reset(time.Duration) bool }

// NewHasher returns a Hasher for cfg.
func NewHasher(cfg HasherConfig) *Hasher {
	if cfg.Params == (Params{}) {
		cfg.Params = Default
	}
	if cfg.LightParams == (Params{}) {
		cfg.LightParams = Light
	}
	if cfg.Limit <= 0 {
		cfg.Limit = runtime.GOMAXPROCS(0)
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 16 * cfg.Limit
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 3 * time.Second
	}
	if cfg.KeepMemory <= 0 {
		cfg.KeepMemory = 30 * time.Second
	}
	h := &Hasher{
		params: cfg.Params, light: cfg.LightParams,
		slots: make(chan *slot, cfg.Limit), queue: make(chan struct{}, cfg.Queue), wait: cfg.Wait,
		keepMax: max(cfg.Params.Memory, cfg.LightParams.Memory), keep: cfg.KeepMemory, now: time.Now,
		afterFunc: func(d time.Duration, f func()) resetter { return time.AfterFunc(d, f) },
	}
	for range cfg.Limit {
		h.slots <- new(slot) // memory is allocated by the first hash that needs it
	}
	h.dummy = dummyFor(cfg.Params)
	return h
}

// dummyHash is a constant hash with the Default parameters, so that the first unknown email
// after a start costs what every later one does (no hash is made on first use).
// Its key is random bytes, not the hash of any password: nothing verifies against it.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$bGF0Y2hrZXkgZHVtbXkgc2FsdA$0vVSo8S/9TDqVZ3xrCjDSI/bhUg1DmAYfkyLdj3Zjjg"

var (
	dummyMu    sync.Mutex
	dummyCache = map[Params]string{}
)

// dummyFor returns a hash with parameters p of a password no one has. For the Default
// parameters it is the constant dummyHash; other parameters (cheap ones, in tests) get one hash
// made once per process.
func dummyFor(p Params) string {
	if p == Default {
		return dummyHash
	}
	dummyMu.Lock()
	defer dummyMu.Unlock()
	if h, ok := dummyCache[p]; ok {
		return h
	}
	h, err := HashWith("latchkey dummy password that no one has", p)
	if err != nil {
		panic(err) // crypto/rand failing leaves nothing safe to do
	}
	dummyCache[p] = h
	return h
}

// acquire takes a hashing slot, waiting in the bounded queue for at most the configured wait.
func (h *Hasher) acquire(ctx context.Context) (release func(), err error) {
	s, err := h.acquireSlot(ctx)
	if err != nil {
		return nil, err
	}
	return func() { h.release(s) }, nil
}

// acquireSlot is acquire, returning the slot; h.release gives it back.
func (h *Hasher) acquireSlot(ctx context.Context) (*slot, error) {
	var s *slot
	select {
	case s = <-h.slots:
	default:
		select {
		case h.queue <- struct{}{}:
		default:
			return nil, ErrBusy
		}
		t := time.NewTimer(h.wait)
		select {
		case s = <-h.slots:
			<-h.queue
			t.Stop()
		case <-t.C:
			<-h.queue
			return nil, ErrBusy
		case <-ctx.Done():
			<-h.queue
			t.Stop()
			return nil, ctx.Err()
		}
	}
	if err := ctx.Err(); err != nil {
		h.slots <- s
		return nil, err
	}
	n := h.inFlight.Add(1)
	for {
		p := h.peak.Load()
		if n <= p || h.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return s, nil
}

// release gives back a slot from acquireSlot. When it was the last in flight, the slots' memory
// is set to be given back after KeepMemory unless another hash starts first.
func (h *Hasher) release(s *slot) {
	s.lastUsed = h.now()
	n := h.inFlight.Add(-1)
	h.slots <- s
	if n == 0 {
		h.armIdle(h.keep)
	}
}

func (h *Hasher) armIdle(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.idleTimer == nil {
		h.idleTimer = h.afterFunc(d, h.releaseIdleNow)
	} else {
		h.idleTimer.Reset(d)
	}
}

// releaseIdleNow is the idle timer's function: it drops the memory of the slots idle for
// KeepMemory and returns it to the operating system, and comes back later for any slot that has
// been idle for less.
func (h *Hasher) releaseIdleNow() {
	released, next := h.releaseIdle(h.now())
	if released > 0 {
		// An idle process allocates little, so without a collection the garbage would wait for
		// the periodic one (two minutes) and the scavenger would return it slowly after that.
		debug.FreeOSMemory()
	}
	if next > 0 {
		h.armIdle(next)
	}
}

// ReleaseMemory drops the argon2 memory of every free slot now, however recently it hashed,
// and returns it to the operating system (for a Hasher that will not hash again soon, such as
// one of the load harness's steps). Slots in use keep theirs.
func (h *Hasher) ReleaseMemory() {
	if released, _ := h.releaseIdle(h.now().Add(h.keep)); released > 0 {
		debug.FreeOSMemory()
	}
}

// releaseIdle drops the memory of every free slot whose last hash ended at least KeepMemory
// before now; slots in use are not touched. It returns the bytes dropped and, if a free slot
// still holds memory, how long until it will have been idle for KeepMemory.
func (h *Hasher) releaseIdle(now time.Time) (released int, next time.Duration) {
	for range cap(h.slots) {
		var s *slot
		select {
		case s = <-h.slots:
		default:
			return released, next // the others are in use
		}
		if size := s.mem.Size(); size > 0 {
			if idle := now.Sub(s.lastUsed); idle >= h.keep {
				s.mem.Release()
				released += size
			} else if wait := h.keep - idle; next == 0 || wait < next {
				next = wait
			}
		}
		h.slots <- s
	}
	return released, next
}

// memory returns the argon2 memory to hash with p in slot s: its own, or nil (memory for this
// hash alone) when p needs more than the Hasher's own parameters, as a hash from elsewhere might.
func (h *Hasher) memory(s *slot, p Params) *argon2.Memory {
	if p.Memory > h.keepMax {
		return nil
	}
	return &s.mem
}

// KeptMemory returns the bytes of argon2 memory the free slots hold (slots in use are not
// counted): at most Limit × the larger of Params.Memory and LightParams.Memory.
func (h *Hasher) KeptMemory() int {
	total := 0
	for range cap(h.slots) {
		select {
		case s := <-h.slots:
			total += s.mem.Size()
			h.slots <- s
		default:
			return total
		}
	}
	return total
}

// Peak returns the most hashes that were ever in flight at once: a test's way to check the
// bound, and a metric.
func (h *Hasher) Peak() int { return int(h.peak.Load()) }

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the argon2id PHC string of pw with the Hasher's parameters. Errors: ErrBusy, or
// the context's error if it ended while waiting.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	return h.HashWith(ctx, pw, h.params)
}

// HashLight is Hash with the light parameters, for random secrets such as recovery codes.
func (h *Hasher) HashLight(ctx context.Context, secret string) (string, error) {
	return h.HashWith(ctx, secret, h.light)
}

// HashWith is Hash with other parameters.
func (h *Hasher) HashWith(ctx context.Context, pw string, p Params) (string, error) {
	s, err := h.acquireSlot(ctx)
	if err != nil {
		return "", err
	}
	defer h.release(s)
	return hashIn(h.memory(s, p), pw, p)
}

// Verify reports whether pw matches hash, under the Hasher's bound. Errors: ErrBusy, the
// context's error, or ErrMalformed.
func (h *Hasher) Verify(ctx context.Context, pw, hash string) (bool, error) {
	p, salt, key, err := decode(hash)
	if err != nil {
		return false, err
	}
	s, err := h.acquireSlot(ctx)
	if err != nil {
		return false, err
	}
	defer h.release(s)
	return verifyIn(h.memory(s, p), pw, p, salt, key), nil
}

// VerifyDummy spends the time of a Verify against a real hash and never matches. The sign-in
// flow calls it for unknown emails and accounts without a password, so that response time does
// not tell whether an account exists. Errors: ErrBusy or the context's error.
func (h *Hasher) VerifyDummy(ctx context.Context, pw string) error {
	_, err := h.Verify(ctx, pw, h.dummy)
	return err
}

// VerifyAfter takes a hashing slot, runs before, and only then verifies pw against hash (the
// dummy when hash is empty). The sign-in flows count the guess in before, so that the count is
// made ahead of the check; a busy Hasher refuses before running it, so that a refusal costs the
// user no attempt. If before returns an error nothing is verified and the error is returned. A
// malformed hash costs a dummy check, never matches, and returns ErrMalformed.
func (h *Hasher) VerifyAfter(ctx context.Context, pw, hash string, before func() error) (bool, error) {
	s, err := h.acquireSlot(ctx)
	if err != nil {
		return false, err
	}
	defer h.release(s)
	if err := before(); err != nil {
		return false, err
	}
	p, salt, key, err := decode(hash)
	if err != nil {
		// No hash (an unknown email) or an unreadable one: the dummy, for the same time.
		p, salt, key, _ = decode(h.dummy)
		verifyIn(h.memory(s, p), pw, p, salt, key)
		if hash == "" {
			return false, nil
		}
		return false, err
	}
	return verifyIn(h.memory(s, p), pw, p, salt, key), nil
}

// Light are the parameters of HashLight: argon2id, lighter than for passwords, because a
// recovery code has about 79 random bits and a check may try ten hashes.
var Light = Params{Memory: 8 * 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// InsecureTestParams make a hash in well under a millisecond, so that test suites can sign
// people in by the thousand. They are far too weak for a real password; nothing outside tests
// may use them.
var InsecureTestParams = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
