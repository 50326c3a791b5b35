package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

// newEvent records an event of type typ for account a at at.
func newEvent(t *testing.T, s latchkey.Store, a latchkey.Account, typ latchkey.EventType, at time.Time) latchkey.Event {
	t.Helper()
	e := latchkey.Event{
		ID:          latchkey.NewID(),
		WorkspaceID: a.WorkspaceID,
		AccountID:   a.ID,
		Type:        typ,
		Email:       a.Email,
		ClientAddr:  "192.0.2.7",
		UserAgent:   "storetest",
		Time:        at,
	}
	if err := s.RecordEvent(t.Context(), e); err != nil {
		t.Fatalf("RecordEvent: %v", err)
	}
	return e
}

var auditTests = []test{
	{"RecordAndList", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		e := latchkey.Event{
			ID:          latchkey.NewID(),
			WorkspaceID: w.ID,
			AccountID:   a.ID,
			ActorID:     admin.ID,
			Type:        latchkey.EventAccountSuspend,
			Email:       "Pat@Acme.test",
			ClientAddr:  "2001:db8::7",
			UserAgent:   "Mozilla/5.0 (storetest)",
			Detail:      "suspended after a report",
			Time:        t0.Add(time.Second + 7*time.Microsecond),
		}
		ok(t, "RecordEvent", s.RecordEvent(ctx, e))
		unknown := latchkey.Event{ID: latchkey.NewID(), WorkspaceID: w.ID, Type: latchkey.EventUnknownEmail,
			Email: "nobody@acme.test", Time: t0}
		ok(t, "RecordEvent(no account)", s.RecordEvent(ctx, unknown))
		got, err := s.Events(ctx, w.ID, latchkey.EventFilter{})
		ok(t, "Events", err)
		same(t, "Events", []latchkey.Event{e, unknown}, got)
	}},
	{"NewestFirst", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		oldest := newEvent(t, s, admin, latchkey.EventSignIn, t0)
		newest := newEvent(t, s, admin, latchkey.EventSignOut, t0.Add(2*time.Second))
		middle := newEvent(t, s, admin, latchkey.EventWrongPassword, t0.Add(time.Second))
		got, err := s.Events(ctx, w.ID, latchkey.EventFilter{})
		ok(t, "Events", err)
		same(t, "Events", []latchkey.Event{newest, middle, oldest}, got)
	}},
	{"Filters", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		e1 := newEvent(t, s, a, latchkey.EventWrongPassword, t0)
		e2 := newEvent(t, s, admin, latchkey.EventWrongPassword, t0.Add(time.Second))
		e3 := newEvent(t, s, a, latchkey.EventSignIn, t0.Add(2*time.Second))
		e4 := newEvent(t, s, admin, latchkey.EventSignIn, t0.Add(3*time.Second))
		for _, tc := range []struct {
			name   string
			filter latchkey.EventFilter
			want   []latchkey.Event
		}{
			{"account", latchkey.EventFilter{AccountID: a.ID}, []latchkey.Event{e3, e1}},
			{"type", latchkey.EventFilter{Type: latchkey.EventWrongPassword}, []latchkey.Event{e2, e1}},
			{"account and type", latchkey.EventFilter{AccountID: admin.ID, Type: latchkey.EventSignIn}, []latchkey.Event{e4}},
			{"no match", latchkey.EventFilter{Type: latchkey.EventThrottled}, nil},
		} {
			got, err := s.Events(ctx, w.ID, tc.filter)
			ok(t, "Events("+tc.name+")", err)
			same(t, "Events("+tc.name+")", tc.want, got)
		}
	}},
	{"LimitDefaultsTo100", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		var all []latchkey.Event // newest first
		for i := range 101 {
			e := newEvent(t, s, admin, latchkey.EventSignIn, t0.Add(time.Duration(i)*time.Second))
			all = append([]latchkey.Event{e}, all...)
		}
		got, err := s.Events(ctx, w.ID, latchkey.EventFilter{})
		ok(t, "Events(Limit 0)", err)
		same(t, "Events(Limit 0)", all[:100], got)
		got, err = s.Events(ctx, w.ID, latchkey.EventFilter{Limit: 3})
		ok(t, "Events(Limit 3)", err)
		same(t, "Events(Limit 3)", all[:3], got)
		got, err = s.Events(ctx, w.ID, latchkey.EventFilter{Limit: 500})
		ok(t, "Events(Limit 500)", err)
		same(t, "Events(Limit 500)", all, got)
	}},
	{"TenantIsolation", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, adminA := newWorkspace(t, s, "alpha")
		wb, adminB := newWorkspace(t, s, "bravo")
		ea := newEvent(t, s, adminA, latchkey.EventSignIn, t0)
		eb := newEvent(t, s, adminB, latchkey.EventSignIn, t0)
		for _, tc := range []struct {
			ws     string
			filter latchkey.EventFilter
			want   []latchkey.Event
		}{
			{wa.ID, latchkey.EventFilter{}, []latchkey.Event{ea}},
			{wb.ID, latchkey.EventFilter{}, []latchkey.Event{eb}},
			{wb.ID, latchkey.EventFilter{AccountID: adminA.ID}, nil},
			{latchkey.NewID(), latchkey.EventFilter{}, nil},
		} {
			got, err := s.Events(ctx, tc.ws, tc.filter)
			ok(t, "Events", err)
			same(t, fmt.Sprintf("Events(%s, %+v)", tc.ws, tc.filter), tc.want, got)
		}
	}},
	{"FiltersTypePrefixEmailBefore", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "Pat@Acme.test")
		e0 := newEvent(t, s, a, latchkey.EventWrongPassword, t0)
		e1 := newEvent(t, s, a, latchkey.EventSignIn, t0.Add(time.Second))
		e2 := newEvent(t, s, admin, latchkey.EventAccountInvite, t0.Add(2*time.Second))
		e3 := newEvent(t, s, a, latchkey.EventSignOut, t0.Add(3*time.Second))
		e4 := newEvent(t, s, admin, latchkey.EventTwoFactorFailed, t0.Add(4*time.Second))
		e5 := newEvent(t, s, a, latchkey.EventPasswordChanged, t0.Add(4*time.Second+time.Microsecond))
		other, otherAdmin := newWorkspace(t, s, "other")
		newEvent(t, s, latchkey.Account{ID: otherAdmin.ID, WorkspaceID: other.ID, Email: "pat@acme.test"},
			latchkey.EventSignIn, t0)
		for _, tc := range []struct {
			name   string
			filter latchkey.EventFilter
			want   []latchkey.Event
		}{
			{"prefix signin.", latchkey.EventFilter{TypePrefix: "signin."}, []latchkey.Event{e4, e1, e0}},
			{"prefix signin (not signout)", latchkey.EventFilter{TypePrefix: "signin"}, []latchkey.Event{e4, e1, e0}},
			{"prefix sign", latchkey.EventFilter{TypePrefix: "sign"}, []latchkey.Event{e4, e3, e1, e0}},
			{"prefix is case-sensitive", latchkey.EventFilter{TypePrefix: "SIGNIN."}, nil},
			{"prefix with % is literal", latchkey.EventFilter{TypePrefix: "sign%"}, nil},
			{"prefix with _ is literal", latchkey.EventFilter{TypePrefix: "signin_"}, nil},
			{"whole type as prefix", latchkey.EventFilter{TypePrefix: string(latchkey.EventAccountInvite)}, []latchkey.Event{e2}},
			{"prefix and account", latchkey.EventFilter{TypePrefix: "signin.", AccountID: admin.ID}, []latchkey.Event{e4}},
			{"email ignoring case", latchkey.EventFilter{Email: "pat@ACME.test"}, []latchkey.Event{e5, e3, e1, e0}},
			{"email is not a substring match", latchkey.EventFilter{Email: "pat@acme"}, nil},
			{"email and type", latchkey.EventFilter{Email: "PAT@acme.test", Type: latchkey.EventSignIn}, []latchkey.Event{e1}},
			{"before, strictly", latchkey.EventFilter{Before: e3.Time}, []latchkey.Event{e2, e1, e0}},
			{"before, to the microsecond", latchkey.EventFilter{Before: e5.Time}, []latchkey.Event{e4, e3, e2, e1, e0}},
			{"before the first", latchkey.EventFilter{Before: t0}, nil},
			{"before and limit: a page", latchkey.EventFilter{Before: e4.Time, Limit: 2}, []latchkey.Event{e3, e2}},
			{"everything at once", latchkey.EventFilter{AccountID: a.ID, TypePrefix: "signin.", Email: "pat@acme.test",
				Before: e1.Time.Add(time.Microsecond), Limit: 1}, []latchkey.Event{e1}},
		} {
			got, err := s.Events(ctx, w.ID, tc.filter)
			ok(t, "Events("+tc.name+")", err)
			same(t, "Events("+tc.name+")", tc.want, got)
		}
	}},
}
