package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

// newConnection creates an enabled connection of ws of kind at position, created at created.
func newConnection(t *testing.T, s latchkey.Store, ws string, kind latchkey.ConnectionKind, position int, created time.Time) latchkey.Connection {
	t.Helper()
	c := latchkey.Connection{
		ID:           latchkey.NewID(),
		WorkspaceID:  ws,
		Kind:         kind,
		Name:         "Connection " + string(kind),
		Position:     position,
		Enabled:      true,
		Issuer:       "https://id.example.test",
		ClientID:     "client-" + string(kind),
		ClientSecret: "v1.k1.c2VhbGVk",
		CreatedAt:    created,
		UpdatedAt:    created,
	}
	if err := s.CreateConnection(t.Context(), c); err != nil {
		t.Fatalf("CreateConnection: %v", err)
	}
	return c
}

// newLink links subject at c to account a, created at created.
func newLink(t *testing.T, s latchkey.Store, a latchkey.Account, c latchkey.Connection, subject string, created time.Time) latchkey.IdentityLink {
	t.Helper()
	l := latchkey.IdentityLink{WorkspaceID: a.WorkspaceID, AccountID: a.ID, ConnectionID: c.ID, Subject: subject,
		Email: a.Email, CreatedAt: created}
	ok(t, "LinkIdentity", s.LinkIdentity(t.Context(), l))
	return l
}

// newFlow creates a flow at c that expires at expires.
func newFlow(t *testing.T, s latchkey.Store, c latchkey.Connection, expires time.Time) latchkey.SSOFlow {
	t.Helper()
	_, id := latchkey.NewSecret()
	_, browser := latchkey.NewSecret()
	f := latchkey.SSOFlow{ID: id, WorkspaceID: c.WorkspaceID, ConnectionID: c.ID, BrowserHash: browser,
		Secret: []byte{0, 1, 2, 0xff}, Remember: true, ReturnTo: "/requests?status=open", ExpiresAt: expires, CreatedAt: t0}
	ok(t, "CreateFlow", s.CreateFlow(t.Context(), f))
	return f
}

