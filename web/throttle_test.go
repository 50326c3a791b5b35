package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/webtest"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
)

// tooMany is the page's message for a wait of one minute.
const tooMany = latchkey.MsgTooManyAttempts + ". Try again in 1 minute."

// attempt posts one sign-in with a form token fetched beforehand: a signed-out browser's token
// does not change, and argon2id is the cost worth paying per attempt, not page loads.
func attempt(t *testing.T, e *env, b *browser, tok, email, pw string) *webtest.Response {
	t.Helper()
	return b.Post(t, e.url("acme", "/login"), url.Values{"csrf": {tok}, "email": {email}, "password": {pw}})
}

// wantRefused fails the test unless r is the sign-in form with status and msg, and no session.
func wantRefused(t *testing.T, r *webtest.Response, status int, msg string) {
	t.Helper()
	wantPage(t, r, status, "/login")
	if got := r.Alert(); got != msg {
		t.Errorf("alert %q, want %q", got, msg)
	}
	noSession(t, r)
}

func TestThrottlePerEmailAndAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.Addr = "203.0.113.10"
	tok := b.CSRF(t, e.url("acme", "/login"))

	for i := 1; i < signin.PairFree; i++ {
		wantRefused(t, attempt(t, e, b, tok, f.member.Email, wrongPassword), http.StatusUnauthorized, latchkey.MsgBadCredentials)
	}
	r := attempt(t, e, b, tok, f.member.Email, wrongPassword)
	wantRefused(t, r, http.StatusTooManyRequests, tooMany)
	if got, want := r.Header.Get("Retry-After"), "60"; got != want {
		t.Errorf("Retry-After %q, want %q", got, want)
	}

	// While the wait lasts even the right password is refused.
	e.clock.Advance(time.Minute - time.Second)
	r = attempt(t, e, b, tok, f.member.Email, goodPassword)
	wantRefused(t, r, http.StatusTooManyRequests, latchkey.MsgTooManyAttempts+". Try again in 1 second.")
	if got, want := r.Header.Get("Retry-After"), "1"; got != want {
		t.Errorf("Retry-After %q, want %q", got, want)
	}
	if evs := e.events(t, f.ws, latchkey.EventThrottled); len(evs) != 1 || evs[0].ClientAddr != "203.0.113.10" || evs[0].UserAgent != b.UserAgent {
		t.Errorf("throttled events %+v, want one from 203.0.113.10", evs)
	}
	if evs := e.events(t, f.ws, latchkey.EventSignIn); len(evs) != 0 {
		t.Errorf("sign-in events %+v during the wait", evs)
	}

	// Another address is not held up by this one's wait.
	other := e.newBrowser(t)
	other.Addr = "198.51.100.99"
	other.mustLogin(t, e, "acme", f.member.Email, goodPassword)

	e.clock.Advance(time.Second)
	wantPage(t, attempt(t, e, b, tok, f.member.Email, goodPassword), http.StatusOK, "/dashboard")

	// The success reset the count: four more failures get the usual answer, and the fifth
	// starts a new wait of one minute, not a doubled one.
	b = e.newBrowser(t)
	b.Addr = "203.0.113.10"
	tok = b.CSRF(t, e.url("acme", "/login"))
	for i := 1; i < signin.PairFree; i++ {
		wantRefused(t, attempt(t, e, b, tok, f.member.Email, wrongPassword), http.StatusUnauthorized, latchkey.MsgBadCredentials)
	}
	wantRefused(t, attempt(t, e, b, tok, f.member.Email, wrongPassword), http.StatusTooManyRequests, tooMany)
}

// outcome is what a sign-in attempt looked like from outside.
type outcome struct {
	Status     int
	Alert      string
	RetryAfter string
}

// An unknown email is throttled exactly like a real one, so the throttle tells nothing about
// which addresses have accounts.
func TestThrottleSameForUnknownEmail(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, email func(acme) string) []outcome {
		e := newEnv(t)
		f := e.seedAcme(t)
		b := e.newBrowser(t)
		b.Addr = "203.0.113.14"
		tok := b.CSRF(t, e.url("acme", "/login"))
		var got []outcome
		try := func() {
			r := attempt(t, e, b, tok, email(f), wrongPassword)
			noSession(t, r)
			got = append(got, outcome{r.Status, r.Alert(), r.Header.Get("Retry-After")})
		}
		for range signin.PairFree {
			try()
		}
		e.clock.Advance(time.Minute - time.Second)
		try()
		e.clock.Advance(time.Second)
		try()
		e.clock.Advance(2 * time.Minute)
		try()
		return got
	}
	known := run(t, func(f acme) string { return f.member.Email })
	unknown := run(t, func(acme) string { return "nobody@acme.example" })
	bad := outcome{http.StatusUnauthorized, latchkey.MsgBadCredentials, ""}
	want := []outcome{
		bad, bad, bad, bad,
		{http.StatusTooManyRequests, tooMany, "60"},
		{http.StatusTooManyRequests, latchkey.MsgTooManyAttempts + ". Try again in 1 second.", "1"},
		{http.StatusTooManyRequests, latchkey.MsgTooManyAttempts + ". Try again in 2 minutes.", "120"},
		{http.StatusTooManyRequests, latchkey.MsgTooManyAttempts + ". Try again in 4 minutes.", "240"},
	}
	if diff := cmp.Diff(want, known); diff != "" {
		t.Errorf("real account (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(known, unknown); diff != "" {
		t.Errorf("unknown email differs from a real account (-known +unknown):\n%s", diff)
	}
}

