package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

var sessionTests = []test{
	{"StartSessionWritesTheSignInInOneGo", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		old := newSession(t, s, a, t0)
		for _, k := range []string{"undo", "reset", "other"} {
			for range 2 {
				_, err := s.AddFailure(ctx, k, t0, time.Hour)
				ok(t, "AddFailure", err)
			}
		}
		_, err := s.SeeDevice(ctx, w.ID, a.ID, "device-1", t0)
		ok(t, "SeeDevice", err)
		at := t0.Add(time.Hour)
		_, id := latchkey.NewSecret()
		next := latchkey.Session{ID: id, WorkspaceID: w.ID, AccountID: a.ID, CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(time.Hour), ClientAddr: "192.0.2.1", UserAgent: "storetest"}
		ev := latchkey.Event{ID: latchkey.NewID(), WorkspaceID: w.ID, AccountID: a.ID, Type: latchkey.EventSignIn, Email: a.Email, Time: at}
		seen, err := s.StartSession(ctx, latchkey.SessionStart{Session: next, Replaces: old.ID,
			UndoCounters: []string{"undo"}, ResetCounters: []string{"reset"}, Device: "device-2", Events: []latchkey.Event{ev}})
		ok(t, "StartSession", err)
		if !seen.New || seen.Others != 1 {
			t.Errorf("StartSession's sighting = %+v, want a new device beside one other", seen)
		}
		_, _, err = s.Session(ctx, w.ID, old.ID)
		wantErr(t, "Session(replaced)", err, latchkey.ErrNotFound)
		got, acct, err := s.Session(ctx, w.ID, id)
		ok(t, "Session(new)", err)
		same(t, "new session", next, got)
		if !acct.LastSignInAt.Equal(at) {
			t.Errorf("LastSignInAt = %v, want %v", acct.LastSignInAt, at)
		}
		c, err := s.Counters(ctx, []string{"undo", "reset", "other"})
		ok(t, "Counters", err)
		if c["undo"].Count != 1 || c["reset"].Count != 0 || c["other"].Count != 2 {
			t.Errorf("counters undo/reset/other = %d/%d/%d, want 1/0/2", c["undo"].Count, c["reset"].Count, c["other"].Count)
		}
		evs, err := s.Events(ctx, w.ID, latchkey.EventFilter{Type: latchkey.EventSignIn})
		ok(t, "Events", err)
		if len(evs) != 1 || evs[0].ID != ev.ID {
			t.Errorf("sign-in events = %+v, want the one StartSession recorded", evs)
		}

		// A rotation keeps LastSignInAt and sees no device.
		_, rid := latchkey.NewSecret()
		rot := next
		rot.ID = rid
		_, err = s.StartSession(ctx, latchkey.SessionStart{Session: rot, Replaces: id, Rotate: true})
		ok(t, "StartSession(rotate)", err)
		_, acct, err = s.Session(ctx, w.ID, rid)
		ok(t, "Session(rotated)", err)
		if !acct.LastSignInAt.Equal(at) {
			t.Errorf("after a rotation LastSignInAt = %v, want it kept at %v", acct.LastSignInAt, at)
		}
	}},
	{"StartSessionWritesNothingWhenItFails", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		old := newSession(t, s, a, t0)
		for range 2 {
			_, err := s.AddFailure(ctx, "k", t0, time.Hour)
			ok(t, "AddFailure", err)
		}
		_, id := latchkey.NewSecret()
		// The session names an account that does not exist: the insert fails after the
		// replaced session's delete, and everything before it must roll back.
		bad := latchkey.Session{ID: id, WorkspaceID: w.ID, AccountID: latchkey.NewID(), CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}
		ev := latchkey.Event{ID: latchkey.NewID(), WorkspaceID: w.ID, AccountID: a.ID, Type: latchkey.EventSignIn, Time: t0}
		_, err := s.StartSession(ctx, latchkey.SessionStart{Session: bad, Replaces: old.ID,
			UndoCounters: []string{"k"}, Device: "device-1", Events: []latchkey.Event{ev}})
		wantErr(t, "StartSession(unknown account)", err, latchkey.ErrNotFound)
		_, _, err = s.Session(ctx, w.ID, old.ID)
		ok(t, "the replaced session after a failed StartSession", err)
		c, err := s.Counters(ctx, []string{"k"})
		ok(t, "Counters", err)
		if c["k"].Count != 2 {
			t.Errorf("counter after a failed StartSession = %d, want 2 (untouched)", c["k"].Count)
		}
		evs, err := s.Events(ctx, w.ID, latchkey.EventFilter{Type: latchkey.EventSignIn})
		ok(t, "Events", err)
		if len(evs) != 0 {
			t.Errorf("a failed StartSession recorded %d events", len(evs))
		}

		// An event ID that is taken fails the whole sign-in too.
		ok(t, "RecordEvent", s.RecordEvent(ctx, ev))
		_, id2 := latchkey.NewSecret()
		good := latchkey.Session{ID: id2, WorkspaceID: w.ID, AccountID: a.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}
		_, err = s.StartSession(ctx, latchkey.SessionStart{Session: good, Replaces: old.ID, Events: []latchkey.Event{ev}})
		wantErr(t, "StartSession(event ID taken)", err, latchkey.ErrConflict)
		_, _, err = s.Session(ctx, w.ID, id2)
		wantErr(t, "Session(of the failed StartSession)", err, latchkey.ErrNotFound)
		_, _, err = s.Session(ctx, w.ID, old.ID)
		ok(t, "the replaced session after a failed StartSession", err)
	}},
	{"CreateAndReadWithAccount", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "Pat@Acme.test")
		_, id := latchkey.NewSecret()
		sess := latchkey.Session{
			ID:          id,
			WorkspaceID: w.ID,
			AccountID:   a.ID,
			CreatedAt:   t0,
			LastSeenAt:  t0.Add(time.Minute),
			ExpiresAt:   t0.Add(30 * 24 * time.Hour),
			Persistent:  true,
			ClientAddr:  "2001:db8::1",
			UserAgent:   "Mozilla/5.0 (storetest)",
			SSO:         true,
		}
		ok(t, "CreateSession", s.CreateSession(ctx, sess))
		gotSess, gotAcct, err := s.Session(ctx, w.ID, id)
		ok(t, "Session", err)
		same(t, "session", sess, gotSess)
		same(t, "session's account", a, gotAcct)

		short := newSession(t, s, a, t0) // Persistent false
		gotSess, _, err = s.Session(ctx, w.ID, short.ID)
		ok(t, "Session", err)
		same(t, "non-persistent session", short, gotSess)
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
			err := s.CreateSession(ctx, latchkey.Session{ID: id, WorkspaceID: tc.ws, AccountID: tc.account,
				CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)})
			wantErr(t, "CreateSession("+tc.name+")", err, latchkey.ErrNotFound)
			_, _, err = s.Session(ctx, tc.ws, id)
			wantErr(t, "Session("+tc.name+")", err, latchkey.ErrNotFound)
		}
	}},
	{"WrongWorkspaceIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		a := newAccount(t, s, wa.ID, "pat@alpha.test")
		sess := newSession(t, s, a, t0)

		_, _, err := s.Session(ctx, wb.ID, sess.ID)
		wantErr(t, "Session(wrong workspace)", err, latchkey.ErrNotFound)
		wantErr(t, "TouchSession(wrong workspace)", s.TouchSession(ctx, wb.ID, sess.ID, t0.Add(time.Hour)), latchkey.ErrNotFound)
		ok(t, "DeleteSession(wrong workspace)", s.DeleteSession(ctx, wb.ID, sess.ID))
		n, err := s.DeleteAccountSessions(ctx, wb.ID, a.ID, "")
		ok(t, "DeleteAccountSessions(wrong workspace)", err)
		if n != 0 {
			t.Errorf("DeleteAccountSessions(wrong workspace)=%d, want 0", n)
		}
		list, err := s.AccountSessions(ctx, wb.ID, a.ID)
		ok(t, "AccountSessions(wrong workspace)", err)
		if len(list) != 0 {
			t.Errorf("AccountSessions(wrong workspace) returned %d sessions, want none", len(list))
		}

		got, _, err := s.Session(ctx, wa.ID, sess.ID)
		ok(t, "Session(right workspace)", err)
		same(t, "session after wrong-workspace calls", sess, got)
	}},
	{"TouchSetsLastSeenAt", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		sess := newSession(t, s, admin, t0)
		later := t0.Add(90*time.Minute + 3*time.Microsecond)
		ok(t, "TouchSession", s.TouchSession(ctx, w.ID, sess.ID, later))
		sess.LastSeenAt = later
		got, _, err := s.Session(ctx, w.ID, sess.ID)
		ok(t, "Session", err)
		same(t, "session after TouchSession", sess, got)

		_, unknown := latchkey.NewSecret()
		wantErr(t, "TouchSession(unknown)", s.TouchSession(ctx, w.ID, unknown, later), latchkey.ErrNotFound)
	}},
	{"DeleteRemovesOne", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		gone := newSession(t, s, admin, t0)
		kept := newSession(t, s, admin, t0)
		ok(t, "DeleteSession", s.DeleteSession(ctx, w.ID, gone.ID))
		_, _, err := s.Session(ctx, w.ID, gone.ID)
		wantErr(t, "Session(deleted)", err, latchkey.ErrNotFound)
		_, _, err = s.Session(ctx, w.ID, kept.ID)
		ok(t, "Session(other session)", err)
		ok(t, "DeleteSession(again)", s.DeleteSession(ctx, w.ID, gone.ID))
	}},
	{"DeleteAccountSessionsExcept", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		newSession(t, s, a, t0)
		keep := newSession(t, s, a, t0.Add(time.Minute))
		newSession(t, s, a, t0.Add(2*time.Minute))
		others := newSession(t, s, admin, t0)

		n, err := s.DeleteAccountSessions(ctx, w.ID, a.ID, keep.ID)
		ok(t, "DeleteAccountSessions", err)
		if n != 2 {
			t.Errorf("DeleteAccountSessions(except one of 3)=%d, want 2", n)
		}
		list, err := s.AccountSessions(ctx, w.ID, a.ID)
		ok(t, "AccountSessions", err)
		same(t, "sessions left", []latchkey.Session{keep}, list)
		_, _, err = s.Session(ctx, w.ID, others.ID)
		ok(t, "Session(another account's)", err)
	}},
	{"DeleteAccountSessionsAll", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		for i := range 3 {
			newSession(t, s, a, t0.Add(time.Duration(i)*time.Minute))
		}
		others := newSession(t, s, admin, t0)

		n, err := s.DeleteAccountSessions(ctx, w.ID, a.ID, "")
		ok(t, "DeleteAccountSessions", err)
		if n != 3 {
			t.Errorf("DeleteAccountSessions(all 3)=%d, want 3", n)
		}
		list, err := s.AccountSessions(ctx, w.ID, a.ID)
		ok(t, "AccountSessions", err)
		if len(list) != 0 {
			t.Errorf("AccountSessions after deleting all: %d left", len(list))
		}
		_, _, err = s.Session(ctx, w.ID, others.ID)
		ok(t, "Session(another account's)", err)
	}},
	{"DeleteWorkspaceSessions", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		other, otherAdmin := newWorkspace(t, s, "bravo")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		newSession(t, s, a, t0)
		newSession(t, s, a, t0.Add(time.Minute))
		newSession(t, s, admin, t0)
		keep := newSession(t, s, admin, t0.Add(time.Minute))
		elsewhere := newSession(t, s, otherAdmin, t0)

		n, err := s.DeleteWorkspaceSessions(ctx, w.ID, keep.ID)
		ok(t, "DeleteWorkspaceSessions", err)
		if n != 3 {
			t.Errorf("DeleteWorkspaceSessions(except one of 4)=%d, want 3", n)
		}
		list, err := s.AccountSessions(ctx, w.ID, admin.ID)
		ok(t, "AccountSessions", err)
		same(t, "sessions left", []latchkey.Session{keep}, list)
		_, _, err = s.Session(ctx, other.ID, elsewhere.ID)
		ok(t, "Session(another workspace's)", err)

		n, err = s.DeleteWorkspaceSessions(ctx, w.ID, "")
		ok(t, "DeleteWorkspaceSessions(all)", err)
		if n != 1 {
			t.Errorf("DeleteWorkspaceSessions(all)=%d, want 1", n)
		}
	}},
	{"AccountSessionsNewestFirst", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		oldest := newSession(t, s, a, t0)
		newest := newSession(t, s, a, t0.Add(2*time.Minute))
		middle := newSession(t, s, a, t0.Add(time.Minute))
		newSession(t, s, admin, t0.Add(time.Hour))
		list, err := s.AccountSessions(ctx, w.ID, a.ID)
		ok(t, "AccountSessions", err)
		same(t, "AccountSessions", []latchkey.Session{newest, middle, oldest}, list)
	}},
	{"DeleteExpiredSessionsAtTheBoundary", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		a := newAccount(t, s, wa.ID, "pat@alpha.test")
		b := newAccount(t, s, wb.ID, "pat@bravo.test")
		now := t0.Add(48 * time.Hour)
		idleBefore := now.Add(-time.Hour)
		later := now.Add(time.Hour)
		cases := []struct {
			name     string
			acct     latchkey.Account
			lastSeen time.Time
			expires  time.Time
			deleted  bool
			id       string
		}{
			{name: "ExpiresAt == now", acct: a, lastSeen: now, expires: now, deleted: true},
			{name: "ExpiresAt == now, other workspace", acct: b, lastSeen: now, expires: now, deleted: true},
			{name: "ExpiresAt == now+1µs", acct: a, lastSeen: now, expires: now.Add(time.Microsecond)},
			{name: "LastSeenAt == idleBefore-1µs", acct: a, lastSeen: idleBefore.Add(-time.Microsecond), expires: later, deleted: true},
			{name: "LastSeenAt == idleBefore", acct: a, lastSeen: idleBefore, expires: later},
		}
		for i, tc := range cases {
			_, cases[i].id = latchkey.NewSecret()
			ok(t, "CreateSession("+tc.name+")", s.CreateSession(ctx, latchkey.Session{
				ID: cases[i].id, WorkspaceID: tc.acct.WorkspaceID, AccountID: tc.acct.ID,
				CreatedAt: t0, LastSeenAt: tc.lastSeen, ExpiresAt: tc.expires,
			}))
		}

		n, err := s.DeleteExpiredSessions(ctx, now, idleBefore)
		ok(t, "DeleteExpiredSessions", err)
		if n != 3 {
			t.Errorf("DeleteExpiredSessions=%d, want 3", n)
		}
		for _, tc := range cases {
			_, _, err := s.Session(ctx, tc.acct.WorkspaceID, tc.id)
			switch {
			case tc.deleted && !errors.Is(err, latchkey.ErrNotFound):
				t.Errorf("session with %s: Session err=%v, want ErrNotFound (swept)", tc.name, err)
			case !tc.deleted && err != nil:
				t.Errorf("session with %s: Session err=%v, want it kept", tc.name, err)
			}
		}
	}},
}
