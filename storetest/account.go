package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

var accountTests = []test{
	{"CreateAndRead", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := createAccount(t, s, latchkey.Account{
			ID:           latchkey.NewID(),
			WorkspaceID:  w.ID,
			Email:        "Pat.Doe@Acme.test",
			Name:         "Pat Doe",
			Role:         latchkey.RoleMember,
			Status:       latchkey.StatusSuspended,
			PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
			CreatedAt:    t0,
			UpdatedAt:    t0.Add(time.Minute),
			LastSignInAt: t0.Add(2 * time.Minute),
		})
		got, err := s.Account(ctx, w.ID, a.ID)
		ok(t, "Account", err)
		same(t, "Account", a, got)
	}},
	{"CreateInUnknownWorkspaceIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		a := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: latchkey.NewID(), Email: "pat@acme.test",
			Role: latchkey.RoleMember, Status: latchkey.StatusActive, CreatedAt: t0, UpdatedAt: t0}
		wantErr(t, "CreateAccount(unknown workspace)", s.CreateAccount(ctx, a), latchkey.ErrNotFound)
	}},
	{"EmailIsUniqueIgnoringCase", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		bob := newAccount(t, s, w.ID, "Bob@X.test")
		dup := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: w.ID, Email: "bob@x.test",
			Role: latchkey.RoleMember, Status: latchkey.StatusActive, CreatedAt: t0, UpdatedAt: t0}
		wantErr(t, "CreateAccount(bob@x.test after Bob@X.test)", s.CreateAccount(ctx, dup), latchkey.ErrConflict)
		_, err := s.Account(ctx, w.ID, dup.ID)
		wantErr(t, "Account(refused duplicate)", err, latchkey.ErrNotFound)
		got, err := s.AccountByEmail(ctx, w.ID, "bob@x.test")
		ok(t, "AccountByEmail", err)
		same(t, "AccountByEmail(bob@x.test)", bob, got)
	}},
	{"AccountByEmailIgnoresCase", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		bob := newAccount(t, s, w.ID, "Bob@X.test")
		for _, email := range []string{"Bob@X.test", "bob@x.test", "BOB@X.TEST"} {
			got, err := s.AccountByEmail(ctx, w.ID, email)
			ok(t, "AccountByEmail("+email+")", err)
			same(t, "AccountByEmail("+email+")", bob, got)
		}
		_, err := s.AccountByEmail(ctx, w.ID, "rob@x.test")
		wantErr(t, "AccountByEmail(unknown)", err, latchkey.ErrNotFound)
	}},
	{"SameEmailInTwoWorkspacesIsTwoAccounts", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		a := newAccount(t, s, wa.ID, "pat@shared.test")
		b := newAccount(t, s, wb.ID, "Pat@Shared.test")

		ok(t, "UpdateAccount(alpha)", s.UpdateAccount(ctx, wa.ID, a.ID, func(a *latchkey.Account) error {
			a.Name = "Pat of alpha"
			a.Status = latchkey.StatusSuspended
			return nil
		}))
		a.Name, a.Status = "Pat of alpha", latchkey.StatusSuspended

		got, err := s.AccountByEmail(ctx, wa.ID, "pat@shared.test")
		ok(t, "AccountByEmail(alpha)", err)
		same(t, "account in alpha", a, got)
		got, err = s.AccountByEmail(ctx, wb.ID, "pat@shared.test")
		ok(t, "AccountByEmail(bravo)", err)
		same(t, "account in bravo", b, got)
	}},
	{"WrongWorkspaceIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		a := newAccount(t, s, wa.ID, "pat@alpha.test")

		_, err := s.Account(ctx, wb.ID, a.ID)
		wantErr(t, "Account(wrong workspace)", err, latchkey.ErrNotFound)
		_, err = s.AccountByEmail(ctx, wb.ID, a.Email)
		wantErr(t, "AccountByEmail(wrong workspace)", err, latchkey.ErrNotFound)
		called := false
		err = s.UpdateAccount(ctx, wb.ID, a.ID, func(a *latchkey.Account) error {
			called = true
			a.Name = "Hijacked"
			return nil
		})
		wantErr(t, "UpdateAccount(wrong workspace)", err, latchkey.ErrNotFound)
		if called {
			t.Errorf("UpdateAccount(wrong workspace) called the updater")
		}
		got, err := s.Account(ctx, wa.ID, a.ID)
		ok(t, "Account(right workspace)", err)
		same(t, "account after a wrong-workspace update", a, got)
	}},
	{"UpdateAccountWrites", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		change := func(a *latchkey.Account) {
			a.Email = "patricia@acme.test"
			a.Name = "Patricia"
			a.Role = latchkey.RoleAdmin
			a.Status = latchkey.StatusSuspended
			a.PasswordHash = "$argon2id$new"
			a.UpdatedAt = t0.Add(time.Hour)
			a.LastSignInAt = t0.Add(30 * time.Minute)
		}
		var seen latchkey.Account
		ok(t, "UpdateAccount", s.UpdateAccount(ctx, w.ID, a.ID, func(cur *latchkey.Account) error {
			seen = *cur
			change(cur)
			return nil
		}))
		same(t, "account given to the updater", a, seen)
		change(&a)
		got, err := s.Account(ctx, w.ID, a.ID)
		ok(t, "Account", err)
		same(t, "account after UpdateAccount", a, got)
		got, err = s.AccountByEmail(ctx, w.ID, "PATRICIA@acme.test")
		ok(t, "AccountByEmail(new email)", err)
		same(t, "AccountByEmail(new email)", a, got)
		_, err = s.AccountByEmail(ctx, w.ID, "pat@acme.test")
		wantErr(t, "AccountByEmail(old email)", err, latchkey.ErrNotFound)
	}},
	{"UpdateAccountChangesEmailCase", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "bob@x.test")
		ok(t, "UpdateAccount", s.UpdateAccount(ctx, w.ID, a.ID, func(a *latchkey.Account) error {
			a.Email = "Bob@X.test"
			return nil
		}))
		got, err := s.AccountByEmail(ctx, w.ID, "bob@x.test")
		ok(t, "AccountByEmail", err)
		if got.Email != "Bob@X.test" {
			t.Errorf("Email=%q, want %q", got.Email, "Bob@X.test")
		}
	}},
	{"UpdateAccountUpdaterErrorWritesNothing", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		err := s.UpdateAccount(ctx, w.ID, a.ID, func(a *latchkey.Account) error {
			a.Name = "Changed"
			a.Email = "changed@acme.test"
			a.Status = latchkey.StatusSuspended
			return errFn
		})
		wantErr(t, "UpdateAccount(updater fails)", err, errFn)
		got, err := s.Account(ctx, w.ID, a.ID)
		ok(t, "Account", err)
		same(t, "account after a refused update", a, got)
	}},
	{"UpdateAccountUnknownIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		called := false
		err := s.UpdateAccount(ctx, w.ID, latchkey.NewID(), func(*latchkey.Account) error {
			called = true
			return nil
		})
		wantErr(t, "UpdateAccount(unknown)", err, latchkey.ErrNotFound)
		if called {
			t.Errorf("UpdateAccount(unknown) called the updater")
		}
	}},
	{"UpdateAccountTakenEmailIsConflict", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		newAccount(t, s, w.ID, "alex@acme.test")
		b := newAccount(t, s, w.ID, "blair@acme.test")
		err := s.UpdateAccount(ctx, w.ID, b.ID, func(a *latchkey.Account) error {
			a.Email = "Alex@ACME.test"
			a.Name = "Not Alex"
			return nil
		})
		wantErr(t, "UpdateAccount(taken email)", err, latchkey.ErrConflict)
		got, err := s.Account(ctx, w.ID, b.ID)
		ok(t, "Account", err)
		same(t, "account after a conflicting update", b, got)
	}},
	{"AccountsFilterAndOrder", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme") // admin@acme.test: active admin
		other, _ := newWorkspace(t, s, "other")
		newAccount(t, s, other.ID, "bob@acme.test")
		carol := newAccount(t, s, w.ID, "carol@acme.test") // active member
		bob := newAccount(t, s, w.ID, "Bob@acme.test")
		dave := newAccount(t, s, w.ID, "dave@acme.test")
		for _, u := range []struct {
			acct   *latchkey.Account
			role   latchkey.Role
			status latchkey.Status
		}{{&bob, latchkey.RoleMember, latchkey.StatusInvited}, {&dave, latchkey.RoleAdmin, latchkey.StatusSuspended}} {
			ok(t, "UpdateAccount", s.UpdateAccount(ctx, w.ID, u.acct.ID, func(a *latchkey.Account) error {
				a.Role, a.Status = u.role, u.status
				return nil
			}))
			u.acct.Role, u.acct.Status = u.role, u.status
		}

		for _, tc := range []struct {
			name   string
			filter latchkey.AccountFilter
			want   []latchkey.Account
		}{
			{"all, by email ignoring case", latchkey.AccountFilter{}, []latchkey.Account{admin, bob, carol, dave}},
			{"active", latchkey.AccountFilter{Status: latchkey.StatusActive}, []latchkey.Account{admin, carol}},
			{"admins", latchkey.AccountFilter{Role: latchkey.RoleAdmin}, []latchkey.Account{admin, dave}},
			{"invited members", latchkey.AccountFilter{Status: latchkey.StatusInvited, Role: latchkey.RoleMember}, []latchkey.Account{bob}},
			{"suspended members", latchkey.AccountFilter{Status: latchkey.StatusSuspended, Role: latchkey.RoleMember}, nil},
			{"first two", latchkey.AccountFilter{Limit: 2}, []latchkey.Account{admin, bob}},
		} {
			got, err := s.Accounts(ctx, w.ID, tc.filter)
			ok(t, "Accounts("+tc.name+")", err)
			same(t, "Accounts("+tc.name+")", tc.want, got)
		}
	}},
	{"CountAccounts", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme") // one active admin
		other, _ := newWorkspace(t, s, "other")
		newAccount(t, s, other.ID, "someone@other.test")
		newAccount(t, s, w.ID, "a@acme.test")
		for _, email := range []string{"b@acme.test", "c@acme.test"} {
			a := newAccount(t, s, w.ID, email)
			ok(t, "UpdateAccount", s.UpdateAccount(ctx, w.ID, a.ID, func(a *latchkey.Account) error {
				a.Status = latchkey.StatusInvited
				return nil
			}))
		}
		got, err := s.CountAccounts(ctx, w.ID)
		ok(t, "CountAccounts", err)
		for status, want := range map[latchkey.Status]int{
			latchkey.StatusActive: 2, latchkey.StatusInvited: 2, latchkey.StatusSuspended: 0,
		} {
			if got[status] != want {
				t.Errorf("CountAccounts()[%s]=%d, want %d", status, got[status], want)
			}
		}
		got, err = s.CountAccounts(ctx, latchkey.NewID())
		ok(t, "CountAccounts(unknown workspace)", err)
		if n := got[latchkey.StatusActive] + got[latchkey.StatusInvited] + got[latchkey.StatusSuspended]; n != 0 {
			t.Errorf("CountAccounts(unknown workspace) counted %d accounts, want 0", n)
		}
	}},
	{"TOTPSecretRoundTrips", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := createAccount(t, s, latchkey.Account{
			ID: latchkey.NewID(), WorkspaceID: w.ID, Email: "pat@acme.test", Name: "Pat",
			Role: latchkey.RoleMember, Status: latchkey.StatusActive,
			TOTPSecret: "v1.key7.c2VhbGVk", TOTPEnabledAt: t0.Add(3 * time.Microsecond),
			CreatedAt: t0, UpdatedAt: t0,
		})
		got, err := s.Account(ctx, w.ID, a.ID)
		ok(t, "Account", err)
		same(t, "Account", a, got)
		got, err = s.AccountByEmail(ctx, w.ID, a.Email)
		ok(t, "AccountByEmail", err)
		same(t, "AccountByEmail", a, got)
		list, err := s.Accounts(ctx, w.ID, latchkey.AccountFilter{Query: "pat@"})
		ok(t, "Accounts", err)
		same(t, "Accounts", []latchkey.Account{a}, list)
		sess := newSession(t, s, a, t0)
		_, got, err = s.Session(ctx, w.ID, sess.ID)
		ok(t, "Session", err)
		same(t, "session's account", a, got)

		var seen latchkey.Account
		ok(t, "UpdateAccount(two-factor off)", s.UpdateAccount(ctx, w.ID, a.ID, func(cur *latchkey.Account) error {
			seen = *cur
			cur.TOTPSecret, cur.TOTPEnabledAt = "", time.Time{}
			return nil
		}))
		same(t, "account given to the updater", a, seen)
		got, err = s.Account(ctx, w.ID, a.ID)
		ok(t, "Account after two-factor off", err)
		if got.TOTPSecret != "" || !got.TOTPEnabledAt.IsZero() {
			t.Fatalf("after two-factor off: TOTPSecret=%q TOTPEnabledAt=%v, want empty and zero", got.TOTPSecret, got.TOTPEnabledAt)
		}

		ok(t, "UpdateAccount(two-factor on)", s.UpdateAccount(ctx, w.ID, a.ID, func(cur *latchkey.Account) error {
			cur.TOTPSecret, cur.TOTPEnabledAt = "v1.key8.bmV3", t0.Add(time.Hour)
			return nil
		}))
		a.TOTPSecret, a.TOTPEnabledAt = "v1.key8.bmV3", t0.Add(time.Hour)
		got, err = s.Account(ctx, w.ID, a.ID)
		ok(t, "Account after two-factor on", err)
		same(t, "account after two-factor on", a, got)
	}},
	{"AccountsQueryMatchesEmailOrNameIgnoringCase", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme") // admin@acme.test, "Admin of acme"
		other, _ := newWorkspace(t, s, "other")
		named := func(email, name string) latchkey.Account {
			return createAccount(t, s, latchkey.Account{ID: latchkey.NewID(), WorkspaceID: w.ID, Email: email,
				Name: name, Role: latchkey.RoleMember, Status: latchkey.StatusActive, CreatedAt: t0, UpdatedAt: t0})
		}
		pat := named("Pat.Doe@Acme.test", "Patricia Doe")
		sam := named("sam@acme.test", "Sam O'Hara")
		under := named("a_b@acme.test", "Underscore")
		axb := named("axb@acme.test", "Plain X")
		pct := named("carol@acme.test", "Carol 100% Sure")
		pc1 := named("dan@acme.test", "Dan 1000 Sure")
		back := named("erin@acme.test", `Erin \ Backslash`)
		elodie := named("elodie@acme.test", "ÉLODIE Martin")
		createAccount(t, s, latchkey.Account{ID: latchkey.NewID(), WorkspaceID: other.ID, Email: "pat@other.test",
			Name: "Pat Elsewhere", Role: latchkey.RoleMember, Status: latchkey.StatusActive, CreatedAt: t0, UpdatedAt: t0})

		for _, tc := range []struct {
			query string
			want  []latchkey.Account
		}{
			{"pat.doe@", []latchkey.Account{pat}},
			{"PAT", []latchkey.Account{pat}},
			{"doe", []latchkey.Account{pat}},
			{"o'hara", []latchkey.Account{sam}},
			{"ACME.TEST", []latchkey.Account{under, admin, axb, pct, pc1, elodie, back, pat, sam}},
			{"admin of", []latchkey.Account{admin}},
			{"a_b", []latchkey.Account{under}},
			{"_", []latchkey.Account{under}},
			{"100%", []latchkey.Account{pct}},
			{"%", []latchkey.Account{pct}},
			{`\`, []latchkey.Account{back}},
			{"élodie", []latchkey.Account{elodie}},
			{"nobody", nil},
		} {
			got, err := s.Accounts(ctx, w.ID, latchkey.AccountFilter{Query: tc.query})
			ok(t, "Accounts(Query "+tc.query+")", err)
			same(t, "Accounts(Query "+tc.query+")", tc.want, got)
		}

		ok(t, "UpdateAccount", s.UpdateAccount(ctx, w.ID, sam.ID, func(a *latchkey.Account) error {
			a.Status = latchkey.StatusSuspended
			return nil
		}))
		got, err := s.Accounts(ctx, w.ID, latchkey.AccountFilter{Query: "a", Status: latchkey.StatusSuspended})
		ok(t, "Accounts(Query and Status)", err)
		if len(got) != 1 || got[0].ID != sam.ID {
			t.Errorf("Accounts(Query a, suspended) returned %d accounts, want only Sam", len(got))
		}
		got, err = s.Accounts(ctx, w.ID, latchkey.AccountFilter{Query: "sure", Limit: 1})
		ok(t, "Accounts(Query and Limit)", err)
		same(t, "Accounts(Query sure, Limit 1)", []latchkey.Account{pct}, got)
	}},
	{"DeleteAccountRemovesWhatItOwnsButNotItsEvents", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		type owned struct {
			sess  latchkey.Session
			tok   latchkey.Token
			codes []latchkey.RecoveryCode
			ch    latchkey.Challenge
			event latchkey.Event
		}
		own := func(acct latchkey.Account) owned {
			o := owned{
				sess:  newSession(t, s, acct, t0),
				tok:   newToken(t, s, acct, latchkey.PurposeReset, t0.Add(time.Hour)),
				codes: newCodes(3),
				ch:    newChallenge(t, s, acct, t0.Add(5*time.Minute)),
				event: newEvent(t, s, acct, latchkey.EventSignIn, t0),
			}
			ok(t, "ReplaceRecoveryCodes", s.ReplaceRecoveryCodes(ctx, w.ID, acct.ID, o.codes))
			return o
		}
		gone, kept := own(a), own(admin)

		ok(t, "DeleteAccount", s.DeleteAccount(ctx, w.ID, a.ID))

		_, err := s.Account(ctx, w.ID, a.ID)
		wantErr(t, "Account(deleted)", err, latchkey.ErrNotFound)
		_, _, err = s.Session(ctx, w.ID, gone.sess.ID)
		wantErr(t, "Session(of the deleted account)", err, latchkey.ErrNotFound)
		_, err = s.Token(ctx, gone.tok.Purpose, gone.tok.Hash, t0)
		wantErr(t, "Token(of the deleted account)", err, latchkey.ErrNotFound)
		codes, err := s.RecoveryCodes(ctx, w.ID, a.ID)
		ok(t, "RecoveryCodes(of the deleted account)", err)
		same(t, "RecoveryCodes(of the deleted account)", []latchkey.RecoveryCode(nil), codes)
		_, err = s.Challenge(ctx, w.ID, gone.ch.ID)
		wantErr(t, "Challenge(of the deleted account)", err, latchkey.ErrNotFound)
		events, err := s.Events(ctx, w.ID, latchkey.EventFilter{AccountID: a.ID})
		ok(t, "Events(of the deleted account)", err)
		same(t, "Events(of the deleted account)", []latchkey.Event{gone.event}, events)

		gotAdmin, err := s.Account(ctx, w.ID, admin.ID)
		ok(t, "Account(other)", err)
		same(t, "other account", admin, gotAdmin)
		_, _, err = s.Session(ctx, w.ID, kept.sess.ID)
		ok(t, "Session(of the other account)", err)
		_, err = s.Token(ctx, kept.tok.Purpose, kept.tok.Hash, t0)
		ok(t, "Token(of the other account)", err)
		codes, err = s.RecoveryCodes(ctx, w.ID, admin.ID)
		ok(t, "RecoveryCodes(of the other account)", err)
		same(t, "RecoveryCodes(of the other account)", kept.codes, codes)
		_, err = s.Challenge(ctx, w.ID, kept.ch.ID)
		ok(t, "Challenge(of the other account)", err)

		wantErr(t, "DeleteAccount(again)", s.DeleteAccount(ctx, w.ID, a.ID), latchkey.ErrNotFound)
	}},
	{"DeleteAccountWrongWorkspaceIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		a := newAccount(t, s, wa.ID, "pat@alpha.test")
		sess := newSession(t, s, a, t0)
		wantErr(t, "DeleteAccount(wrong workspace)", s.DeleteAccount(ctx, wb.ID, a.ID), latchkey.ErrNotFound)
		wantErr(t, "DeleteAccount(unknown)", s.DeleteAccount(ctx, wa.ID, latchkey.NewID()), latchkey.ErrNotFound)
		got, err := s.Account(ctx, wa.ID, a.ID)
		ok(t, "Account", err)
		same(t, "account after a wrong-workspace delete", a, got)
		_, _, err = s.Session(ctx, wa.ID, sess.ID)
		ok(t, "Session", err)
	}},
}
