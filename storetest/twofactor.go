package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

// newCodes returns n recovery codes created at t0 and a microsecond apart, as
// ReplaceRecoveryCodes would get them: random IDs and stand-in hashes.
func newCodes(n int) []latchkey.RecoveryCode {
	codes := make([]latchkey.RecoveryCode, n)
	for i := range codes {
		codes[i] = latchkey.RecoveryCode{
			ID:        latchkey.NewID(),
			Hash:      "$argon2id$v=19$m=19456,t=2,p=1$" + latchkey.NewID(),
			CreatedAt: t0.Add(time.Duration(i) * time.Microsecond),
		}
	}
	return codes
}

// newChallenge creates a challenge of a created at t0 and expiring at expires.
func newChallenge(t *testing.T, s latchkey.Store, a latchkey.Account, expires time.Time) latchkey.Challenge {
	t.Helper()
	_, id := latchkey.NewSecret()
	c := latchkey.Challenge{
		ID:          id,
		WorkspaceID: a.WorkspaceID,
		AccountID:   a.ID,
		CreatedAt:   t0,
		ExpiresAt:   expires,
		ClientAddr:  "192.0.2.9",
		UserAgent:   "storetest",
	}
	if err := s.CreateChallenge(t.Context(), c); err != nil {
		t.Fatalf("CreateChallenge: %v", err)
	}
	return c
}

// replaceCodes stores n new recovery codes for a and returns them.
func replaceCodes(t *testing.T, s latchkey.Store, a latchkey.Account, n int) []latchkey.RecoveryCode {
	t.Helper()
	codes := newCodes(n)
	if err := s.ReplaceRecoveryCodes(t.Context(), a.WorkspaceID, a.ID, codes); err != nil {
		t.Fatalf("ReplaceRecoveryCodes: %v", err)
	}
	return codes
}

