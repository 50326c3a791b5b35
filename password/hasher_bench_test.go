package password

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkHasherVerify runs dummy verifications (Default parameters, the work of a sign-in's
// check) through a Hasher with Limit 2 from 2 goroutines at once (c=2 on 2 cores; -cpu sets
// GOMAXPROCS and so the count): ns/op is wall time per verification of the pair.
func BenchmarkHasherVerify(b *testing.B) {
	h := NewHasher(HasherConfig{Limit: 2})
	b.ReportAllocs()
	reportGC(b, func() {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := h.VerifyDummy(b.Context(), "a long enough password"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// reportGC runs f and adds the garbage collections and the process's CPU time (user and system,
// all threads: less sensitive than ns/op to other processes on a shared machine) per operation.
func reportGC(b *testing.B, f func()) {
	var before, after runtime.MemStats
	var ru0, ru1 syscall.Rusage
	runtime.ReadMemStats(&before)
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	f()
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.NumGC-before.NumGC)/float64(b.N), "GCs/op")
	cpu := func(ru syscall.Rusage) time.Duration {
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ReportMetric(float64(cpu(ru1)-cpu(ru0))/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(ru1.Minflt-ru0.Minflt)/float64(b.N), "faults/op")
}
