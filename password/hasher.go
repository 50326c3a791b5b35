package password

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
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
}

// Hasher hashes and verifies passwords with at most Limit argon2id computations in flight and at
// most Queue callers waiting for one. A caller whose context ends while it waits (the client went
// away) gives up its place without hashing. A Hasher is safe for concurrent use.
type Hasher struct {
	params Params
	light  Params
	slots  chan struct{}
	queue  chan struct{}
	wait   time.Duration
	dummy  string

	inFlight atomic.Int64
	peak     atomic.Int64
}

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
	h := &Hasher{params: cfg.Params, light: cfg.LightParams, slots: make(chan struct{}, cfg.Limit), queue: make(chan struct{}, cfg.Queue), wait: cfg.Wait}
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
	select {
	case h.slots <- struct{}{}:
	default:
		select {
		case h.queue <- struct{}{}:
		default:
			return nil, ErrBusy
		}
		t := time.NewTimer(h.wait)
		select {
		case h.slots <- struct{}{}:
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
		<-h.slots
		return nil, err
	}
	n := h.inFlight.Add(1)
	for {
		p := h.peak.Load()
		if n <= p || h.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return func() { h.inFlight.Add(-1); <-h.slots }, nil
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
	release, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return HashWith(pw, p)
}

// Verify reports whether pw matches hash, under the Hasher's bound. Errors: ErrBusy, the
// context's error, or ErrMalformed.
func (h *Hasher) Verify(ctx context.Context, pw, hash string) (bool, error) {
	if _, _, _, err := decode(hash); err != nil {
		return false, err
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return Verify(pw, hash)
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
	release, err := h.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	if err := before(); err != nil {
		return false, err
	}
	if hash == "" {
		Verify(pw, h.dummy)
		return false, nil
	}
	if _, _, _, err := decode(hash); err != nil {
		Verify(pw, h.dummy)
		return false, err
	}
	return Verify(pw, hash)
}

// Light are the parameters of HashLight: argon2id, lighter than for passwords, because a
// recovery code has about 79 random bits and a check may try ten hashes.
var Light = Params{Memory: 8 * 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// InsecureTestParams make a hash in well under a millisecond, so that test suites can sign
// people in by the thousand. They are far too weak for a real password; nothing outside tests
// may use them.
var InsecureTestParams = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