// Further failures after the first wait double it, up to the limit.
func TestThrottleWaitDoubles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.Addr = "203.0.113.11"
	tok := b.CSRF(t, e.url("acme", "/login"))
	for i := 1; i < signin.PairFree; i++ {
		attempt(t, e, b, tok, f.member.Email, wrongPassword)
	}
	for _, wait := range []string{"1 minute", "2 minutes", "4 minutes", "8 minutes", "15 minutes", "15 minutes"} {
		r := attempt(t, e, b, tok, f.member.Email, wrongPassword)
		wantRefused(t, r, http.StatusTooManyRequests, latchkey.MsgTooManyAttempts+". Try again in "+wait+".")
		// Wait it out, then fail again.
		d, err := time.ParseDuration(r.Header.Get("Retry-After") + "s")
		if err != nil {
			t.Fatalf("Retry-After %q: %v", r.Header.Get("Retry-After"), err)
		}
		e.clock.Advance(d)
	}
}

func TestThrottlePerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.Addr = "203.0.113.12"
	tok := b.CSRF(t, e.url("acme", "/login"))
	for i := 1; i < signin.AddrLimit; i++ {
		r := attempt(t, e, b, tok, fmt.Sprintf("guess%d@acme.example", i), wrongPassword)
		wantRefused(t, r, http.StatusUnauthorized, latchkey.MsgBadCredentials)
	}
	// The 50th failure starts the wait, whatever email comes next.
	wantRefused(t, attempt(t, e, b, tok, "guess50@acme.example", wrongPassword), http.StatusTooManyRequests, latchkey.MsgTooManyAttempts+". Try again in 60 minutes.")
	r := attempt(t, e, b, tok, f.member.Email, goodPassword)
	wantRefused(t, r, http.StatusTooManyRequests, latchkey.MsgTooManyAttempts+". Try again in 60 minutes.")
	if got, want := r.Header.Get("Retry-After"), "3600"; got != want {
		t.Errorf("Retry-After %q, want %q", got, want)
	}

	// Another address is free.
	other := e.newBrowser(t)
	other.Addr = "203.0.113.13"
	other.mustLogin(t, e, "acme", f.member.Email, goodPassword)

	e.clock.Advance(signin.AddrWindow)
	b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
}

// Failures spread over many addresses still stop, for 15 minutes, the guessing at one account
// from browsers it has never signed in from; the owner's own browser, which has, is not locked
// out (NIST SP 800-63B 5.2.2); an administrator can clear the limits; and after the wait
// anyone's right password gets in.
func TestThrottlePerAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	known := e.newBrowser(t) // the owner's laptop: signs in once before the attack
	known.Addr = "192.0.2.201"
	known.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	known.logout(t, e, "acme")
	b := e.newBrowser(t)
	tok := b.CSRF(t, e.url("acme", "/login"))
	for i := 1; i < signin.AccountLimit; i++ {
		b.Addr = fmt.Sprintf("10.1.%d.%d", i/250, i%250+1)
		r := attempt(t, e, b, tok, f.member.Email, wrongPassword)
		wantRefused(t, r, http.StatusUnauthorized, latchkey.MsgBadCredentials)
	}
	b.Addr = "10.2.0.1"
	wantRefused(t, attempt(t, e, b, tok, f.member.Email, wrongPassword), http.StatusTooManyRequests, latchkey.MsgTooManyAttempts+". Try again in 15 minutes.")

	owner := e.newBrowser(t)
	owner.Addr = "192.0.2.200"
	wantRefused(t, owner.login(t, e, "acme", f.member.Email, goodPassword), http.StatusTooManyRequests, latchkey.MsgTooManyAttempts+". Try again in 15 minutes.")
	// Other accounts are not held up; and signed in to another account, a browser is still
	// new to this one.
	owner.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	owner.logout(t, e, "acme")
	wantRefused(t, owner.login(t, e, "acme", f.member.Email, goodPassword), http.StatusTooManyRequests, latchkey.MsgTooManyAttempts+". Try again in 15 minutes.")
	// The browser that signed in to this account before gets in with the right password; a
	// wrong one there is still refused as usual.
	wantRefused(t, known.login(t, e, "acme", f.member.Email, wrongPassword), http.StatusUnauthorized, latchkey.MsgBadCredentials)
	known.mustLogin(t, e, "acme", f.member.Email, goodPassword)

	// Its success ended the count; so does the wait for everyone else.
	b.Addr = "10.2.0.2"
	for i := 1; i < signin.AccountLimit; i++ {
		b.Addr = fmt.Sprintf("10.3.%d.%d", i/250, i%250+1)
		attempt(t, e, b, tok, f.member.Email, wrongPassword)
	}
	b.Addr = "10.4.0.1"
	wantRefused(t, attempt(t, e, b, tok, f.member.Email, wrongPassword), http.StatusTooManyRequests, latchkey.MsgTooManyAttempts+". Try again in 15 minutes.")
	e.clock.Advance(signin.AccountWait)
	owner = e.newBrowser(t)
	owner.Addr = "192.0.2.200"
	owner.mustLogin(t, e, "acme", f.member.Email, goodPassword)
}