var connectionTests = []test{
	{"CreateReadEveryField", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		ms := latchkey.Connection{ID: latchkey.NewID(), WorkspaceID: w.ID, Kind: latchkey.KindMicrosoft, Name: "Entra",
			Position: 3, Enabled: true, JIT: true, Issuer: "https://login.microsoftonline.com", ClientID: "cid",
			ClientSecret: "v1.k1.sealed", Tenants: []string{"t-1", "t-2"}, CreatedAt: t0, UpdatedAt: t0.Add(time.Second)}
		saml := latchkey.Connection{ID: latchkey.NewID(), WorkspaceID: w.ID, Kind: latchkey.KindSAML, Name: "Okta",
			IdPEntityID: "http://www.okta.com/x", IdPSSOURL: "https://acme.okta.com/sso", IdPCerts: []string{"PEM1", "PEM2"},
			MetadataURL: "https://acme.okta.com/metadata", MetadataXML: "<EntityDescriptor/>",
			MetadataFetchedAt: t0.Add(time.Minute), IdPInitiated: true, AllowSHA1: true, CreatedAt: t0, UpdatedAt: t0}
		for _, c := range []latchkey.Connection{ms, saml} {
			ok(t, "CreateConnection", s.CreateConnection(ctx, c))
			got, err := s.Connection(ctx, w.ID, c.ID)
			ok(t, "Connection", err)
			same(t, "Connection", c, got)
		}
		err := s.CreateConnection(ctx, ms)
		wantErr(t, "CreateConnection(same ID)", err, latchkey.ErrConflict)
		_, err = s.Connection(ctx, w.ID, latchkey.NewID())
		wantErr(t, "Connection(unknown)", err, latchkey.ErrNotFound)
		missing := ms
		missing.WorkspaceID, missing.ID = latchkey.NewID(), latchkey.NewID()
		err = s.CreateConnection(ctx, missing)
		wantErr(t, "CreateConnection(no such workspace)", err, latchkey.ErrNotFound)
	}},
	{"ListInButtonOrder", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		other, _ := newWorkspace(t, s, "other")
		c3 := newConnection(t, s, w.ID, latchkey.KindOIDC, 2, t0)
		c2 := newConnection(t, s, w.ID, latchkey.KindGoogle, 1, t0.Add(time.Second))
		c1 := newConnection(t, s, w.ID, latchkey.KindMicrosoft, 1, t0)
		newConnection(t, s, other.ID, latchkey.KindOIDC, 0, t0)
		got, err := s.Connections(ctx, w.ID)
		ok(t, "Connections", err)
		same(t, "Connections", []latchkey.Connection{c1, c2, c3}, got)
		got, err = s.Connections(ctx, latchkey.NewID())
		ok(t, "Connections(no such workspace)", err)
		same(t, "Connections(no such workspace)", []latchkey.Connection(nil), got)
	}},
	{"Update", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		c := newConnection(t, s, w.ID, latchkey.KindMicrosoft, 0, t0)
		ok(t, "UpdateConnection", s.UpdateConnection(ctx, w.ID, c.ID, func(c *latchkey.Connection) error {
			c.Name, c.Enabled, c.JIT, c.Position = "Renamed", false, true, 7
			c.Tenants = []string{"t-3"}
			c.UpdatedAt = t0.Add(time.Hour)
			return nil
		}))
		want := c
		want.Name, want.Enabled, want.JIT, want.Position, want.Tenants, want.UpdatedAt = "Renamed", false, true, 7, []string{"t-3"}, t0.Add(time.Hour)
		got, err := s.Connection(ctx, w.ID, c.ID)
		ok(t, "Connection", err)
		same(t, "Connection after update", want, got)

		err = s.UpdateConnection(ctx, w.ID, c.ID, func(c *latchkey.Connection) error { c.Name = "lost"; return errFn })
		if err != errFn {
			t.Fatalf("UpdateConnection(fn fails)=%v, want fn's error unchanged", err)
		}
		for _, change := range []func(*latchkey.Connection){
			func(c *latchkey.Connection) { c.ID = latchkey.NewID() },
			func(c *latchkey.Connection) { c.WorkspaceID = latchkey.NewID() },
			func(c *latchkey.Connection) { c.Kind = latchkey.KindSAML },
		} {
			err := s.UpdateConnection(ctx, w.ID, c.ID, func(c *latchkey.Connection) error { change(c); c.Name = "lost"; return nil })
			if err == nil {
				t.Fatal("UpdateConnection changing ID, workspace or kind succeeded")
			}
		}
		got, err = s.Connection(ctx, w.ID, c.ID)
		ok(t, "Connection", err)
		same(t, "Connection after refused updates", want, got)
	}},
	{"WrongWorkspaceIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		c := newConnection(t, s, wa.ID, latchkey.KindGoogle, 0, t0)
		_, err := s.Connection(ctx, wb.ID, c.ID)
		wantErr(t, "Connection(wrong workspace)", err, latchkey.ErrNotFound)
		called := false
		err = s.UpdateConnection(ctx, wb.ID, c.ID, func(*latchkey.Connection) error { called = true; return nil })
		wantErr(t, "UpdateConnection(wrong workspace)", err, latchkey.ErrNotFound)
		if called {
			t.Error("UpdateConnection(wrong workspace) called fn")
		}
		err = s.DeleteConnection(ctx, wb.ID, c.ID)
		wantErr(t, "DeleteConnection(wrong workspace)", err, latchkey.ErrNotFound)
		got, err := s.Connections(ctx, wb.ID)
		ok(t, "Connections(other workspace)", err)
		same(t, "Connections(other workspace)", []latchkey.Connection(nil), got)

		// The same ID may name a connection of each workspace.
		twin := c
		twin.WorkspaceID, twin.Name = wb.ID, "Twin"
		ok(t, "CreateConnection(same ID, other workspace)", s.CreateConnection(ctx, twin))
		got1, err := s.Connection(ctx, wa.ID, c.ID)
		ok(t, "Connection", err)
		same(t, "Connection beside its twin", c, got1)
	}},
	{"DeleteTakesLinksAndFlows", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		gone := newConnection(t, s, w.ID, latchkey.KindGoogle, 0, t0)
		kept := newConnection(t, s, w.ID, latchkey.KindOIDC, 1, t0)
		newLink(t, s, admin, gone, "sub-1", t0)
		keptLink := newLink(t, s, admin, kept, "sub-1", t0)
		goneFlow := newFlow(t, s, gone, t0.Add(time.Hour))
		keptFlow := newFlow(t, s, kept, t0.Add(time.Hour))

		ok(t, "DeleteConnection", s.DeleteConnection(ctx, w.ID, gone.ID))
		_, err := s.Connection(ctx, w.ID, gone.ID)
		wantErr(t, "Connection(deleted)", err, latchkey.ErrNotFound)
		err = s.DeleteConnection(ctx, w.ID, gone.ID)
		wantErr(t, "DeleteConnection(again)", err, latchkey.ErrNotFound)
		_, err = s.IdentityBySubject(ctx, w.ID, gone.ID, "sub-1")
		wantErr(t, "IdentityBySubject(of the deleted connection)", err, latchkey.ErrNotFound)
		links, err := s.IdentityLinks(ctx, w.ID, admin.ID)
		ok(t, "IdentityLinks", err)
		same(t, "IdentityLinks", []latchkey.IdentityLink{keptLink}, links)
		_, err = s.ConsumeFlow(ctx, w.ID, goneFlow.ID, t0)
		wantErr(t, "ConsumeFlow(of the deleted connection)", err, latchkey.ErrNotFound)
		_, err = s.ConsumeFlow(ctx, w.ID, keptFlow.ID, t0)
		ok(t, "ConsumeFlow(of another connection)", err)
	}},
}