var twoFactorTests = []test{
	{"AdvanceTOTPStepOnlyForward", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		const step = 65_000_000 // a step of 2031
		ok(t, "AdvanceTOTPStep(first)", s.AdvanceTOTPStep(ctx, w.ID, a.ID, step))
		ok(t, "AdvanceTOTPStep(next)", s.AdvanceTOTPStep(ctx, w.ID, a.ID, step+1))
		wantErr(t, "AdvanceTOTPStep(same step: a replay)", s.AdvanceTOTPStep(ctx, w.ID, a.ID, step+1), latchkey.ErrConflict)
		wantErr(t, "AdvanceTOTPStep(earlier step)", s.AdvanceTOTPStep(ctx, w.ID, a.ID, step), latchkey.ErrConflict)
		ok(t, "AdvanceTOTPStep(a later step, skipping some)", s.AdvanceTOTPStep(ctx, w.ID, a.ID, step+3))
		wantErr(t, "AdvanceTOTPStep(step+2, after step+3)", s.AdvanceTOTPStep(ctx, w.ID, a.ID, step+2), latchkey.ErrConflict)
		// Each account has its own last step.
		ok(t, "AdvanceTOTPStep(another account, same step)", s.AdvanceTOTPStep(ctx, w.ID, admin.ID, step+1))
	}},
	{"AdvanceTOTPStepUnknownOrWrongWorkspaceIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		a := newAccount(t, s, wa.ID, "pat@alpha.test")
		wantErr(t, "AdvanceTOTPStep(unknown account)", s.AdvanceTOTPStep(ctx, wa.ID, latchkey.NewID(), 10), latchkey.ErrNotFound)
		wantErr(t, "AdvanceTOTPStep(wrong workspace)", s.AdvanceTOTPStep(ctx, wb.ID, a.ID, 1000), latchkey.ErrNotFound)
		// The wrong-workspace call recorded nothing: step 10 is still ahead of the last.
		ok(t, "AdvanceTOTPStep(right workspace)", s.AdvanceTOTPStep(ctx, wa.ID, a.ID, 10))
	}},
	{"AdvanceTOTPStepConcurrentExactlyOneWins", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		const n = 50
		errs := concurrently(n, func(int) error { return s.AdvanceTOTPStep(ctx, w.ID, a.ID, 500) })
		wins, replays := countErrs(t, "AdvanceTOTPStep", errs, latchkey.ErrConflict)
		if wins != 1 || replays != n-1 {
			t.Fatalf("%d concurrent AdvanceTOTPStep calls with one step: %d succeeded and %d got ErrConflict, want 1 and %d", n, wins, replays, n-1)
		}
	}},
	{"ReplaceRecoveryCodesInvalidatesTheOldSet", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		adminCodes := replaceCodes(t, s, admin, 2)
		old := replaceCodes(t, s, a, 10)
		got, err := s.RecoveryCodes(ctx, w.ID, a.ID)
		ok(t, "RecoveryCodes", err)
		same(t, "RecoveryCodes", old, got)

		fresh := replaceCodes(t, s, a, 10)
		got, err = s.RecoveryCodes(ctx, w.ID, a.ID)
		ok(t, "RecoveryCodes after replacing", err)
		same(t, "RecoveryCodes after replacing", fresh, got)
		for _, c := range old {
			_, err := s.ConsumeRecoveryCode(ctx, w.ID, a.ID, c.ID)
			wantErr(t, "ConsumeRecoveryCode(a code of the old set)", err, latchkey.ErrNotFound)
		}
		n, err := s.ConsumeRecoveryCode(ctx, w.ID, a.ID, fresh[3].ID)
		ok(t, "ConsumeRecoveryCode(a code of the new set)", err)
		if n != 9 {
			t.Errorf("ConsumeRecoveryCode: %d remaining, want 9", n)
		}

		ok(t, "ReplaceRecoveryCodes(none)", s.ReplaceRecoveryCodes(ctx, w.ID, a.ID, nil))
		got, err = s.RecoveryCodes(ctx, w.ID, a.ID)
		ok(t, "RecoveryCodes after replacing with none", err)
		same(t, "RecoveryCodes after replacing with none", []latchkey.RecoveryCode(nil), got)

		got, err = s.RecoveryCodes(ctx, w.ID, admin.ID)
		ok(t, "RecoveryCodes(another account)", err)
		same(t, "RecoveryCodes(another account)", adminCodes, got)
	}},
	{"ReplaceRecoveryCodesDuplicateIDIsConflictAndWritesNothing", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		old := replaceCodes(t, s, admin, 3)
		dup := newCodes(3)
		dup[2].ID = dup[0].ID
		wantErr(t, "ReplaceRecoveryCodes(two codes with one ID)", s.ReplaceRecoveryCodes(ctx, w.ID, admin.ID, dup), latchkey.ErrConflict)
		got, err := s.RecoveryCodes(ctx, w.ID, admin.ID)
		ok(t, "RecoveryCodes", err)
		same(t, "RecoveryCodes after a refused replacement", old, got)
	}},
	{"ConsumeRecoveryCodeOnce", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		codes := replaceCodes(t, s, a, 3)
		for i, c := range codes[:2] {
			n, err := s.ConsumeRecoveryCode(ctx, w.ID, a.ID, c.ID)
			ok(t, "ConsumeRecoveryCode", err)
			if want := len(codes) - i - 1; n != want {
				t.Errorf("ConsumeRecoveryCode #%d: %d remaining, want %d", i+1, n, want)
			}
			_, err = s.ConsumeRecoveryCode(ctx, w.ID, a.ID, c.ID)
			wantErr(t, "ConsumeRecoveryCode(again)", err, latchkey.ErrNotFound)
		}
		got, err := s.RecoveryCodes(ctx, w.ID, a.ID)
		ok(t, "RecoveryCodes", err)
		same(t, "RecoveryCodes after consuming two", codes[2:], got)
		_, err = s.ConsumeRecoveryCode(ctx, w.ID, a.ID, latchkey.NewID())
		wantErr(t, "ConsumeRecoveryCode(unknown code)", err, latchkey.ErrNotFound)
		n, err := s.ConsumeRecoveryCode(ctx, w.ID, a.ID, codes[2].ID)
		ok(t, "ConsumeRecoveryCode(the last)", err)
		if n != 0 {
			t.Errorf("ConsumeRecoveryCode(the last): %d remaining, want 0", n)
		}
	}},
	{"ConsumeRecoveryCodeConcurrentExactlyOneWins", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		codes := replaceCodes(t, s, a, 10)
		const n = 20
		remaining := make([]int, n)
		errs := concurrently(n, func(i int) error {
			var err error
			remaining[i], err = s.ConsumeRecoveryCode(ctx, w.ID, a.ID, codes[4].ID)
			return err
		})
		wins, lost := countErrs(t, "ConsumeRecoveryCode", errs, latchkey.ErrNotFound)
		if wins != 1 || lost != n-1 {
			t.Fatalf("%d concurrent ConsumeRecoveryCode calls for one code: %d won and %d got ErrNotFound, want 1 and %d", n, wins, lost, n-1)
		}
		if i := slices.IndexFunc(errs, func(err error) bool { return err == nil }); remaining[i] != 9 {
			t.Errorf("the winning ConsumeRecoveryCode: %d remaining, want 9", remaining[i])
		}
	}},
	{"RecoveryCodesWrongWorkspaceIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		a := newAccount(t, s, wa.ID, "pat@alpha.test")
		codes := replaceCodes(t, s, a, 3)

		got, err := s.RecoveryCodes(ctx, wb.ID, a.ID)
		ok(t, "RecoveryCodes(wrong workspace)", err)
		same(t, "RecoveryCodes(wrong workspace)", []latchkey.RecoveryCode(nil), got)
		_, err = s.ConsumeRecoveryCode(ctx, wb.ID, a.ID, codes[0].ID)
		wantErr(t, "ConsumeRecoveryCode(wrong workspace)", err, latchkey.ErrNotFound)
		wantErr(t, "ReplaceRecoveryCodes(wrong workspace)", s.ReplaceRecoveryCodes(ctx, wb.ID, a.ID, newCodes(2)), latchkey.ErrNotFound)
		wantErr(t, "ReplaceRecoveryCodes(wrong workspace, no codes)", s.ReplaceRecoveryCodes(ctx, wb.ID, a.ID, nil), latchkey.ErrNotFound)
		wantErr(t, "ReplaceRecoveryCodes(unknown account)", s.ReplaceRecoveryCodes(ctx, wa.ID, latchkey.NewID(), newCodes(2)), latchkey.ErrNotFound)

		got, err = s.RecoveryCodes(ctx, wa.ID, a.ID)
		ok(t, "RecoveryCodes(right workspace)", err)
		same(t, "RecoveryCodes after wrong-workspace calls", codes, got)
	}},
}

