package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

var tokenTests = []test{
	{"PeekDoesNotConsume", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		tok := newToken(t, s, a, latchkey.PurposeReset, t0.Add(time.Hour))
		for range 2 {
			got, err := s.Token(ctx, latchkey.PurposeReset, tok.Hash, t0)
			ok(t, "Token", err)
			same(t, "Token", tok, got)
		}
		got, err := s.ConsumeToken(ctx, latchkey.PurposeReset, tok.Hash, t0)
		ok(t, "ConsumeToken after Token", err)
		same(t, "ConsumeToken", tok, got)
	}},
	{"ConsumeOnce", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		tok := newToken(t, s, a, latchkey.PurposeSetPassword, t0.Add(time.Hour))
		other := newToken(t, s, a, latchkey.PurposeSetPassword, t0.Add(time.Hour))

		got, err := s.ConsumeToken(ctx, latchkey.PurposeSetPassword, tok.Hash, t0)
		ok(t, "ConsumeToken", err)
		same(t, "ConsumeToken", tok, got)
		_, err = s.ConsumeToken(ctx, latchkey.PurposeSetPassword, tok.Hash, t0)
		wantErr(t, "ConsumeToken(again)", err, latchkey.ErrNotFound)
		_, err = s.Token(ctx, latchkey.PurposeSetPassword, tok.Hash, t0)
		wantErr(t, "Token(consumed)", err, latchkey.ErrNotFound)
		_, err = s.Token(ctx, latchkey.PurposeSetPassword, other.Hash, t0)
		ok(t, "Token(another token of the account)", err)
	}},
	{"UnknownHashIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		_, hash := latchkey.NewSecret()
		_, err := s.Token(ctx, latchkey.PurposeReset, hash, t0)
		wantErr(t, "Token(unknown)", err, latchkey.ErrNotFound)
		_, err = s.ConsumeToken(ctx, latchkey.PurposeReset, hash, t0)
		wantErr(t, "ConsumeToken(unknown)", err, latchkey.ErrNotFound)
	}},
	{"WrongPurposeIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		tok := newToken(t, s, a, latchkey.PurposeReset, t0.Add(time.Hour))
		_, err := s.Token(ctx, latchkey.PurposeSetPassword, tok.Hash, t0)
		wantErr(t, "Token(wrong purpose)", err, latchkey.ErrNotFound)
		_, err = s.ConsumeToken(ctx, latchkey.PurposeSetPassword, tok.Hash, t0)
		wantErr(t, "ConsumeToken(wrong purpose)", err, latchkey.ErrNotFound)
		got, err := s.ConsumeToken(ctx, latchkey.PurposeReset, tok.Hash, t0)
		ok(t, "ConsumeToken(right purpose, after wrong ones)", err)
		same(t, "ConsumeToken", tok, got)
	}},
	{"ExpiryAtTheNowBoundary", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		now := t0.Add(time.Hour)
		for _, tc := range []struct {
			name    string
			expires time.Time
			live    bool
		}{
			{"ExpiresAt == now-1µs", now.Add(-time.Microsecond), false},
			{"ExpiresAt == now", now, false},
			{"ExpiresAt == now+1µs", now.Add(time.Microsecond), true},
		} {
			tok := newToken(t, s, a, latchkey.PurposeReset, tc.expires)
			_, peekErr := s.Token(ctx, latchkey.PurposeReset, tok.Hash, now)
			_, consumeErr := s.ConsumeToken(ctx, latchkey.PurposeReset, tok.Hash, now)
			if tc.live {
				ok(t, "Token("+tc.name+")", peekErr)
				ok(t, "ConsumeToken("+tc.name+")", consumeErr)
			} else {
				wantErr(t, "Token("+tc.name+")", peekErr, latchkey.ErrNotFound)
				wantErr(t, "ConsumeToken("+tc.name+")", consumeErr, latchkey.ErrNotFound)
			}
		}
	}},
	{"ConcurrentConsumeExactlyOneWins", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		tok := newToken(t, s, a, latchkey.PurposeReset, t0.Add(time.Hour))

		const n = 100
		start := make(chan struct{})
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				<-start
				_, err := s.ConsumeToken(ctx, latchkey.PurposeReset, tok.Hash, t0)
				errs <- err
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		wins, lost := 0, 0
		for err := range errs {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, latchkey.ErrNotFound):
				lost++
			default:
				t.Errorf("ConsumeToken: unexpected error %v", err)
			}
		}
		if wins != 1 || lost != n-1 {
			t.Fatalf("%d concurrent ConsumeToken calls: %d won and %d got ErrNotFound, want 1 and %d", n, wins, lost, n-1)
		}
	}},
	{"DeleteAccountTokens", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		a := newAccount(t, s, wa.ID, "pat@alpha.test")
		b := newAccount(t, s, wa.ID, "sam@alpha.test")
		exp := t0.Add(time.Hour)
		gone := []latchkey.Token{
			newToken(t, s, a, latchkey.PurposeReset, exp),
			newToken(t, s, a, latchkey.PurposeReset, exp),
		}
		kept := []latchkey.Token{
			newToken(t, s, a, latchkey.PurposeSetPassword, exp),
			newToken(t, s, b, latchkey.PurposeReset, exp),
		}

		n, err := s.DeleteAccountTokens(ctx, wb.ID, a.ID, latchkey.PurposeReset)
		ok(t, "DeleteAccountTokens(wrong workspace)", err)
		if n != 0 {
			t.Errorf("DeleteAccountTokens(wrong workspace)=%d, want 0", n)
		}
		n, err = s.DeleteAccountTokens(ctx, wa.ID, a.ID, latchkey.PurposeReset)
		ok(t, "DeleteAccountTokens", err)
		if n != 2 {
			t.Errorf("DeleteAccountTokens=%d, want 2", n)
		}
		for _, tok := range gone {
			_, err := s.Token(ctx, tok.Purpose, tok.Hash, t0)
			wantErr(t, "Token(deleted)", err, latchkey.ErrNotFound)
		}
		for _, tok := range kept {
			_, err := s.Token(ctx, tok.Purpose, tok.Hash, t0)
			ok(t, "Token(of another purpose or account)", err)
		}
	}},
	{"DeleteExpiredTokens", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		a := newAccount(t, s, w.ID, "pat@acme.test")
		now := t0.Add(time.Hour)
		expired := []latchkey.Token{
			newToken(t, s, a, latchkey.PurposeReset, now.Add(-time.Microsecond)),
			newToken(t, s, a, latchkey.PurposeSetPassword, now),
		}
		live := newToken(t, s, a, latchkey.PurposeReset, now.Add(time.Microsecond))

		n, err := s.DeleteExpiredTokens(ctx, now)
		ok(t, "DeleteExpiredTokens", err)
		if n != 2 {
			t.Errorf("DeleteExpiredTokens=%d, want 2", n)
		}
		// Asked with a clock from before every expiry, the store shows what it still holds.
		for _, tok := range expired {
			_, err := s.Token(ctx, tok.Purpose, tok.Hash, t0)
			wantErr(t, "Token(expired and deleted)", err, latchkey.ErrNotFound)
		}
		_, err = s.Token(ctx, live.Purpose, live.Hash, t0)
		ok(t, "Token(live)", err)
	}},
}
