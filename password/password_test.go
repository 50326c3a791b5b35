package password

import (
	"errors"
	"strings"
	"testing"

	"github.com/latchkey/latchkey"
)

// fast keeps the tests quick; the parameters travel with the hash, so Verify is exercised fully.
var fast = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashVerify(t *testing.T) {
	h, err := HashWith("correct horse battery staple", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string with the given parameters", h)
	}
	ok, err := Verify("correct horse battery staple", h)
	if err != nil || !ok {
		t.Fatalf("Verify(right) = %v, %v; want true, nil", ok, err)
	}
	for _, wrong := range []string{"Correct horse battery staple", "correct horse battery stapl", "", "correct horse battery staple "} {
		if ok, err := Verify(wrong, h); err != nil || ok {
			t.Errorf("Verify(%q) = %v, %v; want false, nil", wrong, ok, err)
		}
	}
	h2, _ := HashWith("correct horse battery staple", fast)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

func TestDefaultHash(t *testing.T) {
	h, err := Hash("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("default hash %q does not use the OWASP parameters", h)
	}
	if NeedsRehash(h) {
		t.Fatal("NeedsRehash(default hash) = true")
	}
	weak, _ := HashWith("x", fast)
	if !NeedsRehash(weak) {
		t.Fatal("NeedsRehash(weak hash) = false")
	}
}

func TestVerifyMalformed(t *testing.T) {
	for name, h := range map[string]string{
		"empty":         "",
		"bcrypt":        "$2a$10$abcdefghijklmnopqrstuu",
		"bad version":   "$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"huge memory":   "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"bad salt":      "$argon2id$v=19$m=64,t=1,p=1$!!!$a2V5a2V5a2V5a2V5a2V5a2V5",
		"missing parts": "$argon2id$v=19$m=64,t=1,p=1",
	} {
		t.Run(name, func(t *testing.T) {
			ok, err := Verify("pw", h)
			if ok || !errors.Is(err, ErrMalformed) {
				t.Fatalf("Verify = %v, %v; want false, ErrMalformed", ok, err)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name, pw string
		min      int
		want     string
	}{
		{"eleven", "12345678901", 0, latchkey.MsgPasswordTooShort},
		{"twelve", "123456789012", 0, ""},
		{"twelve runes of three bytes", strings.Repeat("密", 12), 0, ""},
		{"eleven runes of three bytes", strings.Repeat("密", 11), 0, latchkey.MsgPasswordTooShort},
		{"workspace minimum", "1234567890123", 14, "Use at least 14 characters for your password"},
		{"minimum below the floor", "12345678901", 8, latchkey.MsgPasswordTooShort},
		{"256 bytes", strings.Repeat("a", 256), 0, ""},
		{"257 bytes", strings.Repeat("a", 257), 0, latchkey.MsgPasswordTooLong},
		{"no composition rules", "aaaaaaaaaaaaaaaa", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.pw, tt.min, "password")
			if got := latchkey.ErrorMessage(err); got != tt.want {
				t.Fatalf("Check = %q, want %q", got, tt.want)
			}
			if err != nil && latchkey.ErrorCode(err) != latchkey.CodeInvalid {
				t.Fatalf("code = %q, want invalid", latchkey.ErrorCode(err))
			}
		})
	}
}

func BenchmarkHashDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("a long enough password"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyDummy(b *testing.B) {
	h := NewHasher(HasherConfig{})
	for b.Loop() {
		if err := h.VerifyDummy(b.Context(), "a long enough password"); err != nil {
			b.Fatal(err)
		}
	}
}
