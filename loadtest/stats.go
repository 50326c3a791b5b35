package loadtest

import (
	"slices"
	"time"
)

// Latency summarises the durations of successful operations.
type Latency struct {
	P50  time.Duration `json:"p50_ns"`
	P95  time.Duration `json:"p95_ns"`
	P99  time.Duration `json:"p99_ns"`
	Max  time.Duration `json:"max_ns"`
	Mean time.Duration `json:"mean_ns"`
}

// Summarize returns the percentiles, maximum and mean of ds, sorting ds in place. The
// percentiles are nearest-rank: the smallest duration that at least p % of ds do not exceed,
// so every percentile is a duration that was measured. An empty ds gives the zero Latency.
func Summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return Latency{
		P50:  Percentile(ds, 50),
		P95:  Percentile(ds, 95),
		P99:  Percentile(ds, 99),
		Max:  ds[len(ds)-1],
		Mean: sum / time.Duration(len(ds)),
	}
}

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of sorted, which must be
// sorted ascending: the element at rank ⌈p/100 · n⌉. It returns 0 for an empty slice; p ≤ 0
// gives the smallest element and p > 100 the largest.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// Integer arithmetic in hundredths of a percent, so that 95 % of 20 is exactly rank 19 and
	// not 19.000000000000004 rounded up to 20.
	hp := int64(p*100 + 0.5)
	rank := int((hp*int64(n) + 9999) / 10000)
	return sorted[min(max(rank, 1), n)-1]
}
