package main

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSubcommand(t *testing.T) {
	const usage = "usage: latchkey api token …\n"
	tests := []struct {
		name       string
		command    string
		args       []string
		wantSub    string
		wantRest   []string
		wantStderr string
	}{
		{name: "one word", command: "account", args: []string{"invite", "--email", "a@b"}, wantSub: "invite", wantRest: []string{"--email", "a@b"}},
		{name: "two words", command: "api token", args: []string{"token", "list", "--workspace", "w"}, wantSub: "list", wantRest: []string{"--workspace", "w"}},
		{name: "nothing after", command: "api token", args: []string{"token", "create"}, wantSub: "create", wantRest: []string{}},
		{name: "no args", command: "account", wantStderr: usage},
		{name: "lead only", command: "api token", args: []string{"token"}, wantStderr: usage},
		{name: "other lead", command: "api token", args: []string{"key", "list"}, wantStderr: usage},
		{name: "unknown", command: "api token", args: []string{"token", "rotate"}, wantStderr: "latchkey api token: unknown command \"rotate\" (create, list, revoke)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			m := &Main{Stderr: &stderr}
			subs := []string{"create", "list", "revoke"}
			if tt.command == "account" {
				subs = []string{"invite", "resend"}
			}
			sub, rest, err := m.subcommand(tt.command, usage, tt.args, subs...)
			if tt.wantStderr != "" {
				if !errors.Is(err, errUsage) {
					t.Fatalf("err=%v, want errUsage", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if sub != tt.wantSub {
				t.Errorf("sub=%q, want %q", sub, tt.wantSub)
			}
			if diff := cmp.Diff(tt.wantRest, rest); diff != "" {
				t.Errorf("rest (-want +got):\n%s", diff)
			}
			if got := stderr.String(); got != tt.wantStderr {
				t.Errorf("stderr=%q, want %q", got, tt.wantStderr)
			}
		})
	}
}