var challengeTests = []test{
	{"CreateAndRead", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		_, id := latchkey.NewSecret()
		c := latchkey.Challenge{
			ID:          id,
			WorkspaceID: w.ID,
			AccountID:   a.ID,
			CreatedAt:   t0,
			ExpiresAt:   t0.Add(5 * time.Minute),
			Attempts:    2,
			Remember:    true,
			ClientAddr:  "2001:db8::9",
			UserAgent:   "Mozilla/5.0 (storetest)",
		}
		ok(t, "CreateChallenge", s.CreateChallenge(ctx, c))
		got, err := s.Challenge(ctx, w.ID, id)
		ok(t, "Challenge", err)
		same(t, "Challenge", c, got)

		plain := newChallenge(t, s, a, t0.Add(time.Minute)) // Remember false, no attempts
		got, err = s.Challenge(ctx, w.ID, plain.ID)
		ok(t, "Challenge", err)
		same(t, "Challenge(not remembered)", plain, got)

		wantErr(t, "CreateChallenge(taken ID)", s.CreateChallenge(ctx, latchkey.Challenge{ID: id, WorkspaceID: w.ID,
			AccountID: a.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}), latchkey.ErrConflict)
		_, err = s.Challenge(ctx, w.ID, latchkey.NewID())
		wantErr(t, "Challenge(unknown)", err, latchkey.ErrNotFound)
	}},
	{"CreateForUnknownAccountIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		a := newAccount(t, s, wa.ID, "pat@alpha.test")
		for _, tc := range []struct{ name, ws, account string }{
			{"unknown account", wa.ID, latchkey.NewID()},
			{"account of another workspace", wb.ID, a.ID},
		} {
			_, id := latchkey.NewSecret()
			err := s.CreateChallenge(ctx, latchkey.Challenge{ID: id, WorkspaceID: tc.ws, AccountID: tc.account,
				CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)})
			wantErr(t, "CreateChallenge("+tc.name+")", err, latchkey.ErrNotFound)
			_, err = s.Challenge(ctx, tc.ws, id)
			wantErr(t, "Challenge("+tc.name+")", err, latchkey.ErrNotFound)
		}
	}},
	{"WrongWorkspaceIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		a := newAccount(t, s, wa.ID, "pat@alpha.test")
		c := newChallenge(t, s, a, t0.Add(5*time.Minute))

		_, err := s.Challenge(ctx, wb.ID, c.ID)
		wantErr(t, "Challenge(wrong workspace)", err, latchkey.ErrNotFound)
		_, err = s.UseChallengeAttempt(ctx, wb.ID, c.ID, 5)
		wantErr(t, "UseChallengeAttempt(wrong workspace)", err, latchkey.ErrNotFound)
		ok(t, "DeleteChallenge(wrong workspace)", s.DeleteChallenge(ctx, wb.ID, c.ID))

		got, err := s.Challenge(ctx, wa.ID, c.ID)
		ok(t, "Challenge(right workspace)", err)
		same(t, "challenge after wrong-workspace calls", c, got)
	}},
	{"AddAttemptCountsAndDeleteRemoves", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		c := newChallenge(t, s, admin, t0.Add(5*time.Minute))
		other := newChallenge(t, s, admin, t0.Add(5*time.Minute))
		for want := 1; want <= 3; want++ {
			n, err := s.UseChallengeAttempt(ctx, w.ID, c.ID, 100)
			ok(t, "UseChallengeAttempt", err)
			if n != want {
				t.Fatalf("UseChallengeAttempt #%d returned %d", want, n)
			}
		}
		got, err := s.Challenge(ctx, w.ID, c.ID)
		ok(t, "Challenge", err)
		if got.Attempts != 3 {
			t.Errorf("Challenge.Attempts=%d after 3 attempts, want 3", got.Attempts)
		}
		got, err = s.Challenge(ctx, w.ID, other.ID)
		ok(t, "Challenge(other)", err)
		same(t, "other challenge", other, got)

		ok(t, "DeleteChallenge", s.DeleteChallenge(ctx, w.ID, c.ID))
		_, err = s.Challenge(ctx, w.ID, c.ID)
		wantErr(t, "Challenge(deleted)", err, latchkey.ErrNotFound)
		_, err = s.UseChallengeAttempt(ctx, w.ID, c.ID, 100)
		wantErr(t, "UseChallengeAttempt(deleted)", err, latchkey.ErrNotFound)
		ok(t, "DeleteChallenge(again)", s.DeleteChallenge(ctx, w.ID, c.ID))
		_, err = s.Challenge(ctx, w.ID, other.ID)
		ok(t, "Challenge(other, after deleting one)", err)
	}},
	{"ConcurrentAttemptsAllCounted", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		c := newChallenge(t, s, admin, t0.Add(5*time.Minute))
		const n = 20
		counts := make([]int, n)
		errs := concurrently(n, func(i int) error {
			var err error
			counts[i], err = s.UseChallengeAttempt(ctx, w.ID, c.ID, 100)
			return err
		})
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("UseChallengeAttempt: %v", err)
		}
		slices.Sort(counts)
		want := make([]int, n)
		for i := range want {
			want[i] = i + 1
		}
		same(t, "counts returned by concurrent UseChallengeAttempt calls, sorted", want, counts)
		got, err := s.Challenge(ctx, w.ID, c.ID)
		ok(t, "Challenge", err)
		if got.Attempts != n {
			t.Fatalf("Attempts=%d after %d concurrent UseChallengeAttempt calls, want %d", got.Attempts, n, n)
		}
	}},
	{"AttemptsStopAtTheLimitUnderConcurrency", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		c := newChallenge(t, s, admin, t0.Add(5*time.Minute))
		const n, limit = 50, 5
		errs := concurrently(n, func(int) error {
			_, err := s.UseChallengeAttempt(ctx, w.ID, c.ID, limit)
			return err
		})
		used, refused := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				used++
			case errors.Is(err, latchkey.ErrConflict):
				refused++
			default:
				t.Fatalf("UseChallengeAttempt: %v", err)
			}
		}
		if used != limit || refused != n-limit {
			t.Fatalf("%d concurrent attempts: %d used, %d refused; want %d and %d", n, used, refused, limit, n-limit)
		}
		got, err := s.Challenge(ctx, w.ID, c.ID)
		ok(t, "Challenge", err)
		if got.Attempts != limit {
			t.Fatalf("Attempts=%d, want %d", got.Attempts, limit)
		}
	}},
	{"DeleteExpiredAtTheBoundary", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		a := newAccount(t, s, wa.ID, "pat@alpha.test")
		b := newAccount(t, s, wb.ID, "pat@bravo.test")
		now := t0.Add(time.Hour)
		expired := []latchkey.Challenge{
			newChallenge(t, s, a, now.Add(-time.Microsecond)),
			newChallenge(t, s, a, now),
			newChallenge(t, s, b, now),
		}
		live := newChallenge(t, s, a, now.Add(time.Microsecond))

		// Challenge does not check expiry: callers do.
		got, err := s.Challenge(ctx, wa.ID, expired[0].ID)
		ok(t, "Challenge(expired, not swept yet)", err)
		same(t, "Challenge(expired, not swept yet)", expired[0], got)

		n, err := s.DeleteExpiredChallenges(ctx, now)
		ok(t, "DeleteExpiredChallenges", err)
		if n != len(expired) {
			t.Errorf("DeleteExpiredChallenges=%d, want %d", n, len(expired))
		}
		for _, c := range expired {
			_, err := s.Challenge(ctx, c.WorkspaceID, c.ID)
			wantErr(t, "Challenge(swept)", err, latchkey.ErrNotFound)
		}
		_, err = s.Challenge(ctx, wa.ID, live.ID)
		ok(t, "Challenge(ExpiresAt == now+1µs)", err)
	}},
}
