// Package totp implements RFC 6238 time-based one-time passwords as latchkey uses them: SHA-1,
// 6 digits, 30-second steps, one step of skew either way. Check returns the time step a code
// matched, so that the caller can refuse a second use of the same step (pquerna/otp, which
// generates the codes, keys and QR images, has no replay protection of its own). It also spots
// codes that match a step several minutes away, so that the user can be told their clock is off;
// such codes are never accepted.
package totp

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// The parameters every authenticator app understands.
const (
	Period = 30 // seconds
	Digits = 6
	Skew   = 1 // steps accepted either side of now
	// DriftSteps is how far (in steps, either way) Check looks for a clock that is off, to give
	// a hint: 10 steps is 5 minutes.
	DriftSteps = 10
)

var opts = totp.ValidateOpts{Period: Period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Key is a new secret with its otpauth:// URI.
type Key struct {
	Secret string // base32, no padding: what the user types for manual entry
	URI    string // otpauth://totp/Issuer:account?secret=…&issuer=…
}

// Generate returns a new 160-bit key for account (the email) at issuer (the workspace name).
func Generate(issuer, account string) (Key, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: Period, SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Key{}, fmt.Errorf("generate totp key: %w", err)
	}
	return Key{Secret: k.Secret(), URI: k.URL()}, nil
}

// QR returns the URI as a PNG QR code in a data: URL, for an <img> that needs no other request.
func QR(uri string) (string, error) {
	k, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return "", fmt.Errorf("parse otpauth uri: %w", err)
	}
	img, err := k.Image(240, 240)
	if err != nil {
		return "", fmt.Errorf("qr image: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("encode qr: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// Step returns the time step of t.
func Step(t time.Time) int64 { return t.Unix() / Period }

// Code returns the code of secret at step.
func Code(secret string, step int64) (string, error) {
	return totp.GenerateCodeCustom(secret, time.Unix(step*Period, 0).UTC(), opts)
}

// ErrMalformed is returned for a code that is not six digits.
var ErrMalformed = errors.New("a code is six digits")

// Result is what Check found.
type Result struct {
	OK   bool
	Step int64 // the matched step, when OK
	// Drift is set when the code is wrong now but matches a step between 2 and DriftSteps away:
	// how far the device's clock seems to be off (positive: ahead).
	Drift time.Duration
}

// Normalize strips the spaces and hyphens people type or paste into a code.
func Normalize(code string) string {
	return strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(strings.TrimSpace(code))
}

// WellFormed reports whether code, normalised, is six digits: whether Check would look at it.
func WellFormed(code string) bool {
	code = Normalize(code)
	return len(code) == Digits && strings.Trim(code, "0123456789") == ""
}

// Check compares code with the codes of secret around now, in constant time per step. It never
// accepts a code more than Skew steps away.
func Check(secret, code string, now time.Time) (Result, error) {
	if !WellFormed(code) {
		return Result{}, ErrMalformed
	}
	code = Normalize(code)
	cur := Step(now)
	match := func(step int64) (bool, error) {
		want, err := Code(secret, step)
		if err != nil {
			return false, fmt.Errorf("totp code: %w", err)
		}
		return subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1, nil
	}
	// Now first, then one step back and forward: a code typed just as it rolled over.
	for _, d := range []int64{0, -1, 1} {
		ok, err := match(cur + d)
		if err != nil {
			return Result{}, err
		}
		if ok {
			return Result{OK: true, Step: cur + d}, nil
		}
	}
	for d := int64(2); d <= DriftSteps; d++ {
		for _, sign := range []int64{-1, 1} {
			ok, err := match(cur + sign*d)
			if err != nil {
				return Result{}, err
			}
			if ok {
				return Result{Drift: time.Duration(sign*d*Period) * time.Second}, nil
			}
		}
	}
	return Result{}, nil
}

// KeyFor rebuilds the Key of an existing base32 secret, for showing the same QR code again.
func KeyFor(issuer, account, secret string) (Key, error) {
	raw, err := b32.DecodeString(strings.ToUpper(secret))
	if err != nil {
		return Key{}, fmt.Errorf("totp secret: %w", err)
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: Period, Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Key{}, fmt.Errorf("totp key: %w", err)
	}
	return Key{Secret: k.Secret(), URI: k.URL()}, nil
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)
