package signin_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/lifecycletest"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/sqlstore/pgtest"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
	"github.com/latchkey/latchkey/totp"
)

// engines runs f on SQLite and, when LATCHKEY_TEST_POSTGRES is set, on PostgreSQL.
func engines(t *testing.T, f func(t *testing.T, e *lcEnv)) {
	t.Run("sqlite", func(t *testing.T) { f(t, newLcEnvOn(t, sqlitetest.DSN(t))) })
	t.Run("postgres", func(t *testing.T) { f(t, newLcEnvOn(t, pgtest.URL(t, "signin"))) })
}

// 50 concurrent wrong guesses at one account from one address: the throttle counts each before
// its check, so at most PairFree passwords are verified (each verified one is an audit event),
// and the right password sent after the burst is not even checked. (A right password inside a
// burst resets the count, as any success does: that is the owner signing in, not a guess.)
func TestConcurrentGuessesAreCountedBeforeTheCheck(t *testing.T) {
	engines(t, func(t *testing.T, e *lcEnv) {
		const n = 50
		var wg sync.WaitGroup
		var mu sync.Mutex
		busy := 0 // refused before counting: the hashing queue was full
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				_, err := e.SignIn(t, "bob@acme.example", "not the password", "198.51.100.7")
				if latchkey.ErrorCode(err) == latchkey.CodeUnavailable {
					mu.Lock()
					busy++
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		verified := len(e.Events(t, latchkey.EventWrongPassword))
		if verified > signin.PairFree {
			t.Fatalf("%d of %d concurrent guesses were checked, want at most %d", verified, n, signin.PairFree)
		}
		if verified == 0 {
			t.Fatal("no guess was checked at all")
		}
		if got := len(e.Events(t, latchkey.EventThrottled)); got != n-verified-busy {
			t.Fatalf("%d throttled events and %d busy refusals, want %d in all (every unchecked guess)", got, busy, n-verified)
		}
		if _, err := e.SignIn(t, "bob@acme.example", lifecycletest.Password, "198.51.100.7"); latchkey.ErrorCode(err) != latchkey.CodeThrottled {
			t.Fatalf("the right password after the burst: %v, want throttled", err)
		}
		if evs := e.Events(t, latchkey.EventSignIn); len(evs) != 0 {
			t.Fatalf("signed in after the burst: %+v", evs)
		}
	})
}

// The same for two-factor codes: a challenge takes at most MaxChallengeAttempts codes however
// many arrive at once, the right one among them.
func TestConcurrentCodesAreCountedBeforeTheCheck(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *lcEnv) {
		f := e.withTOTP(t)
		ch, err := e.SignIn(t, "bob@acme.example", lifecycletest.Password, "198.51.100.8")
		if err != nil || !ch.Pending() {
			t.Fatalf("password step: %+v, %v", ch, err)
		}
		right := f.code(t, e.Clock.Now())
		const n = 60
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			code := fmt.Sprintf("%06d", (i*7919+1)%1000000)
			if code == right {
				code = "000000"
			}
			if i == n/2 {
				code = right
			}
			wg.Go(func() {
				<-start
				e.Svc.VerifyTOTP(t.Context(), signin.CodeInput{Workspace: e.WS, ChallengeSecret: ch.ChallengeSecret, Code: code, Client: signin.Client{Addr: "198.51.100.8"}})
			})
		}
		close(start)
		wg.Wait()
		checked := len(e.Events(t, latchkey.EventTwoFactorFailed)) + len(e.Events(t, latchkey.EventSignIn))
		if checked > signin.MaxChallengeAttempts {
			t.Fatalf("%d of %d concurrent codes were checked, want at most %d", checked, n, signin.MaxChallengeAttempts)
		}
		if checked == 0 {
			t.Fatal("no code was checked")
		}
	})
}

// lcTOTP is bob's authenticator in an lcEnv.
type lcTOTP struct{ secret string }

// withTOTP turns two-factor authentication on for bob, straight in the store.
func (e *lcEnv) withTOTP(t *testing.T) lcTOTP { return lcTOTP{secret: e.WithTOTP(t)} }

