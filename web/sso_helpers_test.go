package web_test

import (
	"testing"

	"github.com/latchkey/latchkey"
)

// enableSSO gives the workspace an enabled SAML connection straight in the store, so that
// password sign-in may be turned off.
func (e *env) enableSSO(t *testing.T, ws latchkey.Workspace) latchkey.Connection {
	t.Helper()
	c := latchkey.Connection{ID: latchkey.NewID(), WorkspaceID: ws.ID, Kind: latchkey.KindSAML, Name: "Okta", Enabled: true,
		IdPEntityID: "https://idp.test", IdPSSOURL: "https://idp.test/sso", CreatedAt: start, UpdatedAt: start}
	if err := e.store.CreateConnection(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	return c
}
