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

// ThrottleStore keeps failure counters. Keys are opaque to the store; the sign-in flows build
// them from what an attacker guesses against.
type ThrottleStore interface {
	// Counter returns the counter for key, or a zero Counter (Count 0) if there is none or its
	// First is window or more before now.
	Counter(ctx context.Context, key string, now time.Time, window time.Duration) (Counter, error)
	// AddFailure counts one failure at now, atomically, and returns the new counter. A counter
	// whose First is window or more before now starts again at 1.
	AddFailure(ctx context.Context, key string, now time.Time, window time.Duration) (Counter, error)
	// ResetCounter removes the counter for key. Removing a missing counter is not an error.
	ResetCounter(ctx context.Context, key string) error
	// DeleteStaleCounters removes counters whose Last is before before, and returns how many.
	DeleteStaleCounters(ctx context.Context, before time.Time) (int, error)
}
