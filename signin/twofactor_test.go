package signin_test

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/keyring"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
	"github.com/latchkey/latchkey/totp"
)

// tfStart is the fixed clock's reading: a whole TOTP step.
var tfStart = time.Date(2030, time.March, 4, 9, 0, 0, 0, time.UTC)

const tfPassword = "correct horse battery staple"

// tfFixture is a service over a real SQLite store with the outbox mailer and a fixed clock, and
// one active account in workspace acme that has two-factor authentication on.
type tfFixture struct {
	svc     *signin.Service
	store   *sqlstore.DB
	ws      latchkey.Workspace
	account latchkey.Account
	key     string // the authenticator key, as the set-up showed it
	codes   []string
	setup   signin.Result // the session that set two-factor up
}

func newTFFixture(t *testing.T) *tfFixture {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlstore.Open(t.Context(), sqlitetest.DSN(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	outbox, err := mail.NewOutbox(filepath.Join(dir, "outbox"), nil)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.Parse(keyring.NewKeyLine("t"))
	if err != nil {
		t.Fatal(err)
	}
	base, err := url.Parse("http://app.test")
	if err != nil {
		t.Fatal(err)
	}
	svc := signin.New(signin.Config{Store: store, Mailer: outbox, BaseURL: base, Now: func() time.Time { return tfStart }, Keys: keys, Passwords: password.NewHasher(password.HasherConfig{Params: password.InsecureTestParams, LightParams: password.InsecureTestParams})})

	adm := admin.New(admin.Config{Store: store, SignIn: svc})
	ws, _, _, err := adm.CreateWorkspace(t.Context(), admin.NewWorkspace{Slug: "acme", Name: "Acme", AdminEmail: "admin@acme.example", AdminName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := adm.Invite(t.Context(), admin.NewMember{Workspace: ws, Email: "bob@acme.example", Name: "Bob", Role: latchkey.RoleMember, Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := password.HashWith(tfPassword, password.InsecureTestParams)
	if err != nil {
		t.Fatal(err)
	}
	err = store.UpdateAccount(t.Context(), ws.ID, a.ID, func(acc *latchkey.Account) error {
		acc.PasswordHash, acc.Status = hash, latchkey.StatusActive
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &tfFixture{svc: svc, store: store, ws: ws}
	res := f.signIn(t, "192.0.2.1")
	if res.Pending() {
		t.Fatal("a challenge before two-factor is on")
	}
	setup, err := svc.BeginTOTPSetup(ws, res.Account, res.Session)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.Code(setup.Secret, totp.Step(tfStart)-1)
	if err != nil {
		t.Fatal(err)
	}
	// The confirming code is the previous step's, so that the current one is still unused.
	var rotated signin.Result
	f.codes, rotated, err = svc.ConfirmTOTPSetup(t.Context(), signin.SetupInput{
		Workspace: ws, Account: res.Account, Session: res.Session, Sealed: setup.Sealed,
		Code: code, Password: tfPassword, Client: signin.Client{Addr: "192.0.2.1"},
	})
	if err != nil {
		t.Fatalf("confirm set-up: %v", err)
	}
	// Turning two-factor on is a privilege change: the session goes on under a new id.
	if _, _, err := svc.Authenticate(t.Context(), ws, res.Secret); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("the session id from before the set-up: %v, want it ended", err)
	}
	if _, _, err := svc.Authenticate(t.Context(), ws, rotated.Secret); err != nil || !rotated.Session.CreatedAt.Equal(res.Session.CreatedAt) {
		t.Fatalf("the rotated session: %v (created %v, want %v: a rotation keeps the start)", err, rotated.Session.CreatedAt, res.Session.CreatedAt)
	}
	f.key, f.setup = setup.Secret, rotated
	if f.account, err = store.Account(t.Context(), ws.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

// signIn gives the password from addr.
func (f *tfFixture) signIn(t *testing.T, addr string) signin.Result {
	t.Helper()
	res, err := f.svc.PasswordSignIn(t.Context(), signin.PasswordInput{
		Workspace: f.ws, Email: "bob@acme.example", Password: tfPassword, Client: signin.Client{Addr: addr},
	})
	if err != nil {
		t.Fatalf("password sign-in from %s: %v", addr, err)
	}
	return res
}

// Of 50 challenges of one account submitting the same valid code at once, exactly one signs in;
// every other is told the code was used.
func TestVerifyTOTPConcurrentReplay(t *testing.T) {
	t.Parallel()
	f := newTFFixture(t)
	const n = 50
	challenges := make([]signin.Result, n)
	for i := range challenges {
		// An address each, so that the refusals do not add up to a throttle wait.
		challenges[i] = f.signIn(t, fmt.Sprintf("198.51.100.%d", i+1))
		if !challenges[i].Pending() {
			t.Fatalf("sign-in %d: no challenge", i)
		}
	}
	code, err := totp.Code(f.key, totp.Step(tfStart))
	if err != nil {
		t.Fatal(err)
	}

	results := make([]error, n)
	sessions := make([]signin.Result, n)
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i := range challenges {
		wg.Go(func() {
			<-ready
			sessions[i], results[i] = f.svc.VerifyTOTP(t.Context(), signin.CodeInput{
				Workspace: f.ws, ChallengeSecret: challenges[i].ChallengeSecret, Code: code,
				Client: signin.Client{Addr: fmt.Sprintf("198.51.100.%d", i+1)},
			})
		})
	}
	close(ready)
	wg.Wait()

	ok := 0
	for i, err := range results {
		if err == nil {
			ok++
			if sessions[i].Secret == "" || sessions[i].Session.AccountID != f.account.ID {
				t.Errorf("challenge %d passed without a session: %+v", i, sessions[i])
			}
			continue
		}
		var le *latchkey.Error
		if !errors.As(err, &le) || le.Code != latchkey.CodeUnauthorized || le.Message != latchkey.MsgCodeUsed {
			t.Errorf("challenge %d: %v, want %q", i, err, latchkey.MsgCodeUsed)
		}
	}
	if ok != 1 {
		t.Fatalf("%d challenges passed with one code, want exactly 1", ok)
	}
	evs, err := f.store.Events(t.Context(), f.ws.ID, latchkey.EventFilter{Type: latchkey.EventTwoFactorReplay})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != n-1 {
		t.Errorf("%d replay events, want %d", len(evs), n-1)
	}
}

// Of concurrent uses of one recovery code, exactly one signs in.
func TestVerifyRecoveryConcurrent(t *testing.T) {
	t.Parallel()
	f := newTFFixture(t)
	const n = 8
	challenges := make([]signin.Result, n)
	for i := range challenges {
		challenges[i] = f.signIn(t, fmt.Sprintf("198.51.100.%d", i+1))
	}
	results := make([]error, n)
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i := range challenges {
		wg.Go(func() {
			<-ready
			_, results[i] = f.svc.VerifyRecovery(t.Context(), signin.CodeInput{
				Workspace: f.ws, ChallengeSecret: challenges[i].ChallengeSecret, Code: f.codes[0],
				Client: signin.Client{Addr: fmt.Sprintf("198.51.100.%d", i+1)},
			})
		})
	}
	close(ready)
	wg.Wait()
	ok := 0
	for i, err := range results {
		if err == nil {
			ok++
			continue
		}
		if got := latchkey.ErrorCode(err); got != latchkey.CodeUnauthorized {
			t.Errorf("use %d: %v, want the recovery code refused", i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d sign-ins with one recovery code, want exactly 1", ok)
	}
	left, err := f.store.RecoveryCodes(t.Context(), f.ws.ID, f.account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(left), signin.RecoveryCount-1; got != want {
		t.Errorf("%d codes left, want %d", got, want)
	}
}

func TestVerifyTOTPErrors(t *testing.T) {
	t.Parallel()
	f := newTFFixture(t)
	ch := f.signIn(t, "203.0.113.1")
	step := totp.Step(tfStart)
	codeAt := func(d int64) string {
		c, err := totp.Code(f.key, step+d)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name string
		in   signin.CodeInput
		code string
		msg  string
	}{
		{"empty code", signin.CodeInput{Code: " "}, latchkey.CodeInvalid, latchkey.MsgCodeRequired},
		{"five digits", signin.CodeInput{ChallengeSecret: ch.ChallengeSecret, Code: "12345"}, latchkey.CodeInvalid, latchkey.MsgCodeRequired},
		{"letters", signin.CodeInput{ChallengeSecret: ch.ChallengeSecret, Code: "12345a"}, latchkey.CodeInvalid, latchkey.MsgCodeRequired},
		{"no challenge", signin.CodeInput{ChallengeSecret: "nope", Code: codeAt(0)}, latchkey.CodeExpired, latchkey.MsgChallengeExpired},
		{"long challenge", signin.CodeInput{ChallengeSecret: string(make([]byte, 200)), Code: codeAt(0)}, latchkey.CodeExpired, latchkey.MsgChallengeExpired},
		{"the set-up's code", signin.CodeInput{ChallengeSecret: ch.ChallengeSecret, Code: codeAt(-1)}, latchkey.CodeUnauthorized, latchkey.MsgCodeUsed},
		// A code of a later step must not be told apart from any wrong code: that would tell an
		// attacker a code that becomes valid (the drift goes to the audit event only).
		{"clock ahead", signin.CodeInput{ChallengeSecret: ch.ChallengeSecret, Code: codeAt(3)}, latchkey.CodeUnauthorized, latchkey.MsgCodeWrong},
		{"clock behind", signin.CodeInput{ChallengeSecret: ch.ChallengeSecret, Code: codeAt(-4)}, latchkey.CodeUnauthorized, latchkey.MsgCodeWrong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Workspace = f.ws
			in.Client = signin.Client{Addr: "203.0.113.1"}
			_, err := f.svc.VerifyTOTP(t.Context(), in)
			var le *latchkey.Error
			if !errors.As(err, &le) || le.Code != tc.code || le.Message != tc.msg {
				t.Fatalf("VerifyTOTP = %v, want code %v and %q", err, tc.code, tc.msg)
			}
		})
	}
	// Three wrong codes were counted on the challenge; it still takes the right one.
	got, err := f.store.Challenge(t.Context(), f.ws.ID, ch.Challenge.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Attempts != 3 {
		t.Errorf("challenge attempts %d, want 3", got.Attempts)
	}
	res, err := f.svc.VerifyTOTP(t.Context(), signin.CodeInput{Workspace: f.ws, ChallengeSecret: ch.ChallengeSecret, Code: codeAt(0), Client: signin.Client{Addr: "203.0.113.1"}})
	if err != nil || res.Secret == "" {
		t.Fatalf("right code: %v", err)
	}
}

// A second confirmation, from a set-up form opened before two-factor was on, changes nothing:
// the check is made on the stored account, not the one the request read.
func TestConfirmTOTPSetupTwice(t *testing.T) {
	t.Parallel()
	f := newTFFixture(t)
	stale := f.setup.Account // read before two-factor was on
	setup, err := f.svc.BeginTOTPSetup(f.ws, stale, f.setup.Session)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.Code(setup.Secret, totp.Step(tfStart))
	if err != nil {
		t.Fatal(err)
	}
	codes, _, err := f.svc.ConfirmTOTPSetup(t.Context(), signin.SetupInput{
		Workspace: f.ws, Account: stale, Session: f.setup.Session, Sealed: setup.Sealed,
		Code: code, Password: tfPassword, Client: signin.Client{Addr: "192.0.2.1"},
	})
	if got := latchkey.ErrorCode(err); got != latchkey.CodeConflict || codes != nil {
		t.Fatalf("second confirmation = %q, %v; want a conflict", codes, err)
	}
	a, err := f.store.Account(t.Context(), f.ws.ID, f.account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.TOTPSecret != f.account.TOTPSecret {
		t.Error("the second confirmation replaced the key")
	}
	left, err := f.store.RecoveryCodes(t.Context(), f.ws.ID, f.account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != signin.RecoveryCount {
		t.Errorf("%d recovery codes, want the first set's %d", len(left), signin.RecoveryCount)
	}
	ch := f.signIn(t, "192.0.2.1")
	if _, err := f.svc.VerifyRecovery(t.Context(), signin.CodeInput{Workspace: f.ws, ChallengeSecret: ch.ChallengeSecret, Code: f.codes[0], Client: signin.Client{Addr: "192.0.2.1"}}); err != nil {
		t.Errorf("a code of the first set: %v", err)
	}
}
