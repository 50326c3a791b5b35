package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

// newAPIToken creates a live token of the account a named name, created at created.
func newAPIToken(t *testing.T, s latchkey.Store, a latchkey.Account, name string, scope latchkey.APITokenScope, created time.Time) (latchkey.APIToken, string) {
	t.Helper()
	secret, hash := latchkey.NewSecret()
	tok := latchkey.APIToken{ID: latchkey.NewID(), WorkspaceID: a.WorkspaceID, Name: name, Scope: scope,
		AccountID: a.ID, CreatedBy: a.ID, Hash: hash, Hint: secret[len(secret)-4:], CreatedAt: created}
	ok(t, "CreateAPIToken", s.CreateAPIToken(t.Context(), tok))
	return tok, secret
}

var apiTokenTests = []test{
	{"CreateFindListTouchRevoke", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		sync, secret := newAPIToken(t, s, admin, "Asset sync", latchkey.ScopeReadWrite, t0)
		report, _ := newAPIToken(t, s, admin, "Report", latchkey.ScopeRead, t0.Add(time.Minute))

		got, err := s.APITokenByHash(ctx, w.ID, latchkey.HashSecret(secret))
		ok(t, "APITokenByHash", err)
		same(t, "APITokenByHash", sync, got)
		got, err = s.APIToken(ctx, w.ID, report.ID)
		ok(t, "APIToken", err)
		same(t, "APIToken", report, got)
		list, err := s.APITokens(ctx, w.ID)
		ok(t, "APITokens", err)
		same(t, "APITokens (newest first)", []latchkey.APIToken{report, sync}, list)

		ok(t, "TouchAPIToken", s.TouchAPIToken(ctx, w.ID, sync.ID, t0.Add(time.Hour), "192.0.2.7"))
		sync.LastUsedAt, sync.LastUsedIP = t0.Add(time.Hour), "192.0.2.7"
		got, err = s.APITokenByHash(ctx, w.ID, sync.Hash)
		ok(t, "APITokenByHash after touch", err)
		same(t, "APITokenByHash after touch", sync, got)

		ok(t, "RevokeAPIToken", s.RevokeAPIToken(ctx, w.ID, sync.ID, t0.Add(2*time.Hour)))
		sync.RevokedAt = t0.Add(2 * time.Hour)
		got, err = s.APITokenByHash(ctx, w.ID, sync.Hash)
		ok(t, "APITokenByHash(revoked)", err)
		same(t, "APITokenByHash(revoked) is found, revoked", sync, got)
		if !got.Revoked() {
			t.Fatalf("Revoked()=false after RevokeAPIToken")
		}
		wantErr(t, "RevokeAPIToken(again)", s.RevokeAPIToken(ctx, w.ID, sync.ID, t0.Add(3*time.Hour)), latchkey.ErrNotFound)
		list, err = s.APITokens(ctx, w.ID)
		ok(t, "APITokens after revoke", err)
		same(t, "APITokens after revoke", []latchkey.APIToken{report, sync}, list)
	}},
	{"Missing", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		_, err := s.APITokenByHash(ctx, w.ID, latchkey.HashSecret("nothing"))
		wantErr(t, "APITokenByHash(unknown)", err, latchkey.ErrNotFound)
		_, err = s.APIToken(ctx, w.ID, "nope")
		wantErr(t, "APIToken(unknown)", err, latchkey.ErrNotFound)
		wantErr(t, "RevokeAPIToken(unknown)", s.RevokeAPIToken(ctx, w.ID, "nope", t0), latchkey.ErrNotFound)
		wantErr(t, "TouchAPIToken(unknown)", s.TouchAPIToken(ctx, w.ID, "nope", t0, "192.0.2.1"), latchkey.ErrNotFound)
		list, err := s.APITokens(ctx, w.ID)
		ok(t, "APITokens(none)", err)
		same(t, "APITokens(none)", []latchkey.APIToken(nil), list)
		err = s.CreateAPIToken(ctx, latchkey.APIToken{ID: latchkey.NewID(), WorkspaceID: "no-such-workspace", Name: "x",
			Scope: latchkey.ScopeRead, Hash: latchkey.HashSecret("x"), CreatedAt: t0})
		wantErr(t, "CreateAPIToken(unknown workspace)", err, latchkey.ErrNotFound)
	}},
	{"Conflict", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		_, admin := newWorkspace(t, s, "acme")
		tok, _ := newAPIToken(t, s, admin, "One", latchkey.ScopeRead, t0)
		again := tok
		again.ID = latchkey.NewID()
		wantErr(t, "CreateAPIToken(same hash)", s.CreateAPIToken(ctx, again), latchkey.ErrConflict)
		again = tok
		again.Hash = latchkey.HashSecret("another")
		wantErr(t, "CreateAPIToken(same ID)", s.CreateAPIToken(ctx, again), latchkey.ErrConflict)
	}},
	{"ScopedToItsWorkspace", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		acme, admin := newWorkspace(t, s, "acme")
		globex, _ := newWorkspace(t, s, "globex")
		tok, _ := newAPIToken(t, s, admin, "Sync", latchkey.ScopeRead, t0)
		_, err := s.APITokenByHash(ctx, globex.ID, tok.Hash)
		wantErr(t, "APITokenByHash(other workspace)", err, latchkey.ErrNotFound)
		_, err = s.APIToken(ctx, globex.ID, tok.ID)
		wantErr(t, "APIToken(other workspace)", err, latchkey.ErrNotFound)
		wantErr(t, "RevokeAPIToken(other workspace)", s.RevokeAPIToken(ctx, globex.ID, tok.ID, t0), latchkey.ErrNotFound)
		wantErr(t, "TouchAPIToken(other workspace)", s.TouchAPIToken(ctx, globex.ID, tok.ID, t0, "192.0.2.1"), latchkey.ErrNotFound)
		list, err := s.APITokens(ctx, globex.ID)
		ok(t, "APITokens(other workspace)", err)
		same(t, "APITokens(other workspace)", []latchkey.APIToken(nil), list)
		got, err := s.APIToken(ctx, acme.ID, tok.ID)
		ok(t, "APIToken(own workspace) after the attempts", err)
		same(t, "token unchanged by the other workspace", tok, got)
	}},
	{"ConcurrentRevokeOneWins", func(t *testing.T, s latchkey.Store) {
		_, admin := newWorkspace(t, s, "acme")
		tok, _ := newAPIToken(t, s, admin, "Sync", latchkey.ScopeRead, t0)
		errs := concurrently(8, func(i int) error {
			return s.RevokeAPIToken(t.Context(), admin.WorkspaceID, tok.ID, t0.Add(time.Duration(i)*time.Second))
		})
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			default:
				wantErr(t, "RevokeAPIToken (lost race)", err, latchkey.ErrNotFound)
			}
		}
		if won != 1 {
			t.Fatalf("%d concurrent revocations succeeded, want 1", won)
		}
	}},
}

