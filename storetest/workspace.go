package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

var workspaceTests = []test{
	{"CreateStoresWorkspaceAndFirstAdmin", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")

		got, err := s.Workspace(ctx, w.ID)
		ok(t, "Workspace", err)
		same(t, "Workspace", w, got)
		got, err = s.WorkspaceBySlug(ctx, "acme")
		ok(t, "WorkspaceBySlug", err)
		same(t, "WorkspaceBySlug", w, got)
		gotAdmin, err := s.Account(ctx, w.ID, admin.ID)
		ok(t, "Account(first admin)", err)
		same(t, "first admin", admin, gotAdmin)
	}},
	{"TakenSlugIsConflictAndWritesNothing", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		first, _ := newWorkspace(t, s, "acme")
		w := latchkey.Workspace{ID: latchkey.NewID(), Slug: "acme", Name: "Other Acme", CreatedAt: t0}
		admin := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: w.ID, Email: "boss@other.test",
			Role: latchkey.RoleAdmin, Status: latchkey.StatusActive, CreatedAt: t0, UpdatedAt: t0}

		wantErr(t, "CreateWorkspace(taken slug)", s.CreateWorkspace(ctx, w, admin), latchkey.ErrConflict)

		_, err := s.Workspace(ctx, w.ID)
		wantErr(t, "Workspace(refused)", err, latchkey.ErrNotFound)
		_, err = s.Account(ctx, w.ID, admin.ID)
		wantErr(t, "Account(refused admin)", err, latchkey.ErrNotFound)
		_, err = s.AccountByEmail(ctx, first.ID, admin.Email)
		wantErr(t, "AccountByEmail(refused admin, in the first workspace)", err, latchkey.ErrNotFound)
		got, err := s.WorkspaceBySlug(ctx, "acme")
		ok(t, "WorkspaceBySlug", err)
		same(t, "WorkspaceBySlug(acme)", first, got)
		all, err := s.Workspaces(ctx)
		ok(t, "Workspaces", err)
		same(t, "Workspaces", []latchkey.Workspace{first}, all)
	}},
	{"UnknownIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		newWorkspace(t, s, "acme")
		_, err := s.Workspace(ctx, latchkey.NewID())
		wantErr(t, "Workspace(unknown)", err, latchkey.ErrNotFound)
		_, err = s.WorkspaceBySlug(ctx, "nowhere")
		wantErr(t, "WorkspaceBySlug(unknown)", err, latchkey.ErrNotFound)
		_, err = s.WorkspaceBySlug(ctx, "ACME")
		wantErr(t, "WorkspaceBySlug(ACME)", err, latchkey.ErrNotFound)
	}},
	{"WorkspacesOrderedBySlug", func(t *testing.T, s latchkey.Store) {
		charlie, _ := newWorkspace(t, s, "charlie")
		alpha, _ := newWorkspace(t, s, "alpha")
		bravo, _ := newWorkspace(t, s, "bravo")
		all, err := s.Workspaces(t.Context())
		ok(t, "Workspaces", err)
		same(t, "Workspaces", []latchkey.Workspace{alpha, bravo, charlie}, all)
	}},
	{"PolicyRoundTrips", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		newWorkspace(t, s, "alpha") // the zero policy
		w := latchkey.Workspace{ID: latchkey.NewID(), Slug: "bravo", Name: "Bravo", CreatedAt: t0,
			Policy: latchkey.Policy{Require2FA: true, PasswordMinLength: 20, PasswordSignInOff: true, PasskeySignInOff: true,
				SessionIdle: 45*time.Minute + 7*time.Microsecond}}
		admin := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: w.ID, Email: "admin@bravo.test",
			Role: latchkey.RoleAdmin, Status: latchkey.StatusActive, CreatedAt: t0, UpdatedAt: t0}
		ok(t, "CreateWorkspace(with a policy)", s.CreateWorkspace(ctx, w, admin))

		got, err := s.Workspace(ctx, w.ID)
		ok(t, "Workspace", err)
		same(t, "Workspace", w, got)
		got, err = s.WorkspaceBySlug(ctx, "bravo")
		ok(t, "WorkspaceBySlug", err)
		same(t, "WorkspaceBySlug", w, got)
		all, err := s.Workspaces(ctx)
		ok(t, "Workspaces", err)
		if len(all) != 2 {
			t.Fatalf("Workspaces returned %d workspaces, want 2", len(all))
		}
		same(t, "Workspaces()[0].Policy (alpha)", latchkey.Policy{}, all[0].Policy)
		same(t, "Workspaces()[1] (bravo)", w, all[1])
	}},
	{"UpdateWorkspaceWrites", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		other, _ := newWorkspace(t, s, "other")
		policy := latchkey.Policy{Require2FA: true, PasswordMinLength: 16, PasswordSignInOff: true, PasskeySignInOff: true, SessionIdle: 2 * time.Hour}
		var seen latchkey.Workspace
		ok(t, "UpdateWorkspace", s.UpdateWorkspace(ctx, w.ID, func(cur *latchkey.Workspace) error {
			seen = *cur
			cur.Name = "Acme, Inc."
			cur.Policy = policy
			return nil
		}))
		same(t, "workspace given to the updater", w, seen)
		w.Name, w.Policy = "Acme, Inc.", policy
		got, err := s.Workspace(ctx, w.ID)
		ok(t, "Workspace", err)
		same(t, "workspace after UpdateWorkspace", w, got)

		ok(t, "UpdateWorkspace(policy back to zero)", s.UpdateWorkspace(ctx, w.ID, func(cur *latchkey.Workspace) error {
			seen = *cur
			cur.Policy = latchkey.Policy{}
			return nil
		}))
		same(t, "workspace given to the second updater", w, seen)
		w.Policy = latchkey.Policy{}
		got, err = s.WorkspaceBySlug(ctx, "acme")
		ok(t, "WorkspaceBySlug", err)
		same(t, "workspace after the second UpdateWorkspace", w, got)
		got, err = s.Workspace(ctx, other.ID)
		ok(t, "Workspace(other)", err)
		same(t, "the other workspace", other, got)
	}},
	{"UpdateWorkspaceUpdaterErrorWritesNothing", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		err := s.UpdateWorkspace(ctx, w.ID, func(cur *latchkey.Workspace) error {
			cur.Name = "Changed"
			cur.Policy = latchkey.Policy{Require2FA: true, PasswordMinLength: 30}
			return errFn
		})
		wantErr(t, "UpdateWorkspace(updater fails)", err, errFn)
		got, err := s.Workspace(ctx, w.ID)
		ok(t, "Workspace", err)
		same(t, "workspace after a refused update", w, got)
	}},
	{"UpdateWorkspaceUnknownIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		newWorkspace(t, s, "acme")
		called := false
		err := s.UpdateWorkspace(ctx, latchkey.NewID(), func(*latchkey.Workspace) error {
			called = true
			return nil
		})
		wantErr(t, "UpdateWorkspace(unknown)", err, latchkey.ErrNotFound)
		if called {
			t.Errorf("UpdateWorkspace(unknown) called the updater")
		}
	}},
}
