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
	// advisory rules count guesses but never refuse one (the per-account rule for a browser
	// that has signed in to the account before).
	advisory bool
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

// passwordRules are the throttles of a password or second-factor guess. The keys use the typed
// email, normalised, never the account: unknown and real emails count alike. A browser that has
// signed in to this account before (knownDevice) is not refused by the per-account rule, which
// an attacker elsewhere can fill: its guesses still count there, and the per-pair and
// per-address rules still bind it (NIST SP 800-63B 5.2.2: limit failures without letting an
// attacker lock the owner out).
func passwordRules(kind, ws, email, addr string, knownDevice bool) []rule {
	e := latchkey.NormalizeEmail(email)
	return []rule{
		{key: pairPrefix(kind, ws, email) + addr, window: counterLife, wait: pairWait},
		{key: kind + ":addr:" + ws + ":" + addr, window: AddrWindow, wait: addrWait, keep: true},
		{key: accountKey(kind, ws, e), window: counterLife, wait: accountWait, advisory: knownDevice},
	}
}

func accountKey(kind, ws, email string) string {
	return kind + ":acct:" + ws + ":" + latchkey.NormalizeEmail(email)
}

func pairPrefix(kind, ws, email string) string {
	return kind + ":pair:" + ws + ":" + latchkey.NormalizeEmail(email) + ":"
}

// ClearSignInLimits clears the account's sign-in limits: its per-account password counter, the
// counters of every (account, address) pair, and the reset-request counters of its email. The
// per-address counters stay: they are an address's guesses at every account. It returns how
// many pair and reset counters it deleted.
func (s *Service) ClearSignInLimits(ctx context.Context, a latchkey.Account) (int, error) {
	n := 0
	for _, prefix := range []string{pairPrefix("pw", a.WorkspaceID, a.Email), resetPrefix(a.WorkspaceID, a.Email)} {
		m, err := s.Store.DeleteCountersWithPrefix(ctx, prefix)
		if err != nil {
			return n, wrap("clear throttle", err)
		}
		n += m
	}
	return n, wrap("clear throttle", s.Store.ResetCounters(ctx, []string{accountKey("pw", a.WorkspaceID, a.Email)}))
}

// countGuess counts one guess at a secret against every rule before the secret is checked. A
// rule refuses the guess when the failures already counted impose a wait; then countGuess
// returns the throttle error, nothing is counted, and the guess must not be checked. The counts
// are one transaction that holds the counters while it decides (Store.CountGuess), so of N
// concurrent guesses, on any nodes, no more pass a rule than its limit allows. On success it
// returns the wait that the guess starts if it proves wrong (the failure that fills a rule tells
// the user to wait at once). A right secret takes its count back (forgive) or resets the
// counters (succeed, or signInInput.Settle).
func (s *Service) countGuess(ctx context.Context, rules []rule, now time.Time) (time.Duration, error) {
	guesses := make([]latchkey.Guess, len(rules))
	for i, r := range rules {
		guesses[i] = latchkey.Guess{Key: r.key, Window: r.window}
	}
	next, err := s.Store.CountGuess(ctx, guesses, now, func(i int, before latchkey.Counter) error {
		if r := rules[i]; !r.advisory {
			if w := r.wait(before, now); w > 0 {
				return throttleError(w)
			}
		}
		return nil
	})
	if latchkey.ErrorCode(err) == latchkey.CodeThrottled {
		return 0, err
	}
	if err != nil {
		return 0, wrap("count guess", err)
	}
	var after time.Duration
	for i, r := range rules {
		if !r.advisory {
			after = max(after, r.wait(next[i], now))
		}
	}
	return after, nil
}

// settled splits the keys of rules as a success settles them: undo loses the right guess's
// count (the rules a success does not reset, keep), reset is removed.
func settled(rules []rule) (undo, reset []string) {
	for _, r := range rules {
		if r.keep {
			undo = append(undo, r.key)
		} else {
			reset = append(reset, r.key)
		}
	}
	return undo, reset
}

// succeed resets the counters that a success ends, in one statement.
func (s *Service) succeed(ctx context.Context, rules []rule) error {
	_, reset := settled(rules)
	return wrap("reset throttle", s.Store.ResetCounters(ctx, reset))
}

// forgive takes back, on every rule, the count of a guess that proved right.
func (s *Service) forgive(ctx context.Context, rules []rule) error {
	keys := make([]string, len(rules))
	for i, r := range rules {
		keys[i] = r.key
	}
	return wrap("undo throttle count", s.Store.UndoFailures(ctx, keys))
}

// throttleError is the error shown while a wait lasts. The wait is rounded up to whole
// seconds, and is at least one, so that the page never says "0 seconds"; it is not lengthened
// further, so that a wait of one minute is told as one minute.
func throttleError(wait time.Duration) error {
	retry := max(time.Second, (wait + time.Second - 1).Truncate(time.Second))
	return &latchkey.Error{Code: latchkey.CodeThrottled, Message: latchkey.MsgTooManyAttempts, RetryAfter: retry}
}
