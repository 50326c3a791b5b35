package totp

import (
	"testing"
	"time"
)

// BenchmarkCheck is the check of a right code typed in its own time step: one HMAC-SHA1.
func BenchmarkCheck(b *testing.B) {
	now := time.Unix(1_900_000_000, 0)
	code, err := Code(rfcSecret, Step(now))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if res, err := Check(rfcSecret, code, now); err != nil || !res.OK {
			b.Fatalf("Check = %+v, %v", res, err)
		}
	}
}

// BenchmarkCheckWrong is the worst case, a wrong code: every step of the drift window is
// computed before the answer is no.
func BenchmarkCheckWrong(b *testing.B) {
	now := time.Unix(1_900_000_000, 0)
	right, err := Code(rfcSecret, Step(now))
	if err != nil {
		b.Fatal(err)
	}
	wrong := "000000"
	if right == wrong {
		wrong = "000001"
	}
	b.ReportAllocs()
	for b.Loop() {
		if res, err := Check(rfcSecret, wrong, now); err != nil || res.OK {
			b.Fatalf("Check = %+v, %v", res, err)
		}
	}
}