// An administrator's "Clear sign-in limits" on a member ends a lockout at once, and is audited.
func TestAdminClearsSignInLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.Addr = "203.0.113.40"
	tok := b.CSRF(t, e.url("acme", "/login"))
	for range signin.PairFree {
		attempt(t, e, b, tok, f.member.Email, wrongPassword)
	}
	wantRefused(t, attempt(t, e, b, tok, f.member.Email, goodPassword), http.StatusTooManyRequests, tooMany)

	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	r := admin.act(t, e, f.member, "unlock", nil)
	wantPage(t, r, http.StatusOK, "/admin/members")
	if got, want := r.Notice(), fmt.Sprintf(latchkey.MsgMemberUnlocked, f.member.Email); got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	wantPage(t, attempt(t, e, b, tok, f.member.Email, goodPassword), http.StatusOK, "/dashboard")
	evs := e.events(t, f.ws, latchkey.EventAccountUnlock)
	if len(evs) != 1 || evs[0].AccountID != f.member.ID || evs[0].ActorID != f.admin.ID {
		t.Fatalf("unlock events %+v", evs)
	}

	// A member cannot clear anyone's limits.
	m := e.newBrowser(t)
	m.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	if r := m.Post(t, e.url("acme", "/admin/members/"+f.admin.ID+"/unlock"), url.Values{"csrf": {m.CSRF(t, e.url("acme", "/profile/security"))}}); r.Status != http.StatusNotFound {
		t.Fatalf("a member's unlock: %d, want 404", r.Status)
	}
}

// 200 concurrent sign-ins with unknown emails never run more hashes at once than the hasher's
// bound (counted by the hasher, not timed); those that find the waiting room full get a clear
// "try again in a moment" page with 503 and Retry-After, and none signs in or errs otherwise.
// A signed-in person is not held up: their page needs no hash.
func TestSignInStormIsBounded(t *testing.T) {
	t.Parallel()
	h := password.NewHasher(password.HasherConfig{Params: password.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, Limit: 2, Queue: 4, Wait: time.Second})
	e := newEnvWith(t, h)
	f := e.seedAcme(t)
	signedIn := e.newBrowser(t)
	signedIn.mustLogin(t, e, "acme", f.member.Email, goodPassword)

	const n = 200
	statuses := make(chan *webtest.Response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		b := e.newBrowser(t)
		b.Addr = fmt.Sprintf("10.9.%d.%d", i/250, i%250+1)
		tok := b.CSRF(t, e.url("acme", "/login"))
		wg.Go(func() {
			<-start
			statuses <- attempt(t, e, b, tok, fmt.Sprintf("nobody%d@acme.example", i), wrongPassword)
		})
	}
	close(start)
	if r := signedIn.Get(t, e.url("acme", "/dashboard")); r.Status != http.StatusOK {
		t.Errorf("a signed-in page during the storm: %d", r.Status)
	}
	wg.Wait()
	close(statuses)
	busy, refused := 0, 0
	for r := range statuses {
		switch r.Status {
		case http.StatusServiceUnavailable:
			busy++
			if r.Alert() != latchkey.MsgBusy || r.Header.Get("Retry-After") == "" {
				t.Errorf("busy answer: alert %q, Retry-After %q", r.Alert(), r.Header.Get("Retry-After"))
			}
		case http.StatusUnauthorized:
			refused++
		default:
			t.Errorf("status %d in the storm", r.Status)
		}
		noSession(t, r)
	}
	if p := h.Peak(); p > 2 {
		t.Fatalf("%d hashes ran at once, want at most 2", p)
	}
	if busy == 0 || refused == 0 {
		t.Fatalf("%d busy and %d refused of %d: want both (a waiting room of 4 for 200)", busy, refused, n)
	}
}
