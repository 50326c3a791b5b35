package scim_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
)

// TestDeactivatedMemberCannotSignIn checks the deactivation end to end with the real sign-in
// service: an account that an administrator created with a password, which the identity
// provider then takes over and deactivates, is told "This account is not active", and
// signs in again once reactivated.
func TestDeactivatedMemberCannotSignIn(t *testing.T) {
	e := newEnv(t)
	hash, err := password.HashWith("correct horse battery", password.InsecureTestParams)
	if err != nil {
		t.Fatal(err)
	}
	sam := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: e.acme.ID, Email: "sam@acme.test", Name: "Sam",
		Role: latchkey.RoleMember, Status: latchkey.StatusActive, PasswordHash: hash, CreatedAt: start, UpdatedAt: start}
	if err := e.store.CreateAccount(t.Context(), sam); err != nil {
		t.Fatal(err)
	}
	outbox, err := mail.NewOutbox(filepath.Join(t.TempDir(), "outbox"), nil)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://app.test")
	svc := signin.New(signin.Config{Store: e.store, Mailer: outbox, BaseURL: base, Now: e.clock.Now, Passwords: password.NewHasher(password.HasherConfig{Params: password.InsecureTestParams, LightParams: password.InsecureTestParams})})
	signIn := func() error {
		_, err := svc.PasswordSignIn(t.Context(), signin.PasswordInput{Workspace: e.acme, Email: "sam@acme.test",
			Password: "correct horse battery", Client: signin.Client{Addr: "192.0.2.9"}})
		return err
	}
	if err := signIn(); err != nil {
		t.Fatalf("sign in before SCIM: %v", err)
	}

	// The provider finds the existing account by userName and deactivates it.
	r := e.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "sam@acme.test"`), nil).want(t, http.StatusOK)
	if len(r.resources()) != 1 {
		t.Fatalf("look-up of an admin-made account: %s", r.raw)
	}
	e.do("PATCH", "/Users/"+sam.ID, patch(op("replace", "active", false))).want(t, http.StatusOK)
	if got := latchkey.ErrorMessage(signIn()); got != latchkey.MsgNotActive {
		t.Fatalf("sign in after deactivation: %q, want %q", got, latchkey.MsgNotActive)
	}
	u, err := e.store.SCIMUser(t.Context(), e.acme.ID, sam.ID)
	if err != nil || !u.Profile.Managed {
		t.Fatalf("profile=%+v, %v: want the account marked as managed by the provider", u.Profile, err)
	}
	e.do("PATCH", "/Users/"+sam.ID, patch(op("replace", "active", true))).want(t, http.StatusOK)
	if err := signIn(); err != nil {
		t.Fatalf("sign in after reactivation: %v", err)
	}
}