var domainTests = []test{
	{"AddListRemove", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		other, _ := newWorkspace(t, s, "other")
		ok(t, "AddDomain", s.AddDomain(ctx, w.ID, " Acme.COM. "))
		ok(t, "AddDomain", s.AddDomain(ctx, w.ID, "acme-corp.co.uk"))
		ok(t, "AddDomain(other workspace)", s.AddDomain(ctx, other.ID, "acme.com"))
		err := s.AddDomain(ctx, w.ID, "ACME.com")
		wantErr(t, "AddDomain(again, other case)", err, latchkey.ErrConflict)
		err = s.AddDomain(ctx, w.ID, "not a domain")
		if got := latchkey.ErrorCode(err); got != latchkey.CodeInvalid {
			t.Errorf("AddDomain(malformed): code %q (%v), want %q", got, err, latchkey.CodeInvalid)
		}
		err = s.AddDomain(ctx, latchkey.NewID(), "acme.com")
		wantErr(t, "AddDomain(no such workspace)", err, latchkey.ErrNotFound)

		got, err := s.Domains(ctx, w.ID)
		ok(t, "Domains", err)
		same(t, "Domains", []string{"acme-corp.co.uk", "acme.com"}, got)

		ok(t, "RemoveDomain", s.RemoveDomain(ctx, w.ID, "ACME.COM"))
		err = s.RemoveDomain(ctx, w.ID, "acme.com")
		wantErr(t, "RemoveDomain(again)", err, latchkey.ErrNotFound)
		err = s.RemoveDomain(ctx, w.ID, "not a domain")
		wantErr(t, "RemoveDomain(malformed)", err, latchkey.ErrNotFound)
		got, err = s.Domains(ctx, w.ID)
		ok(t, "Domains", err)
		same(t, "Domains after remove", []string{"acme-corp.co.uk"}, got)
		got, err = s.Domains(ctx, other.ID)
		ok(t, "Domains(other workspace)", err)
		same(t, "Domains(other workspace)", []string{"acme.com"}, got)
	}},
}

