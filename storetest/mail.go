package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

// lease is the mail tests' claim lease.
const lease = 5 * time.Minute

// newMail enqueues a message to to, created at created and due at due.
func newMail(t *testing.T, s latchkey.Store, ws, to string, created, due time.Time) latchkey.OutgoingMail {
	t.Helper()
	m := latchkey.OutgoingMail{
		ID:            latchkey.NewID(),
		WorkspaceID:   ws,
		To:            to,
		Subject:       "Your sign-in link",
		Text:          "Hello " + to,
		HTML:          "<p>Hello " + to + "</p>",
		CreatedAt:     created,
		NextAttemptAt: due,
	}
	if err := s.EnqueueMail(t.Context(), m); err != nil {
		t.Fatalf("EnqueueMail: %v", err)
	}
	return m
}

// claimed is m as ClaimMail at now returns it: leased and one more attempt counted.
func claimed(m latchkey.OutgoingMail, now time.Time) latchkey.OutgoingMail {
	m.NextAttemptAt = now.Add(lease)
	m.Attempts++
	return m
}

// sameMail is same for lists of mail whose order is not promised.
func sameMail(t *testing.T, what string, want, got []latchkey.OutgoingMail) {
	t.Helper()
	byID := func(a, b latchkey.OutgoingMail) int { return strings.Compare(a.ID, b.ID) }
	want, got = slices.Clone(want), slices.Clone(got)
	slices.SortFunc(want, byID)
	slices.SortFunc(got, byID)
	same(t, what, want, got)
}

