package storetest

import (
	"testing"

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
}