var linkTests = []test{
	{"LinkReadTouchUnlink", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		g := newConnection(t, s, w.ID, latchkey.KindGoogle, 0, t0)
		m := newConnection(t, s, w.ID, latchkey.KindMicrosoft, 1, t0)
		l2 := newLink(t, s, pat, m, "tid/oid", t0.Add(time.Second))
		l1 := newLink(t, s, pat, g, "g-1", t0)
		newLink(t, s, admin, g, "g-admin", t0)

		got, err := s.IdentityBySubject(ctx, w.ID, g.ID, "g-1")
		ok(t, "IdentityBySubject", err)
		same(t, "IdentityBySubject", l1, got)
		_, err = s.IdentityBySubject(ctx, w.ID, m.ID, "g-1")
		wantErr(t, "IdentityBySubject(other connection)", err, latchkey.ErrNotFound)
		links, err := s.IdentityLinks(ctx, w.ID, pat.ID)
		ok(t, "IdentityLinks", err)
		same(t, "IdentityLinks", []latchkey.IdentityLink{l1, l2}, links)

		taken := l1
		taken.AccountID = admin.ID
		err = s.LinkIdentity(ctx, taken)
		wantErr(t, "LinkIdentity(subject linked to another account)", err, latchkey.ErrConflict)
		err = s.LinkIdentity(ctx, l1)
		wantErr(t, "LinkIdentity(again)", err, latchkey.ErrConflict)

		ok(t, "TouchIdentity", s.TouchIdentity(ctx, w.ID, g.ID, "g-1", "pat@new.test", t0.Add(time.Hour)))
		l1.Email, l1.LastUsedAt = "pat@new.test", t0.Add(time.Hour)
		got, err = s.IdentityBySubject(ctx, w.ID, g.ID, "g-1")
		ok(t, "IdentityBySubject", err)
		same(t, "IdentityBySubject after touch", l1, got)
		err = s.TouchIdentity(ctx, w.ID, g.ID, "nobody", "x@acme.test", t0)
		wantErr(t, "TouchIdentity(unknown)", err, latchkey.ErrNotFound)

		err = s.Unlink(ctx, w.ID, admin.ID, g.ID, "g-1")
		wantErr(t, "Unlink(another account's link)", err, latchkey.ErrNotFound)
		ok(t, "Unlink", s.Unlink(ctx, w.ID, pat.ID, g.ID, "g-1"))
		err = s.Unlink(ctx, w.ID, pat.ID, g.ID, "g-1")
		wantErr(t, "Unlink(again)", err, latchkey.ErrNotFound)
		_, err = s.IdentityBySubject(ctx, w.ID, g.ID, "g-1")
		wantErr(t, "IdentityBySubject(unlinked)", err, latchkey.ErrNotFound)
		// The subject is free again, for any account.
		newLink(t, s, admin, g, "g-1", t0)
	}},
	{"WrongWorkspaceIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, bAdmin := newWorkspace(t, s, "bravo")
		pat := newAccount(t, s, wa.ID, "pat@alpha.test")
		ca := newConnection(t, s, wa.ID, latchkey.KindGoogle, 0, t0)
		cb := newConnection(t, s, wb.ID, latchkey.KindGoogle, 0, t0)
		newLink(t, s, pat, ca, "sub", t0)

		_, err := s.IdentityBySubject(ctx, wb.ID, ca.ID, "sub")
		wantErr(t, "IdentityBySubject(wrong workspace)", err, latchkey.ErrNotFound)
		links, err := s.IdentityLinks(ctx, wb.ID, pat.ID)
		ok(t, "IdentityLinks(wrong workspace)", err)
		same(t, "IdentityLinks(wrong workspace)", []latchkey.IdentityLink(nil), links)
		err = s.TouchIdentity(ctx, wb.ID, ca.ID, "sub", "x@y.test", t0)
		wantErr(t, "TouchIdentity(wrong workspace)", err, latchkey.ErrNotFound)
		err = s.Unlink(ctx, wb.ID, pat.ID, ca.ID, "sub")
		wantErr(t, "Unlink(wrong workspace)", err, latchkey.ErrNotFound)

		// A link may not join an account and a connection of different workspaces.
		for _, l := range []latchkey.IdentityLink{
			{WorkspaceID: wa.ID, AccountID: pat.ID, ConnectionID: cb.ID, Subject: "x", CreatedAt: t0},
			{WorkspaceID: wb.ID, AccountID: pat.ID, ConnectionID: cb.ID, Subject: "x", CreatedAt: t0},
			{WorkspaceID: wb.ID, AccountID: bAdmin.ID, ConnectionID: ca.ID, Subject: "x", CreatedAt: t0},
			{WorkspaceID: wa.ID, AccountID: latchkey.NewID(), ConnectionID: ca.ID, Subject: "x", CreatedAt: t0},
		} {
			err := s.LinkIdentity(ctx, l)
			wantErr(t, "LinkIdentity(account or connection not in the workspace)", err, latchkey.ErrNotFound)
		}
		// The same subject at another workspace's connection is another identity.
		newLink(t, s, bAdmin, cb, "sub", t0)
	}},
	{"DeleteAccountTakesItsLinks", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		c := newConnection(t, s, w.ID, latchkey.KindOIDC, 0, t0)
		newLink(t, s, pat, c, "pat", t0)
		kept := newLink(t, s, admin, c, "admin", t0)
		ok(t, "DeleteAccount", s.DeleteAccount(ctx, w.ID, pat.ID))
		_, err := s.IdentityBySubject(ctx, w.ID, c.ID, "pat")
		wantErr(t, "IdentityBySubject(of a deleted account)", err, latchkey.ErrNotFound)
		got, err := s.IdentityBySubject(ctx, w.ID, c.ID, "admin")
		ok(t, "IdentityBySubject(another account's)", err)
		same(t, "IdentityBySubject", kept, got)
	}},
}

