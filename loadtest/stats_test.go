package loadtest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func msList(n ...int) []time.Duration {
	ds := make([]time.Duration, len(n))
	for i, v := range n {
		ds[i] = time.Duration(v) * time.Millisecond
	}
	return ds
}

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	twenty := hundred[:20]
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one element, any p", msList(7), 99, 7 * time.Millisecond},
		{"median of odd count", msList(1, 2, 3), 50, 2 * time.Millisecond},
		{"median of even count is the lower middle", msList(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p50 of 1..100", hundred, 50, 50 * time.Millisecond},
		{"p95 of 1..100", hundred, 95, 95 * time.Millisecond},
		{"p99 of 1..100", hundred, 99, 99 * time.Millisecond},
		{"p100 is the max", hundred, 100, 100 * time.Millisecond},
		{"p95 of 20 is rank 19, not 20", twenty, 95, 19 * time.Millisecond},
		{"p99 of 20 rounds up to the max", twenty, 99, 20 * time.Millisecond},
		{"p99.9 of 1000 ranks", thousand(), 99.9, 999 * time.Millisecond},
		{"p0 is the min", hundred, 0, time.Millisecond},
		{"p above 100 is the max", hundred, 150, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%d durations, %v) = %v, want %v", len(tt.sorted), tt.p, got, tt.want)
			}
		})
	}
}

func thousand() []time.Duration {
	ds := make([]time.Duration, 1000)
	for i := range ds {
		ds[i] = time.Duration(i+1) * time.Millisecond
	}
	return ds
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		in   []time.Duration
		want Latency
	}{
		{"empty", nil, Latency{}},
		{"unsorted input", msList(30, 10, 20), Latency{P50: 20 * time.Millisecond, P95: 30 * time.Millisecond, P99: 30 * time.Millisecond,
			Max: 30 * time.Millisecond, Mean: 20 * time.Millisecond}},
		{"one outlier moves p99 and max, not p50", append(msList(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), 1000*time.Millisecond),
			Latency{P50: time.Millisecond, P95: time.Millisecond, P99: time.Second, Max: time.Second, Mean: 50950 * time.Microsecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Summarize(tt.in)); diff != "" {
				t.Errorf("Summarize (-want +got):\n%s", diff)
			}
		})
	}
}

func TestShare(t *testing.T) {
	tests := []struct{ total, n, i, want int }{
		{100_000, 10_000, 0, 10},
		{100_000, 10_000, 9_999, 10},
		{10, 3, 0, 4},
		{10, 3, 1, 3},
		{10, 3, 2, 3},
		{5, 0, 0, 0},
	}
	for _, tt := range tests {
		if got := share(tt.total, tt.n, tt.i); got != tt.want {
			t.Errorf("share(%d, %d, %d) = %d, want %d", tt.total, tt.n, tt.i, got, tt.want)
		}
	}
}

func TestFillRatios(t *testing.T) {
	rs := []Result{
		{Scenario: ScenarioHash, Concurrency: 1, Throughput: 40},
		{Scenario: ScenarioBare, Concurrency: 64, Throughput: 20000},
		{Scenario: ScenarioSignIn, Concurrency: 1, Throughput: 30},
		{Scenario: ScenarioAuth, Concurrency: 16, Throughput: 5000},
	}
	fillRatios(rs)
	got := []string{rs[2].RatioTo, rs[3].RatioTo}
	if diff := cmp.Diff([]string{"hash c=1", "bare c=64"}, got); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
	if rs[2].Ratio != 0.75 || rs[3].Ratio != 0.25 {
		t.Errorf("ratios %v and %v, want 0.75 and 0.25", rs[2].Ratio, rs[3].Ratio)
	}
	if rs[0].RatioTo != "" || rs[1].RatioTo != "" {
		t.Errorf("the references got ratios themselves: %+v %+v", rs[0], rs[1])
	}
}

func TestFormToken(t *testing.T) {
	tests := []struct {
		name, page, want string
		ok               bool
	}{
		{"field", `<form><input type="hidden" name="csrf" value="abc-_1"><input name="email"></form>`, "abc-_1", true},
		{"no field", `<form><input name="email"></form>`, "", false},
		{"empty field", `<input type="hidden" name="csrf" value="">`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := formToken([]byte(tt.page))
			if got != tt.want || (err == nil) != tt.ok {
				t.Errorf("formToken = %q, %v; want %q, ok %v", got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestErrorKind(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&statusError{"POST /login", 503}, "status 503"},
		{fmt.Errorf("sign in: %w", &statusError{"GET /login", 429}), "status 429"},
		{fmt.Errorf("POST /login: %w", context.DeadlineExceeded), "timeout"},
		{fmt.Errorf("GET /: %w", context.Canceled), "canceled"},
		{errors.New("connection refused"), "other"},
	}
	for _, tt := range tests {
		if got := errorKind(tt.err); got != tt.want {
			t.Errorf("errorKind(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
