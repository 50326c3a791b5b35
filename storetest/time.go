package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

// checkTime fails the test unless got is stored read back: in UTC and equal to stored
// truncated to the microsecond.
func checkTime(t *testing.T, what string, stored, got time.Time) {
	t.Helper()
	want := stored.Truncate(time.Microsecond)
	if !got.Equal(want) {
		t.Errorf("%s: read back %v, want %v (stored %v, truncated to the microsecond)", what, got, want.UTC(), stored)
	}
	if got.Location() != time.UTC {
		t.Errorf("%s: read back in %v, want UTC", what, got.Location())
	}
}

var timeTests = []test{
	{"RoundTripInUTCToTheMicrosecond", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		zone := time.FixedZone("UTC+05:30", 5*3600+30*60)
		at := time.Date(2031, 3, 4, 10, 36, 7, 123456789, zone)
		if at.Nanosecond()%1000 == 0 {
			t.Fatal("the test time must have nanoseconds below the microsecond")
		}
		tick := func(i int) time.Time { return at.Add(time.Duration(i) * time.Hour) }

		w := latchkey.Workspace{ID: latchkey.NewID(), Slug: "acme", Name: "Acme", CreatedAt: tick(0)}
		a := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: w.ID, Email: "pat@acme.test",
			Role: latchkey.RoleAdmin, Status: latchkey.StatusActive,
			CreatedAt: tick(1), UpdatedAt: tick(2), LastSignInAt: tick(3)}
		ok(t, "CreateWorkspace", s.CreateWorkspace(ctx, w, a))
		gotW, err := s.Workspace(ctx, w.ID)
		ok(t, "Workspace", err)
		checkTime(t, "Workspace.CreatedAt", w.CreatedAt, gotW.CreatedAt)
		gotA, err := s.Account(ctx, w.ID, a.ID)
		ok(t, "Account", err)
		checkTime(t, "Account.CreatedAt", a.CreatedAt, gotA.CreatedAt)
		checkTime(t, "Account.UpdatedAt", a.UpdatedAt, gotA.UpdatedAt)
		checkTime(t, "Account.LastSignInAt", a.LastSignInAt, gotA.LastSignInAt)

		_, id := latchkey.NewSecret()
		sess := latchkey.Session{ID: id, WorkspaceID: w.ID, AccountID: a.ID,
			CreatedAt: tick(4), LastSeenAt: tick(5), ExpiresAt: tick(6)}
		ok(t, "CreateSession", s.CreateSession(ctx, sess))
		gotS, gotSA, err := s.Session(ctx, w.ID, id)
		ok(t, "Session", err)
		checkTime(t, "Session.CreatedAt", sess.CreatedAt, gotS.CreatedAt)
		checkTime(t, "Session.LastSeenAt", sess.LastSeenAt, gotS.LastSeenAt)
		checkTime(t, "Session.ExpiresAt", sess.ExpiresAt, gotS.ExpiresAt)
		checkTime(t, "Session's Account.LastSignInAt", a.LastSignInAt, gotSA.LastSignInAt)
		ok(t, "TouchSession", s.TouchSession(ctx, w.ID, id, tick(7)))
		gotS, _, err = s.Session(ctx, w.ID, id)
		ok(t, "Session", err)
		checkTime(t, "Session.LastSeenAt after TouchSession", tick(7), gotS.LastSeenAt)

		_, hash := latchkey.NewSecret()
		tok := latchkey.Token{Hash: hash, Purpose: latchkey.PurposeReset, WorkspaceID: w.ID, AccountID: a.ID,
			CreatedAt: tick(8), ExpiresAt: tick(9)}
		ok(t, "CreateToken", s.CreateToken(ctx, tok))
		gotT, err := s.Token(ctx, tok.Purpose, hash, tick(8))
		ok(t, "Token", err)
		checkTime(t, "Token.CreatedAt", tok.CreatedAt, gotT.CreatedAt)
		checkTime(t, "Token.ExpiresAt", tok.ExpiresAt, gotT.ExpiresAt)

		_, err = s.AddFailure(ctx, "k", tick(10), window)
		ok(t, "AddFailure", err)
		c, err := s.AddFailure(ctx, "k", tick(10).Add(time.Minute), window)
		ok(t, "AddFailure", err)
		checkTime(t, "Counter.First", tick(10), c.First)
		checkTime(t, "Counter.Last", tick(10).Add(time.Minute), c.Last)
		c, err = s.Counter(ctx, "k", tick(10).Add(time.Minute), window)
		ok(t, "Counter", err)
		checkTime(t, "Counter.First from Counter", tick(10), c.First)

		ok(t, "RecordEvent", s.RecordEvent(ctx, latchkey.Event{ID: latchkey.NewID(), WorkspaceID: w.ID,
			Type: latchkey.EventSignIn, Time: tick(11)}))
		es, err := s.Events(ctx, w.ID, latchkey.EventFilter{})
		ok(t, "Events", err)
		if len(es) != 1 {
			t.Fatalf("Events returned %d events, want 1", len(es))
		}
		checkTime(t, "Event.Time", tick(11), es[0].Time)
	}},
	{"ZeroTimeRoundTripsAsZero", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme") // LastSignInAt zero: never signed in
		got, err := s.Account(ctx, w.ID, admin.ID)
		ok(t, "Account", err)
		if !got.LastSignInAt.IsZero() {
			t.Fatalf("LastSignInAt of an account that never signed in: %v, want the zero time", got.LastSignInAt)
		}
		ok(t, "UpdateAccount", s.UpdateAccount(ctx, w.ID, admin.ID, func(a *latchkey.Account) error {
			a.LastSignInAt = t0
			return nil
		}))
		ok(t, "UpdateAccount", s.UpdateAccount(ctx, w.ID, admin.ID, func(a *latchkey.Account) error {
			if !a.LastSignInAt.Equal(t0) {
				t.Errorf("LastSignInAt given to the updater: %v, want %v", a.LastSignInAt, t0)
			}
			a.LastSignInAt = time.Time{}
			return nil
		}))
		got, err = s.Account(ctx, w.ID, admin.ID)
		ok(t, "Account", err)
		if !got.LastSignInAt.IsZero() {
			t.Fatalf("LastSignInAt set back to zero: %v, want the zero time", got.LastSignInAt)
		}
	}},
}
