package password

import (
	"testing"

	"golang.org/x/crypto/argon2"

	fork "github.com/latchkey/latchkey/password/internal/argon2"
)

var benchPW, benchSalt = []byte("correct horse battery staple"), []byte("0123456789abcdef")

// BenchmarkXCryptoIDKey is x/crypto's argon2.IDKey at the Default parameters: it allocates the
// 19 MiB block array on every call.
func BenchmarkXCryptoIDKey(b *testing.B) {
	p := Default
	b.Run("seq", func(b *testing.B) {
		b.ReportAllocs()
		reportGC(b, func() {
			for b.Loop() {
				argon2.IDKey(benchPW, benchSalt, p.Time, p.Memory, p.Threads, p.KeyLen)
			}
		})
	})
	b.Run("par", func(b *testing.B) {
		b.ReportAllocs()
		reportGC(b, func() {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					argon2.IDKey(benchPW, benchSalt, p.Time, p.Memory, p.Threads, p.KeyLen)
				}
			})
		})
	})
}

// BenchmarkForkIDKey is the fork's IDKey at the Default parameters computed in a Memory that
// each goroutine reuses, as a Hasher's slots do.
func BenchmarkForkIDKey(b *testing.B) {
	p := Default
	b.Run("seq", func(b *testing.B) {
		var m fork.Memory
		m.IDKey(benchPW, benchSalt, 1, p.Memory, p.Threads, p.KeyLen) // allocated before the timer
		b.ReportAllocs()
		b.ResetTimer()
		reportGC(b, func() {
			for b.Loop() {
				m.IDKey(benchPW, benchSalt, p.Time, p.Memory, p.Threads, p.KeyLen)
			}
		})
	})
	b.Run("fresh", func(b *testing.B) { // memory of its own per call, as x/crypto: the fork's other change alone
		b.ReportAllocs()
		reportGC(b, func() {
			for b.Loop() {
				fork.IDKey(benchPW, benchSalt, p.Time, p.Memory, p.Threads, p.KeyLen)
			}
		})
	})
	b.Run("par", func(b *testing.B) {
		b.ReportAllocs()
		reportGC(b, func() {
			b.RunParallel(func(pb *testing.PB) {
				var m fork.Memory
				for pb.Next() {
					m.IDKey(benchPW, benchSalt, p.Time, p.Memory, p.Threads, p.KeyLen)
				}
			})
		})
	})
}
