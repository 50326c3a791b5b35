package totp

import (
	"encoding/base32"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// rfcSecret is the SHA-1 seed of RFC 6238 appendix B, base32.
var rfcSecret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))

// TestRFC6238Vectors checks the generator against RFC 6238 appendix B (SHA-1 rows), both at the
// RFC's 8 digits and at our 6, which are the last 6 of the 8.
func TestRFC6238Vectors(t *testing.T) {
	vectors := []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, v := range vectors {
		eight, err := totp.GenerateCodeCustom(rfcSecret, time.Unix(v.unix, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsEight, Algorithm: otp.AlgorithmSHA1})
		if err != nil || eight != v.code {
			t.Errorf("8-digit code at %d = %q, %v; want %q", v.unix, eight, err, v.code)
		}
		six, err := Code(rfcSecret, Step(time.Unix(v.unix, 0)))
		if err != nil || six != v.code[2:] {
			t.Errorf("6-digit code at %d = %q, %v; want %q", v.unix, six, err, v.code[2:])
		}
	}
}

func TestCheckWindow(t *testing.T) {
	now := time.Unix(1234567890, 0)
	cur := Step(now)
	codeAt := func(step int64) string {
		c, err := Code(rfcSecret, step)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name   string
		step   int64
		wantOK bool
		drift  time.Duration
	}{
		{"now", cur, true, 0},
		{"one step back", cur - 1, true, 0},
		{"one step ahead", cur + 1, true, 0},
		{"two steps back", cur - 2, false, -60 * time.Second},
		{"two steps ahead", cur + 2, false, 60 * time.Second},
		{"five minutes ahead", cur + 10, false, 300 * time.Second},
		{"far away", cur + 100, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Check(rfcSecret, codeAt(tt.step), now)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK != tt.wantOK || r.Drift != tt.drift {
				t.Fatalf("Check = %+v, want OK=%v Drift=%v", r, tt.wantOK, tt.drift)
			}
			if r.OK && r.Step != tt.step {
				t.Fatalf("matched step %d, want %d", r.Step, tt.step)
			}
		})
	}
}

func TestCheckForgivingInput(t *testing.T) {
	now := time.Unix(1234567890, 0)
	c, _ := Code(rfcSecret, Step(now))
	for _, in := range []string{c, " " + c[:3] + " " + c[3:] + " ", c[:3] + "-" + c[3:]} {
		if r, err := Check(rfcSecret, in, now); err != nil || !r.OK {
			t.Errorf("Check(%q) = %+v, %v; want OK", in, r, err)
		}
	}
	for _, in := range []string{"", "12345", "1234567", "12a456", "１２３４５６"} {
		if _, err := Check(rfcSecret, in, now); !errors.Is(err, ErrMalformed) {
			t.Errorf("Check(%q) error = %v, want ErrMalformed", in, err)
		}
	}
}

func TestGenerateAndQR(t *testing.T) {
	k, err := Generate("Acme Corp", "ada@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Secret) != 32 { // 20 bytes in base32
		t.Fatalf("secret %q is not 160 bits", k.Secret)
	}
	if !strings.HasPrefix(k.URI, "otpauth://totp/Acme%20Corp:ada@acme.test?") || !strings.Contains(k.URI, "issuer=Acme%20Corp") || !strings.Contains(k.URI, "secret="+k.Secret) {
		t.Fatalf("uri = %q", k.URI)
	}
	k2, _ := Generate("Acme Corp", "ada@acme.test")
	if k2.Secret == k.Secret {
		t.Fatal("two keys are equal")
	}
	qr, err := QR(k.URI)
	if err != nil || !strings.HasPrefix(qr, "data:image/png;base64,") || len(qr) < 500 {
		t.Fatalf("QR = %.60q…, %v", qr, err)
	}
	now := time.Now()
	c, _ := Code(k.Secret, Step(now))
	if r, err := Check(k.Secret, c, now); err != nil || !r.OK {
		t.Fatalf("a fresh key's own code is refused: %+v %v", r, err)
	}
}

func TestKeyFor(t *testing.T) {
	k, _ := Generate("Acme", "ada@acme.test")
	again, err := KeyFor("Acme", "ada@acme.test", k.Secret)
	if err != nil || again != k {
		t.Fatalf("KeyFor = %+v, %v; want %+v", again, err, k)
	}
	if _, err := KeyFor("Acme", "ada@acme.test", "not base32!"); err == nil {
		t.Fatal("KeyFor accepted a bad secret")
	}
}