var mailTests = []test{
	{"JobKindRoundTrips", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		job := latchkey.OutgoingMail{ID: latchkey.NewID(), WorkspaceID: w.ID, Kind: "reset_request", Text: "payload", CreatedAt: t0, NextAttemptAt: t0}
		ok(t, "EnqueueMail(job)", s.EnqueueMail(ctx, job))
		got, err := s.ClaimMail(ctx, t0, lease, 10)
		ok(t, "ClaimMail", err)
		same(t, "claimed job", []latchkey.OutgoingMail{claimed(job, t0)}, got)
	}},
	{"PurgeFailedMailEmptiesOldFailedBodies", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		old := newMail(t, s, w.ID, "old@acme.test", t0, t0)
		recent := newMail(t, s, w.ID, "recent@acme.test", t0.Add(time.Hour), t0)
		pending := newMail(t, s, w.ID, "pending@acme.test", t0, t0.Add(48*time.Hour))
		ok(t, "RetryMail(old)", s.RetryMail(ctx, old.ID, t0, "550 no such user", true))
		ok(t, "RetryMail(recent)", s.RetryMail(ctx, recent.ID, t0, "550 no such user", true))
		n, err := s.PurgeFailedMail(ctx, t0.Add(time.Minute))
		ok(t, "PurgeFailedMail", err)
		if n != 1 {
			t.Fatalf("PurgeFailedMail = %d, want 1 (only the old failed message)", n)
		}
		all, err := s.PendingMail(ctx, 10)
		ok(t, "PendingMail", err)
		for _, m := range all {
			emptied := m.Text == "" && m.HTML == ""
			if want := m.ID == old.ID; emptied != want {
				t.Errorf("%s: bodies emptied = %v, want %v", m.To, emptied, want)
			}
			if m.ID == old.ID && (m.To != old.To || m.Subject != old.Subject || m.LastError != "550 no such user") {
				t.Errorf("purge lost what the operator needs: %+v", m)
			}
		}
		if n, err := s.PurgeFailedMail(ctx, t0.Add(time.Minute)); err != nil || n != 0 {
			t.Fatalf("PurgeFailedMail again = %d, %v; want 0", n, err)
		}
		_ = pending
	}},
	{"EnqueueAndPendingOldestFirst", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		second := newMail(t, s, w.ID, "b@acme.test", t0.Add(time.Second), t0)
		// Mail about no workspace, and about one the store does not have: there is no
		// foreign key, so that mail about a deleted workspace still goes out.
		first := newMail(t, s, "", "operator@example.test", t0, t0.Add(time.Hour))
		third := newMail(t, s, latchkey.NewID(), "c@gone.test", t0.Add(2*time.Second), t0)

		got, err := s.PendingMail(ctx, 10)
		ok(t, "PendingMail", err)
		same(t, "PendingMail", []latchkey.OutgoingMail{first, second, third}, got)
		got, err = s.PendingMail(ctx, 2)
		ok(t, "PendingMail(2)", err)
		same(t, "PendingMail(2)", []latchkey.OutgoingMail{first, second}, got)
	}},
	{"ClaimLeasesAndCountsTheAttempt", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		m := newMail(t, s, "", "a@acme.test", t0, t0)
		later := newMail(t, s, "", "b@acme.test", t0, t0.Add(time.Microsecond))

		got, err := s.ClaimMail(ctx, t0, lease, 10)
		ok(t, "ClaimMail", err)
		m = claimed(m, t0)
		same(t, "ClaimMail (only what is due at now)", []latchkey.OutgoingMail{m}, got)

		got, err = s.ClaimMail(ctx, t0, lease, 10)
		ok(t, "ClaimMail(again, same now)", err)
		same(t, "ClaimMail(again, same now)", []latchkey.OutgoingMail(nil), got)
		now := t0.Add(lease - time.Microsecond)
		got, err = s.ClaimMail(ctx, now, lease, 10)
		ok(t, "ClaimMail(lease-1µs later)", err)
		later = claimed(later, now)
		same(t, "ClaimMail(lease-1µs later: only the other message)", []latchkey.OutgoingMail{later}, got)

		now = t0.Add(lease)
		got, err = s.ClaimMail(ctx, now, lease, 10)
		ok(t, "ClaimMail(when the lease ends)", err)
		m = claimed(m, now)
		same(t, "ClaimMail(when the lease ends)", []latchkey.OutgoingMail{m}, got)
		if m.Attempts != 2 {
			t.Fatalf("Attempts=%d after the second claim, want 2", m.Attempts)
		}
		pending, err := s.PendingMail(ctx, 10)
		ok(t, "PendingMail", err)
		sameMail(t, "PendingMail after claims", []latchkey.OutgoingMail{m, later}, pending)
	}},
	{"ClaimOldestDueFirstUpToLimit", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		late := newMail(t, s, "", "late@acme.test", t0, t0.Add(-time.Second))
		early := newMail(t, s, "", "early@acme.test", t0.Add(time.Second), t0.Add(-3*time.Second))
		middle := newMail(t, s, "", "middle@acme.test", t0.Add(2*time.Second), t0.Add(-2*time.Second))
		got, err := s.ClaimMail(ctx, t0, lease, 2)
		ok(t, "ClaimMail(limit 2)", err)
		sameMail(t, "ClaimMail(limit 2)", []latchkey.OutgoingMail{claimed(early, t0), claimed(middle, t0)}, got)
		got, err = s.ClaimMail(ctx, t0, lease, 2)
		ok(t, "ClaimMail(limit 2, again)", err)
		sameMail(t, "ClaimMail(limit 2, again)", []latchkey.OutgoingMail{claimed(late, t0)}, got)
		got, err = s.ClaimMail(ctx, t0.Add(time.Hour), lease, 0)
		ok(t, "ClaimMail(limit 0)", err)
		same(t, "ClaimMail(limit 0)", []latchkey.OutgoingMail(nil), got)
	}},
	{"ConcurrentClaimsTakeEachMessageOnce", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		const messages, workers, limit = 30, 10, 5
		queued := map[string]bool{}
		for i := range messages {
			m := newMail(t, s, "", fmt.Sprintf("m%d@acme.test", i), t0, t0.Add(-time.Duration(i%7)*time.Second))
			queued[m.ID] = true
		}
		var mu sync.Mutex
		claims := map[string]int{}
		errs := concurrently(workers, func(int) error {
			got, err := s.ClaimMail(ctx, t0, lease, limit)
			if len(got) > limit {
				return fmt.Errorf("ClaimMail(limit %d) returned %d messages", limit, len(got))
			}
			mu.Lock()
			defer mu.Unlock()
			for _, m := range got {
				claims[m.ID]++
			}
			return err
		})
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("concurrent ClaimMail: %v", err)
		}
		for id, n := range claims {
			if !queued[id] {
				t.Errorf("ClaimMail returned %s, which was never queued", id)
			}
			if n != 1 {
				t.Errorf("message %s was claimed %d times during one lease", id, n)
			}
		}
		if len(claims) != messages {
			t.Errorf("%d workers claiming up to %d each got %d distinct messages of %d due", workers, limit, len(claims), messages)
		}
		got, err := s.ClaimMail(ctx, t0, lease, messages)
		ok(t, "ClaimMail(after the workers)", err)
		if len(got) != 0 {
			t.Errorf("ClaimMail after the workers took %d messages, want none", len(got))
		}
	}},
	{"RetryMailAndGiveUp", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		m := newMail(t, s, "", "a@acme.test", t0, t0)
		_, err := s.ClaimMail(ctx, t0, lease, 10)
		ok(t, "ClaimMail", err)

		retryAt := t0.Add(10 * time.Minute)
		ok(t, "RetryMail", s.RetryMail(ctx, m.ID, retryAt, "451 try again later", false))
		m.Attempts, m.NextAttemptAt, m.LastError = 1, retryAt, "451 try again later"
		pending, err := s.PendingMail(ctx, 10)
		ok(t, "PendingMail", err)
		same(t, "PendingMail after RetryMail", []latchkey.OutgoingMail{m}, pending)
		got, err := s.ClaimMail(ctx, retryAt.Add(-time.Microsecond), lease, 10)
		ok(t, "ClaimMail(before the retry time)", err)
		same(t, "ClaimMail(before the retry time)", []latchkey.OutgoingMail(nil), got)
		got, err = s.ClaimMail(ctx, retryAt, lease, 10)
		ok(t, "ClaimMail(at the retry time)", err)
		m = claimed(m, retryAt)
		same(t, "ClaimMail(at the retry time)", []latchkey.OutgoingMail{m}, got)

		giveUpAt := retryAt.Add(time.Minute)
		ok(t, "RetryMail(failed)", s.RetryMail(ctx, m.ID, giveUpAt, "550 no such user", true))
		m.NextAttemptAt, m.LastError, m.Failed = giveUpAt, "550 no such user", true
		got, err = s.ClaimMail(ctx, giveUpAt.Add(365*24*time.Hour), lease, 10)
		ok(t, "ClaimMail(a year later)", err)
		same(t, "ClaimMail(failed message, a year later)", []latchkey.OutgoingMail(nil), got)
		pending, err = s.PendingMail(ctx, 10)
		ok(t, "PendingMail", err)
		same(t, "PendingMail(failed message)", []latchkey.OutgoingMail{m}, pending)

		wantErr(t, "RetryMail(unknown)", s.RetryMail(ctx, latchkey.NewID(), retryAt, "x", false), latchkey.ErrNotFound)
	}},
	{"DeleteMail", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		gone := newMail(t, s, "", "a@acme.test", t0, t0)
		kept := newMail(t, s, "", "b@acme.test", t0.Add(time.Second), t0)
		ok(t, "DeleteMail", s.DeleteMail(ctx, gone.ID))
		ok(t, "DeleteMail(again)", s.DeleteMail(ctx, gone.ID))
		pending, err := s.PendingMail(ctx, 10)
		ok(t, "PendingMail", err)
		same(t, "PendingMail after DeleteMail", []latchkey.OutgoingMail{kept}, pending)
		got, err := s.ClaimMail(ctx, t0, lease, 10)
		ok(t, "ClaimMail", err)
		same(t, "ClaimMail after DeleteMail", []latchkey.OutgoingMail{claimed(kept, t0)}, got)
		wantErr(t, "RetryMail(deleted)", s.RetryMail(ctx, gone.ID, t0, "x", false), latchkey.ErrNotFound)
	}},
}
