package latchkey_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

func TestValidateSlug(t *testing.T) {
	tests := []struct {
		slug, want string
	}{
		{"acme", ""},
		{"a-1", ""},
		{strings.Repeat("a", 63), ""},
		{"ab", latchkey.MsgSlugInvalid},
		{strings.Repeat("a", 64), latchkey.MsgSlugInvalid},
		{"-acme", latchkey.MsgSlugInvalid},
		{"acme-", latchkey.MsgSlugInvalid},
		{"Acme", latchkey.MsgSlugInvalid},
		{"ac_me", latchkey.MsgSlugInvalid},
		{"acmé", latchkey.MsgSlugInvalid},
		{"ac.me", latchkey.MsgSlugInvalid},
		{"app", latchkey.MsgSlugReserved},
		{"www", latchkey.MsgSlugReserved},
		{"api", latchkey.MsgSlugReserved},
		{"admin", latchkey.MsgSlugReserved},
		{"login", latchkey.MsgSlugReserved},
		{"static", latchkey.MsgSlugReserved},
		{"mail", latchkey.MsgSlugReserved},
		{"xn--80ak6aa92e", latchkey.MsgSlugReserved},
	}
	for _, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			err := latchkey.ValidateSlug(tt.slug)
			if got := latchkey.ErrorMessage(err); got != tt.want {
				t.Fatalf("ValidateSlug(%q) = %q, want %q", tt.slug, got, tt.want)
			}
			if err != nil && latchkey.ErrorCode(err) != latchkey.CodeInvalid {
				t.Fatalf("code %q, want invalid", latchkey.ErrorCode(err))
			}
		})
	}
}

func TestValidateEmail(t *testing.T) {
	tests := []struct {
		email, want string
	}{
		{"ada@acme.test", ""},
		{"ada.lovelace+work@mail.acme.test", ""},
		{"", latchkey.MsgEmailRequired},
		{"   ", latchkey.MsgEmailRequired},
		{"ada", latchkey.MsgEmailInvalid},
		{"ada@acme", latchkey.MsgEmailInvalid},
		{"Ada <ada@acme.test>", latchkey.MsgEmailInvalid},
		{"ada@acme.test, bob@acme.test", latchkey.MsgEmailInvalid},
		{strings.Repeat("a", 250) + "@x.test", latchkey.MsgEmailInvalid},
	}
	for _, tt := range tests {
		if got := latchkey.ErrorMessage(latchkey.ValidateEmail(tt.email)); got != tt.want {
			t.Errorf("ValidateEmail(%q) = %q, want %q", tt.email, got, tt.want)
		}
	}
	if a, b := latchkey.NormalizeEmail(" Ada@ACME.test "), latchkey.NormalizeEmail("ada@acme.TEST"); a != b {
		t.Fatalf("NormalizeEmail differs: %q vs %q", a, b)
	}
}

func TestErrors(t *testing.T) {
	wrapped := fmt.Errorf("find account: %w", latchkey.ErrNotFound)
	if !errors.Is(wrapped, latchkey.ErrNotFound) || errors.Is(wrapped, latchkey.ErrConflict) {
		t.Fatal("errors.Is does not match by code through wrapping")
	}
	if got := latchkey.ErrorCode(wrapped); got != latchkey.CodeNotFound {
		t.Fatalf("ErrorCode = %q", got)
	}
	internal := errors.New("pq: connection refused at 10.0.0.5")
	if latchkey.ErrorMessage(internal) != latchkey.MsgInternal || latchkey.ErrorCode(internal) != latchkey.CodeInternal {
		t.Fatal("an internal error's detail would reach the page")
	}
	if latchkey.ErrorCode(nil) != "" || latchkey.ErrorMessage(nil) != "" {
		t.Fatal("nil error has a code or message")
	}
	e := &latchkey.Error{Code: latchkey.CodeThrottled, Message: latchkey.MsgTooManyAttempts, RetryAfter: time.Minute}
	if !strings.Contains(e.Error(), "throttled") {
		t.Fatalf("Error() = %q", e.Error())
	}
}

func TestSessionExpiry(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	s := latchkey.Session{LastSeenAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
	idle := 8 * time.Hour
	if s.Expired(t0.Add(idle-time.Nanosecond), idle) {
		t.Fatal("expired just before the idle timeout")
	}
	if !s.Expired(t0.Add(idle), idle) {
		t.Fatal("alive at the idle timeout")
	}
	s.LastSeenAt = t0.Add(20 * time.Hour)
	if !s.Expired(t0.Add(24*time.Hour), idle) {
		t.Fatal("alive at the absolute end")
	}
	secret, hash := latchkey.NewSecret()
	if len(secret) < 43 || latchkey.HashSecret(secret) != hash || hash == secret {
		t.Fatalf("NewSecret = %q, %q", secret, hash)
	}
}
