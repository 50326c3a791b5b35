package password

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"
	"time"

	xargon2 "golang.org/x/crypto/argon2"
)

// xcryptoHash is HashWith as it was before the fork: x/crypto's argon2.IDKey, so that tests can
// check that hashes made before still verify and that new hashes verify with x/crypto.
func xcryptoHash(pw string, salt []byte, p Params) string {
	key := xargon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		xargon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func xcryptoVerify(pw, hash string) bool {
	p, salt, key, err := decode(hash)
	if err != nil {
		return false
	}
	got := xargon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// TestHasherMatchesXCrypto checks, through one Hasher whose slots reuse their memory, that hashes
// made with x/crypto (as every stored hash was) verify, with several parameters in turn, and that
// the Hasher's own hashes verify with x/crypto.
func TestHasherMatchesXCrypto(t *testing.T) {
	small := Params{Memory: 256, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}
	h := NewHasher(HasherConfig{Params: small, LightParams: fast, Limit: 2})
	for i, p := range []Params{small, fast, {Memory: 128, Time: 3, Threads: 4, KeyLen: 32, SaltLen: 16}, small, {Memory: 1024, Time: 1, Threads: 1, KeyLen: 64, SaltLen: 16}, fast} {
		pw := fmt.Sprintf("password number %d", i)
		old := xcryptoHash(pw, []byte(fmt.Sprintf("salt for %d", i)), p)
		if ok, err := h.Verify(t.Context(), pw, old); !ok || err != nil {
			t.Fatalf("%+v: Verify(x/crypto hash) = %v, %v", p, ok, err)
		}
		if ok, err := h.Verify(t.Context(), pw+"!", old); ok || err != nil {
			t.Fatalf("%+v: Verify(wrong, x/crypto hash) = %v, %v", p, ok, err)
		}
		if ok, err := Verify(pw, old); !ok || err != nil {
			t.Fatalf("%+v: package Verify(x/crypto hash) = %v, %v", p, ok, err)
		}
		mine, err := h.HashWith(t.Context(), pw, p)
		if err != nil {
			t.Fatal(err)
		}
		if !xcryptoVerify(pw, mine) {
			t.Fatalf("%+v: x/crypto does not verify the Hasher's hash %s", p, mine)
		}
	}
	// The 1024 KiB hash is larger than the Hasher's parameters: it did not stay in a slot.
	if got, limit := h.KeptMemory(), 2*256<<10; got > limit {
		t.Fatalf("slots keep %d bytes, want at most %d (Limit × Params.Memory)", got, limit)
	}
}

// TestHasherDefaultHashStillVerifies checks a hash with the Default parameters made by x/crypto.
func TestHasherDefaultHashStillVerifies(t *testing.T) {
	old := xcryptoHash("a long enough password", []byte("sixteen byte salt"), Default)
	h := NewHasher(HasherConfig{Limit: 1})
	for range 2 { // the second in the memory the first left
		if ok, err := h.Verify(t.Context(), "a long enough password", old); !ok || err != nil {
			t.Fatalf("Verify(x/crypto default hash) = %v, %v", ok, err)
		}
	}
	if got := h.KeptMemory(); got != int(Default.Memory)<<10 {
		t.Fatalf("the slot keeps %d bytes, want %d", got, Default.Memory<<10)
	}
}

type fakeTimer struct {
	mu     sync.Mutex
	d      time.Duration
	f      func()
	resets int
}

func (ft *fakeTimer) Reset(d time.Duration) bool {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.d, ft.resets = d, ft.resets+1
	return true
}

// TestHasherReleasesIdleMemory checks, with an injected clock and timer (no sleeping), that the
// slots keep their memory between hashes, give it back once idle for KeepMemory, never while a
// hash is running, and that hashing works again afterwards.
func TestHasherReleasesIdleMemory(t *testing.T) {
	p := Params{Memory: 256, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	const size = 256 << 10
	h := NewHasher(HasherConfig{Params: p, LightParams: p, Limit: 2, KeepMemory: 30 * time.Second})
	clock := time.Unix(1_000_000, 0)
	h.now = func() time.Time { return clock }
	ft := &fakeTimer{}
	h.afterFunc = func(d time.Duration, f func()) resetter { ft.d, ft.f = d, f; return ft }

	hash, err := h.Hash(t.Context(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	if ft.f == nil || ft.d != 30*time.Second {
		t.Fatalf("after the last hash in flight ended the idle timer is %v for %v, want set for 30s", ft.f != nil, ft.d)
	}
	if _, err := h.Verify(t.Context(), "pw", hash); err != nil { // the other slot, in turn
		t.Fatal(err)
	}
	if got := h.KeptMemory(); got != 2*size {
		t.Fatalf("after a hash in each slot they keep %d bytes, want %d", got, 2*size)
	}
	if ft.resets != 1 || ft.d != 30*time.Second {
		t.Fatalf("timer reset %d times to %v, want once more to 30s", ft.resets, ft.d)
	}

	// Slot A hashes again 10 s later; slot B is then idle 10 s longer than A.
	clock = clock.Add(10 * time.Second)
	if _, err := h.Verify(t.Context(), "pw", hash); err != nil {
		t.Fatal(err)
	}
	if released, next := h.releaseIdle(clock.Add(29 * time.Second)); released != size || next != time.Second {
		t.Fatalf("29 s after the last hash: released %d bytes, next in %v; want %d (the slot idle 39 s) and 1s", released, next, size)
	}

	// A slot in use keeps its memory however long the others have been idle.
	s, err := h.acquireSlot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	held := s.mem.Size()
	if released, _ := h.releaseIdle(clock.Add(time.Hour)); released+held != size {
		t.Fatalf("released %d bytes with a slot holding %d in use, want the free one's", released, held)
	}
	if s.mem.Size() != held {
		t.Fatal("releaseIdle dropped the memory of a slot in use")
	}
	h.release(s)

	// The timer's function releases what has been idle long enough by the clock.
	clock = clock.Add(time.Hour)
	ft.f()
	if got := h.KeptMemory(); got != 0 {
		t.Fatalf("after an hour idle the slots keep %d bytes, want 0", got)
	}
	if ok, err := h.Verify(t.Context(), "pw", hash); !ok || err != nil {
		t.Fatalf("Verify after the release = %v, %v", ok, err)
	}
	if got := h.KeptMemory(); got != size {
		t.Fatalf("after one more hash the slots keep %d bytes, want %d", got, size)
	}
}

// TestHasherSlotsConcurrent hashes and verifies from many goroutines through slots that reuse
// their memory (run with -race), with two parameter sets in turn so that the slots' memory is
// used at different sizes, and checks every result against x/crypto.
func TestHasherSlotsConcurrent(t *testing.T) {
	a := Params{Memory: 128, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	b := Params{Memory: 64, Time: 2, Threads: 2, KeyLen: 32, SaltLen: 16}
	h := NewHasher(HasherConfig{Params: a, LightParams: b, Limit: 3, Wait: time.Minute})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 6 {
				pw := fmt.Sprintf("goroutine %d password %d", g, i)
				hash, err := h.Hash(t.Context(), pw)
				if i%2 == 1 {
					hash, err = h.HashLight(t.Context(), pw)
				}
				if err != nil {
					t.Error(err)
					return
				}
				if !xcryptoVerify(pw, hash) {
					t.Errorf("x/crypto does not verify %s", hash)
				}
				if ok, err := h.Verify(t.Context(), pw, hash); !ok || err != nil {
					t.Errorf("Verify = %v, %v", ok, err)
				}
			}
		}()
	}
	wg.Wait()
	if p := h.Peak(); p > 3 {
		t.Fatalf("peak %d hashes in flight, limit 3", p)
	}
}
