package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

// newSCIMToken creates a live token of ws named name, created at created.
func newSCIMToken(t *testing.T, s latchkey.Store, ws, name string, created time.Time) (latchkey.SCIMToken, string) {
	t.Helper()
	secret, hash := latchkey.NewSecret()
	tok := latchkey.SCIMToken{ID: latchkey.NewID(), WorkspaceID: ws, Name: name, Hash: hash, CreatedAt: created}
	ok(t, "CreateSCIMToken", s.CreateSCIMToken(t.Context(), tok))
	return tok, secret
}

// newSCIMUser creates a provisioned member of ws with this email and external ID.
func newSCIMUser(t *testing.T, s latchkey.Store, ws, email, externalID string, created time.Time) latchkey.SCIMUser {
	t.Helper()
	u := latchkey.SCIMUser{
		Account: latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws, Email: email, Name: "Person " + email,
			Role: latchkey.RoleMember, Status: latchkey.StatusActive, CreatedAt: created, UpdatedAt: created},
		Profile: latchkey.SCIMProfile{Managed: true, ExternalID: externalID, GivenName: "Given", FamilyName: "Family",
			Formatted: "Given Family", DisplayName: "Person " + email, CreatedAt: created, UpdatedAt: created},
	}
	ok(t, "CreateSCIMUser("+email+")", s.CreateSCIMUser(t.Context(), u))
	u.Profile.WorkspaceID, u.Profile.AccountID, u.Profile.Version = ws, u.Account.ID, 1
	return u
}