var flowTests = []test{
	{"ConsumeOnce", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		other, _ := newWorkspace(t, s, "other")
		c := newConnection(t, s, w.ID, latchkey.KindOIDC, 0, t0)
		f := newFlow(t, s, c, t0.Add(latchkey.SSOFlowTTL))
		test := f
		_, test.ID = latchkey.NewSecret()
		test.Test, test.Remember, test.Secret = true, false, nil
		ok(t, "CreateFlow(test, no secret)", s.CreateFlow(ctx, test))

		_, err := s.ConsumeFlow(ctx, other.ID, f.ID, t0)
		wantErr(t, "ConsumeFlow(wrong workspace)", err, latchkey.ErrNotFound)
		got, err := s.ConsumeFlow(ctx, w.ID, f.ID, t0)
		ok(t, "ConsumeFlow", err)
		same(t, "ConsumeFlow", f, got)
		_, err = s.ConsumeFlow(ctx, w.ID, f.ID, t0)
		wantErr(t, "ConsumeFlow(again)", err, latchkey.ErrNotFound)
		got, err = s.ConsumeFlow(ctx, w.ID, test.ID, t0)
		ok(t, "ConsumeFlow(test)", err)
		same(t, "ConsumeFlow(test)", test, got)

		err = s.CreateFlow(ctx, latchkey.SSOFlow{ID: "x", WorkspaceID: other.ID, ConnectionID: c.ID, CreatedAt: t0, ExpiresAt: t0})
		wantErr(t, "CreateFlow(connection of another workspace)", err, latchkey.ErrNotFound)
		dup := newFlow(t, s, c, t0.Add(time.Hour))
		err = s.CreateFlow(ctx, dup)
		wantErr(t, "CreateFlow(same ID)", err, latchkey.ErrConflict)
	}},
	{"ExpiryAtTheNowBoundary", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		c := newConnection(t, s, w.ID, latchkey.KindOIDC, 0, t0)
		now := t0.Add(time.Hour)
		for _, tc := range []struct {
			name    string
			expires time.Time
			live    bool
		}{
			{"ExpiresAt == now-1µs", now.Add(-time.Microsecond), false},
			{"ExpiresAt == now", now, false},
			{"ExpiresAt == now+1µs", now.Add(time.Microsecond), true},
		} {
			f := newFlow(t, s, c, tc.expires)
			_, err := s.ConsumeFlow(ctx, w.ID, f.ID, now)
			if tc.live {
				ok(t, "ConsumeFlow("+tc.name+")", err)
			} else {
				wantErr(t, "ConsumeFlow("+tc.name+")", err, latchkey.ErrNotFound)
			}
		}
	}},
	{"ConcurrentConsumeExactlyOneWins", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		c := newConnection(t, s, w.ID, latchkey.KindOIDC, 0, t0)
		f := newFlow(t, s, c, t0.Add(time.Hour))
		const n = 50
		errs := concurrently(n, func(int) error {
			_, err := s.ConsumeFlow(ctx, w.ID, f.ID, t0)
			return err
		})
		if wins, lost := countErrs(t, "ConsumeFlow", errs, latchkey.ErrNotFound); wins != 1 || lost != n-1 {
			t.Fatalf("%d concurrent ConsumeFlow calls: %d won and %d got ErrNotFound, want 1 and %d", n, wins, lost, n-1)
		}
	}},
	{"DeleteExpired", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		c := newConnection(t, s, w.ID, latchkey.KindOIDC, 0, t0)
		now := t0.Add(time.Hour)
		newFlow(t, s, c, now.Add(-time.Microsecond))
		newFlow(t, s, c, now)
		live := newFlow(t, s, c, now.Add(time.Microsecond))
		n, err := s.DeleteExpiredFlows(ctx, now)
		ok(t, "DeleteExpiredFlows", err)
		if n != 2 {
			t.Errorf("DeleteExpiredFlows=%d, want 2", n)
		}
		_, err = s.ConsumeFlow(ctx, w.ID, live.ID, t0)
		ok(t, "ConsumeFlow(live)", err)
	}},
}

