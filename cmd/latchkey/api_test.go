package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/sqlstore"
)

// cliSplit runs a command line against dataDir and returns its stdout and stderr apart.
func cliSplit(t *testing.T, dataDir string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(t.Context(), append(args, "--data-dir", dataDir, "--log-level", "error"), env(nil), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestCLIAPITokens(t *testing.T) {
	dir := t.TempDir()
	if out, err := cli(t, dir, "workspace", "create", "--slug", "acme", "--name", "Acme", "--admin-email", "admin@acme.test"); err != nil {
		t.Fatalf("workspace create: %v\n%s", err, out)
	}
	// The first administrator is still invited: a token would have no one to act as.
	if _, _, err := cliSplit(t, dir, "api", "token", "create", "--workspace", "acme"); err == nil || !strings.Contains(err.Error(), "no active administrator") {
		t.Fatalf("create with no active administrator = %v", err)
	}
	db, err := sqlstore.Open(t.Context(), filepath.Join(dir, "latchkey.db"))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := db.WorkspaceBySlug(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := db.AccountByEmail(t.Context(), ws.ID, "admin@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateAccount(t.Context(), ws.ID, admin.ID, func(a *latchkey.Account) error { a.Status = latchkey.StatusActive; return nil }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	secret, note, err := cliSplit(t, dir, "api", "token", "create", "--workspace", "acme", "--name", "Asset sync", "--scope", "read-write")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, note)
	}
	secret = strings.TrimSpace(secret)
	if !strings.HasPrefix(secret, latchkey.APITokenPrefix) || !strings.Contains(note, "acting as admin@acme.test") || !strings.Contains(note, "shown only once") {
		t.Fatalf("create printed %q on stdout and %q on stderr", secret, note)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad scope", []string{"create", "--workspace", "acme", "--scope", "admin"}, latchkey.MsgAPIScopeInvalid},
		{"owner not an administrator", []string{"create", "--workspace", "acme", "--as", "nobody@acme.test"}, "has no account nobody@acme.test"},
		{"unknown workspace", []string{"list", "--workspace", "nope"}, `no workspace "nope"`},
		{"missing workspace", []string{"list"}, "needs --workspace"},
		{"revoke without a token", []string{"revoke", "--workspace", "acme"}, "needs --id or --name"},
		{"revoke unknown name", []string{"revoke", "--workspace", "acme", "--name", "Other"}, `no live token named "Other"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := cliSplit(t, dir, append([]string{"api", "token"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q\n%s%s", err, tc.want, out, errOut)
			}
		})
	}
	if _, _, err := cliSplit(t, dir, "api", "token", "frob"); err == nil {
		t.Fatal("unknown subcommand succeeded")
	}

	out, _, err := cliSplit(t, dir, "api", "token", "list", "--workspace", "acme")
	if err != nil || !strings.Contains(out, "Asset sync") || !strings.Contains(out, "read-write") || !strings.Contains(out, "…"+secret[len(secret)-4:]) || !strings.Contains(out, "live") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if strings.Contains(out, secret) {
		t.Fatalf("list shows the secret:\n%s", out)
	}
	out, _, err = cliSplit(t, dir, "api", "token", "revoke", "--workspace", "acme", "--name", "Asset sync")
	if err != nil || !strings.Contains(out, `Revoked token "Asset sync"`) {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	if out, _, _ := cliSplit(t, dir, "api", "token", "list", "--workspace", "acme"); !strings.Contains(out, "revoked") {
		t.Fatalf("list after revoke:\n%s", out)
	}

	db, err = sqlstore.Open(t.Context(), filepath.Join(dir, "latchkey.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tok, err := db.APITokenByHash(t.Context(), ws.ID, latchkey.HashSecret(secret))
	if err != nil || !tok.Revoked() || tok.AccountID != admin.ID || tok.CreatedBy != "" {
		t.Fatalf("stored token = %+v, %v", tok, err)
	}
	evs, err := db.Events(t.Context(), ws.ID, latchkey.EventFilter{TypePrefix: "api."})
	if err != nil || len(evs) != 2 || evs[0].Type != latchkey.EventAPITokenRevoke || evs[1].Type != latchkey.EventAPITokenCreate {
		t.Fatalf("api events = %+v, %v", evs, err)
	}
}