var scimTests = []test{
	{"TokenCreateFindListRevoke", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		okta, secret := newSCIMToken(t, s, w.ID, "Okta", t0)
		entra, _ := newSCIMToken(t, s, w.ID, "Entra", t0.Add(time.Minute))
		if okta.Hash != latchkey.HashSecret(secret) || okta.Hash == secret {
			t.Fatalf("the store must be given only the SHA-256 of the token")
		}
		got, err := s.SCIMTokenByHash(ctx, w.ID, latchkey.HashSecret(secret))
		ok(t, "SCIMTokenByHash", err)
		same(t, "SCIMTokenByHash", okta, got)
		list, err := s.SCIMTokens(ctx, w.ID)
		ok(t, "SCIMTokens", err)
		same(t, "SCIMTokens (newest first)", []latchkey.SCIMToken{entra, okta}, list)

		ok(t, "TouchSCIMToken", s.TouchSCIMToken(ctx, w.ID, okta.ID, t0.Add(time.Hour)))
		okta.LastUsedAt = t0.Add(time.Hour)
		got, err = s.SCIMTokenByHash(ctx, w.ID, okta.Hash)
		ok(t, "SCIMTokenByHash after touch", err)
		same(t, "SCIMTokenByHash after touch", okta, got)

		ok(t, "RevokeSCIMToken", s.RevokeSCIMToken(ctx, w.ID, okta.ID, t0.Add(2*time.Hour)))
		_, err = s.SCIMTokenByHash(ctx, w.ID, okta.Hash)
		wantErr(t, "SCIMTokenByHash(revoked)", err, latchkey.ErrNotFound)
		wantErr(t, "RevokeSCIMToken(again)", s.RevokeSCIMToken(ctx, w.ID, okta.ID, t0.Add(3*time.Hour)), latchkey.ErrNotFound)
		okta.RevokedAt = t0.Add(2 * time.Hour)
		list, err = s.SCIMTokens(ctx, w.ID)
		ok(t, "SCIMTokens after revoke", err)
		same(t, "SCIMTokens after revoke", []latchkey.SCIMToken{entra, okta}, list)
		if !list[1].Revoked() || list[0].Revoked() {
			t.Fatalf("Revoked()=%v,%v, want false,true", list[0].Revoked(), list[1].Revoked())
		}
	}},
	{"TokenIsScopedToItsWorkspace", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		acme, _ := newWorkspace(t, s, "acme")
		globex, _ := newWorkspace(t, s, "globex")
		tok, _ := newSCIMToken(t, s, acme.ID, "Okta", t0)
		_, err := s.SCIMTokenByHash(ctx, globex.ID, tok.Hash)
		wantErr(t, "SCIMTokenByHash(other workspace)", err, latchkey.ErrNotFound)
		wantErr(t, "RevokeSCIMToken(other workspace)", s.RevokeSCIMToken(ctx, globex.ID, tok.ID, t0), latchkey.ErrNotFound)
		wantErr(t, "TouchSCIMToken(other workspace)", s.TouchSCIMToken(ctx, globex.ID, tok.ID, t0), latchkey.ErrNotFound)
		list, err := s.SCIMTokens(ctx, globex.ID)
		ok(t, "SCIMTokens(other workspace)", err)
		same(t, "SCIMTokens(other workspace)", []latchkey.SCIMToken(nil), list)
		_, err = s.SCIMTokenByHash(ctx, acme.ID, tok.Hash)
		ok(t, "SCIMTokenByHash(own workspace, after the others)", err)

		wantErr(t, "CreateSCIMToken(unknown workspace)", s.CreateSCIMToken(ctx, latchkey.SCIMToken{
			ID: latchkey.NewID(), WorkspaceID: latchkey.NewID(), Name: "x", Hash: "h", CreatedAt: t0}), latchkey.ErrNotFound)
		dup := tok
		dup.ID = latchkey.NewID()
		wantErr(t, "CreateSCIMToken(same hash)", s.CreateSCIMToken(ctx, dup), latchkey.ErrConflict)
	}},
	{"UserCreateReadList", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newSCIMUser(t, s, w.ID, "pat@acme.test", "00u1", t0.Add(time.Minute))
		got, err := s.SCIMUser(ctx, w.ID, pat.Account.ID)
		ok(t, "SCIMUser", err)
		same(t, "SCIMUser", pat, got)
		acc, err := s.Account(ctx, w.ID, pat.Account.ID)
		ok(t, "Account of a SCIM user", err)
		same(t, "Account of a SCIM user", pat.Account, acc)

		// An account the provider never wrote has the zero profile.
		plain := latchkey.SCIMUser{Account: admin, Profile: latchkey.SCIMProfile{WorkspaceID: w.ID, AccountID: admin.ID}}
		got, err = s.SCIMUser(ctx, w.ID, admin.ID)
		ok(t, "SCIMUser(admin)", err)
		same(t, "SCIMUser(admin)", plain, got)

		list, err := s.SCIMUsers(ctx, w.ID)
		ok(t, "SCIMUsers", err)
		same(t, "SCIMUsers (oldest first)", []latchkey.SCIMUser{plain, pat}, list)
		_, err = s.SCIMUser(ctx, w.ID, latchkey.NewID())
		wantErr(t, "SCIMUser(unknown)", err, latchkey.ErrNotFound)
	}},
	{"UserCreateIsAllOrNothing", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		newSCIMUser(t, s, w.ID, "pat@acme.test", "00u1", t0)
		dup := latchkey.SCIMUser{Account: latchkey.Account{ID: latchkey.NewID(), WorkspaceID: w.ID, Email: "PAT@acme.test",
			Role: latchkey.RoleMember, Status: latchkey.StatusActive, CreatedAt: t0, UpdatedAt: t0},
			Profile: latchkey.SCIMProfile{Managed: true, CreatedAt: t0, UpdatedAt: t0}}
		wantErr(t, "CreateSCIMUser(duplicate email)", s.CreateSCIMUser(ctx, dup), latchkey.ErrConflict)
		_, err := s.SCIMUser(ctx, w.ID, dup.Account.ID)
		wantErr(t, "SCIMUser(refused duplicate)", err, latchkey.ErrNotFound)
		dup.Account.WorkspaceID = latchkey.NewID()
		wantErr(t, "CreateSCIMUser(unknown workspace)", s.CreateSCIMUser(ctx, dup), latchkey.ErrNotFound)
	}},
	{"UserUpdateBumpsVersion", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newSCIMUser(t, s, w.ID, "pat@acme.test", "00u1", t0)
		ok(t, "UpdateSCIMUser", s.UpdateSCIMUser(ctx, w.ID, pat.Account.ID, func(u *latchkey.SCIMUser) error {
			u.Account.Email = "pat.doe@acme.test"
			u.Account.Status = latchkey.StatusSuspended
			u.Profile.ExternalID = "00u2"
			u.Profile.Version = 99 // ignored: the store counts
			u.Profile.DeletedAt = t0.Add(time.Hour)
			return nil
		}))
		pat.Account.Email, pat.Account.Status = "pat.doe@acme.test", latchkey.StatusSuspended
		pat.Profile.ExternalID, pat.Profile.Version, pat.Profile.DeletedAt = "00u2", 2, t0.Add(time.Hour)
		got, err := s.SCIMUser(ctx, w.ID, pat.Account.ID)
		ok(t, "SCIMUser after update", err)
		same(t, "SCIMUser after update", pat, got)
		_, err = s.AccountByEmail(ctx, w.ID, "pat.doe@acme.test")
		ok(t, "AccountByEmail(new email)", err)

		// The first provider write to an existing account creates its profile.
		ok(t, "UpdateSCIMUser(admin)", s.UpdateSCIMUser(ctx, w.ID, admin.ID, func(u *latchkey.SCIMUser) error {
			u.Profile.Managed, u.Profile.ExternalID, u.Profile.CreatedAt, u.Profile.UpdatedAt = true, "00u9", t0, t0
			return nil
		}))
		got, err = s.SCIMUser(ctx, w.ID, admin.ID)
		ok(t, "SCIMUser(admin)", err)
		same(t, "SCIMUser(admin) profile", latchkey.SCIMProfile{WorkspaceID: w.ID, AccountID: admin.ID, Managed: true,
			ExternalID: "00u9", Version: 1, CreatedAt: t0, UpdatedAt: t0}, got.Profile)

		wantErr(t, "UpdateSCIMUser(email taken)", s.UpdateSCIMUser(ctx, w.ID, pat.Account.ID, func(u *latchkey.SCIMUser) error {
			u.Account.Email = "ADMIN@acme.test"
			return nil
		}), latchkey.ErrConflict)
		wantErr(t, "UpdateSCIMUser(fn refuses)", s.UpdateSCIMUser(ctx, w.ID, pat.Account.ID, func(u *latchkey.SCIMUser) error {
			u.Profile.ExternalID = "changed"
			return errFn
		}), errFn)
		if err := s.UpdateSCIMUser(ctx, w.ID, pat.Account.ID, func(u *latchkey.SCIMUser) error {
			u.Account.ID = latchkey.NewID()
			return nil
		}); err == nil {
			t.Fatalf("UpdateSCIMUser that changes the ID: err=nil, want an error")
		}
		got, err = s.SCIMUser(ctx, w.ID, pat.Account.ID)
		ok(t, "SCIMUser after refused updates", err)
		same(t, "SCIMUser after refused updates", pat, got)
		called := false
		wantErr(t, "UpdateSCIMUser(unknown)", s.UpdateSCIMUser(ctx, w.ID, latchkey.NewID(), func(*latchkey.SCIMUser) error {
			called = true
			return nil
		}), latchkey.ErrNotFound)
		if called {
			t.Fatalf("UpdateSCIMUser(unknown) called fn")
		}
	}},
	{"ConcurrentUpdatesEachCount", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		pat := newSCIMUser(t, s, w.ID, "pat@acme.test", "", t0)
		g := latchkey.SCIMGroup{ID: latchkey.NewID(), WorkspaceID: w.ID, DisplayName: "G", CreatedAt: t0, UpdatedAt: t0}
		ok(t, "CreateSCIMGroup", s.CreateSCIMGroup(ctx, g))
		const n = 20
		errs := concurrently(n, func(i int) error {
			if i%2 == 0 {
				return s.UpdateSCIMGroup(ctx, w.ID, g.ID, func(v *latchkey.SCIMGroup) error {
					v.ExternalID += "x"
					return nil
				})
			}
			return s.UpdateSCIMUser(ctx, w.ID, pat.Account.ID, func(u *latchkey.SCIMUser) error {
				u.Profile.ExternalID += "x"
				return nil
			})
		})
		for _, err := range errs {
			ok(t, "concurrent update", err)
		}
		u, err := s.SCIMUser(ctx, w.ID, pat.Account.ID)
		ok(t, "SCIMUser", err)
		got, err := s.SCIMGroup(ctx, w.ID, g.ID)
		ok(t, "SCIMGroup", err)
		if u.Profile.Version != 1+n/2 || len(u.Profile.ExternalID) != n/2 || got.Version != 1+n/2 || len(got.ExternalID) != n/2 {
			t.Fatalf("after %d updates each: user version %d %q, group version %d %q; want %d and %d x's", n/2,
				u.Profile.Version, u.Profile.ExternalID, got.Version, got.ExternalID, 1+n/2, n/2)
		}
	}},
	{"UsersAreScopedToTheirWorkspace", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		acme, _ := newWorkspace(t, s, "acme")
		globex, _ := newWorkspace(t, s, "globex")
		pat := newSCIMUser(t, s, acme.ID, "pat@x.test", "00u1", t0)
		other := newSCIMUser(t, s, globex.ID, "pat@x.test", "00u1", t0)
		_, err := s.SCIMUser(ctx, globex.ID, pat.Account.ID)
		wantErr(t, "SCIMUser(other workspace)", err, latchkey.ErrNotFound)
		wantErr(t, "UpdateSCIMUser(other workspace)", s.UpdateSCIMUser(ctx, globex.ID, pat.Account.ID,
			func(*latchkey.SCIMUser) error { return nil }), latchkey.ErrNotFound)
		list, err := s.SCIMUsers(ctx, globex.ID)
		ok(t, "SCIMUsers(globex)", err)
		if len(list) != 2 || list[0].Account.ID != other.Account.ID && list[1].Account.ID != other.Account.ID {
			t.Fatalf("SCIMUsers(globex)=%v, want its admin and its own pat", list)
		}
	}},
	{"DeletingTheAccountRemovesProfileAndMemberships", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newSCIMUser(t, s, w.ID, "pat@acme.test", "00u1", t0)
		g := latchkey.SCIMGroup{ID: latchkey.NewID(), WorkspaceID: w.ID, DisplayName: "Engineering",
			Members: []string{pat.Account.ID, admin.ID}, CreatedAt: t0, UpdatedAt: t0}
		ok(t, "CreateSCIMGroup", s.CreateSCIMGroup(ctx, g))
		ok(t, "DeleteAccount", s.DeleteAccount(ctx, w.ID, pat.Account.ID))
		_, err := s.SCIMUser(ctx, w.ID, pat.Account.ID)
		wantErr(t, "SCIMUser(deleted)", err, latchkey.ErrNotFound)
		got, err := s.SCIMGroup(ctx, w.ID, g.ID)
		ok(t, "SCIMGroup", err)
		same(t, "members after the account's deletion", []string{admin.ID}, got.Members)
		// A new account with the same email starts without the old profile.
		again := newAccount(t, s, w.ID, "pat@acme.test")
		u, err := s.SCIMUser(ctx, w.ID, again.ID)
		ok(t, "SCIMUser(new account)", err)
		same(t, "profile of the new account", latchkey.SCIMProfile{WorkspaceID: w.ID, AccountID: again.ID}, u.Profile)
	}},
	{"GroupCRUD", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		sam := newAccount(t, s, w.ID, "sam@acme.test")
		eng := latchkey.SCIMGroup{ID: latchkey.NewID(), WorkspaceID: w.ID, DisplayName: "Engineering", ExternalID: "g1",
			Members: []string{pat.ID, sam.ID, pat.ID}, CreatedAt: t0, UpdatedAt: t0}
		ok(t, "CreateSCIMGroup", s.CreateSCIMGroup(ctx, eng))
		ops := latchkey.SCIMGroup{ID: latchkey.NewID(), WorkspaceID: w.ID, DisplayName: "Ops", CreatedAt: t0.Add(time.Minute),
			UpdatedAt: t0.Add(time.Minute)}
		ok(t, "CreateSCIMGroup(empty)", s.CreateSCIMGroup(ctx, ops))
		eng.Members, eng.Version, ops.Version = sortedIDs(pat.ID, sam.ID), 1, 1

		got, err := s.SCIMGroup(ctx, w.ID, eng.ID)
		ok(t, "SCIMGroup", err)
		same(t, "SCIMGroup", eng, got)
		list, err := s.SCIMGroups(ctx, w.ID)
		ok(t, "SCIMGroups", err)
		same(t, "SCIMGroups", []latchkey.SCIMGroup{eng, ops}, list)

		ok(t, "UpdateSCIMGroup", s.UpdateSCIMGroup(ctx, w.ID, eng.ID, func(g *latchkey.SCIMGroup) error {
			g.DisplayName, g.AdminRole, g.Members, g.UpdatedAt = "Platform", true, []string{admin.ID, sam.ID}, t0.Add(time.Hour)
			return nil
		}))
		eng.DisplayName, eng.AdminRole, eng.Members, eng.UpdatedAt, eng.Version = "Platform", true, sortedIDs(admin.ID, sam.ID), t0.Add(time.Hour), 2
		got, err = s.SCIMGroup(ctx, w.ID, eng.ID)
		ok(t, "SCIMGroup after update", err)
		same(t, "SCIMGroup after update", eng, got)

		wantErr(t, "UpdateSCIMGroup(name taken)", s.UpdateSCIMGroup(ctx, w.ID, ops.ID, func(g *latchkey.SCIMGroup) error {
			g.DisplayName = "PLATFORM"
			return nil
		}), latchkey.ErrConflict)
		wantErr(t, "UpdateSCIMGroup(unknown member)", s.UpdateSCIMGroup(ctx, w.ID, ops.ID, func(g *latchkey.SCIMGroup) error {
			g.Members = []string{latchkey.NewID()}
			return nil
		}), latchkey.ErrNotFound)
		wantErr(t, "UpdateSCIMGroup(fn refuses)", s.UpdateSCIMGroup(ctx, w.ID, ops.ID, func(g *latchkey.SCIMGroup) error {
			g.Members = []string{pat.ID}
			return errFn
		}), errFn)
		got, err = s.SCIMGroup(ctx, w.ID, ops.ID)
		ok(t, "SCIMGroup(ops) after refused updates", err)
		same(t, "SCIMGroup(ops) after refused updates", ops, got)

		dup := latchkey.SCIMGroup{ID: latchkey.NewID(), WorkspaceID: w.ID, DisplayName: "ops", CreatedAt: t0, UpdatedAt: t0}
		wantErr(t, "CreateSCIMGroup(name taken)", s.CreateSCIMGroup(ctx, dup), latchkey.ErrConflict)
		dup.DisplayName, dup.Members = "Other", []string{latchkey.NewID()}
		wantErr(t, "CreateSCIMGroup(unknown member)", s.CreateSCIMGroup(ctx, dup), latchkey.ErrNotFound)
		_, err = s.SCIMGroup(ctx, w.ID, dup.ID)
		wantErr(t, "SCIMGroup(refused)", err, latchkey.ErrNotFound)

		ok(t, "DeleteSCIMGroup", s.DeleteSCIMGroup(ctx, w.ID, eng.ID))
		_, err = s.SCIMGroup(ctx, w.ID, eng.ID)
		wantErr(t, "SCIMGroup(deleted)", err, latchkey.ErrNotFound)
		wantErr(t, "DeleteSCIMGroup(again)", s.DeleteSCIMGroup(ctx, w.ID, eng.ID), latchkey.ErrNotFound)
		_, err = s.Account(ctx, w.ID, sam.ID)
		ok(t, "Account(member of the deleted group)", err)
	}},
	{"GroupsAreScopedToTheirWorkspace", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		acme, _ := newWorkspace(t, s, "acme")
		globex, globexAdmin := newWorkspace(t, s, "globex")
		pat := newAccount(t, s, acme.ID, "pat@acme.test")
		g := latchkey.SCIMGroup{ID: latchkey.NewID(), WorkspaceID: acme.ID, DisplayName: "Engineering",
			Members: []string{pat.ID}, CreatedAt: t0, UpdatedAt: t0}
		ok(t, "CreateSCIMGroup", s.CreateSCIMGroup(ctx, g))
		_, err := s.SCIMGroup(ctx, globex.ID, g.ID)
		wantErr(t, "SCIMGroup(other workspace)", err, latchkey.ErrNotFound)
		wantErr(t, "DeleteSCIMGroup(other workspace)", s.DeleteSCIMGroup(ctx, globex.ID, g.ID), latchkey.ErrNotFound)
		wantErr(t, "UpdateSCIMGroup(other workspace)", s.UpdateSCIMGroup(ctx, globex.ID, g.ID,
			func(*latchkey.SCIMGroup) error { return nil }), latchkey.ErrNotFound)
		// The same name in another workspace is another group; a member of another workspace is refused.
		other := latchkey.SCIMGroup{ID: latchkey.NewID(), WorkspaceID: globex.ID, DisplayName: "Engineering",
			Members: []string{pat.ID}, CreatedAt: t0, UpdatedAt: t0}
		wantErr(t, "CreateSCIMGroup(member of another workspace)", s.CreateSCIMGroup(ctx, other), latchkey.ErrNotFound)
		other.Members = []string{globexAdmin.ID}
		ok(t, "CreateSCIMGroup(same name, other workspace)", s.CreateSCIMGroup(ctx, other))
		list, err := s.SCIMGroups(ctx, globex.ID)
		ok(t, "SCIMGroups(globex)", err)
		if len(list) != 1 || list[0].ID != other.ID {
			t.Fatalf("SCIMGroups(globex)=%v, want only its own group", list)
		}
	}},
	{"GroupWithManyMembers", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		var ids []string
		for i := range 120 {
			ids = append(ids, newAccount(t, s, w.ID, "p"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@acme.test").ID)
		}
		g := latchkey.SCIMGroup{ID: latchkey.NewID(), WorkspaceID: w.ID, DisplayName: "Everyone", Members: ids, CreatedAt: t0, UpdatedAt: t0}
		ok(t, "CreateSCIMGroup", s.CreateSCIMGroup(ctx, g))
		got, err := s.SCIMGroup(ctx, w.ID, g.ID)
		ok(t, "SCIMGroup", err)
		same(t, "members", sortedIDs(ids...), got.Members)
	}},
	{"Settings", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		acme, _ := newWorkspace(t, s, "acme")
		globex, _ := newWorkspace(t, s, "globex")
		got, err := s.SCIMSettings(ctx, acme.ID)
		ok(t, "SCIMSettings(never set)", err)
		same(t, "SCIMSettings(never set)", latchkey.SCIMSettings{}, got)
		for _, want := range []bool{true, false, true} {
			ok(t, "SetSCIMSettings", s.SetSCIMSettings(ctx, acme.ID, latchkey.SCIMSettings{DeleteSuspends: want}))
			got, err = s.SCIMSettings(ctx, acme.ID)
			ok(t, "SCIMSettings", err)
			same(t, "SCIMSettings", latchkey.SCIMSettings{DeleteSuspends: want}, got)
		}
		got, err = s.SCIMSettings(ctx, globex.ID)
		ok(t, "SCIMSettings(other workspace)", err)
		same(t, "SCIMSettings(other workspace)", latchkey.SCIMSettings{}, got)
		err = s.SetSCIMSettings(ctx, latchkey.NewID(), latchkey.SCIMSettings{DeleteSuspends: true})
		if !errors.Is(err, latchkey.ErrNotFound) {
			t.Fatalf("SetSCIMSettings(unknown workspace): err=%v, want ErrNotFound", err)
		}
	}},
}

