package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// CountGuess counts a guess on every counter of guesses in one transaction, as
// latchkey.ThrottleStore promises. Each count is an unconditional upsert that returns the new
// counter; it holds the row (PostgreSQL) or the database (SQLite) until the transaction ends,
// so a concurrent guess at the same key waits and then sees this one's count, and a guess that
// allow refuses rolls back. The rows are written in key order, so that two guesses sharing
// counters always lock them in the same order and never deadlock.
func (db *DB) CountGuess(ctx context.Context, guesses []latchkey.Guess, now time.Time, allow func(i int, before latchkey.Counter) error) ([]latchkey.Counter, error) {
	order := make([]int, len(guesses))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(guesses[a].Key, guesses[b].Key) })
	after := make([]latchkey.Counter, len(guesses))
	prevs := make([]time.Time, len(guesses))
	var refused error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, i := range order {
			g := guesses[i]
			var c latchkey.Counter
			var prev time.Time
			err := tx.QueryRowContext(ctx,
				`INSERT INTO throttle_counters (`+counterColumns+`, prev_at) VALUES ($1, 1, $2, $2, NULL)
				ON CONFLICT (throttle_key) DO UPDATE SET
					failures = CASE WHEN throttle_counters.first_at <= $3 THEN 1 ELSE throttle_counters.failures + 1 END,
					first_at = CASE WHEN throttle_counters.first_at <= $3 THEN excluded.first_at ELSE throttle_counters.first_at END,
					prev_at = CASE WHEN throttle_counters.first_at <= $3 THEN NULL ELSE throttle_counters.last_at END,
					last_at = excluded.last_at
				RETURNING `+counterColumns+`, prev_at`,
				g.Key, timeValue(now), timeValue(now.Add(-g.Window))).
				Scan(&c.Key, &c.Count, timeDest(&c.First), timeDest(&c.Last), timeDest(&prev))
			if err != nil {
				return fmt.Errorf("count guess: %w", err)
			}
			after[i], prevs[i] = c, prev
		}
		for i, c := range after {
			before := latchkey.Counter{Key: c.Key}
			if c.Count > 1 {
				before = latchkey.Counter{Key: c.Key, Count: c.Count - 1, First: c.First, Last: prevs[i]}
			}
			if refused = allow(i, before); refused != nil {
				return refused
			}
		}
		return nil
	})
	if refused != nil {
		return nil, refused
	}
	if err != nil {
		return nil, fmt.Errorf("count guess: %w", err)
	}
	return after, nil
}

// Counters returns the existing counters of keys in one read.
func (db *DB) Counters(ctx context.Context, keys []string) (map[string]latchkey.Counter, error) {
	out := make(map[string]latchkey.Counter, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := db.ro.QueryContext(ctx,
		`SELECT `+counterColumns+` FROM throttle_counters WHERE throttle_key IN (`+placeholders(1, len(keys))+`)`, anys(keys)...)
	if err != nil {
		return nil, fmt.Errorf("read throttle counters: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCounter(rows)
		if err != nil {
			return nil, fmt.Errorf("read throttle counters: %w", err)
		}
		out[c.Key] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read throttle counters: %w", err)
	}
	return out, nil
}

// UndoFailures takes one failure off each counter of keys, never below zero.
func (db *DB) UndoFailures(ctx context.Context, keys []string) error {
	return undoFailures(ctx, db.rw, keys)
}

func undoFailures(ctx context.Context, q querier, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if _, err := q.ExecContext(ctx,
		`UPDATE throttle_counters SET failures = failures - 1 WHERE failures > 0 AND throttle_key IN (`+placeholders(1, len(keys))+`)`, anys(keys)...); err != nil {
		return fmt.Errorf("undo throttle failures: %w", err)
	}
	return nil
}

// ResetCounters removes the counters of keys in one statement.
func (db *DB) ResetCounters(ctx context.Context, keys []string) error {
	return resetCounters(ctx, db.rw, keys)
}

func resetCounters(ctx context.Context, q querier, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if _, err := q.ExecContext(ctx,
		`DELETE FROM throttle_counters WHERE throttle_key IN (`+placeholders(1, len(keys))+`)`, anys(keys)...); err != nil {
		return fmt.Errorf("reset throttle counters: %w", err)
	}
	return nil
}

// DeleteCountersWithPrefix removes the counters whose key begins with prefix. It compares a
// substring rather than using LIKE, so that '%' and '_' in an email are not patterns; substr
// counts characters on both engines, hence the rune count.
func (db *DB) DeleteCountersWithPrefix(ctx context.Context, prefix string) (int, error) {
	if prefix == "" {
		return 0, errors.New("delete throttle counters: empty prefix")
	}
	res, err := db.rw.ExecContext(ctx,
		`DELETE FROM throttle_counters WHERE substr(throttle_key, 1, $1) = $2`, utf8.RuneCountInString(prefix), prefix)
	if err != nil {
		return 0, fmt.Errorf("delete throttle counters: %w", err)
	}
	return affected(res)
}

// placeholders returns "$from, $from+1, …" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
