package password

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDummyHashIsDefault(t *testing.T) {
	p, _, key, err := decode(dummyHash)
	if err != nil {
		t.Fatalf("decode(dummyHash) = %v", err)
	}
	if p.Memory != Default.Memory || p.Time != Default.Time || p.Threads != Default.Threads || len(key) != int(Default.KeyLen) {
		t.Fatalf("dummy hash parameters %+v (key %d bytes) are not Default %+v", p, len(key), Default)
	}
	if got := NewHasher(HasherConfig{}).dummy; got != dummyHash {
		t.Fatalf("default Hasher's dummy = %q, want the constant", got)
	}
}

func TestHasherRoundTrip(t *testing.T) {
	h := NewHasher(HasherConfig{Params: fast})
	hash, err := h.Hash(t.Context(), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.Verify(t.Context(), "correct horse battery staple", hash); !ok || err != nil {
		t.Fatalf("Verify(right) = %v, %v", ok, err)
	}
	if ok, err := h.Verify(t.Context(), "wrong", hash); ok || err != nil {
		t.Fatalf("Verify(wrong) = %v, %v", ok, err)
	}
	if err := h.VerifyDummy(t.Context(), "anything"); err != nil {
		t.Fatalf("VerifyDummy = %v", err)
	}
	if _, err := h.Verify(t.Context(), "x", "not a hash"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Verify(malformed) = %v, want ErrMalformed", err)
	}
}

// TestHasherBound runs 200 concurrent verifications against a limit of 2 and checks, by the
// Hasher's own count, that no more than 2 were ever in flight, and that with a queue too small
// for the crowd the callers beyond it are refused with ErrBusy rather than queued without end.
// The test holds both slots until the crowd has been sorted, so that the outcome does not depend
// on how the scheduler interleaves the goroutines (hashes that allocate nothing may otherwise
// finish one by one before the next goroutine even runs).
func TestHasherBound(t *testing.T) {
	h := NewHasher(HasherConfig{Params: Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, Limit: 2, Queue: 8, Wait: time.Minute})
	hash, err := h.Hash(t.Context(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	release1, err1 := h.acquire(t.Context())
	release2, err2 := h.acquire(t.Context())
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	results := make(chan error, 200)
	for range 200 {
		go func() {
			_, err := h.Verify(context.Background(), "pw", hash)
			results <- err
		}()
	}
	busy, done := 0, 0
	count := func(err error) {
		switch {
		case errors.Is(err, ErrBusy):
			busy++
		case err == nil:
			done++
		default:
			t.Errorf("Verify = %v", err)
		}
	}
	for range 200 - 8 { // with both slots held, all but the 8 in the queue are refused
		count(<-results)
	}
	release1()
	release2()
	for range 8 {
		count(<-results)
	}
	if p := h.Peak(); p != 2 {
		t.Fatalf("peak hashes in flight = %d, want 2", p)
	}
	if busy != 192 || done != 8 {
		t.Fatalf("busy=%d done=%d: want 192 refused (a queue of 8 for 200, both slots taken) and 8 done", busy, done)
	}
}

func TestHasherGivesUpWhenCallerLeaves(t *testing.T) {
	h := NewHasher(HasherConfig{Params: fast, Limit: 1, Queue: 1, Wait: time.Minute})
	release, err := h.acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { _, err := h.Hash(ctx, "pw"); errc <- err }()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash after the caller left = %v, want context.Canceled", err)
	}
	release()
	if _, err := h.Hash(t.Context(), "pw"); err != nil {
		t.Fatalf("Hash once the slot is free = %v", err)
	}
}

func TestHasherWaitDeadline(t *testing.T) {
	h := NewHasher(HasherConfig{Params: fast, Limit: 1, Queue: 4, Wait: time.Millisecond})
	release, err := h.acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := h.Hash(t.Context(), "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Hash while the only slot is held past the wait = %v, want ErrBusy", err)
	}
}
