package latchkey

import (
	"context"
	"time"
)

// Counter is a failure counter. It counts failures since First; Last is the latest one.
type Counter struct {
	Key   string
	Count int
	First time.Time
	Last  time.Time
}

// A Guess names one counter that a guess at a secret counts on, and the counter's window.
type Guess struct {
	Key    string
	Window time.Duration
}

// ThrottleStore keeps failure counters. Keys are opaque to the store; the sign-in flows build
// them from what an attacker guesses against.
type ThrottleStore interface {
	// Counter returns the counter for key, or a zero Counter (Count 0) if there is none or its
	// First is window or more before now.
	Counter(ctx context.Context, key string, now time.Time, window time.Duration) (Counter, error)
	// AddFailure counts one failure at now, atomically, and returns the new counter. A counter
	// whose First is window or more before now starts again at 1.
	AddFailure(ctx context.Context, key string, now time.Time, window time.Duration) (Counter, error)
	// CountGuess counts one failure at now on each of guesses, in one transaction, and returns
	// the counters after it. A counter whose First is its window or more before now starts
	// again at 1. allow is called for each guess, in order, with its counter as it stood before
	// this guess (Count 0 when missing or lapsed), while the counters are locked against other
	// callers; the first error allow returns undoes every count and is returned. So of any
	// number of concurrent guesses, on any nodes, each sees the counts of those before it:
	// this is how a guess is counted before its secret is checked. allow must be quick and must
	// not call the store.
	CountGuess(ctx context.Context, guesses []Guess, now time.Time, allow func(i int, before Counter) error) ([]Counter, error)
	// Counters returns the counters of keys that exist, by key, in one read, whatever their age
	// (the caller applies each key's window).
	Counters(ctx context.Context, keys []string) (map[string]Counter, error)
	// ResetCounter removes the counter for key. Removing a missing counter is not an error.
	ResetCounter(ctx context.Context, key string) error
	// UndoFailures takes one failure off each existing counter of keys that has any, in one
	// statement: a guess counted before its check that proved right.
	UndoFailures(ctx context.Context, keys []string) error
	// ResetCounters removes the counters of keys in one statement.
	ResetCounters(ctx context.Context, keys []string) error
	// DeleteCountersWithPrefix removes every counter whose key begins with prefix (an
	// administrator clearing a member's sign-in limits) and returns how many.
	DeleteCountersWithPrefix(ctx context.Context, prefix string) (int, error)
	// DeleteStaleCounters removes counters whose Last is before before, and returns how many.
	DeleteStaleCounters(ctx context.Context, before time.Time) (int, error)
}
