package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

// window is the throttle window of the throttle tests.
const window = 15 * time.Minute

var throttleTests = []test{
	{"AddFailureCounts", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		for i := range 3 {
			c, err := s.AddFailure(ctx, "ip:192.0.2.1", t0.Add(time.Duration(i)*time.Second), window)
			ok(t, "AddFailure", err)
			if c.Count != i+1 {
				t.Fatalf("AddFailure #%d: Count=%d, want %d", i+1, c.Count, i+1)
			}
		}
		want := latchkey.Counter{Key: "ip:192.0.2.1", Count: 3, First: t0, Last: t0.Add(2 * time.Second)}
		got, err := s.Counter(ctx, "ip:192.0.2.1", t0.Add(time.Minute), window)
		ok(t, "Counter", err)
		same(t, "Counter", want, got)

		other, err := s.AddFailure(ctx, "ip:192.0.2.2", t0, window)
		ok(t, "AddFailure(other key)", err)
		same(t, "AddFailure(other key)", latchkey.Counter{Key: "ip:192.0.2.2", Count: 1, First: t0, Last: t0}, other)
	}},
	{"WindowRestartsTheCount", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		_, err := s.AddFailure(ctx, "k", t0, window)
		ok(t, "AddFailure", err)
		inside := t0.Add(window - time.Microsecond)
		c, err := s.AddFailure(ctx, "k", inside, window)
		ok(t, "AddFailure(window-1µs after First)", err)
		same(t, "counter inside the window", latchkey.Counter{Key: "k", Count: 2, First: t0, Last: inside}, c)
		restart := t0.Add(window)
		c, err = s.AddFailure(ctx, "k", restart, window)
		ok(t, "AddFailure(window after First)", err)
		same(t, "counter after the window", latchkey.Counter{Key: "k", Count: 1, First: restart, Last: restart}, c)
	}},
	{"CounterIsZeroOutsideTheWindow", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		for range 2 {
			_, err := s.AddFailure(ctx, "k", t0, window)
			ok(t, "AddFailure", err)
		}
		c, err := s.Counter(ctx, "k", t0.Add(window-time.Microsecond), window)
		ok(t, "Counter(inside the window)", err)
		if c.Count != 2 {
			t.Errorf("Counter(inside the window).Count=%d, want 2", c.Count)
		}
		c, err = s.Counter(ctx, "k", t0.Add(window), window)
		ok(t, "Counter(window after First)", err)
		if c.Count != 0 || !c.First.IsZero() {
			t.Errorf("Counter(window after First)=%+v, want a zero Counter", c)
		}
		c, err = s.Counter(ctx, "unknown", t0, window)
		ok(t, "Counter(unknown key)", err)
		if c.Count != 0 || !c.First.IsZero() {
			t.Errorf("Counter(unknown key)=%+v, want a zero Counter", c)
		}
	}},
	{"ResetCounter", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		for range 3 {
			_, err := s.AddFailure(ctx, "k", t0, window)
			ok(t, "AddFailure", err)
		}
		_, err := s.AddFailure(ctx, "other", t0, window)
		ok(t, "AddFailure(other)", err)
		ok(t, "ResetCounter", s.ResetCounter(ctx, "k"))
		c, err := s.Counter(ctx, "k", t0, window)
		ok(t, "Counter", err)
		if c.Count != 0 {
			t.Errorf("Counter after ResetCounter: Count=%d, want 0", c.Count)
		}
		c, err = s.Counter(ctx, "other", t0, window)
		ok(t, "Counter(other)", err)
		if c.Count != 1 {
			t.Errorf("Counter(other) after ResetCounter(k): Count=%d, want 1", c.Count)
		}
		ok(t, "ResetCounter(missing)", s.ResetCounter(ctx, "k"))
		c, err = s.AddFailure(ctx, "k", t0.Add(time.Second), window)
		ok(t, "AddFailure after ResetCounter", err)
		if c.Count != 1 {
			t.Errorf("AddFailure after ResetCounter: Count=%d, want 1", c.Count)
		}
	}},
	{"DeleteStaleCounters", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		before := t0.Add(time.Hour)
		last := map[string]time.Time{
			"stale":        t0,
			"before-1µs":   before.Add(-time.Microsecond),
			"before":       before,
			"after before": before.Add(time.Minute),
		}
		for key, at := range last {
			_, err := s.AddFailure(ctx, key, at, window)
			ok(t, "AddFailure", err)
		}
		n, err := s.DeleteStaleCounters(ctx, before)
		ok(t, "DeleteStaleCounters", err)
		if n != 2 {
			t.Errorf("DeleteStaleCounters=%d, want 2", n)
		}
		for key, at := range last {
			c, err := s.Counter(ctx, key, at, window)
			ok(t, "Counter", err)
			want := 1
			if at.Before(before) {
				want = 0
			}
			if c.Count != want {
				t.Errorf("counter %q (Last %v) after DeleteStaleCounters(%v): Count=%d, want %d", key, at, before, c.Count, want)
			}
		}
	}},
	{"ConcurrentAddFailureCountsEveryOne", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		const n = 50
		start := make(chan struct{})
		counts := make(chan int, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				<-start
				c, err := s.AddFailure(ctx, "hot", t0, window)
				if err != nil {
					t.Errorf("AddFailure: %v", err)
				}
				counts <- c.Count
			})
		}
		close(start)
		wg.Wait()
		close(counts)
		var got []int
		for c := range counts {
			got = append(got, c)
		}
		slices.Sort(got)
		want := make([]int, n)
		for i := range want {
			want[i] = i + 1
		}
		same(t, "counts returned by concurrent AddFailure calls", want, got)
		c, err := s.Counter(ctx, "hot", t0, window)
		ok(t, "Counter", err)
		if c.Count != n {
			t.Errorf("Counter after %d concurrent failures: Count=%d", n, c.Count)
		}
	}},
	{"CountGuessCountsAndShowsTheCountBefore", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		g := []latchkey.Guess{{Key: "k", Window: window}}
		var before latchkey.Counter
		keep := func(_ int, c latchkey.Counter) error { before = c; return nil }
		after, err := s.CountGuess(ctx, g, t0, keep)
		ok(t, "CountGuess(new key)", err)
		same(t, "before the first guess", latchkey.Counter{Key: "k"}, before)
		same(t, "after the first guess", []latchkey.Counter{{Key: "k", Count: 1, First: t0, Last: t0}}, after)
		after, err = s.CountGuess(ctx, g, t0.Add(time.Second), keep)
		ok(t, "CountGuess(second)", err)
		same(t, "before the second guess", latchkey.Counter{Key: "k", Count: 1, First: t0, Last: t0}, before)
		same(t, "after the second guess", []latchkey.Counter{{Key: "k", Count: 2, First: t0, Last: t0.Add(time.Second)}}, after)
		after, err = s.CountGuess(ctx, g, t0.Add(3*time.Second), keep)
		ok(t, "CountGuess(third)", err)
		same(t, "before the third guess", latchkey.Counter{Key: "k", Count: 2, First: t0, Last: t0.Add(time.Second)}, before)
		same(t, "after the third guess", []latchkey.Counter{{Key: "k", Count: 3, First: t0, Last: t0.Add(3 * time.Second)}}, after)
		// Past the window the counter starts again: the guess sees 0.
		after, err = s.CountGuess(ctx, g, t0.Add(window), keep)
		ok(t, "CountGuess(after the window)", err)
		same(t, "before a guess past the window", latchkey.Counter{Key: "k"}, before)
		same(t, "after a guess past the window", []latchkey.Counter{{Key: "k", Count: 1, First: t0.Add(window), Last: t0.Add(window)}}, after)
	}},
	{"CountGuessRefusedCountsNothing", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		for _, k := range []string{"a", "b"} {
			_, err := s.AddFailure(ctx, k, t0, window)
			ok(t, "AddFailure", err)
		}
		refused := errors.New("refused")
		g := []latchkey.Guess{{Key: "a", Window: window}, {Key: "b", Window: window}, {Key: "new", Window: window}}
		var seen []int
		_, err := s.CountGuess(ctx, g, t0.Add(time.Second), func(i int, c latchkey.Counter) error {
			seen = append(seen, i)
			if i == 1 {
				return refused
			}
			return nil
		})
		if !errors.Is(err, refused) {
			t.Fatalf("CountGuess with allow refusing = %v, want allow's error", err)
		}
		if len(seen) != 2 || seen[0] != 0 || seen[1] != 1 {
			t.Errorf("allow was called for %v, want 0 then 1 (in order, stopping at the refusal)", seen)
		}
		got, err := s.Counters(ctx, []string{"a", "b", "new"})
		ok(t, "Counters", err)
		if got["a"].Count != 1 || got["b"].Count != 1 || got["new"].Count != 0 {
			t.Errorf("after a refused guess a/b/new = %d/%d/%d, want 1/1/0 (nothing counted)", got["a"].Count, got["b"].Count, got["new"].Count)
		}
	}},
	{"ConcurrentCountGuessesSeeEachOther", func(t *testing.T, s latchkey.Store) {
		// 50 concurrent guesses on counters shared in different orders, each allowed only
		// while the first counter is under 5: exactly 5 pass, whatever the interleaving, and
		// none deadlocks.
		ctx := t.Context()
		const n, limit = 50, 5
		start := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		passed := 0
		for i := range n {
			g := []latchkey.Guess{{Key: "hot", Window: window}, {Key: "x", Window: window}, {Key: "y", Window: window}}
			if i%2 == 1 {
				g = []latchkey.Guess{{Key: "hot", Window: window}, {Key: "y", Window: window}, {Key: "x", Window: window}}
			}
			wg.Go(func() {
				<-start
				_, err := s.CountGuess(ctx, g, t0, func(i int, c latchkey.Counter) error {
					if i == 0 && c.Count >= limit {
						return errFn
					}
					return nil
				})
				switch {
				case err == nil:
					mu.Lock()
					passed++
					mu.Unlock()
				case !errors.Is(err, errFn):
					t.Errorf("CountGuess: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		if passed != limit {
			t.Fatalf("%d of %d concurrent guesses passed, want exactly %d", passed, n, limit)
		}
		got, err := s.Counters(ctx, []string{"hot", "x", "y"})
		ok(t, "Counters", err)
		for _, k := range []string{"hot", "x", "y"} {
			if got[k].Count != limit {
				t.Errorf("counter %s = %d, want %d (only the guesses that passed)", k, got[k].Count, limit)
			}
		}
	}},
	{"CountersAndResetCounters", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		for _, k := range []string{"a", "b", "b", "c"} {
			_, err := s.AddFailure(ctx, k, t0, window)
			ok(t, "AddFailure", err)
		}
		got, err := s.Counters(ctx, []string{"a", "b", "missing"})
		ok(t, "Counters", err)
		same(t, "Counters", map[string]latchkey.Counter{
			"a": {Key: "a", Count: 1, First: t0, Last: t0},
			"b": {Key: "b", Count: 2, First: t0, Last: t0},
		}, got)
		ok(t, "UndoFailures", s.UndoFailures(ctx, []string{"a", "b", "missing"}))
		got, err = s.Counters(ctx, []string{"a", "b"})
		ok(t, "Counters after UndoFailures", err)
		if got["a"].Count != 0 || got["b"].Count != 1 {
			t.Fatalf("after UndoFailures: a=%d b=%d, want 0 and 1", got["a"].Count, got["b"].Count)
		}
		ok(t, "UndoFailures(at zero)", s.UndoFailures(ctx, []string{"a"}))
		got, err = s.Counters(ctx, []string{"a"})
		ok(t, "Counters", err)
		if got["a"].Count != 0 {
			t.Fatalf("UndoFailures went below zero: %d", got["a"].Count)
		}
		ok(t, "ResetCounters", s.ResetCounters(ctx, []string{"a", "b", "missing"}))
		got, err = s.Counters(ctx, []string{"a", "b", "c"})
		ok(t, "Counters after reset", err)
		same(t, "Counters after reset", map[string]latchkey.Counter{"c": {Key: "c", Count: 1, First: t0, Last: t0}}, got)
	}},
	{"DeleteCountersWithPrefix", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		for _, k := range []string{"pw:pair:ws:a_b%c@x.example:1", "pw:pair:ws:a_b%c@x.example:2", "pw:pair:ws:aXbYc@x.example:1", "pw:pair:ws:é@x.example:1"} {
			_, err := s.AddFailure(ctx, k, t0, window)
			ok(t, "AddFailure", err)
		}
		n, err := s.DeleteCountersWithPrefix(ctx, "pw:pair:ws:a_b%c@x.example:")
		ok(t, "DeleteCountersWithPrefix", err)
		if n != 2 {
			t.Fatalf("DeleteCountersWithPrefix = %d, want 2 ('_' and '%%' are not patterns)", n)
		}
		n, err = s.DeleteCountersWithPrefix(ctx, "pw:pair:ws:é@")
		ok(t, "DeleteCountersWithPrefix(non-ASCII)", err)
		if n != 1 {
			t.Fatalf("DeleteCountersWithPrefix(non-ASCII) = %d, want 1", n)
		}
		got, err := s.Counters(ctx, []string{"pw:pair:ws:aXbYc@x.example:1"})
		ok(t, "Counters", err)
		if len(got) != 1 {
			t.Fatalf("the look-alike key was deleted too")
		}
	}},
}
