package sqlstore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

// TestEpochGateNeverAnswersWithAnOlderRead: a caller of the gate must get a value read after it
// called, however many callers share reads. The "database" here is a counter that a writer
// moves all the time; each caller notes the counter before calling and must get at least that.
func TestEpochGateNeverAnswersWithAnOlderRead(t *testing.T) {
	g := newEpochGate(0)
	var counter atomic.Int64
	var reads atomic.Int64
	read := func(context.Context) (int64, error) {
		reads.Add(1)
		n := counter.Load()
		time.Sleep(50 * time.Microsecond) // a read takes a while, so callers pile up
		return n, nil
	}
	stop := make(chan struct{})
	var writer sync.WaitGroup
	writer.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				counter.Add(1)
			}
		}
	})
	var callers sync.WaitGroup
	const goroutines, calls = 32, 200
	var bad atomic.Int64
	for range goroutines {
		callers.Go(func() {
			for range calls {
				before := counter.Load()
				n, err := g.read(t.Context(), read)
				if err != nil || n < before {
					bad.Add(1)
				}
			}
		})
	}
	callers.Wait()
	close(stop)
	writer.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d calls got a value read before they called", bad.Load())
	}
	if r := reads.Load(); r >= goroutines*calls {
		t.Errorf("%d reads for %d calls: concurrent callers did not share reads", r, goroutines*calls)
	}
}

// TestEpochGateWindow: with a window, a caller may get a read that started at most window
// before its call, and no older.
func TestEpochGateWindow(t *testing.T) {
	now := time.Unix(1000, 0)
	g := newEpochGate(time.Millisecond)
	g.now = func() time.Time { return now }
	var counter int64
	read := func(context.Context) (int64, error) { counter++; return counter, nil }
	get := func() int64 {
		n, err := g.read(t.Context(), read)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := get(); n != 1 {
		t.Fatalf("first call = %d, want a read (1)", n)
	}
	now = now.Add(time.Millisecond)
	if n := get(); n != 1 {
		t.Fatalf("a call within the window = %d, want the last read (1)", n)
	}
	now = now.Add(time.Microsecond)
	if n := get(); n != 2 {
		t.Fatalf("a call past the window = %d, want a new read (2)", n)
	}
}

// A fill stores its entry unless, since its snapshot, its own workspace (or everything) was
// dropped: drops of other workspaces do not stop it, and more drops than the cache remembers
// do.
func TestCacheFillAfterDrops(t *testing.T) {
	c := newCache(true, nil)
	s := func(ws string) latchkey.Session { return latchkey.Session{ID: "s-" + ws, WorkspaceID: ws} }
	stored := func(ws string) bool { _, _, ok := c.session(ws, "s-"+ws); return ok }

	seq, at := c.snapshot()
	c.forget("other")
	c.storeSession(s("w1"), latchkey.Account{}, seq, at)
	if !stored("w1") {
		t.Error("a drop of another workspace stopped the fill")
	}
	seq, at = c.snapshot()
	c.forget("w2")
	c.storeSession(s("w2"), latchkey.Account{}, seq, at)
	if stored("w2") {
		t.Error("a drop of the entry's own workspace during the read did not stop the fill")
	}
	seq, at = c.snapshot()
	c.forgetAll()
	c.storeSession(s("w3"), latchkey.Account{}, seq, at)
	if stored("w3") {
		t.Error("a drop of everything during the read did not stop the fill")
	}
	seq, at = c.snapshot()
	for range len(c.recent) + 1 {
		c.forget("other")
	}
	c.storeSession(s("w4"), latchkey.Account{}, seq, at)
	if stored("w4") {
		t.Error("more drops than the cache remembers did not stop the fill")
	}
}
