package signin_test

import (
	"testing"

	"github.com/latchkey/latchkey/internal/lifecycletest"
	"github.com/latchkey/latchkey/internal/testclock"
)

// The account-lifecycle tests (reset, profile, alerts, the mail queue) run on the harness in
// internal/lifecycletest; lcEnv adds this package's own helpers to it.
type lcEnv struct{ *lifecycletest.Env }

// newLcEnv seeds workspace acme on SQLite (see lifecycletest.New).
func newLcEnv(t *testing.T) *lcEnv { return &lcEnv{lifecycletest.New(t)} }

// newLcEnvOn is newLcEnv on the database at dsn: a SQLite file or a PostgreSQL URL.
func newLcEnvOn(t *testing.T, dsn string) *lcEnv { return &lcEnv{lifecycletest.NewOn(t, dsn)} }

// openLcEnv opens a node on the database and outbox directory, as a process start does.
func openLcEnv(t *testing.T, dsn, outbox string, clock *testclock.Clock) *lcEnv {
	return &lcEnv{lifecycletest.Open(t, dsn, outbox, clock)}
}
