package latchkey_test

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey"
)

func TestNormalizeDomain(t *testing.T) {
	tests := []struct {
		in, want string // want "" means refused
	}{
		{"acme.com", "acme.com"},
		{" Acme.COM. ", "acme.com"},
		{"mail.acme-corp.co.uk", "mail.acme-corp.co.uk"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"3com.com", "3com.com"},
		{"a.b", "a.b"},
		{strings.Repeat("a", 63) + ".com", strings.Repeat("a", 63) + ".com"},
		{"", ""},
		{".", ""},
		{"com", ""},
		{"acme..com", ""},
		{".acme.com", ""},
		{"-acme.com", ""},
		{"acme-.com", ""},
		{"acme.com-", ""},
		{"acme_corp.com", ""},
		{"bücher.example", ""},
		{"acme.com/path", ""},
		{"@acme.com", ""},
		{"pat@acme.com", ""},
		{"192.168.0.1", ""},
		{"*.acme.com", ""},
		{strings.Repeat("a", 64) + ".com", ""},
		{strings.Repeat("abcdefghi.", 25) + "com", strings.Repeat("abcdefghi.", 25) + "com"}, // 253 bytes
		{strings.Repeat("abcdefghi.", 25) + "coms", ""},
	}
	for _, tc := range tests {
		got, err := latchkey.NormalizeDomain(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("NormalizeDomain(%q)=%q, want an error", tc.in, got)
			} else if latchkey.ErrorCode(err) != latchkey.CodeInvalid || latchkey.ErrorMessage(err) != latchkey.MsgDomainInvalid {
				t.Errorf("NormalizeDomain(%q) err=%v, want CodeInvalid with MsgDomainInvalid", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeDomain(%q)=%q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
}
