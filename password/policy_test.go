package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/latchkey/latchkey"
)

func TestCheckPolicy(t *testing.T) {
	acme := Policy{Email: "bob.smith+work@acme.example", WorkspaceName: "Acme Corp", WorkspaceSlug: "acme-corp"}
	tests := []struct {
		name, pw string
		p        Policy
		want     string
	}{
		{"fine", "correct horse battery staple", acme, ""},
		{"too short", "short pass", acme, latchkey.MsgPasswordTooShort},
		{"too short for the workspace", "correct horse battery", Policy{MinLength: 30}, "Use at least 30 characters for your password"},
		{"workspace minimum capped at 64", strings.Repeat("x", 64) + "y", Policy{MinLength: 100}, ""},
		{"too long", strings.Repeat("a", 257), acme, latchkey.MsgPasswordTooLong},
		{"common", "1qaz2wsx3edc", acme, latchkey.MsgPasswordCommon},
		{"common, other case", "QWERTY123456", acme, latchkey.MsgPasswordCommon},
		{"common beyond the top 100,000 but long", "motherfucker", Policy{}, latchkey.MsgPasswordCommon},
		{"email local part", "my name is Bob.Smith+Work ok", acme, latchkey.MsgPasswordContainsEmail},
		{"email local part before the tag", "xx bob.smith is here", acme, latchkey.MsgPasswordContainsEmail},
		{"short local part is allowed", "bo likes long walks", Policy{Email: "bo@acme.example"}, ""},
		{"workspace name", "i work at ACME CORP daily", acme, latchkey.MsgPasswordContainsWorkspace},
		{"workspace name without the space", "acmecorp forever and ever", acme, latchkey.MsgPasswordContainsWorkspace},
		{"workspace slug", "the acme-corp password", acme, latchkey.MsgPasswordContainsWorkspace},
		{"short workspace name is allowed", "i work at xy every day", Policy{WorkspaceName: "XY", WorkspaceSlug: "xy"}, ""},
		{"length is checked first", "acmecorp", acme, latchkey.MsgPasswordTooShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPolicy(tt.pw, tt.p)
			if got := latchkey.ErrorMessage(err); got != tt.want {
				t.Fatalf("CheckPolicy(%q) = %q, want %q", tt.pw, got, tt.want)
			}
			if err == nil {
				return
			}
			if got := latchkey.ErrorCode(err); got != latchkey.CodeInvalid {
				t.Errorf("code = %q, want %q", got, latchkey.CodeInvalid)
			}
			if e := err.(*latchkey.Error); e.Field != "password" {
				t.Errorf("field = %q, want password", e.Field)
			}
		})
	}
}

// The shipped list holds at least the 100,000 most common passwords of its source, in order,
// and every one of them is refused whatever its case.
func TestCommonList(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) < 100_000 {
		t.Fatalf("the list has %d lines, want at least 100,000", len(lines))
	}
	if got, want := lines[:3], []string{"123456", "password", "12345678"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the list starts %q, want the most common first %q", got, want)
	}
	for i, l := range lines {
		if !IsCommon(l) || !IsCommon(strings.ToUpper(l)) {
			t.Fatalf("line %d %q is not refused", i+1, l)
		}
	}
	if n := CommonCount(); n < 100_000 {
		t.Errorf("CommonCount() = %d, want at least 100,000", n)
	}
	for _, pw := range []string{"", "correct horse battery staple", "ripe-moose-dance-lantern"} {
		if IsCommon(pw) {
			t.Errorf("IsCommon(%q) = true", pw)
		}
	}
}

func BenchmarkIsCommon(b *testing.B) {
	IsCommon("warm up")
	for b.Loop() {
		IsCommon("correct horse battery staple")
	}
}
