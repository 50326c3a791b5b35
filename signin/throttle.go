package signin

import (
	"context"
	"time"

	"github.com/latchkey/latchkey"
)

// A rule is one throttle: a key, a window in which failures count, and how long to wait given a
// counter (zero: no wait).
type rule struct {
	key    string
	window time.Duration
	wait   func(c latchkey.Counter, now time.Time) time.Duration
	// keep is set on the per-address rule: a success on one account says nothing about the
	// address's guesses at others, so it does not reset that counter.
	keep bool
}

// Throttle limits. Exported so that tests and docs state the same numbers the code uses.
const (
	PairFree     = 5                // failures per (workspace, email, address) before a wait
	PairFirst    = time.Minute      // first wait, doubled with each further failure
	PairMax      = 15 * time.Minute // longest wait for a pair
	AddrLimit    = 50               // failures per (workspace, address) in AddrWindow
	AddrWindow   = time.Hour
	AccountLimit = 100 // consecutive failures per (workspace, email)
	AccountWait  = 15 * time.Minute
	// counterLife is how long a pair or account counter remembers failures with no success.
	counterLife = 24 * time.Hour
)

func remaining(until, now time.Time) time.Duration {
	if d := until.Sub(now); d > 0 {
		return d
	}
	return 0
}

func pairWait(c latchkey.Counter, now time.Time) time.Duration {
	if c.Count < PairFree {
		return 0
	}
	wait := PairMax
	if n := c.Count - PairFree; n < 5 { // 1, 2, 4, 8, then 15 minutes
		wait = min(PairFirst<<n, PairMax)
	}
	return remaining(c.Last.Add(wait), now)
}

func addrWait(c latchkey.Counter, now time.Time) time.Duration {
	if c.Count < AddrLimit {
		return 0
	}
	return remaining(c.First.Add(AddrWindow), now)
}

func accountWait(c latchkey.Counter, now time.Time) time.Duration {
	if c.Count < AccountLimit {
		return 0
	}
	return remaining(c.Last.Add(AccountWait), now)
}

// passwordRules are the throttles of a password (or, later, a second-factor) guess. The keys
// use the typed email, normalised, never the account: unknown and real emails count alike.
func passwordRules(kind, ws, email, addr string) []rule {
	e := latchkey.NormalizeEmail(email)
	return []rule{
		{key: kind + ":pair:" + ws + ":" + e + ":" + addr, window: counterLife, wait: pairWait},
		{key: kind + ":addr:" + ws + ":" + addr, window: AddrWindow, wait: addrWait, keep: true},
		{key: kind + ":acct:" + ws + ":" + e, window: counterLife, wait: accountWait},
	}
}

// throttled returns the longest wait any rule imposes now.
func (s *Service) throttled(ctx context.Context, rules []rule, now time.Time) (time.Duration, error) {
	var wait time.Duration
	for _, r := range rules {
		c, err := s.Store.Counter(ctx, r.key, now, r.window)
		if err != nil {
			return 0, wrap("read throttle", err)
		}
		wait = max(wait, r.wait(c, now))
	}
	return wait, nil
}

// fail counts a failure against every rule and returns the wait it now imposes.
func (s *Service) fail(ctx context.Context, rules []rule, now time.Time) (time.Duration, error) {
	var wait time.Duration
	for _, r := range rules {
		c, err := s.Store.AddFailure(ctx, r.key, now, r.window)
		if err != nil {
			return 0, wrap("count failure", err)
		}
		wait = max(wait, r.wait(c, now))
	}
	return wait, nil
}

// succeed resets the counters that a success ends.
func (s *Service) succeed(ctx context.Context, rules []rule) error {
	for _, r := range rules {
		if r.keep {
			continue
		}
		if err := s.Store.ResetCounter(ctx, r.key); err != nil {
			return wrap("reset throttle", err)
		}
	}
	return nil
}

// throttleError is the error shown while a wait lasts. The wait is rounded up to whole
// seconds, and is at least one, so that the page never says "0 seconds"; it is not lengthened
// further, so that a wait of one minute is told as one minute.
func throttleError(wait time.Duration) error {
	retry := max(time.Second, (wait + time.Second - 1).Truncate(time.Second))
	return &latchkey.Error{Code: latchkey.CodeThrottled, Message: latchkey.MsgTooManyAttempts, RetryAfter: retry}
}
