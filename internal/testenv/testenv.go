// Package testenv decides what a test does when something it needs from the machine is
// missing (a PostgreSQL server, a Chromium): it skips, so that `go test ./...` passes on a
// laptop, unless LATCHKEY_TEST_REQUIRE names the thing (CI sets it to "postgres,chromium"), in
// which case the test fails: a green CI run cannot hide skipped checks.
package testenv

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// RequireEnv names the variable listing, comma-separated, what must not be skipped.
const RequireEnv = "LATCHKEY_TEST_REQUIRE"

// Required reports whether LATCHKEY_TEST_REQUIRE names what.
func Required(what string) bool {
	return slices.Contains(strings.Split(os.Getenv(RequireEnv), ","), what)
}

// Missing ends t for want of what (say, "postgres"), explaining why: t.Fatal when what is
// required, t.Skip otherwise.
func Missing(t testing.TB, what, why string) {
	t.Helper()
	if Required(what) {
		t.Fatalf("%s (required by %s=%s)", why, RequireEnv, os.Getenv(RequireEnv))
	}
	t.Skip(why)
}