func (f lcTOTP) code(t *testing.T, at time.Time) string {
	t.Helper()
	c, err := totp.Code(f.secret, totp.Step(at))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Where the workspace requires two-factor, a member may turn the authenticator app off when a
// passkey remains their second factor, and may not remove the passkey that is their last one.
func TestRequiredSecondFactorMayMoveToAPasskey(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	ctx := t.Context()
	e.withTOTP(t)
	e.Require2FA(t)
	w := e.Workspace(t)
	if _, err := e.Svc.DisableTOTP(ctx, w, e.Account(t, e.Bob), latchkey.Session{}, lifecycletest.Password, signin.Client{}); latchkey.ErrorMessage(err) != latchkey.MsgTwoFactorMandatory {
		t.Fatalf("turning the app off with no passkey: %v, want MsgTwoFactorMandatory", err)
	}
	pk := latchkey.Passkey{ID: latchkey.NewID(), WorkspaceID: w.ID, AccountID: e.Bob.ID, CredentialID: []byte("cred-1"), PublicKey: []byte("key"), Name: "Laptop", CreatedAt: lifecycletest.Start}
	if err := e.Store.CreatePasskey(ctx, pk); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.DisableTOTP(ctx, w, e.Account(t, e.Bob), latchkey.Session{}, lifecycletest.Password, signin.Client{}); err != nil {
		t.Fatalf("turning the app off with a passkey left: %v", err)
	}
	_, err := e.Svc.RemovePasskey(ctx, signin.RemovePasskeyInput{Workspace: w, Account: e.Account(t, e.Bob), ID: pk.ID, Password: lifecycletest.Password})
	if latchkey.ErrorMessage(err) != latchkey.MsgTwoFactorMandatory {
		t.Fatalf("removing the last second factor: %v, want MsgTwoFactorMandatory", err)
	}
	if ps, _ := e.Store.Passkeys(ctx, w.ID, e.Bob.ID); len(ps) != 1 {
		t.Fatalf("the refused removal left %d passkeys", len(ps))
	}
}

// A sign-in that succeeds settles its counters in its own transaction: the pair and account
// counters of the email are gone, and the address counter (which a success does not reset, so
// that one account's owner cannot clear an address's guesses at others) holds the earlier
// wrong guesses only, not the right one, for a password and for a password with a TOTP code.
func TestSignInSettlesItsCounters(t *testing.T) {
	engines(t, func(t *testing.T, e *lcEnv) {
		const addr = "198.51.100.9"
		ws := e.WS.ID
		keys := []string{"pw:pair:" + ws + ":bob@acme.example:" + addr, "pw:addr:" + ws + ":" + addr, "pw:acct:" + ws + ":bob@acme.example"}
		counts := func() []int {
			seen, err := e.Store.Counters(t.Context(), keys)
			if err != nil {
				t.Fatal(err)
			}
			var n []int
			for _, k := range keys {
				n = append(n, seen[k].Count)
			}
			return n
		}
		for range 2 {
			if _, err := e.SignIn(t, "bob@acme.example", "not the password", addr); latchkey.ErrorCode(err) != latchkey.CodeUnauthorized {
				t.Fatalf("wrong password: %v", err)
			}
		}
		if got := counts(); got[0] != 2 || got[1] != 2 || got[2] != 2 {
			t.Fatalf("after two wrong guesses the counts are %v, want [2 2 2]", got)
		}
		e.MustSignIn(t, "bob@acme.example", lifecycletest.Password, addr)
		if got := counts(); got[0] != 0 || got[1] != 2 || got[2] != 0 {
			t.Fatalf("after the right password the counts are %v, want [0 2 0]: pair and account reset, the address keeping the two wrong guesses", got)
		}

		f := e.withTOTP(t)
		if _, err := e.SignIn(t, "bob@acme.example", "not the password", addr); latchkey.ErrorCode(err) != latchkey.CodeUnauthorized {
			t.Fatalf("wrong password: %v", err)
		}
		ch, err := e.SignIn(t, "bob@acme.example", lifecycletest.Password, addr)
		if err != nil || !ch.Pending() {
			t.Fatalf("password step: %+v, %v", ch, err)
		}
		if res, err := e.Svc.VerifyTOTP(t.Context(), signin.CodeInput{Workspace: e.WS, ChallengeSecret: ch.ChallengeSecret,
			Code: f.code(t, e.Clock.Now()), Client: signin.Client{Addr: addr}}); err != nil || res.Secret == "" {
			t.Fatalf("code step: %+v, %v", res, err)
		}
		if got := counts(); got[0] != 0 || got[1] != 3 || got[2] != 0 {
			t.Fatalf("after password and code the counts are %v, want [0 3 0]", got)
		}
	})
}
