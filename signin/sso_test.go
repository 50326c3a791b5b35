package signin_test

import (
	"testing"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

// enableSSO gives the workspace an enabled SAML connection, straight in the store, so that
// password sign-in may be turned off.
func (e *lcEnv) enableSSO(t *testing.T) latchkey.Connection {
	t.Helper()
	c := latchkey.Connection{ID: latchkey.NewID(), WorkspaceID: e.ws.ID, Kind: latchkey.KindSAML, Name: "Okta", Enabled: true,
		IdPEntityID: "https://idp.test", IdPSSOURL: "https://idp.test/sso", CreatedAt: lcStart, UpdatedAt: lcStart}
	if err := e.store.CreateConnection(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// Password sign-in can be turned off only while an enabled connection exists, and the
// operator can always turn it back on.
func TestPasswordOffNeedsConnection(t *testing.T) {
	e := newLcEnv(t)
	_, err := e.svc.UpdatePolicy(t.Context(), signin.PolicyInput{Workspace: e.ws, Actor: e.admin, Policy: latchkey.Policy{PasswordSignInOff: true}})
	wantError(t, "UpdatePolicy without a connection", err, latchkey.CodeConflict, latchkey.MsgPasswordOffNoSSO, "password_signin")
	off := true
	_, err = e.svc.SetOperatorPolicy(t.Context(), e.ws, signin.OperatorPolicy{PasswordSignInOff: &off})
	wantError(t, "SetOperatorPolicy without a connection", err, latchkey.CodeConflict, latchkey.MsgPasswordOffNoSSO, "")

	c := e.enableSSO(t)
	w, err := e.svc.SetOperatorPolicy(t.Context(), e.ws, signin.OperatorPolicy{PasswordSignInOff: &off})
	if err != nil || !w.Policy.PasswordSignInOff {
		t.Fatalf("SetOperatorPolicy with a connection: %+v, %v", w.Policy, err)
	}
	// The last enabled connection cannot be disabled or removed while password sign-in is off.
	in := signin.ConnectionAction{Workspace: w, ConnectionID: c.ID}
	_, err = e.svc.SetConnectionEnabled(t.Context(), in, false)
	wantError(t, "disable the last connection", err, latchkey.CodeConflict, latchkey.MsgConnectionLastOne, "")
	_, err = e.svc.RemoveConnection(t.Context(), in)
	wantError(t, "remove the last connection", err, latchkey.CodeConflict, latchkey.MsgConnectionLastOne, "")

	on := false
	if w, err = e.svc.SetOperatorPolicy(t.Context(), w, signin.OperatorPolicy{PasswordSignInOff: &on}); err != nil || w.Policy.PasswordSignInOff {
		t.Fatalf("operator's way back in: %+v, %v", w.Policy, err)
	}
}
