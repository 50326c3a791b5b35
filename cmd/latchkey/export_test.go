package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/totp"
)

// exportTarget is where TestExportImport moves the workspace: a fresh PostgreSQL schema when
// LATCHKEY_TEST_POSTGRES is set, else another SQLite file.
func exportTarget(t *testing.T) string {
	t.Helper()
	if os.Getenv(postgresEnv) == "" {
		if testenv.Required("postgres") {
			t.Fatalf("%s is not set, and %s requires PostgreSQL", postgresEnv, testenv.RequireEnv)
		}
		t.Logf("%s is not set: moving the workspace from SQLite to SQLite", postgresEnv)
		return filepath.Join(t.TempDir(), "target.db")
	}
	return freshPostgres(t)
}

// exportJSON runs latchkey export --workspace acme on the data directory (and, if not "", the
// database) and returns what it wrote to stdout, decoded.
func exportJSON(t *testing.T, dataDir, database string) latchkey.WorkspaceExport {
	t.Helper()
	args := []string{"export", "--workspace", "acme", "--data-dir", dataDir, "--log-level", "error"}
	if database != "" {
		args = append(args, "--database", database)
	}
	var out, errOut bytes.Buffer
	if err := run(t.Context(), args, env(nil), &out, &errOut); err != nil {
		t.Fatalf("export: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(errOut.String(), "Exported workspace acme") {
		t.Errorf("export to stdout says %q on stderr, want the summary", errOut.String())
	}
	var x latchkey.WorkspaceExport
	if err := json.Unmarshal(out.Bytes(), &x); err != nil {
		t.Fatalf("export wrote no JSON to stdout: %v\n%s", err, out.String())
	}
	return x
}

// TestExportImport moves workspace acme from the embedded SQLite store to another database
// through the CLI, and signs in there with the password set at the source.
func TestExportImport(t *testing.T) {
	src := t.TempDir()
	m, d := openDemo(t, src)
	// The administrator has two-factor authentication: its secret is sealed by the source's key
	// file, and must open on the target.
	admin, key := turnOnTOTP(t, m, d.AdminEmail)
	if err := m.Store.AdvanceTOTPStep(t.Context(), admin.WorkspaceID, admin.ID, 12345); err != nil {
		t.Fatal(err)
	}
	m.Close()

	file := filepath.Join(t.TempDir(), "acme.json")
	out, err := cli(t, src, "export", "--workspace", "acme", "--out", file)
	if err != nil || !strings.Contains(out, "Exported workspace acme (Acme Corp): 2 account(s)") {
		t.Fatalf("export --out: %v\n%s", err, out)
	}
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("export file mode %v, want 0600: it holds password hashes", got)
	}
	exported := exportJSON(t, src, "")
	if exported.TOTPSteps[admin.ID] != 12345 || len(exported.Events) == 0 {
		t.Fatalf("export misses the TOTP step or the audit log: steps %v, %d events", exported.TOTPSteps, len(exported.Events))
	}

	target := exportTarget(t)
	dst := t.TempDir()
	out, err = cli(t, dst, "import", "--in", file, "--database", target)
	if err != nil || !strings.Contains(out, "Imported workspace acme (Acme Corp)") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if diff := cmp.Diff(exported, exportJSON(t, dst, target)); diff != "" {
		t.Errorf("the target's export differs from the source's (-source +target):\n%s", diff)
	}
	if _, err := cli(t, dst, "import", "--in", file, "--database", target); err == nil ||
		!strings.Contains(err.Error(), "workspace acme already exists in the target database") {
		t.Fatalf("second import = %v, want the workspace to be already there", err)
	}

	// The target serves the workspace: the source's password signs in, on a node that uses the
	// source's key file.
	node := startNode(t, func(c *Config) {
		c.DataDir, c.Database, c.SecretKeyFile = dst, target, filepath.Join(src, "secret.key")
	})
	v := newVisitor(t, node)
	wantStatus(t, "sign in on the target", login(t, v[0], d.MemberEmail, d.MemberPassword), http.StatusSeeOther, "/dashboard")
	if p := v[0].Get(t, workspaceURL("/dashboard")); p.Status != http.StatusOK || p.Heading() == "" {
		t.Fatalf("dashboard on the target: %d %q", p.Status, p.Heading())
	}

	// The administrator's authenticator still works there.
	admins := newVisitor(t, node)
	wantStatus(t, "administrator's password on the target", login(t, admins[0], d.AdminEmail, d.AdminPassword), http.StatusSeeOther, "/two-factor")
	code, err := totp.Code(key.Secret, totp.Step(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	tok := admins[0].CSRF(t, workspaceURL("/two-factor"))
	wantStatus(t, "administrator's TOTP code on the target", admins[0].Post(t, workspaceURL("/two-factor"), url.Values{"csrf": {tok}, "code": {code}}), http.StatusSeeOther, "/dashboard")
}

// openDemo opens the store in dir, without serving, and makes the demo workspace there. The
// caller closes m.
func openDemo(t *testing.T, dir string) (*Main, demo) {
	t.Helper()
	m := &Main{Config: testConfig(nil), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	m.Config.DataDir = dir
	if err := m.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	d, err := m.ensureDemo(t.Context())
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	return m, d
}

// turnOnTOTP gives the demo workspace's account with this email an authenticator, straight in
// the store of the open m, and returns the account and the authenticator's key.
func turnOnTOTP(t *testing.T, m *Main, email string) (latchkey.Account, totp.Key) {
	t.Helper()
	a, err := m.Store.AccountByEmail(t.Context(), mustWorkspace(t, m).ID, email)
	if err != nil {
		t.Fatal(err)
	}
	key, err := totp.Generate("Acme Corp", a.Email)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := m.Keys.Seal([]byte(key.Secret), []byte(a.ID))
	if err != nil {
		t.Fatal(err)
	}
	err = m.Store.UpdateAccount(t.Context(), a.WorkspaceID, a.ID, func(acc *latchkey.Account) error {
		acc.TOTPSecret, acc.TOTPEnabledAt = sealed, time.Now().UTC()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, key
}

func mustWorkspace(t *testing.T, m *Main) latchkey.Workspace {
	t.Helper()
	ws, err := m.Store.WorkspaceBySlug(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// TestImportFromStdin pipes an export into latchkey import.
func TestImportFromStdin(t *testing.T) {
	src := t.TempDir()
	if out, err := cli(t, src, "workspace", "create", "--slug", "acme", "--name", "Acme Corp", "--admin-email", "admin@acme.test"); err != nil {
		t.Fatalf("workspace create: %v\n%s", err, out)
	}
	x := exportJSON(t, src, "")
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	var out bytes.Buffer
	m := &Main{Config: testConfig(nil), Stdin: bytes.NewReader(b), Stdout: &out, Stderr: &out}
	if err := m.importCommand(t.Context(), []string{"--data-dir", dst, "--log-level", "error"}); err != nil {
		t.Fatalf("import from stdin: %v\n%s", err, out.String())
	}
	if diff := cmp.Diff(x, exportJSON(t, dst, "")); diff != "" {
		t.Errorf("imported workspace differs (-exported +imported):\n%s", diff)
	}
	// Import opens only the database: it must not make a secret key that could be mistaken
	// for the one the two-factor secrets need.
	if _, err := os.Stat(filepath.Join(dst, "secret.key")); !os.IsNotExist(err) {
		t.Errorf("import created a secret key in the data directory (%v)", err)
	}
}

func TestExportImportErrors(t *testing.T) {
	src := t.TempDir()
	if out, err := cli(t, src, "workspace", "create", "--slug", "acme", "--name", "Acme Corp", "--admin-email", "admin@acme.test"); err != nil {
		t.Fatalf("workspace create: %v\n%s", err, out)
	}
	raw, err := json.Marshal(exportJSON(t, src, ""))
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	json.Unmarshal(raw, &fields)
	fields["version"] = 99
	future, _ := json.Marshal(fields)
	fields["version"] = 1
	fields["surprise"] = true
	extra, _ := json.Marshal(fields)

	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"export without workspace", []string{"export"}, "export needs --workspace"},
		{"export unknown workspace", []string{"export", "--workspace", "nope"}, `there is no workspace "nope"`},
		{"import missing file", []string{"import", "--in", filepath.Join(dir, "missing.json")}, "no such file"},
		{"import not an export", []string{"import", "--in", write("notes.json", []byte(`{"hello": "world"}`))}, "is not a latchkey workspace export"},
		{"import not JSON", []string{"import", "--in", write("notes.txt", []byte("acme"))}, "is not a latchkey workspace export"},
		{"import newer version", []string{"import", "--in", write("future.json", future)}, "export version 99, but this latchkey reads only version 1"},
		{"import unknown field", []string{"import", "--in", write("extra.json", extra)}, `unknown field "surprise"`},
		{"import argument", []string{"import", "acme.json"}, "give the file with --in"},
		{"import into its source", []string{"import", "--in", write("acme.json", raw)}, "workspace acme already exists in the target database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := cli(t, src, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q\n%s", err, tc.want, out)
			}
		})
	}
}
