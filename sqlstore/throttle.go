package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey"
)

const counterColumns = `throttle_key, failures, first_at, last_at`

func scanCounter(s scanner) (latchkey.Counter, error) {
	var c latchkey.Counter
	err := s.Scan(&c.Key, &c.Count, timeDest(&c.First), timeDest(&c.Last))
	return c, err
}

// Counter returns the counter for key, or a zero Counter if there is none or its First is
// window or more before now.
func (db *DB) Counter(ctx context.Context, key string, now time.Time, window time.Duration) (latchkey.Counter, error) {
	c, err := scanCounter(db.ro.QueryRowContext(ctx,
		`SELECT `+counterColumns+` FROM throttle_counters WHERE throttle_key = $1 AND first_at > $2`,
		key, timeValue(now.Add(-window))))
	if errors.Is(err, sql.ErrNoRows) {
		return latchkey.Counter{}, nil
	}
	if err != nil {
		return latchkey.Counter{}, fmt.Errorf("read throttle counter: %w", err)
	}
	return c, nil
}

// AddFailure counts one failure at now and returns the new counter. It is one upsert
// statement, so concurrent failures from several nodes are all counted: a read-then-write
// would let simultaneous guesses share one count. A counter whose First is window or more
// before now starts again at 1 with First = now.
func (db *DB) AddFailure(ctx context.Context, key string, now time.Time, window time.Duration) (latchkey.Counter, error) {
	c, err := scanCounter(db.rw.QueryRowContext(ctx,
		`INSERT INTO throttle_counters (`+counterColumns+`) VALUES ($1, 1, $2, $2)
		ON CONFLICT (throttle_key) DO UPDATE SET
			failures = CASE WHEN throttle_counters.first_at <= $3 THEN 1 ELSE throttle_counters.failures + 1 END,
			first_at = CASE WHEN throttle_counters.first_at <= $3 THEN excluded.first_at ELSE throttle_counters.first_at END,
			last_at = excluded.last_at
		RETURNING `+counterColumns,
		key, timeValue(now), timeValue(now.Add(-window))))
	if err != nil {
		return latchkey.Counter{}, fmt.Errorf("add throttle failure: %w", err)
	}
	return c, nil
}

// ResetCounter removes the counter for key. Removing a missing counter is not an error.
func (db *DB) ResetCounter(ctx context.Context, key string) error {
	if _, err := db.rw.ExecContext(ctx, `DELETE FROM throttle_counters WHERE throttle_key = $1`, key); err != nil {
		return fmt.Errorf("reset throttle counter: %w", err)
	}
	return nil
}

// DeleteStaleCounters removes the counters whose Last is before before and returns how many.
func (db *DB) DeleteStaleCounters(ctx context.Context, before time.Time) (int, error) {
	res, err := db.rw.ExecContext(ctx, `DELETE FROM throttle_counters WHERE last_at < $1`, timeValue(before))
	if err != nil {
		return 0, fmt.Errorf("delete stale throttle counters: %w", err)
	}
	n, err := affected(res)
	if err != nil {
		return 0, fmt.Errorf("delete stale throttle counters: %w", err)
	}
	return n, nil
}