var apiTokenExportTests = []storesTest{
	{"RoundTripWithAPITokens", func(t *testing.T, open func(t *testing.T) latchkey.Store) {
		ctx := t.Context()
		src := open(t)
		w, admin := newWorkspace(t, src, "acme")
		sync, secret := newAPIToken(t, src, admin, "Asset sync", latchkey.ScopeReadWrite, t0)
		ok(t, "TouchAPIToken", src.TouchAPIToken(ctx, w.ID, sync.ID, t0.Add(time.Hour), "192.0.2.7"))
		sync.LastUsedAt, sync.LastUsedIP = t0.Add(time.Hour), "192.0.2.7"
		old, _ := newAPIToken(t, src, admin, "Old", latchkey.ScopeRead, t0.Add(time.Minute))
		ok(t, "RevokeAPIToken", src.RevokeAPIToken(ctx, w.ID, old.ID, t0.Add(2*time.Hour)))
		old.RevokedAt = t0.Add(2 * time.Hour)
		_, otherAdmin := newWorkspace(t, src, "other")
		newAPIToken(t, src, otherAdmin, "Other", latchkey.ScopeRead, t0)

		x, err := src.ExportWorkspace(ctx, "acme")
		ok(t, "ExportWorkspace", err)
		same(t, "APITokens (oldest first, revoked kept, no other workspace's)", []latchkey.APIToken{sync, old}, x.APITokens)

		dst := importCopy(t, open, x)
		got, err := dst.APITokenByHash(ctx, w.ID, latchkey.HashSecret(secret))
		ok(t, "APITokenByHash(imported)", err)
		same(t, "APITokenByHash(imported): the same secret works", sync, got)

		// A token of another workspace does not hold together, and nothing is written.
		bad := rehome(x, latchkey.NewID(), "bad")
		bad.APITokens[0].WorkspaceID = latchkey.NewID()
		if err := dst.ImportWorkspace(ctx, bad); err == nil {
			t.Error("ImportWorkspace with another workspace's API token succeeded")
		}
		checkNotImported(t, dst, bad.Workspace.ID, "bad", nil)
		// A token whose hash the store already holds is a conflict, and nothing is written.
		dup := rehome(x, latchkey.NewID(), "dup")
		dup.APITokens[1].Hash = sync.Hash
		wantErr(t, "ImportWorkspace(a token hash already in the store)", dst.ImportWorkspace(ctx, dup), latchkey.ErrConflict)
		checkNotImported(t, dst, dup.Workspace.ID, "dup", nil)
	}},
}
