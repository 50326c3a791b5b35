package loadtest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Load bounds one step: Concurrency workers, each starting operations one after another until
// Duration has passed since the step began or MaxOps operations have been started, whichever
// comes first. A zero MaxOps means no count limit; a zero Duration means no time limit (then
// MaxOps must be set).
type Load struct {
	Concurrency int
	Duration    time.Duration
	MaxOps      int
}

// An Op is one operation, run by worker (0 ≤ worker < Concurrency); seq counts the operations
// of the step from 0. It returns nil on success.
type Op func(ctx context.Context, worker, seq int) error

// Sample is what Drive measured.
type Sample struct {
	Ops     int             // operations that succeeded
	Errors  int             // operations that failed
	Elapsed time.Duration   // from the first start to the last end
	Latency []time.Duration // of each successful operation, in no particular order
	// FirstError is the first failure seen, for the report.
	FirstError error
	// ErrorKinds counts the failures by kind: "status 503", "timeout", "canceled", "other".
	ErrorKinds map[string]int
}

// Drive runs op under l. tick, if not nil, is called about every interval (from another
// goroutine) with the operations done and failed so far. Cancelling ctx stops starting
// operations and cancels those in flight; they count as errors.
func Drive(ctx context.Context, l Load, op Op, interval time.Duration, tick func(ops, errs int)) Sample {
	c := max(l.Concurrency, 1)
	var (
		started, done, failed atomic.Int64
		mu                    sync.Mutex
		firstErr              error
		kinds                 = map[string]int{}
		wg                    sync.WaitGroup
	)
	lat := make([][]time.Duration, c)
	begin := time.Now()
	deadline := begin.Add(l.Duration)
	stopTick := make(chan struct{})
	tickDone := make(chan struct{})
	go func() {
		defer close(tickDone)
		if tick == nil || interval <= 0 {
			return
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stopTick:
				return
			case <-t.C:
				tick(int(done.Load()), int(failed.Load()))
			}
		}
	}()
	for w := range c {
		wg.Go(func() {
			for ctx.Err() == nil {
				if l.Duration > 0 && !time.Now().Before(deadline) {
					return
				}
				seq := int(started.Add(1)) - 1
				if l.MaxOps > 0 && seq >= l.MaxOps {
					return
				}
				t0 := time.Now()
				err := op(ctx, w, seq)
				d := time.Since(t0)
				if err != nil {
					failed.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					kinds[errorKind(err)]++
					mu.Unlock()
					continue
				}
				done.Add(1)
				lat[w] = append(lat[w], d)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	close(stopTick)
	<-tickDone
	s := Sample{Ops: int(done.Load()), Errors: int(failed.Load()), Elapsed: elapsed, FirstError: firstErr}
	if len(kinds) > 0 {
		s.ErrorKinds = kinds
	}
	for _, l := range lat {
		s.Latency = append(s.Latency, l...)
	}
	return s
}
