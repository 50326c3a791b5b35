package admin_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/connector/saml/samltest"
	"github.com/latchkey/latchkey/internal/lifecycletest"
	"github.com/latchkey/latchkey/keyring"
	"github.com/latchkey/latchkey/signin"
)

// Password sign-in can be turned off only while an enabled connection exists, and the
// operator can always turn it back on.
func TestPasswordOffNeedsConnection(t *testing.T) {
	e := newLcEnv(t)
	_, err := e.Adm.UpdatePolicy(t.Context(), admin.PolicyInput{Workspace: e.WS, Actor: latchkey.AdminActor(e.Admin), Policy: latchkey.Policy{PasswordSignInOff: true}})
	lifecycletest.WantError(t, "UpdatePolicy without a connection", err, latchkey.CodeConflict, latchkey.MsgPasswordOffNoSSO, "password_signin")
	off := true
	_, err = e.Adm.SetPolicySwitches(t.Context(), admin.PolicySwitches{Workspace: e.WS, Actor: latchkey.OperatorActor(), PasswordSignInOff: &off})
	lifecycletest.WantError(t, "SetPolicySwitches without a connection", err, latchkey.CodeConflict, latchkey.MsgPasswordOffNoSSO, "")

	c := e.EnableSSO(t)
	w, err := e.Adm.SetPolicySwitches(t.Context(), admin.PolicySwitches{Workspace: e.WS, Actor: latchkey.OperatorActor(), PasswordSignInOff: &off})
	if err != nil || !w.Policy.PasswordSignInOff {
		t.Fatalf("SetPolicySwitches with a connection: %+v, %v", w.Policy, err)
	}
	// The last enabled connection cannot be disabled or removed while password sign-in is off.
	in := admin.ConnectionAction{Workspace: w, ConnectionID: c.ID, Actor: latchkey.OperatorActor()}
	_, err = e.Adm.SetConnectionEnabled(t.Context(), in, false)
	lifecycletest.WantError(t, "disable the last connection", err, latchkey.CodeConflict, latchkey.MsgConnectionLastOne, "")
	_, err = e.Adm.RemoveConnection(t.Context(), in)
	lifecycletest.WantError(t, "remove the last connection", err, latchkey.CodeConflict, latchkey.MsgConnectionLastOne, "")

	on := false
	if w, err = e.Adm.SetPolicySwitches(t.Context(), admin.PolicySwitches{Workspace: w, Actor: latchkey.OperatorActor(), PasswordSignInOff: &on}); err != nil || w.Policy.PasswordSignInOff {
		t.Fatalf("operator's way back in: %+v, %v", w.Policy, err)
	}
}

// Metadata given by URL is fetched at creation and again once a day; a failed refresh keeps
// the last good copy, and after two days the connection warns.
func TestRefreshMetadata(t *testing.T) {
	e := newLcEnv(t)
	idp, err := samltest.New("https://idp.acme.test/saml", e.Clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	up := true
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !up {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		w.Write(idp.Metadata())
	}))
	t.Cleanup(srv.Close)
	keys, err := keyring.Parse(keyring.NewKeyLine("refresh"))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://app.test")
	svc := admin.New(admin.Config{Store: e.Store, SignIn: signin.New(signin.Config{Store: e.Store, BaseURL: base, Now: e.Clock.Now, Keys: keys, SSOClient: srv.Client()})})

	c, err := svc.CreateConnection(t.Context(), admin.NewConnection{ConnectionAction: admin.ConnectionAction{Workspace: e.WS, Actor: latchkey.OperatorActor()},
		Connection: latchkey.Connection{Kind: latchkey.KindSAML, Name: "Okta", Enabled: true, MetadataURL: srv.URL + "/metadata"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.IdPEntityID != idp.EntityID || len(c.IdPCerts) != 1 || !c.MetadataFetchedAt.Equal(e.Clock.Now()) {
		t.Fatalf("created %+v", c)
	}
	if n, err := svc.RefreshMetadata(t.Context()); n != 0 || err != nil {
		t.Fatalf("refresh within a day: %d, %v", n, err)
	}

	// A day later the IdP has rolled its key over: the new certificate is taken.
	next, err := samltest.NewKey("next", e.Clock.Now(), e.Clock.Now().Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	idp.Key = next
	mu.Unlock()
	e.Clock.Advance(admin.MetadataRefresh)
	if n, err := svc.RefreshMetadata(t.Context()); n != 1 || err != nil {
		t.Fatalf("daily refresh: %d, %v", n, err)
	}
	got, _ := e.Store.Connection(t.Context(), e.WS.ID, c.ID)
	if len(got.IdPCerts) != 1 || got.IdPCerts[0] != next.CertPEM() {
		t.Fatalf("the new certificate was not taken: %q", got.IdPCerts)
	}

	// The IdP is down for three days: the last good copy stays, and the console warns.
	mu.Lock()
	up = false
	mu.Unlock()
	for range 3 {
		e.Clock.Advance(admin.MetadataRefresh)
		if n, err := svc.RefreshMetadata(t.Context()); n != 0 || err != nil {
			t.Fatalf("failed refresh: %d, %v", n, err)
		}
	}
	kept, _ := e.Store.Connection(t.Context(), e.WS.ID, c.ID)
	if kept.IdPCerts[0] != next.CertPEM() || kept.MetadataXML != got.MetadataXML {
		t.Fatal("a failed refresh lost the last good copy")
	}
	ws := svc.ConnectionWarnings(kept)
	if len(ws) != 1 || !strings.Contains(ws[0], "could not be refreshed since") {
		t.Fatalf("warnings %q", ws)
	}
}

// IdPSource's precedence: certificates end the refresh and outrank the rest; metadata XML and
// a URL apply together; nil leaves the URL, "" clears it; the zero value changes nothing.
func TestIdPSourceApply(t *testing.T) {
	cur := latchkey.Connection{Kind: latchkey.KindSAML, MetadataURL: "https://idp.test/md", MetadataXML: "<old/>", IdPCerts: []string{"old"}}
	url, empty := "https://idp.test/new ", ""
	for _, tc := range []struct {
		name string
		src  admin.IdPSource
		want latchkey.Connection
	}{
		{"nothing", admin.IdPSource{}, cur},
		{"certificates", admin.IdPSource{Certs: []string{"new"}, MetadataXML: "<x/>", MetadataURL: &url},
			latchkey.Connection{Kind: latchkey.KindSAML, IdPCerts: []string{"new"}}},
		{"metadata", admin.IdPSource{MetadataXML: "<new/>"},
			latchkey.Connection{Kind: latchkey.KindSAML, MetadataURL: "https://idp.test/md", MetadataXML: "<new/>", IdPCerts: []string{"old"}}},
		{"metadata and a URL", admin.IdPSource{MetadataXML: "<new/>", MetadataURL: &url},
			latchkey.Connection{Kind: latchkey.KindSAML, MetadataURL: "https://idp.test/new", MetadataXML: "<new/>", IdPCerts: []string{"old"}}},
		{"URL emptied", admin.IdPSource{MetadataURL: &empty},
			latchkey.Connection{Kind: latchkey.KindSAML, MetadataXML: "<old/>", IdPCerts: []string{"old"}}},
	} {
		c := cur
		c.IdPCerts = slices.Clone(cur.IdPCerts)
		tc.src.Apply(&c)
		if diff := cmp.Diff(tc.want, c); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}