var onceTests = []test{
	{"OnceUntilExpiry", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		until := t0.Add(5 * time.Minute)
		ok(t, "UseOnce", s.UseOnce(ctx, "saml:c1:id-1", until, t0))
		err := s.UseOnce(ctx, "saml:c1:id-1", until.Add(time.Hour), t0.Add(time.Minute))
		wantErr(t, "UseOnce(again)", err, latchkey.ErrConflict)
		err = s.UseOnce(ctx, "saml:c1:id-1", until.Add(time.Hour), until.Add(-time.Microsecond))
		wantErr(t, "UseOnce(again, 1µs before until)", err, latchkey.ErrConflict)
		ok(t, "UseOnce(another key)", s.UseOnce(ctx, "saml:c1:id-2", until, t0))
		// At until the record no longer counts: the key may be used again, until a new until.
		ok(t, "UseOnce(at until)", s.UseOnce(ctx, "saml:c1:id-1", until.Add(time.Hour), until))
		err = s.UseOnce(ctx, "saml:c1:id-1", until.Add(2*time.Hour), until.Add(time.Minute))
		wantErr(t, "UseOnce(within the new until)", err, latchkey.ErrConflict)
		if err := s.UseOnce(ctx, "saml:c1:id-3", t0, t0); err == nil {
			t.Error("UseOnce(until == now) succeeded")
		}
	}},
	{"ConcurrentUseExactlyOneWins", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		const n = 50
		errs := concurrently(n, func(int) error {
			return s.UseOnce(ctx, "saml:c1:race", t0.Add(time.Hour), t0)
		})
		if wins, lost := countErrs(t, "UseOnce", errs, latchkey.ErrConflict); wins != 1 || lost != n-1 {
			t.Fatalf("%d concurrent UseOnce calls: %d won and %d got ErrConflict, want 1 and %d", n, wins, lost, n-1)
		}
	}},
	{"ConcurrentReuseAfterExpiryExactlyOneWins", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		ok(t, "UseOnce", s.UseOnce(ctx, "saml:c1:old", t0.Add(time.Minute), t0))
		const n = 50
		later := t0.Add(time.Hour)
		errs := concurrently(n, func(int) error {
			return s.UseOnce(ctx, "saml:c1:old", later.Add(time.Minute), later)
		})
		if wins, lost := countErrs(t, "UseOnce", errs, latchkey.ErrConflict); wins != 1 || lost != n-1 {
			t.Fatalf("%d concurrent UseOnce calls on an expired key: %d won and %d got ErrConflict, want 1 and %d", n, wins, lost, n-1)
		}
	}},
}

