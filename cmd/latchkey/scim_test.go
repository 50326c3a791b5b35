package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// fields reads the "field: value" lines of a command's output.
func fields(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && !strings.Contains(k, " ") {
			m[k] = v
		}
	}
	return m
}

func TestCLISCIMTokens(t *testing.T) {
	dir := t.TempDir()
	if out, err := cli(t, dir, "workspace", "create", "--slug", "acme", "--name", "Acme Corp", "--admin-email", "admin@acme.test"); err != nil {
		t.Fatalf("workspace create: %v\n%s", err, out)
	}
	out, err := cli(t, dir, "scim", "token", "create", "--workspace", "acme", "--name", "Okta")
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	f := fields(out)
	if f["base_url"] != "http://acme.localhost:8080/scim/v2" || f["name"] != "Okta" || !strings.HasPrefix(f["token"], "lksc_") || f["id"] == "" {
		t.Fatalf("token create printed %q, want id, name, base_url and token lines", out)
	}
	if !strings.Contains(out, "shown only this once") {
		t.Fatalf("token create does not say the token is shown once:\n%s", out)
	}

	// The token works on the server's SCIM endpoint for acme.
	ln, port := listenLocal(t)
	m := &Main{Config: testConfig(nil), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Listener: ln}
	m.Config.DataDir, m.Config.Addr, m.Config.BaseURL = dir, "127.0.0.1:"+port, "http://localhost:"+port
	if err := m.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	get := func(token string) int {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://127.0.0.1:"+port+"/scim/v2/ServiceProviderConfig", nil)
		req.Host = "acme.localhost:" + port
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get(f["token"]); code != http.StatusOK {
		t.Fatalf("SCIM with the new token: %d", code)
	}
	m.Close()

	out, err = cli(t, dir, "scim", "token", "list", "--workspace", "acme")
	if err != nil || !strings.Contains(out, f["id"]) || !strings.Contains(out, "Okta") || !strings.Contains(out, "LAST USED") {
		t.Fatalf("token list: %v\n%s", err, out)
	}
	if strings.Contains(out, f["token"]) {
		t.Fatal("token list shows the secret")
	}
	line := out[strings.Index(out, f["id"]):]
	line = line[:strings.Index(line, "\n")]
	if cols := strings.Fields(line); cols[len(cols)-1] != "-" || !strings.Contains(line, "UTC") {
		t.Fatalf("token row %q: want a last use and no revocation", line)
	}

	if out, err := cli(t, dir, "scim", "token", "revoke", "--workspace", "acme", "--token", f["id"]); err != nil || !strings.Contains(out, "Revoked SCIM token "+f["id"]) {
		t.Fatalf("token revoke: %v\n%s", err, out)
	}
	out, _ = cli(t, dir, "scim", "token", "list", "--workspace", "acme")
	line = out[strings.Index(out, f["id"]):]
	line = line[:strings.Index(line, "\n")]
	if strings.Count(line, "UTC") != 3 {
		t.Fatalf("revoked token row %q: want created, last used and revoked times", line)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"revoke again", []string{"revoke", "--workspace", "acme", "--token", f["id"]}, "no live SCIM token"},
		{"revoke without token", []string{"revoke", "--workspace", "acme"}, "needs --token"},
		{"unknown workspace", []string{"create", "--workspace", "nope"}, `no workspace "nope"`},
		{"no workspace", []string{"list"}, "needs --workspace"},
		{"empty name", []string{"create", "--workspace", "acme", "--name", " "}, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := cli(t, dir, append([]string{"scim", "token"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q\n%s", err, tc.want, out)
			}
		})
	}
	if _, err := cli(t, dir, "scim", "frob"); err == nil {
		t.Fatal("scim frob succeeded")
	}
}
