package passkey_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/testclock"
	"github.com/latchkey/latchkey/passkey"
	"github.com/latchkey/latchkey/passkey/passkeytest"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
)

var t0 = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// world is a store with two workspaces, acme and globex, a member of each, and the passkey
// service on a clock the test moves.
type world struct {
	t       *testing.T
	store   *sqlstore.DB
	svc     *passkey.Service
	clock   *testclock.Clock
	acme    passkey.RelyingParty
	globex  passkey.RelyingParty
	pat     latchkey.Account // of acme
	sam     latchkey.Account // of globex
	browser string           // the BrowserHash of the test's browser
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db, err := sqlstore.Open(t.Context(), sqlitetest.DSN(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	w := &world{t: t, store: db, clock: testclock.New(t0), browser: latchkey.HashSecret("browser nonce")}
	w.svc = passkey.New(passkey.Config{
		Stores: passkey.Stores{Passkeys: db, Ceremonies: db, Accounts: db},
		Now:    w.clock.Now,
	})
	var acme, globex latchkey.Workspace
	acme, w.pat = w.workspace("acme", "pat@acme.test")
	globex, w.sam = w.workspace("globex", "sam@globex.test")
	w.acme = w.relyingParty(acme)
	w.globex = w.relyingParty(globex)
	return w
}

func (w *world) workspace(slug, email string) (latchkey.Workspace, latchkey.Account) {
	w.t.Helper()
	ws := latchkey.Workspace{ID: latchkey.NewID(), Slug: slug, Name: "Workspace " + slug, CreatedAt: t0}
	a := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws.ID, Email: email, Name: "Person " + slug,
		Role: latchkey.RoleAdmin, Status: latchkey.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	if err := w.store.CreateWorkspace(w.t.Context(), ws, a); err != nil {
		w.t.Fatalf("CreateWorkspace: %v", err)
	}
	return ws, a
}

func (w *world) relyingParty(ws latchkey.Workspace) passkey.RelyingParty {
	w.t.Helper()
	rp, err := passkey.NewRelyingParty(ws, "http://"+ws.Slug+".localhost:8080")
	if err != nil {
		w.t.Fatalf("NewRelyingParty: %v", err)
	}
	return rp
}

// register adds a passkey of a on rp made by auth, and fails the test if that fails.
func (w *world) register(rp passkey.RelyingParty, a latchkey.Account, auth *passkeytest.Authenticator) (latchkey.Passkey, *passkeytest.Credential) {
	w.t.Helper()
	begun, err := w.svc.BeginRegistration(w.t.Context(), rp, a, w.browser)
	if err != nil {
		w.t.Fatalf("BeginRegistration: %v", err)
	}
	resp, cred, err := auth.Create(begun.Options)
	if err != nil {
		w.t.Fatalf("authenticator Create: %v", err)
	}
	p, err := w.svc.FinishRegistration(w.t.Context(), w.finish(rp, begun, resp), "Laptop")
	if err != nil {
		w.t.Fatalf("FinishRegistration: %v", err)
	}
	return p, cred
}

func (w *world) finish(rp passkey.RelyingParty, begun passkey.Begun, resp []byte) passkey.Finish {
	return passkey.Finish{RelyingParty: rp, Secret: begun.Secret, BrowserHash: w.browser, Response: resp}
}

// secondFactor runs a second-factor ceremony of a on rp with auth and returns Finish's result.
func (w *world) secondFactor(rp passkey.RelyingParty, a latchkey.Account, auth *passkeytest.Authenticator) (passkey.Used, error) {
	w.t.Helper()
	begun, err := w.svc.BeginSecondFactor(w.t.Context(), rp, a, w.browser)
	if err != nil {
		w.t.Fatalf("BeginSecondFactor: %v", err)
	}
	resp, err := auth.Get(begun.Options)
	if err != nil {
		w.t.Fatalf("authenticator Get: %v", err)
	}
	return w.svc.FinishSecondFactor(w.t.Context(), w.finish(rp, begun, resp), a.ID)
}

// passwordless runs a passwordless ceremony on rp with auth and returns Finish's result.
func (w *world) passwordless(rp passkey.RelyingParty, auth *passkeytest.Authenticator) (passkey.Used, error) {
	w.t.Helper()
	begun, err := w.svc.BeginPasswordless(w.t.Context(), rp, w.browser)
	if err != nil {
		w.t.Fatalf("BeginPasswordless: %v", err)
	}
	resp, err := auth.Get(begun.Options)
	if err != nil {
		w.t.Fatalf("authenticator Get: %v", err)
	}
	return w.svc.FinishPasswordless(w.t.Context(), w.finish(rp, begun, resp))
}

// refused fails the test unless err is a *latchkey.Error with code whose cause is cause.
func refused(t *testing.T, what string, err error, code string, cause error) {
	t.Helper()
	t.Logf("%s: %v", what, err)
	if got := latchkey.ErrorCode(err); got != code {
		t.Fatalf("%s: code %q (err %v), want %q", what, got, err, code)
	}
	if !errors.Is(err, cause) {
		t.Fatalf("%s: err %v, want its cause to be %v", what, err, cause)
	}
}

func TestRelyingPartyIsTheWorkspaceHost(t *testing.T) {
	ws := latchkey.Workspace{ID: "w1", Slug: "acme", Name: "Acme"}
	for _, tc := range []struct {
		url, id, origin string
	}{
		{"https://acme.app.example.com", "acme.app.example.com", "https://acme.app.example.com"},
		{"https://acme.app.example.com/", "acme.app.example.com", "https://acme.app.example.com"},
		{"http://acme.localhost:8080", "acme.localhost", "http://acme.localhost:8080"},
		{"http://ACME.localhost:8080/login", "acme.localhost", "http://acme.localhost:8080"},
	} {
		rp, err := passkey.NewRelyingParty(ws, tc.url)
		if err != nil {
			t.Fatalf("NewRelyingParty(%q): %v", tc.url, err)
		}
		want := passkey.RelyingParty{WorkspaceID: "w1", ID: tc.id, Origin: tc.origin, Name: "Acme"}
		if diff := cmp.Diff(want, rp); diff != "" {
			t.Errorf("NewRelyingParty(%q) mismatch (-want +got):\n%s", tc.url, diff)
		}
	}
	for _, bad := range []string{"acme.localhost", "ftp://acme.localhost", "http:///x", "http://u:p@acme.localhost"} {
		if _, err := passkey.NewRelyingParty(ws, bad); err == nil {
			t.Errorf("NewRelyingParty(%q) succeeded, want an error", bad)
		}
	}
}

func TestRegistration(t *testing.T) {
	w := newWorld(t)
	begun, err := w.svc.BeginRegistration(t.Context(), w.acme, w.pat, w.browser)
	if err != nil {
		t.Fatalf("BeginRegistration: %v", err)
	}
	if got, want := begun.ExpiresAt, t0.Add(5*time.Minute); !got.Equal(want) {
		t.Errorf("ExpiresAt=%v, want %v", got, want)
	}
	var opts struct {
		PublicKey struct {
			RP struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"rp"`
			User struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"user"`
			Attestation            string `json:"attestation"`
			AuthenticatorSelection struct {
				ResidentKey      string `json:"residentKey"`
				UserVerification string `json:"userVerification"`
			} `json:"authenticatorSelection"`
			ExcludeCredentials []struct {
				ID string `json:"id"`
			} `json:"excludeCredentials"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(begun.Options, &opts); err != nil {
		t.Fatalf("options %s: %v", begun.Options, err)
	}
	pk := opts.PublicKey
	for _, c := range []struct{ what, got, want string }{
		{"rp.id", pk.RP.ID, "acme.localhost"},
		{"rp.name", pk.RP.Name, "Workspace acme"},
		{"user.id", pk.User.ID, base64.RawURLEncoding.EncodeToString([]byte(w.pat.ID))},
		{"user.name", pk.User.Name, "pat@acme.test"},
		{"attestation", pk.Attestation, "none"},
		{"residentKey", pk.AuthenticatorSelection.ResidentKey, "preferred"},
		{"userVerification", pk.AuthenticatorSelection.UserVerification, "preferred"},
	} {
		if c.got != c.want {
			t.Errorf("options %s=%q, want %q", c.what, c.got, c.want)
		}
	}
	if len(pk.ExcludeCredentials) != 0 {
		t.Errorf("excludeCredentials=%v for an account without passkeys", pk.ExcludeCredentials)
	}

	auth := passkeytest.New(w.acme.Origin)
	auth.BackupEligible, auth.BackupState = true, true
	resp, cred, err := auth.Create(begun.Options)
	if err != nil {
		t.Fatalf("authenticator Create: %v", err)
	}
	p, err := w.svc.FinishRegistration(t.Context(), w.finish(w.acme, begun, resp), "  Work laptop ")
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	want := latchkey.Passkey{
		ID: p.ID, WorkspaceID: w.acme.WorkspaceID, AccountID: w.pat.ID, CredentialID: cred.ID,
		PublicKey: p.PublicKey, AAGUID: auth.AAGUID, Name: "Work laptop", BackupEligible: true, BackupState: true,
		Transports: []string{"internal", "hybrid"}, CreatedAt: t0,
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("FinishRegistration mismatch (-want +got):\n%s", diff)
	}
	stored, err := w.store.PasskeyByCredentialID(t.Context(), w.acme.WorkspaceID, cred.ID)
	if err != nil {
		t.Fatalf("PasskeyByCredentialID: %v", err)
	}
	if diff := cmp.Diff(p, stored); diff != "" {
		t.Errorf("stored passkey mismatch (-returned +stored):\n%s", diff)
	}

	// The next registration excludes the passkey, so the same authenticator is not added twice.
	again, err := w.svc.BeginRegistration(t.Context(), w.acme, w.pat, w.browser)
	if err != nil {
		t.Fatalf("BeginRegistration(again): %v", err)
	}
	if _, _, err := auth.Create(again.Options); !errors.Is(err, passkeytest.ErrExcluded) {
		t.Errorf("Create with the passkey in excludeCredentials: err %v, want ErrExcluded", err)
	}
}

func TestRegistrationRefusals(t *testing.T) {
	w := newWorld(t)
	auth := passkeytest.New(w.acme.Origin)
	_, cred := w.register(w.acme, w.pat, auth)

	// A credential id the workspace already has is refused, even from a new key.
	begun, err := w.svc.BeginRegistration(t.Context(), w.acme, w.pat, w.browser)
	if err != nil {
		t.Fatal(err)
	}
	other := passkeytest.New(w.acme.Origin)
	other.NextCredentialID = cred.ID
	resp, _, err := other.Create(begun.Options)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.FinishRegistration(t.Context(), w.finish(w.acme, begun, resp), "Again")
	if got := latchkey.ErrorCode(err); got != latchkey.CodeConflict {
		t.Errorf("FinishRegistration(known credential id): code %q (err %v), want %q", got, err, latchkey.CodeConflict)
	}

	// A name that is too long is refused before the ceremony is touched.
	if _, err := w.svc.FinishRegistration(t.Context(), w.finish(w.acme, begun, resp), strings.Repeat("x", 101)); latchkey.ErrorCode(err) != latchkey.CodeInvalid {
		t.Errorf("FinishRegistration(101-byte name): err %v, want CodeInvalid", err)
	}

	// Another origin, another RP ID, another browser, a replay and an expired ceremony.
	for _, tc := range []struct {
		name   string
		change func(a *passkeytest.Authenticator, f *passkey.Finish)
		code   string
		cause  error
	}{
		{"wrong origin", func(a *passkeytest.Authenticator, _ *passkey.Finish) { a.Origin = "http://evil.localhost:8080" }, latchkey.CodeUnauthorized, passkey.ErrVerification},
		{"wrong port", func(a *passkeytest.Authenticator, _ *passkey.Finish) { a.Origin = "http://acme.localhost:9090" }, latchkey.CodeUnauthorized, passkey.ErrVerification},
		{"wrong scheme", func(a *passkeytest.Authenticator, _ *passkey.Finish) { a.Origin = "https://acme.localhost:8080" }, latchkey.CodeUnauthorized, passkey.ErrVerification},
		{"wrong RP ID", func(a *passkeytest.Authenticator, _ *passkey.Finish) { a.RPID = "globex.localhost" }, latchkey.CodeUnauthorized, passkey.ErrVerification},
		{"another browser", func(_ *passkeytest.Authenticator, f *passkey.Finish) { f.BrowserHash = latchkey.HashSecret("other") }, latchkey.CodeExpired, passkey.ErrNoCeremony},
		{"another workspace", func(_ *passkeytest.Authenticator, f *passkey.Finish) { f.RelyingParty = w.globex }, latchkey.CodeExpired, passkey.ErrNoCeremony},
		{"expired", func(_ *passkeytest.Authenticator, _ *passkey.Finish) { w.clock.Set(t0.Add(latchkey.CeremonyTTL)) }, latchkey.CodeExpired, passkey.ErrNoCeremony},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.clock.Set(t0)
			begun, err := w.svc.BeginRegistration(t.Context(), w.acme, w.pat, w.browser)
			if err != nil {
				t.Fatal(err)
			}
			a := passkeytest.New(w.acme.Origin)
			f := w.finish(w.acme, begun, nil)
			tc.change(a, &f)
			f.Response, _, err = a.Create(begun.Options)
			if err != nil {
				t.Fatal(err)
			}
			_, err = w.svc.FinishRegistration(t.Context(), f, "Key")
			refused(t, "FinishRegistration", err, tc.code, tc.cause)
		})
	}
	w.clock.Set(t0)
	list, err := w.store.Passkeys(t.Context(), w.acme.WorkspaceID, w.pat.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("%d passkeys after the refused registrations, want 1", len(list))
	}
}

func TestSecondFactor(t *testing.T) {
	w := newWorld(t)
	auth := passkeytest.New(w.acme.Origin)
	p, _ := w.register(w.acme, w.pat, auth)

	w.clock.Set(t0.Add(time.Hour))
	used, err := w.secondFactor(w.acme, w.pat, auth)
	if err != nil {
		t.Fatalf("FinishSecondFactor: %v", err)
	}
	if used.Account.ID != w.pat.ID || used.Passkey.ID != p.ID || !used.UserVerified {
		t.Errorf("Used = account %q passkey %q UV %t, want %q %q true", used.Account.ID, used.Passkey.ID, used.UserVerified, w.pat.ID, p.ID)
	}
	stored, err := w.store.Passkey(t.Context(), w.acme.WorkspaceID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.SignCount != 1 || !stored.LastUsedAt.Equal(w.clock.Now()) {
		t.Errorf("after use: SignCount=%d LastUsedAt=%v, want 1 and %v", stored.SignCount, stored.LastUsedAt, w.clock.Now())
	}

	// User verification is only preferred for a second factor: a key without a PIN passes.
	auth.SkipUserVerification = true
	used, err = w.secondFactor(w.acme, w.pat, auth)
	if err != nil {
		t.Fatalf("FinishSecondFactor without UV: %v", err)
	}
	if used.UserVerified {
		t.Errorf("UserVerified=true for an assertion without UV")
	}

	// A ceremony of pat cannot be finished as another account.
	begun, err := w.svc.BeginSecondFactor(t.Context(), w.acme, w.pat, w.browser)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := auth.Get(begun.Options)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.FinishSecondFactor(t.Context(), w.finish(w.acme, begun, resp), latchkey.NewID())
	refused(t, "FinishSecondFactor(another account)", err, latchkey.CodeExpired, passkey.ErrNoCeremony)

	// An account without a passkey cannot begin.
	if _, err := w.svc.BeginSecondFactor(t.Context(), w.globex, w.sam, w.browser); !errors.Is(err, latchkey.ErrNotFound) {
		t.Errorf("BeginSecondFactor(no passkey): err %v, want ErrNotFound", err)
	}
}

func TestPasswordless(t *testing.T) {
	w := newWorld(t)
	auth := passkeytest.New(w.acme.Origin)
	p, _ := w.register(w.acme, w.pat, auth)
	begun, err := w.svc.BeginPasswordless(t.Context(), w.acme, w.browser)
	if err != nil {
		t.Fatal(err)
	}
	var opts struct {
		PublicKey struct {
			RPID             string `json:"rpId"`
			UserVerification string `json:"userVerification"`
			AllowCredentials []any  `json:"allowCredentials"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(begun.Options, &opts); err != nil {
		t.Fatal(err)
	}
	if opts.PublicKey.RPID != "acme.localhost" || opts.PublicKey.UserVerification != "required" || len(opts.PublicKey.AllowCredentials) != 0 {
		t.Errorf("passwordless options %s: want rpId acme.localhost, userVerification required, no allowCredentials", begun.Options)
	}
	auth.BackupState = false
	resp, err := auth.Get(begun.Options)
	if err != nil {
		t.Fatal(err)
	}
	used, err := w.svc.FinishPasswordless(t.Context(), w.finish(w.acme, begun, resp))
	if err != nil {
		t.Fatalf("FinishPasswordless: %v", err)
	}
	if used.Account.ID != w.pat.ID || used.Account.WorkspaceID != w.acme.WorkspaceID || used.Passkey.ID != p.ID || !used.UserVerified {
		t.Errorf("Used = %+v, want pat of acme with passkey %q, verified", used, p.ID)
	}
}

func TestPasswordlessNeedsUserVerification(t *testing.T) {
	w := newWorld(t)
	auth := passkeytest.New(w.acme.Origin)
	p, _ := w.register(w.acme, w.pat, auth)
	auth.SkipUserVerification = true
	_, err := w.passwordless(w.acme, auth)
	refused(t, "FinishPasswordless without UV", err, latchkey.CodeUnauthorized, passkey.ErrVerification)
	stored, err := w.store.Passkey(t.Context(), w.acme.WorkspaceID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.SignCount != 0 || !stored.LastUsedAt.IsZero() {
		t.Errorf("a refused assertion was recorded: SignCount=%d LastUsedAt=%v", stored.SignCount, stored.LastUsedAt)
	}
}

func TestWrongOrigin(t *testing.T) {
	w := newWorld(t)
	auth := passkeytest.New(w.acme.Origin)
	w.register(w.acme, w.pat, auth)
	for _, origin := range []string{"http://evil.localhost:8080", "http://acme.localhost:8081", "https://acme.localhost:8080", "http://acme.localhost"} {
		auth.Origin = origin
		_, err := w.secondFactor(w.acme, w.pat, auth)
		refused(t, "FinishSecondFactor from "+origin, err, latchkey.CodeUnauthorized, passkey.ErrVerification)
		_, err = w.passwordless(w.acme, auth)
		refused(t, "FinishPasswordless from "+origin, err, latchkey.CodeUnauthorized, passkey.ErrVerification)
	}
}

func TestWrongRelyingParty(t *testing.T) {
	w := newWorld(t)
	auth := passkeytest.New(w.acme.Origin)
	_, cred := w.register(w.acme, w.pat, auth)

	// acme's passkey, signed for acme, presented on globex: globex has no such credential and
	// no such account, whatever the user handle says.
	auth.Origin, auth.RPID = w.globex.Origin, w.acme.ID
	_, err := w.passwordless(w.globex, auth)
	refused(t, "acme's passkey on globex", err, latchkey.CodeUnauthorized, passkey.ErrUnknownCredential)

	// On acme, but signed for globex's RP ID: the RP ID hash does not match.
	auth.Origin, auth.RPID = w.acme.Origin, w.globex.ID
	begun, err := w.svc.BeginPasswordless(t.Context(), w.acme, w.browser)
	if err != nil {
		t.Fatal(err)
	}
	challenge, err := passkeytest.Challenge(begun.Options)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := auth.Assert(cred, w.globex.ID, challenge)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.FinishPasswordless(t.Context(), w.finish(w.acme, begun, resp))
	refused(t, "signed for globex on acme", err, latchkey.CodeUnauthorized, passkey.ErrVerification)
	_, err = w.secondFactor(w.acme, w.pat, auth)
	refused(t, "second factor signed for globex on acme", err, latchkey.CodeUnauthorized, passkey.ErrVerification)

	// An acme ceremony cookie brought to globex finds no ceremony there.
	auth.RPID = ""
	begun, err = w.svc.BeginPasswordless(t.Context(), w.acme, w.browser)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = auth.Get(begun.Options)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.FinishPasswordless(t.Context(), w.finish(w.globex, begun, resp))
	refused(t, "acme ceremony finished on globex", err, latchkey.CodeExpired, passkey.ErrNoCeremony)
}

func TestReplayedChallenge(t *testing.T) {
	w := newWorld(t)
	auth := passkeytest.New(w.acme.Origin)
	w.register(w.acme, w.pat, auth)
	begun, err := w.svc.BeginPasswordless(t.Context(), w.acme, w.browser)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := auth.Get(begun.Options)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.FinishPasswordless(t.Context(), w.finish(w.acme, begun, resp)); err != nil {
		t.Fatalf("FinishPasswordless: %v", err)
	}
	// The same cookie and response again: the ceremony is gone.
	_, err = w.svc.FinishPasswordless(t.Context(), w.finish(w.acme, begun, resp))
	refused(t, "FinishPasswordless replayed", err, latchkey.CodeExpired, passkey.ErrNoCeremony)

	// The old response with a fresh ceremony: its challenge is not the new one.
	fresh, err := w.svc.BeginPasswordless(t.Context(), w.acme, w.browser)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.FinishPasswordless(t.Context(), w.finish(w.acme, fresh, resp))
	refused(t, "old response, new ceremony", err, latchkey.CodeUnauthorized, passkey.ErrVerification)

	// A ceremony fails for good once refused: the right answer afterwards is too late.
	second, err := w.svc.BeginSecondFactor(t.Context(), w.acme, w.pat, w.browser)
	if err != nil {
		t.Fatal(err)
	}
	good, err := auth.Get(second.Options)
	if err != nil {
		t.Fatal(err)
	}
	bad := w.finish(w.acme, second, []byte(`{"id":"x"}`))
	if _, err := w.svc.FinishSecondFactor(t.Context(), bad, w.pat.ID); err == nil {
		t.Fatal("FinishSecondFactor accepted garbage")
	}
	_, err = w.svc.FinishSecondFactor(t.Context(), w.finish(w.acme, second, good), w.pat.ID)
	refused(t, "FinishSecondFactor after a refused try", err, latchkey.CodeExpired, passkey.ErrNoCeremony)
}

func TestClonedAuthenticatorCounter(t *testing.T) {
	w := newWorld(t)
	auth := passkeytest.New(w.acme.Origin)
	p, cred := w.register(w.acme, w.pat, auth)
	for range 2 {
		if _, err := w.secondFactor(w.acme, w.pat, auth); err != nil {
			t.Fatalf("FinishSecondFactor: %v", err)
		}
	}
	cred.Counter = 1 // the clone signs with 2, which the server has seen
	_, err := w.secondFactor(w.acme, w.pat, auth)
	refused(t, "counter not forward (second factor)", err, latchkey.CodeUnauthorized, passkey.ErrClonedAuthenticator)
	cred.Counter = 0
	_, err = w.passwordless(w.acme, auth)
	refused(t, "counter backwards (passwordless)", err, latchkey.CodeUnauthorized, passkey.ErrClonedAuthenticator)
	stored, err := w.store.Passkey(t.Context(), w.acme.WorkspaceID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.SignCount != 2 {
		t.Errorf("SignCount=%d after the refused clone, want 2", stored.SignCount)
	}
	// The real authenticator, further on, still works.
	cred.Counter = 10
	if _, err := w.secondFactor(w.acme, w.pat, auth); err != nil {
		t.Errorf("FinishSecondFactor with counter 11: %v", err)
	}
}

func TestCounterlessAuthenticatorAndBackupState(t *testing.T) {
	w := newWorld(t)
	auth := passkeytest.New(w.acme.Origin)
	auth.BackupEligible = true
	p, cred := w.register(w.acme, w.pat, auth)
	cred.NoCounter = true
	auth.BackupState = true // synced since
	for range 2 {
		if _, err := w.passwordless(w.acme, auth); err != nil {
			t.Fatalf("FinishPasswordless of a counterless passkey: %v", err)
		}
	}
	stored, err := w.store.Passkey(t.Context(), w.acme.WorkspaceID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.SignCount != 0 || !stored.BackupEligible || !stored.BackupState {
		t.Errorf("SignCount=%d BE=%t BS=%t, want 0 true true", stored.SignCount, stored.BackupEligible, stored.BackupState)
	}
	// The BE flag never changes: an assertion that drops it is refused.
	auth.BackupEligible, auth.BackupState = false, false
	_, err = w.passwordless(w.acme, auth)
	refused(t, "BE flag changed", err, latchkey.CodeUnauthorized, passkey.ErrVerification)
}

func TestRemovedCredential(t *testing.T) {
	w := newWorld(t)
	auth := passkeytest.New(w.acme.Origin)
	p, _ := w.register(w.acme, w.pat, auth)
	keptAuth := passkeytest.New(w.acme.Origin)
	kept, _ := w.register(w.acme, w.pat, keptAuth)

	// Removed between Begin and Finish.
	begun, err := w.svc.BeginSecondFactor(t.Context(), w.acme, w.pat, w.browser)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := auth.Get(begun.Options)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.DeletePasskey(t.Context(), w.acme.WorkspaceID, w.pat.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.FinishSecondFactor(t.Context(), w.finish(w.acme, begun, resp), w.pat.ID)
	refused(t, "second factor with a removed passkey", err, latchkey.CodeUnauthorized, passkey.ErrUnknownCredential)

	// Removed before: the authenticator still offers it for passwordless sign-in.
	_, err = w.passwordless(w.acme, auth)
	refused(t, "passwordless with a removed passkey", err, latchkey.CodeUnauthorized, passkey.ErrUnknownCredential)

	// And the removed one is no longer offered as a second factor; the other one is.
	begun, err = w.svc.BeginSecondFactor(t.Context(), w.acme, w.pat, w.browser)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Get(begun.Options); !errors.Is(err, passkeytest.ErrNoCredential) {
		t.Errorf("the removed passkey is still allowed: Get err %v", err)
	}
	used, err := w.secondFactor(w.acme, w.pat, keptAuth)
	if err != nil || used.Passkey.ID != kept.ID {
		t.Errorf("second factor with the other passkey: used %q, err %v; want %q", used.Passkey.ID, err, kept.ID)
	}

	// A ceremony begun while both existed still accepts the one that is left.
	third, _ := w.register(w.acme, w.pat, passkeytest.New(w.acme.Origin))
	begun, err = w.svc.BeginSecondFactor(t.Context(), w.acme, w.pat, w.browser)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = keptAuth.Get(begun.Options)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.DeletePasskey(t.Context(), w.acme.WorkspaceID, w.pat.ID, third.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.FinishSecondFactor(t.Context(), w.finish(w.acme, begun, resp), w.pat.ID); err != nil {
		t.Errorf("FinishSecondFactor after another passkey was removed: %v", err)
	}
}

func TestAccountRemovedMeanwhile(t *testing.T) {
	w := newWorld(t)
	auth := passkeytest.New(w.acme.Origin)
	w.register(w.acme, w.pat, auth)
	member := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: w.acme.WorkspaceID, Email: "lee@acme.test",
		Role: latchkey.RoleMember, Status: latchkey.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	if err := w.store.CreateAccount(t.Context(), member); err != nil {
		t.Fatal(err)
	}
	other := passkeytest.New(w.acme.Origin)
	w.register(w.acme, member, other)
	begun, err := w.svc.BeginPasswordless(t.Context(), w.acme, w.browser)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := other.Get(begun.Options)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.DeleteAccount(t.Context(), w.acme.WorkspaceID, member.ID); err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.FinishPasswordless(t.Context(), w.finish(w.acme, begun, resp))
	refused(t, "passwordless of a deleted account", err, latchkey.CodeUnauthorized, passkey.ErrUnknownCredential)
}
