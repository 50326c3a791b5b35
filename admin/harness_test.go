package admin_test

import (
	"testing"

	"github.com/latchkey/latchkey/internal/lifecycletest"
)

// The administration tests run the services as the server wires them, on the harness in
// internal/lifecycletest: the sign-in service is there to sign members in and to check what an
// action did to their sessions and links. lcEnv adds this package's own helpers to it.
type lcEnv struct{ *lifecycletest.Env }

// newLcEnv seeds workspace acme, created by the operator, with an active administrator and an
// active member (see lifecycletest.New).
func newLcEnv(t *testing.T) *lcEnv { return &lcEnv{lifecycletest.New(t)} }
