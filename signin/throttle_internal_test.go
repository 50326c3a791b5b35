package signin

import (
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

var t0 = time.Date(2030, time.March, 4, 9, 0, 0, 0, time.UTC)

func TestPairWait(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		count   int
		elapsed time.Duration // since the last failure
		want    time.Duration
	}{
		{0, 0, 0},
		{1, 0, 0},
		{4, 0, 0},
		{5, 0, time.Minute},
		{6, 0, 2 * time.Minute},
		{7, 0, 4 * time.Minute},
		{8, 0, 8 * time.Minute},
		{9, 0, 15 * time.Minute},
		{10, 0, 15 * time.Minute},
		{50, 0, 15 * time.Minute},
		{10000, 0, 15 * time.Minute},
		{5, 30 * time.Second, 30 * time.Second},
		{5, time.Minute, 0},
		{5, time.Hour, 0},
		{6, time.Minute, time.Minute},
		{9, 15 * time.Minute, 0},
	} {
		c := latchkey.Counter{Count: tc.count, First: t0.Add(-time.Hour), Last: t0}
		if got := pairWait(c, t0.Add(tc.elapsed)); got != tc.want {
			t.Errorf("pairWait(count %d, %v after the last failure) = %v, want %v", tc.count, tc.elapsed, got, tc.want)
		}
	}
}

func TestAddrWait(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		count   int
		elapsed time.Duration // since the first failure
		want    time.Duration
	}{
		{0, 0, 0},
		{49, 0, 0},
		{50, 0, time.Hour},
		{50, 20 * time.Minute, 40 * time.Minute},
		{500, 59 * time.Minute, time.Minute},
		{50, time.Hour, 0},
	} {
		c := latchkey.Counter{Count: tc.count, First: t0, Last: t0.Add(tc.elapsed)}
		if got := addrWait(c, t0.Add(tc.elapsed)); got != tc.want {
			t.Errorf("addrWait(count %d, %v after the first failure) = %v, want %v", tc.count, tc.elapsed, got, tc.want)
		}
	}
}

func TestAccountWait(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		count   int
		elapsed time.Duration // since the last failure
		want    time.Duration
	}{
		{0, 0, 0},
		{99, 0, 0},
		{100, 0, 15 * time.Minute},
		{101, 0, 15 * time.Minute},
		{5000, 0, 15 * time.Minute},
		{100, 5 * time.Minute, 10 * time.Minute},
		{100, 15 * time.Minute, 0},
	} {
		c := latchkey.Counter{Count: tc.count, First: t0.Add(-time.Hour), Last: t0}
		if got := accountWait(c, t0.Add(tc.elapsed)); got != tc.want {
			t.Errorf("accountWait(count %d, %v after the last failure) = %v, want %v", tc.count, tc.elapsed, got, tc.want)
		}
	}
}

func TestThrottleError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		wait, want time.Duration
	}{
		{time.Nanosecond, time.Second},
		{300 * time.Millisecond, time.Second},
		{time.Second, time.Second},
		{1500 * time.Millisecond, 2 * time.Second},
		{time.Minute, time.Minute},
		{time.Minute - time.Millisecond, time.Minute},
		{15 * time.Minute, 15 * time.Minute},
	} {
		err := throttleError(tc.wait)
		var e *latchkey.Error
		if !errors.As(err, &e) {
			t.Fatalf("throttleError(%v) = %T, want *latchkey.Error", tc.wait, err)
		}
		if e.Code != latchkey.CodeThrottled || e.Message != latchkey.MsgTooManyAttempts {
			t.Errorf("throttleError(%v) = %s %q", tc.wait, e.Code, e.Message)
		}
		if e.RetryAfter != tc.want {
			t.Errorf("throttleError(%v).RetryAfter = %v, want %v", tc.wait, e.RetryAfter, tc.want)
		}
	}
}

// The keys are built from the typed email, normalised, and never from whether an account
// exists, and each rule counts in its own window.
func TestPasswordRules(t *testing.T) {
	t.Parallel()
	a := passwordRules("pw", "ws1", " Bob@Acme.Example ", "203.0.113.1", false)
	b := passwordRules("pw", "ws1", "bob@acme.example", "203.0.113.1", false)
	for i := range a {
		if a[i].key != b[i].key {
			t.Errorf("rule %d: key %q for a differently written email, want %q", i, a[i].key, b[i].key)
		}
	}
	other := passwordRules("pw", "ws2", "bob@acme.example", "203.0.113.1", false)
	for i := range a {
		if a[i].key == other[i].key {
			t.Errorf("rule %d: two workspaces share key %q", i, a[i].key)
		}
	}
	if len(a) != 3 || a[0].window != counterLife || a[1].window != AddrWindow || a[2].window != counterLife {
		t.Errorf("windows %v, %v, %v", a[0].window, a[1].window, a[2].window)
	}
	if a[0].keep || !a[1].keep || a[2].keep {
		t.Error("only the per-address counter may outlive a success")
	}
}
