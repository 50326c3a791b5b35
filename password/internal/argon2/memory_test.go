// Tests of this fork's caller-owned Memory (not from x/crypto).

package argon2

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	xargon2 "golang.org/x/crypto/argon2"
)

// scribble fills every block m holds with pseudo-random words, so that a derivation that read a
// block before writing it would give a wrong key.
func scribble(m *Memory, r *rand.Rand) {
	var junk block
	for j := range junk {
		junk[j] = r.Uint64()
	}
	for i := range m.blocks {
		m.blocks[i] = junk // a block copy: cheap under the race detector, unlike word by word
		m.blocks[i][i%blockLength] ^= uint64(i)
	}
}

// forEachImpl runs f with the assembly blocks (if this CPU has them) and with the generic Go.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	defer func(sse4, lsx bool) { useSSE4, useLSX = sse4, lsx }(useSSE4, useLSX)
	if useSSE4 || useLSX {
		t.Run("asm", f)
		useSSE4, useLSX = false, false
	}
	t.Run("generic", f)
}

// TestMemoryRFC9106 checks the RFC 9106 section 5 test vectors (Argon2d, Argon2i, Argon2id with a
// secret and associated data, 32 KiB, 3 passes, 4 lanes) computed in a reused Memory that holds
// garbage from the start.
func TestMemoryRFC9106(t *testing.T) {
	vectors := []struct {
		name string
		mode int
		tag  string
	}{
		{"Argon2d", argon2d, "512b391b6f1162975371d30919734294f868e3be3984f3c1a13a4db9fabe4acb"},
		{"Argon2i", argon2i, "c814d9d1dc7f37aa13f0d77f2494bda1c8de6b016dd388d29952a4c4672b6ce8"},
		{"Argon2id", argon2id, "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"},
	}
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		var m Memory
		m.get(1024) // larger than the vectors need
		for range 2 {
			for _, v := range vectors {
				scribble(&m, r)
				got := hex.EncodeToString(deriveKeyIn(&m, v.mode, genKatPassword, genKatSalt, genKatSecret, genKatAAD, 3, 32, 4, 32))
				if got != v.tag {
					t.Errorf("%s: tag %s, want %s (RFC 9106 section 5)", v.name, got, v.tag)
				}
			}
		}
	})
}

// TestMemoryVectors runs x/crypto's test vectors through one Memory, reused across vectors of
// different sizes, scribbled on before each.
func TestMemoryVectors(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		password, salt := []byte("password"), []byte("somesalt")
		var m Memory
		for i, v := range testVectors {
			scribble(&m, r)
			want, _ := hex.DecodeString(v.hash)
			if got := deriveKeyIn(&m, v.mode, password, salt, nil, nil, v.time, v.memory, v.threads, uint32(len(want))); !bytes.Equal(got, want) {
				t.Errorf("vector %d: %x, want %x", i, got, want)
			}
		}
	})
}

type input struct {
	password, salt []byte
	time, memory   uint32
	threads        uint8
	keyLen         uint32
}

func (in input) String() string {
	return fmt.Sprintf("pw=%d bytes salt=%d bytes t=%d m=%d p=%d keyLen=%d", len(in.password), len(in.salt), in.time, in.memory, in.threads, in.keyLen)
}

func randomInput(r *rand.Rand) input {
	in := input{
		password: make([]byte, r.IntN(300)),
		salt:     make([]byte, 8+r.IntN(57)),
		time:     1 + r.Uint32N(4),
		memory:   1 + r.Uint32N(1024), // KiB; below 8 per lane argon2 rounds it up
		threads:  []uint8{1, 1, 4, 2, 3}[r.IntN(5)],
		keyLen:   []uint32{4, 16, 32, 32, 64, 65, 100}[r.IntN(7)],
	}
	for i := range in.password {
		in.password[i] = byte(r.Uint32())
	}
	for i := range in.salt {
		in.salt[i] = byte(r.Uint32())
	}
	return in
}

// TestMemoryMatchesXCrypto compares Memory.IDKey with x/crypto's argon2.IDKey on random inputs,
// reusing one Memory across calls whose sizes go up and down, scribbled on before each call.
func TestMemoryMatchesXCrypto(t *testing.T) {
	n := 150
	if testing.Short() || raceEnabled {
		n = 30
	}
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		var m Memory
		for range n {
			in := randomInput(r)
			scribble(&m, r)
			want := xargon2.IDKey(in.password, in.salt, in.time, in.memory, in.threads, in.keyLen)
			if got := m.IDKey(in.password, in.salt, in.time, in.memory, in.threads, in.keyLen); !bytes.Equal(got, want) {
				t.Fatalf("%v: %x, want x/crypto's %x", in, got, want)
			}
		}
	})
}

// TestMemoryGrows checks that a Memory too small for a derivation is replaced by one large
// enough, that a larger one is kept for smaller derivations, and that the package-level IDKey
// (memory of its own per call) agrees.
func TestMemoryGrows(t *testing.T) {
	pw, salt := []byte("pw"), []byte("saltsalt")
	var m Memory
	if m.Size() != 0 {
		t.Fatalf("zero Memory holds %d bytes", m.Size())
	}
	check := func(memory uint32, threads uint8, wantSize int) {
		t.Helper()
		want := xargon2.IDKey(pw, salt, 1, memory, threads, 32)
		if got := m.IDKey(pw, salt, 1, memory, threads, 32); !bytes.Equal(got, want) {
			t.Fatalf("m=%d p=%d: %x, want %x", memory, threads, got, want)
		}
		if got := IDKey(pw, salt, 1, memory, threads, 32); !bytes.Equal(got, want) {
			t.Fatalf("package IDKey m=%d p=%d: %x, want %x", memory, threads, got, want)
		}
		if m.Size() != wantSize {
			t.Fatalf("after m=%d p=%d Memory holds %d bytes, want %d", memory, threads, m.Size(), wantSize)
		}
	}
	check(8, 1, 8<<10)       // the minimum, 8 blocks
	check(64, 1, 64<<10)     // grows
	check(16, 1, 64<<10)     // keeps the larger array
	check(1, 4, 64<<10)      // rounded up to 32 blocks: fits
	check(100, 4, 96<<10)    // rounded down to 96 blocks (a multiple of 4 lanes × 4 slices): grows
	check(1024, 1, 1024<<10) // grows again
	m.Release()
	if m.Size() != 0 {
		t.Fatalf("released Memory holds %d bytes", m.Size())
	}
	check(32, 2, 32<<10) // usable after Release
	if b := m.get(16); len(b) != 16 || cap(b) != 16 {
		t.Fatalf("get(16) = len %d cap %d: want exactly 16 blocks, so that nothing past them is reachable", len(b), cap(b))
	}
}

// TestMemoryConcurrent runs derivations in goroutines that each own a Memory (run it with
// -race), and compares each with x/crypto.
func TestMemoryConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(7, uint64(g)))
			var m Memory
			for range 10 {
				in := randomInput(r)
				in.memory = 8 + r.Uint32N(256)
				want := xargon2.IDKey(in.password, in.salt, in.time, in.memory, in.threads, in.keyLen)
				if got := m.IDKey(in.password, in.salt, in.time, in.memory, in.threads, in.keyLen); !bytes.Equal(got, want) {
					t.Errorf("goroutine %d, %v: %x, want %x", g, in, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}
