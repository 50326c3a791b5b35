package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/connector/saml/samltest"
)

// connectionID is the id that connection add printed.
func connectionID(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Connection ID: (\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no connection id in:\n%s", out)
	}
	return m[1]
}

func mustCLI(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := cli(t, dir, args...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func wantCLIError(t *testing.T, dir, want string, args ...string) {
	t.Helper()
	out, err := cli(t, dir, args...)
	if err == nil || !strings.Contains(err.Error()+out, want) {
		t.Errorf("%s: %v\n%s\nwant an error with %q", strings.Join(args, " "), err, out, want)
	}
}

func TestCLIConnections(t *testing.T) {
	dir := t.TempDir()
	mustCLI(t, dir, "workspace", "create", "--slug", "acme", "--name", "Acme Corp", "--admin-email", "admin@acme.test")
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)

	// Refusals: a secret as a flag value, a plain http issuer off loopback, no secret at all,
	// a tenant that is not a directory id.
	wantCLIError(t, dir, "shows in ps", "connection", "add", "--workspace", "acme", "--kind", "oidc", "--name", "Acme ID", "--issuer", "https://id.acme.test", "--client-id", "c", "--client-secret", "s3cret")
	wantCLIError(t, dir, "must use https", "connection", "add", "--workspace", "acme", "--kind", "oidc", "--name", "Acme ID", "--issuer", "http://id.acme.test", "--client-id", "c", "--client-secret-file", secret)
	wantCLIError(t, dir, "LATCHKEY_CLIENT_SECRET", "connection", "add", "--workspace", "acme", "--kind", "google", "--client-id", "c")
	wantCLIError(t, dir, "is not a directory (tenant) id", "connection", "add", "--workspace", "acme", "--kind", "microsoft", "--tenant", "contoso.com", "--client-id", "c", "--client-secret-file", secret)
	// Password sign-in cannot be turned off before a connection is enabled.
	wantCLIError(t, dir, "enabled single sign-on connection", "workspace", "policy", "--workspace", "acme", "--password-sign-in", "off")

	out := mustCLI(t, dir, "connection", "add", "--workspace", "acme", "--kind", "oidc", "--name", "Acme ID", "--issuer", "https://id.acme.test", "--client-id", "c", "--client-secret-file", secret, "--jit", "--disabled")
	oidcID := connectionID(t, out)
	if want := "Callback URL: http://acme.localhost:8080/sso/" + oidcID + "/callback"; !strings.Contains(out, want) {
		t.Errorf("add output lacks %q:\n%s", want, out)
	}

	// The secret from the environment.
	var o, e bytes.Buffer
	err := run(t.Context(), []string{"connection", "add", "--workspace", "acme", "--kind", "microsoft", "--tenant", "72f988bf-86f1-41af-91ab-2d7cd011db47",
		"--tenant", "0b1d7d36-8e54-4c2d-9a3f-2f8a3f0c9e11", "--client-id", "c", "--data-dir", dir, "--log-level", "error"},
		env(map[string]string{"LATCHKEY_CLIENT_SECRET": "from-env"}), &o, &e)
	if err != nil {
		t.Fatalf("microsoft with LATCHKEY_CLIENT_SECRET: %v\n%s%s", err, o.String(), e.String())
	}
	msID := connectionID(t, o.String())
	googleID := connectionID(t, mustCLI(t, dir, "connection", "add", "--workspace", "acme", "--kind", "google", "--client-id", "g", "--client-secret-file", secret))

	// SAML from a metadata file, and by hand with two certificates.
	idp, err := samltest.New("https://idp.acme.test/saml", nil)
	if err != nil {
		t.Fatal(err)
	}
	md := filepath.Join(dir, "idp.xml")
	os.WriteFile(md, idp.Metadata(), 0o600)
	out = mustCLI(t, dir, "connection", "add", "--workspace", "acme", "--kind", "saml", "--name", "Okta", "--metadata-file", md, "--idp-initiated")
	samlID := connectionID(t, out)
	base := "http://acme.localhost:8080/sso/" + samlID
	for _, want := range []string{"SP entity ID: " + base + "/metadata", "ACS URL: " + base + "/acs", "SP metadata URL: " + base + "/metadata"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("saml add output lacks %q:\n%s", want, out)
		}
	}
	soon, err := samltest.NewKey("next", time.Now().Add(-time.Hour), time.Now().Add(10*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	cert1, cert2 := filepath.Join(dir, "c1.pem"), filepath.Join(dir, "c2.pem")
	os.WriteFile(cert1, []byte(idp.Key.CertPEM()), 0o600)
	os.WriteFile(cert2, []byte(soon.CertPEM()), 0o600)
	handID := connectionID(t, mustCLI(t, dir, "connection", "add", "--workspace", "acme", "--kind", "saml", "--name", "JumpCloud",
		"--idp-entity-id", "https://idp.acme.test/saml", "--idp-sso-url", "https://idp.acme.test/sso", "--idp-cert-file", cert1, "--idp-cert-file", cert2))
	wantCLIError(t, dir, "metadata", "connection", "add", "--workspace", "acme", "--kind", "saml", "--name", "Bad", "--metadata-url", "http://idp.acme.test/metadata")

	out = mustCLI(t, dir, "connection", "list", "--workspace", "acme")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("list:\n%s", out)
	}
	if !regexp.MustCompile(oidcID + `\s+oidc\s+Acme ID\s+no\s+yes\s+http://acme.localhost:8080/sso/` + oidcID + `/callback`).MatchString(lines[1]) {
		t.Errorf("list row %q", lines[1])
	}
	for _, id := range []string{msID, googleID, samlID, handID} {
		if !strings.Contains(out, id) {
			t.Errorf("list lacks %s", id)
		}
	}

	out = mustCLI(t, dir, "connection", "show", "--workspace", "acme", "--connection", handID)
	for _, want := range []string{"Kind: saml", "Name: JumpCloud", "IdP certificates: 2", "ACS URL: http://acme.localhost:8080/sso/" + handID + "/acs", "Warning: IdP signing certificate \"CN=next\" expires on"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.Contains(line, ": ") {
			t.Errorf("show line %q is not field: value", line)
		}
	}
	if out := mustCLI(t, dir, "connection", "show", "--workspace", "acme", "--connection", msID); !strings.Contains(out, "Tenants: 72f988bf-86f1-41af-91ab-2d7cd011db47, 0b1d7d36-8e54-4c2d-9a3f-2f8a3f0c9e11") || strings.Contains(out, "from-env") {
		t.Errorf("microsoft show:\n%s", out)
	}

	// Edit: only the flags given change; flags of another kind are refused before anything
	// changes; new certificates replace the metadata.
	out = mustCLI(t, dir, "connection", "edit", "--workspace", "acme", "--connection", oidcID, "--name", "Acme Login", "--jit=false")
	for _, want := range []string{"Saved connection " + oidcID + " (Acme Login)\n", "Name: Acme Login\n", "JIT: no\n", "Issuer: https://id.acme.test\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("edit output lacks %q:\n%s", want, out)
		}
	}
	wantCLIError(t, dir, "--metadata-url is only for saml connections", "connection", "edit", "--workspace", "acme", "--connection", oidcID, "--name", "Changed", "--metadata-url", "https://idp.acme.test/md")
	wantCLIError(t, dir, "--tenant is only for microsoft connections", "connection", "edit", "--workspace", "acme", "--connection", googleID, "--tenant", "72f988bf-86f1-41af-91ab-2d7cd011db47")
	wantCLIError(t, dir, "--client-id is only for OpenID", "connection", "edit", "--workspace", "acme", "--connection", samlID, "--client-id", "x")
	wantCLIError(t, dir, "must use https", "connection", "edit", "--workspace", "acme", "--connection", oidcID, "--issuer", "http://id.acme.test")
	wantCLIError(t, dir, "has no connection", "connection", "edit", "--workspace", "acme", "--connection", "nope", "--name", "X")
	if out := mustCLI(t, dir, "connection", "show", "--workspace", "acme", "--connection", oidcID); !strings.Contains(out, "Name: Acme Login\n") || !strings.Contains(out, "Issuer: https://id.acme.test\n") {
		t.Errorf("a refused edit changed the connection:\n%s", out)
	}
	wantCLIError(t, dir, "--idp-cert-file replaces the IdP metadata", "connection", "edit", "--workspace", "acme", "--connection", samlID, "--idp-cert-file", cert2, "--metadata-file", md)
	out = mustCLI(t, dir, "connection", "edit", "--workspace", "acme", "--connection", samlID, "--idp-cert-file", cert2, "--idp-initiated=false")
	for _, want := range []string{"IdP certificates: 1\n", "IdP-initiated: no\n", "Warning: IdP signing certificate \"CN=next\" expires on"} {
		if !strings.Contains(out, want) {
			t.Errorf("saml edit output lacks %q:\n%s", want, out)
		}
	}

	// Domains.
	out = mustCLI(t, dir, "workspace", "domains", "--workspace", "acme", "--add", "acme.test", "--add", "Old.Example")
	if out != "acme.test\nold.example\n" {
		t.Errorf("domains after add: %q", out)
	}
	if out = mustCLI(t, dir, "workspace", "domains", "--workspace", "acme", "--remove", "old.example"); out != "acme.test\n" {
		t.Errorf("domains after remove: %q", out)
	}
	wantCLIError(t, dir, "Enter a domain name", "workspace", "domains", "--workspace", "acme", "--add", "not a domain")
	wantCLIError(t, dir, "not an approved domain", "workspace", "domains", "--workspace", "acme", "--remove", "never.example")

	// Enable, policy, disable, remove.
	mustCLI(t, dir, "connection", "enable", "--workspace", "acme", "--connection", oidcID)
	for _, id := range []string{msID, googleID, samlID, handID} {
		mustCLI(t, dir, "connection", "disable", "--workspace", "acme", "--connection", id)
	}
	if out = mustCLI(t, dir, "workspace", "policy", "--workspace", "acme", "--password-sign-in", "off", "--require-2fa", "on"); out != "password sign-in: off\nrequire 2fa: on\npasskey sign-in: on\n" {
		t.Errorf("policy: %q", out)
	}
	wantCLIError(t, dir, "last enabled connection", "connection", "disable", "--workspace", "acme", "--connection", oidcID)
	wantCLIError(t, dir, "last enabled connection", "connection", "remove", "--workspace", "acme", "--connection", oidcID)
	if out = mustCLI(t, dir, "workspace", "policy", "--workspace", "acme", "--password-sign-in", "on", "--passkey-sign-in", "off"); out != "password sign-in: on\nrequire 2fa: on\npasskey sign-in: off\n" {
		t.Errorf("policy back on: %q", out)
	}
	mustCLI(t, dir, "connection", "remove", "--workspace", "acme", "--connection", oidcID)
	wantCLIError(t, dir, "has no connection", "connection", "show", "--workspace", "acme", "--connection", oidcID)
	wantCLIError(t, dir, "on or off", "workspace", "policy", "--workspace", "acme", "--require-2fa", "maybe")
	wantCLIError(t, dir, "--passkey-sign-in takes on or off", "workspace", "policy", "--workspace", "acme", "--passkey-sign-in", "yes")
}