var ssoExportTests = []storesTest{
	{"RoundTripWithConnectionsDomainsLinks", func(t *testing.T, open func(t *testing.T) latchkey.Store) {
		ctx := t.Context()
		src := open(t)
		w, admin := newWorkspace(t, src, "acme")
		other, otherAdmin := newWorkspace(t, src, "other")
		ms := latchkey.Connection{ID: latchkey.NewID(), WorkspaceID: w.ID, Kind: latchkey.KindMicrosoft, Name: "Entra",
			Position: 2, Enabled: true, JIT: true, Issuer: "https://login.microsoftonline.com", ClientID: "cid",
			ClientSecret: "v1.k1.sealed", Tenants: []string{"t-1"}, CreatedAt: t0, UpdatedAt: t0}
		ok(t, "CreateConnection", src.CreateConnection(ctx, ms))
		g := newConnection(t, src, w.ID, latchkey.KindGoogle, 1, t0)
		ok(t, "AddDomain", src.AddDomain(ctx, w.ID, "acme.com"))
		ok(t, "AddDomain", src.AddDomain(ctx, w.ID, "acme.org"))
		l1 := newLink(t, src, admin, ms, "t-1/oid", t0)
		l2 := newLink(t, src, admin, g, "g-1", t0.Add(time.Second))
		ok(t, "TouchIdentity", src.TouchIdentity(ctx, w.ID, g.ID, "g-1", admin.Email, t0.Add(time.Hour)))
		l2.LastUsedAt = t0.Add(time.Hour)
		newFlow(t, src, g, t0.Add(time.Hour)) // flows are not moved
		oc := newConnection(t, src, other.ID, latchkey.KindOIDC, 0, t0)
		ok(t, "AddDomain(other)", src.AddDomain(ctx, other.ID, "other.com"))
		newLink(t, src, otherAdmin, oc, "o-1", t0)

		x, err := src.ExportWorkspace(ctx, "acme")
		ok(t, "ExportWorkspace", err)
		same(t, "Connections", []latchkey.Connection{g, ms}, x.Connections)
		same(t, "Domains", []string{"acme.com", "acme.org"}, x.Domains)
		same(t, "IdentityLinks", []latchkey.IdentityLink{l1, l2}, x.IdentityLinks)

		dst := importCopy(t, open, x)
		got, err := dst.IdentityBySubject(ctx, w.ID, g.ID, "g-1")
		ok(t, "IdentityBySubject(imported)", err)
		same(t, "IdentityBySubject(imported)", l2, got)

		// A link to a connection that is not in the export does not hold together.
		bad := rehome(x, latchkey.NewID(), "bad")
		bad.Connections = bad.Connections[:1]
		if err := dst.ImportWorkspace(ctx, bad); err == nil {
			t.Error("ImportWorkspace with a link to a missing connection succeeded")
		}
	}},
}
