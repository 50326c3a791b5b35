package testenv

import "testing"

func TestRequired(t *testing.T) {
	t.Setenv(RequireEnv, "postgres,chromium")
	if !Required("postgres") || !Required("chromium") || Required("redis") || Required("") {
		t.Fatal("Required does not read the list")
	}
	t.Setenv(RequireEnv, "")
	if Required("postgres") {
		t.Fatal("nothing is required when the variable is empty")
	}
}
