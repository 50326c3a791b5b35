package loadtest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable writes the report as an aligned table, one row per step, followed by the machine.
func WriteTable(w io.Writer, rep Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tc\tops\tops/s\tp50\tp95\tp99\terrors\tCPU/op\tpeak RSS\tratio\tvs\t")
	for _, r := range rep.Results {
		ratio := "-"
		if r.RatioTo != "" {
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n",
			r.Scenario, r.Concurrency, r.Ops, rate(r.Throughput), ms(r.P50), ms(r.P95), ms(r.P99),
			r.Errors, ms(r.CPUPerOp), mib(r.PeakRSS), ratio, orDash(r.RatioTo))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rep.Results {
		if r.FirstError == "" {
			continue
		}
		kinds := make([]string, 0, len(r.ErrorKinds))
		for _, k := range slices.Sorted(maps.Keys(r.ErrorKinds)) {
			kinds = append(kinds, fmt.Sprintf("%s ×%d", k, r.ErrorKinds[k]))
		}
		fmt.Fprintf(w, "errors of %s c=%d: %s; first: %s\n", r.Scenario, r.Concurrency, strings.Join(kinds, ", "), r.FirstError)
	}
	peak := "per step"
	if !rep.PeakRSSPerStep {
		peak = "since the process started"
	}
	whose := "server and driver together (the server runs in this process)"
	if !rep.ServerInProcess {
		whose = "the driver's alone (the server runs elsewhere)"
	}
	_, err := fmt.Fprintf(w, "machine: %d CPUs (GOMAXPROCS %d), %s, %s; peak RSS %s; CPU/op and peak RSS are %s\n",
		rep.Machine.Cores, rep.Machine.GOMAXPROCS, orDash(rep.Machine.CPU), rep.Machine.GoVersion, peak, whose)
	return err
}

// ms formats a duration in milliseconds with three significant digits, "-" for zero.
func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64) + " ms"
	}
	return strconv.FormatFloat(v, 'f', 3, 64) + " ms"
}

func rate(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func mib(b int64) string {
	if b == 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 0, 64) + " MiB"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