// sortedIDs returns ids sorted, as the store returns members.
func sortedIDs(ids ...string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids)
}

var scimExportTests = []storesTest{
	{"RoundTripWithSCIM", func(t *testing.T, open func(t *testing.T) latchkey.Store) {
		ctx := t.Context()
		src := open(t)
		w, admin := newWorkspace(t, src, "acme")
		okta, secret := newSCIMToken(t, src, w.ID, "Okta", t0)
		ok(t, "TouchSCIMToken", src.TouchSCIMToken(ctx, w.ID, okta.ID, t0.Add(time.Hour)))
		okta.LastUsedAt = t0.Add(time.Hour)
		old, _ := newSCIMToken(t, src, w.ID, "Old", t0.Add(time.Minute))
		ok(t, "RevokeSCIMToken", src.RevokeSCIMToken(ctx, w.ID, old.ID, t0.Add(2*time.Hour)))
		old.RevokedAt = t0.Add(2 * time.Hour)
		pat := newSCIMUser(t, src, w.ID, "pat@acme.test", "00u1", t0)
		gone := newSCIMUser(t, src, w.ID, "gone@acme.test", "00u2", t0.Add(time.Second))
		ok(t, "UpdateSCIMUser", src.UpdateSCIMUser(ctx, w.ID, gone.Account.ID, func(u *latchkey.SCIMUser) error {
			u.Account.Status, u.Profile.DeletedAt, u.Profile.AdminByGroup = latchkey.StatusSuspended, t0.Add(time.Hour), true
			return nil
		}))
		g := latchkey.SCIMGroup{ID: latchkey.NewID(), WorkspaceID: w.ID, DisplayName: "Admins", ExternalID: "g1",
			Members: []string{pat.Account.ID, admin.ID}, CreatedAt: t0, UpdatedAt: t0}
		ok(t, "CreateSCIMGroup", src.CreateSCIMGroup(ctx, g))
		ok(t, "UpdateSCIMGroup", src.UpdateSCIMGroup(ctx, w.ID, g.ID, func(v *latchkey.SCIMGroup) error {
			v.AdminRole = true
			return nil
		}))
		ok(t, "SetSCIMSettings", src.SetSCIMSettings(ctx, w.ID, latchkey.SCIMSettings{DeleteSuspends: true}))
		// Another workspace's SCIM rows stay out of the export.
		other, _ := newWorkspace(t, src, "other")
		newSCIMToken(t, src, other.ID, "Other", t0)
		newSCIMUser(t, src, other.ID, "pat@acme.test", "o1", t0)

		x, err := src.ExportWorkspace(ctx, "acme")
		ok(t, "ExportWorkspace", err)
		same(t, "SCIMTokens", []latchkey.SCIMToken{okta, old}, x.SCIMTokens)
		wantGroup, err := src.SCIMGroup(ctx, w.ID, g.ID)
		ok(t, "SCIMGroup", err)
		same(t, "SCIMGroups", []latchkey.SCIMGroup{wantGroup}, x.SCIMGroups)
		if wantGroup.Version != 2 || !wantGroup.AdminRole {
			t.Fatalf("group=%+v, want version 2 mapped to admin", wantGroup)
		}
		var wantProfiles []latchkey.SCIMProfile
		for _, id := range []string{pat.Account.ID, gone.Account.ID} {
			u, err := src.SCIMUser(ctx, w.ID, id)
			ok(t, "SCIMUser", err)
			wantProfiles = append(wantProfiles, u.Profile)
		}
		slices.SortFunc(wantProfiles, func(a, b latchkey.SCIMProfile) int { return strings.Compare(a.AccountID, b.AccountID) })
		same(t, "SCIMProfiles", wantProfiles, x.SCIMProfiles)
		same(t, "SCIMSettings", latchkey.SCIMSettings{DeleteSuspends: true}, x.SCIMSettings)

		dst := importCopy(t, open, x)
		got, err := dst.SCIMTokenByHash(ctx, w.ID, latchkey.HashSecret(secret))
		ok(t, "SCIMTokenByHash(imported)", err)
		same(t, "SCIMTokenByHash(imported)", okta, got)
		u, err := dst.SCIMUser(ctx, w.ID, gone.Account.ID)
		ok(t, "SCIMUser(imported)", err)
		same(t, "SCIMUser(imported).Profile", wantProfiles[slices.IndexFunc(wantProfiles, func(p latchkey.SCIMProfile) bool {
			return p.AccountID == gone.Account.ID
		})], u.Profile)

		// A group member or a profile that is not in the export does not hold together.
		for name, edit := range map[string]func(*latchkey.WorkspaceExport){
			"member":  func(b *latchkey.WorkspaceExport) { b.SCIMGroups[0].Members = []string{latchkey.NewID()} },
			"profile": func(b *latchkey.WorkspaceExport) { b.SCIMProfiles[0].AccountID = latchkey.NewID() },
		} {
			bad := rehome(x, latchkey.NewID(), "bad")
			edit(&bad)
			if err := dst.ImportWorkspace(ctx, bad); err == nil {
				t.Errorf("ImportWorkspace with a stray %s succeeded", name)
			}
			checkNotImported(t, dst, bad.Workspace.ID, "bad", nil)
		}
	}},
}
