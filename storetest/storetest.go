package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/latchkey/latchkey"
)

// Run checks that the stores made by open keep every promise of latchkey.Store. open is
// called once per subtest, from parallel subtests, and must return a fresh, empty store; it
// should close the store with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) latchkey.Store) {
	t.Helper()
	groups := []struct {
		name  string
		tests []test
	}{
		{"Workspace", workspaceTests},
		{"Account", accountTests},
		{"Session", sessionTests},
		{"Token", tokenTests},
		{"Throttle", throttleTests},
		{"Audit", auditTests},
		{"Time", timeTests},
		{"TwoFactor", twoFactorTests},
		{"Challenge", challengeTests},
		{"Mail", mailTests},
		{"Passkey", passkeyTests},
		{"SCIM", scimTests},
		{"Connection", connectionTests},
		{"Domain", domainTests},
		{"IdentityLink", linkTests},
		{"SSOFlow", flowTests},
		{"Once", onceTests},
		{"Hardware", hardwareTests},
		{"Software", softwareTests},
		{"Request", requestTests},
		{"APIToken", apiTokenTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, open(t))
				})
			}
		})
	}
	t.Run("Export", func(t *testing.T) {
		t.Parallel()
		for _, tc := range slices.Concat(exportTests, ssoExportTests, scimExportTests, apiTokenExportTests) {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				tc.run(t, open)
			})
		}
	})
}

// A test checks one promise on a fresh store.
type test struct {
	name string
	run  func(t *testing.T, s latchkey.Store)
}

// A storesTest checks one promise that may need more than one store, such as moving a
// workspace from one to another: it calls open for each fresh store it needs.
type storesTest struct {
	name string
	run  func(t *testing.T, open func(t *testing.T) latchkey.Store)
}

// t0 is the suite's "now". It is a whole second, so that times derived from it by adding
// microseconds round-trip exactly and compare with cmp.
var t0 = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// errFn is what an UpdateAccount updater returns to refuse a change.
var errFn = errors.New("storetest: updater refused")

// newWorkspace creates workspace slug with a first administrator admin@<slug>.test.
func newWorkspace(t *testing.T, s latchkey.Store, slug string) (latchkey.Workspace, latchkey.Account) {
	t.Helper()
	w := latchkey.Workspace{ID: latchkey.NewID(), Slug: slug, Name: "Workspace " + slug, CreatedAt: t0}
	admin := latchkey.Account{
		ID:           latchkey.NewID(),
		WorkspaceID:  w.ID,
		Email:        "admin@" + slug + ".test",
		Name:         "Admin of " + slug,
		Role:         latchkey.RoleAdmin,
		Status:       latchkey.StatusActive,
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		CreatedAt:    t0,
		UpdatedAt:    t0,
	}
	if err := s.CreateWorkspace(t.Context(), w, admin); err != nil {
		t.Fatalf("CreateWorkspace(%q): %v", slug, err)
	}
	return w, admin
}

// newAccount creates an active member of ws with this email.
func newAccount(t *testing.T, s latchkey.Store, ws, email string) latchkey.Account {
	t.Helper()
	return createAccount(t, s, latchkey.Account{
		ID:          latchkey.NewID(),
		WorkspaceID: ws,
		Email:       email,
		Name:        "Person " + email,
		Role:        latchkey.RoleMember,
		Status:      latchkey.StatusActive,
		CreatedAt:   t0,
		UpdatedAt:   t0,
	})
}

// createAccount stores a and returns it.
func createAccount(t *testing.T, s latchkey.Store, a latchkey.Account) latchkey.Account {
	t.Helper()
	if err := s.CreateAccount(t.Context(), a); err != nil {
		t.Fatalf("CreateAccount(%q): %v", a.Email, err)
	}
	return a
}

// newSession creates a session of a created at created, ending a day later.
func newSession(t *testing.T, s latchkey.Store, a latchkey.Account, created time.Time) latchkey.Session {
	t.Helper()
	_, hash := latchkey.NewSecret()
	sess := latchkey.Session{
		ID:          hash,
		WorkspaceID: a.WorkspaceID,
		AccountID:   a.ID,
		CreatedAt:   created,
		LastSeenAt:  created,
		ExpiresAt:   created.Add(24 * time.Hour),
		ClientAddr:  "192.0.2.1",
		UserAgent:   "storetest",
	}
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return sess
}

// newToken creates a token of a for purpose, expiring at expires.
func newToken(t *testing.T, s latchkey.Store, a latchkey.Account, purpose latchkey.Purpose, expires time.Time) latchkey.Token {
	t.Helper()
	_, hash := latchkey.NewSecret()
	tok := latchkey.Token{
		Hash:        hash,
		Purpose:     purpose,
		WorkspaceID: a.WorkspaceID,
		AccountID:   a.ID,
		CreatedAt:   t0,
		ExpiresAt:   expires,
	}
	if err := s.CreateToken(t.Context(), tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	return tok
}

// ok fails the test now if err is not nil.
func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantErr fails the test now unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err=%v, want %v", what, err, target)
	}
}

// same fails the test now if got differs from want. Times are compared with Equal, and a nil
// slice equals an empty one.
func same(t *testing.T, what string, want, got any) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("%s: mismatch (-want +got):\n%s", what, diff)
	}
}

// concurrently runs f(0) … f(n-1) in n goroutines released together, and returns their
// errors in the order of i.
func concurrently(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// countErrs counts how many of errs are nil and how many are target, and fails the test for
// any other error.
func countErrs(t *testing.T, what string, errs []error, target error) (nils, targets int) {
	t.Helper()
	for _, err := range errs {
		switch {
		case err == nil:
			nils++
		case errors.Is(err, target):
			targets++
		default:
			t.Errorf("%s: unexpected error %v", what, err)
		}
	}
	return nils, targets
}
