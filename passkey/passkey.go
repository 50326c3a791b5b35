package passkey

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/latchkey/latchkey"
)

// Errors kept as the cause (latchkey.Error.Err) of a refused ceremony, so that callers can
// audit why with errors.Is. The user sees only the *latchkey.Error's message.
var (
	// ErrNoCeremony: no live ceremony of this kind for the cookie (unknown, expired, already
	// finished) or it was begun in another browser.
	ErrNoCeremony = errors.New("passkey: no live ceremony")
	// ErrUnknownCredential: the credential is not a passkey of the workspace (removed, never
	// registered, or of another workspace), or not of the account.
	ErrUnknownCredential = errors.New("passkey: unknown credential")
	// ErrClonedAuthenticator: the signature counter did not go forward, so two copies of the
	// key may exist (or an assertion was replayed).
	ErrClonedAuthenticator = errors.New("passkey: signature counter did not increase")
	// ErrVerification: the response failed a WebAuthn check (signature, challenge, origin,
	// RP ID, user presence or verification, flags).
	ErrVerification = errors.New("passkey: response not verified")
)

// RelyingParty is a workspace as a WebAuthn relying party.
type RelyingParty struct {
	WorkspaceID string
	// ID is the RP ID: the workspace's host name, without port.
	ID string
	// Origin is the workspace URL's scheme, host and port: the only origin accepted.
	Origin string
	// Name is shown by authenticators: the workspace's display name.
	Name string
}

// NewRelyingParty returns the relying party of workspace w served at workspaceURL (such as
// https://acme.app.example.com or http://acme.localhost:8080). It returns an error if the URL
// is not an absolute http or https URL with a host name.
func NewRelyingParty(w latchkey.Workspace, workspaceURL string) (RelyingParty, error) {
	u, err := url.Parse(workspaceURL)
	if err != nil {
		return RelyingParty{}, fmt.Errorf("relying party of %q: %w", w.Slug, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.User != nil {
		return RelyingParty{}, fmt.Errorf("relying party of %q: %q is not an http(s) URL with a host", w.Slug, workspaceURL)
	}
	name := w.Name
	if name == "" {
		name = w.Slug
	}
	origin := (&url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host)}).String()
	return RelyingParty{WorkspaceID: w.ID, ID: strings.ToLower(u.Hostname()), Origin: origin, Name: name}, nil
}

// Stores is what the service keeps and reads.
type Stores struct {
	Passkeys   latchkey.PasskeyStore
	Ceremonies latchkey.CeremonyStore
	Accounts   latchkey.AccountStore
}

// Config is what New needs: the service's dependencies.
type Config struct {
	Stores
	// Now is the clock: ceremony expiry and LastUsedAt come from it.
	Now func() time.Time
}

// Service runs the ceremonies. It is safe for concurrent use.
type Service struct {
	stores Stores
	now    func() time.Time
}

// New returns a service on d. A nil d.Now means time.Now.
func New(d Config) *Service {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return &Service{stores: d.Stores, now: now}
}

// Begun is a begun ceremony: what the page needs and what the browser keeps.
type Begun struct {
	// Options is the JSON object for the browser: {"publicKey": {...}} in the
	// PublicKeyCredentialCreationOptionsJSON or …RequestOptionsJSON form, binary members
	// base64url-encoded, for PublicKeyCredential.parseCreationOptionsFromJSON (or
	// parseRequestOptionsFromJSON) and navigator.credentials.create (or get).
	Options json.RawMessage
	// Secret goes in the browser's ceremony cookie and comes back to Finish. The store keeps
	// only its hash.
	Secret string
	// ExpiresAt is when the ceremony stops being accepted, for the cookie's lifetime.
	ExpiresAt time.Time
}

// Finish is what every Finish method takes.
type Finish struct {
	RelyingParty RelyingParty
	// Secret is the value of the browser's ceremony cookie.
	Secret string
	// BrowserHash must equal the one given at Begin.
	BrowserHash string
	// Response is the browser's PublicKeyCredential as JSON (the request body).
	Response []byte
}

// webAuthn returns the library's relying party for rp: its one origin, and timeouts that tell
// the browser how long the ceremony lives. Expiry itself is enforced by the ceremony store,
// on the service's clock, not by the library's wall clock.
func webAuthn(rp RelyingParty) (*webauthn.WebAuthn, error) {
	w, err := webauthn.New(&webauthn.Config{
		RPID:          rp.ID,
		RPDisplayName: rp.Name,
		RPOrigins:     []string{rp.Origin},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: latchkey.CeremonyTTL, TimeoutUVD: latchkey.CeremonyTTL},
			Registration: webauthn.TimeoutConfig{Timeout: latchkey.CeremonyTTL, TimeoutUVD: latchkey.CeremonyTTL},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("webauthn relying party %s: %w", rp.ID, err)
	}
	return w, nil
}

// user is an account as the library sees it. The user handle is the account ID's bytes: no
// email or name, which the spec says must not be used as a handle.
type user struct {
	account     latchkey.Account
	credentials []webauthn.Credential
}

func (u *user) WebAuthnID() []byte                         { return []byte(u.account.ID) }
func (u *user) WebAuthnName() string                       { return u.account.Email }
func (u *user) WebAuthnDisplayName() string                { return displayName(u.account) }
func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.credentials }

func displayName(a latchkey.Account) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Email
}

// credential returns p as the library's credential record.
func credential(p latchkey.Passkey) webauthn.Credential {
	var flags protocol.AuthenticatorFlags
	if p.BackupEligible {
		flags |= protocol.FlagBackupEligible
	}
	if p.BackupState {
		flags |= protocol.FlagBackupState
	}
	transports := make([]protocol.AuthenticatorTransport, len(p.Transports))
	for i, t := range p.Transports {
		transports[i] = protocol.AuthenticatorTransport(t)
	}
	return webauthn.Credential{
		ID:              p.CredentialID,
		PublicKey:       p.PublicKey,
		AttestationType: "none",
		Transport:       transports,
		Flags:           webauthn.NewCredentialFlags(flags),
		Authenticator:   webauthn.Authenticator{AAGUID: p.AAGUID, SignCount: p.SignCount},
	}
}

// loadUser reads the account and its passkeys.
func (s *Service) loadUser(ctx context.Context, ws string, a latchkey.Account) (*user, []latchkey.Passkey, error) {
	ps, err := s.stores.Passkeys.Passkeys(ctx, ws, a.ID)
	if err != nil {
		return nil, nil, err
	}
	u := &user{account: a}
	for _, p := range ps {
		u.credentials = append(u.credentials, credential(p))
	}
	return u, ps, nil
}

// begin stores the ceremony of session and returns it with the options for the browser.
func (s *Service) begin(ctx context.Context, rp RelyingParty, accountID string, kind latchkey.CeremonyKind, browserHash string, options any, session *webauthn.SessionData) (Begun, error) {
	opts, err := json.Marshal(options)
	if err != nil {
		return Begun{}, fmt.Errorf("encode %s options: %w", kind, err)
	}
	data, err := json.Marshal(session)
	if err != nil {
		return Begun{}, fmt.Errorf("encode %s session: %w", kind, err)
	}
	secret, id := latchkey.NewSecret()
	c := latchkey.Ceremony{
		ID:          id,
		WorkspaceID: rp.WorkspaceID,
		AccountID:   accountID,
		Kind:        kind,
		SessionData: data,
		BrowserHash: browserHash,
		ExpiresAt:   s.now().Add(latchkey.CeremonyTTL),
	}
	if err := s.stores.Ceremonies.CreateCeremony(ctx, c); err != nil {
		return Begun{}, fmt.Errorf("begin %s: %w", kind, err)
	}
	return Begun{Options: opts, Secret: secret, ExpiresAt: c.ExpiresAt}, nil
}

// consume takes the ceremony of f, once, and checks that it was begun in this browser.
func (s *Service) consume(ctx context.Context, f Finish, kind latchkey.CeremonyKind) (latchkey.Ceremony, webauthn.SessionData, error) {
	c, err := s.stores.Ceremonies.ConsumeCeremony(ctx, f.RelyingParty.WorkspaceID, latchkey.HashSecret(f.Secret), kind, s.now())
	if errors.Is(err, latchkey.ErrNotFound) {
		return c, webauthn.SessionData{}, expired(fmt.Errorf("finish %s: %w", kind, ErrNoCeremony))
	}
	if err != nil {
		return c, webauthn.SessionData{}, fmt.Errorf("finish %s: %w", kind, err)
	}
	// The cookie alone is not enough: the ceremony is bound to the browser that began it.
	if subtle.ConstantTimeCompare([]byte(c.BrowserHash), []byte(f.BrowserHash)) != 1 || f.BrowserHash == "" {
		return c, webauthn.SessionData{}, expired(fmt.Errorf("finish %s: begun in another browser: %w", kind, ErrNoCeremony))
	}
	var session webauthn.SessionData
	if err := json.Unmarshal(c.SessionData, &session); err != nil {
		return c, webauthn.SessionData{}, fmt.Errorf("finish %s: decode session: %w", kind, err)
	}
	return c, session, nil
}

func expired(err error) error {
	return &latchkey.Error{Code: latchkey.CodeExpired, Message: latchkey.MsgChallengeExpired, Err: err}
}

func refused(err error) error {
	return &latchkey.Error{Code: latchkey.CodeUnauthorized, Message: latchkey.MsgPasskeyRefused, Err: err}
}

// verification wraps an error of the library's checks.
func verification(what string, err error) error {
	var unknown *protocol.ErrorUnknownCredential
	if errors.As(err, &unknown) {
		return refused(fmt.Errorf("%s: %w: %w", what, ErrUnknownCredential, err))
	}
	return refused(fmt.Errorf("%s: %w: %w", what, ErrVerification, describe(err)))
}

// describe keeps the library's detail (which check failed) in the error text, for logs.
func describe(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return fmt.Errorf("%w (%s)", err, pe.DevInfo)
	}
	return err
}

// BeginRegistration begins adding a passkey to account a, signed in on workspace rp in the
// browser browserHash names. The options ask for a discoverable credential (resident key
// preferred, so it can sign in without a password), user verification preferred, no
// attestation, and exclude the account's passkeys so an authenticator is not added twice.
func (s *Service) BeginRegistration(ctx context.Context, rp RelyingParty, a latchkey.Account, browserHash string) (Begun, error) {
	if a.WorkspaceID != rp.WorkspaceID {
		return Begun{}, fmt.Errorf("begin registration: account of another workspace: %w", latchkey.ErrNotFound)
	}
	w, err := webAuthn(rp)
	if err != nil {
		return Begun{}, err
	}
	u, _, err := s.loadUser(ctx, rp.WorkspaceID, a)
	if err != nil {
		return Begun{}, fmt.Errorf("begin registration: %w", err)
	}
	rk := false
	options, session, err := w.BeginRegistration(u,
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			RequireResidentKey: &rk,
			ResidentKey:        protocol.ResidentKeyRequirementPreferred,
			UserVerification:   protocol.VerificationPreferred,
		}),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
		webauthn.WithExclusions(webauthn.Credentials(u.credentials).CredentialDescriptors()),
		webauthn.WithRegistrationOrigin(rp.Origin),
		webauthn.WithExtensions(webauthn.WithExtensionCredProps()),
	)
	if err != nil {
		return Begun{}, fmt.Errorf("begin registration: %w", err)
	}
	return s.begin(ctx, rp, a.ID, latchkey.CeremonyRegister, browserHash, options, session)
}

// FinishRegistration checks the browser's answer to BeginRegistration and stores the new
// passkey of the account under name (which must not be longer than
// latchkey.MaxPasskeyNameLength). It consumes the ceremony, whatever the outcome. Returns a
// *latchkey.Error: CodeExpired (no live ceremony for this browser), CodeUnauthorized (the
// response failed a check), CodeConflict (the credential is already a passkey of the
// workspace), CodeInvalid (the name).
func (s *Service) FinishRegistration(ctx context.Context, f Finish, name string) (latchkey.Passkey, error) {
	name = strings.TrimSpace(name)
	if len(name) > latchkey.MaxPasskeyNameLength {
		return latchkey.Passkey{}, latchkey.NewError(latchkey.CodeInvalid, "name", latchkey.MsgPasskeyNameTooLong)
	}
	c, session, err := s.consume(ctx, f, latchkey.CeremonyRegister)
	if err != nil {
		return latchkey.Passkey{}, err
	}
	a, err := s.stores.Accounts.Account(ctx, c.WorkspaceID, c.AccountID)
	if err != nil {
		return latchkey.Passkey{}, fmt.Errorf("finish registration: %w", err)
	}
	u, _, err := s.loadUser(ctx, c.WorkspaceID, a)
	if err != nil {
		return latchkey.Passkey{}, fmt.Errorf("finish registration: %w", err)
	}
	w, err := webAuthn(f.RelyingParty)
	if err != nil {
		return latchkey.Passkey{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(f.Response)
	if err != nil {
		return latchkey.Passkey{}, verification("finish registration: parse response", err)
	}
	cred, err := w.CreateCredential(u, session, parsed)
	if err != nil {
		return latchkey.Passkey{}, verification("finish registration", err)
	}
	if name == "" {
		name = "Passkey"
	}
	now := s.now()
	p := latchkey.Passkey{
		ID:             latchkey.NewID(),
		WorkspaceID:    c.WorkspaceID,
		AccountID:      a.ID,
		CredentialID:   cred.ID,
		PublicKey:      cred.PublicKey,
		SignCount:      cred.Authenticator.SignCount,
		AAGUID:         cred.Authenticator.AAGUID,
		Name:           name,
		BackupEligible: cred.Flags.BackupEligible,
		BackupState:    cred.Flags.BackupState,
		CreatedAt:      now,
	}
	for _, t := range cred.Transport {
		p.Transports = append(p.Transports, string(t))
	}
	if err := s.stores.Passkeys.CreatePasskey(ctx, p); errors.Is(err, latchkey.ErrConflict) {
		return latchkey.Passkey{}, &latchkey.Error{Code: latchkey.CodeConflict, Message: latchkey.MsgPasskeyExists, Err: err}
	} else if err != nil {
		return latchkey.Passkey{}, fmt.Errorf("finish registration: %w", err)
	}
	return p, nil
}

// BeginSecondFactor begins checking a passkey of account a, whose password was just
// accepted, as its second factor: the browser may use only the account's passkeys, with user
// verification preferred. Returns ErrNotFound (wrapped) if the account has no passkey.
func (s *Service) BeginSecondFactor(ctx context.Context, rp RelyingParty, a latchkey.Account, browserHash string) (Begun, error) {
	if a.WorkspaceID != rp.WorkspaceID {
		return Begun{}, fmt.Errorf("begin second factor: account of another workspace: %w", latchkey.ErrNotFound)
	}
	w, err := webAuthn(rp)
	if err != nil {
		return Begun{}, err
	}
	u, _, err := s.loadUser(ctx, rp.WorkspaceID, a)
	if err != nil {
		return Begun{}, fmt.Errorf("begin second factor: %w", err)
	}
	if len(u.credentials) == 0 {
		return Begun{}, fmt.Errorf("begin second factor: account has no passkey: %w", latchkey.ErrNotFound)
	}
	options, session, err := w.BeginLogin(u,
		webauthn.WithUserVerification(protocol.VerificationPreferred),
		webauthn.WithLoginOrigin(rp.Origin),
	)
	if err != nil {
		return Begun{}, fmt.Errorf("begin second factor: %w", err)
	}
	return s.begin(ctx, rp, a.ID, latchkey.CeremonySecondFactor, browserHash, options, session)
}

// Used is a passkey that an assertion was accepted for.
type Used struct {
	Account latchkey.Account
	Passkey latchkey.Passkey // after the use: new SignCount, BackupState and LastUsedAt
	// UserVerified says whether the authenticator verified the user (PIN, biometrics) in
	// this ceremony.
	UserVerified bool
}

// FinishSecondFactor checks the browser's answer to BeginSecondFactor of accountID and
// records the use. It consumes the ceremony, whatever the outcome. Returns a
// *latchkey.Error: CodeExpired (no live ceremony of this account for this browser),
// CodeUnauthorized with ErrVerification, ErrUnknownCredential (a passkey removed since Begin,
// or not the account's) or ErrClonedAuthenticator as its cause.
func (s *Service) FinishSecondFactor(ctx context.Context, f Finish, accountID string) (Used, error) {
	c, session, err := s.consume(ctx, f, latchkey.CeremonySecondFactor)
	if err != nil {
		return Used{}, err
	}
	if c.AccountID != accountID {
		return Used{}, expired(fmt.Errorf("finish second factor: ceremony of another account: %w", ErrNoCeremony))
	}
	a, err := s.stores.Accounts.Account(ctx, c.WorkspaceID, c.AccountID)
	if err != nil {
		return Used{}, fmt.Errorf("finish second factor: %w", err)
	}
	u, ps, err := s.loadUser(ctx, c.WorkspaceID, a)
	if err != nil {
		return Used{}, fmt.Errorf("finish second factor: %w", err)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(f.Response)
	if err != nil {
		return Used{}, verification("finish second factor: parse response", err)
	}
	p, ok := find(ps, parsed.RawID)
	if !ok {
		// Removed since Begin: the library would call this a mismatch with the session.
		return Used{}, refused(fmt.Errorf("finish second factor: %w", ErrUnknownCredential))
	}
	w, err := webAuthn(f.RelyingParty)
	if err != nil {
		return Used{}, err
	}
	// A passkey removed since Begin leaves the allowed list; the others stay usable.
	var allowed [][]byte
	for _, id := range session.AllowedCredentialIDs {
		if _, ok := find(ps, id); ok {
			allowed = append(allowed, id)
		}
	}
	session.AllowedCredentialIDs = allowed
	cred, err := w.ValidateLogin(u, session, parsed)
	if err != nil {
		return Used{}, verification("finish second factor", err)
	}
	return s.use(ctx, a, p, cred, parsed)
}

// BeginPasswordless begins a sign-in with a discoverable passkey on workspace rp: the
// browser offers any passkey it holds for the RP ID, and user verification is required,
// since the passkey is then both factors. The options suit both the Sign in button and
// conditional mediation (autofill).
func (s *Service) BeginPasswordless(ctx context.Context, rp RelyingParty, browserHash string) (Begun, error) {
	w, err := webAuthn(rp)
	if err != nil {
		return Begun{}, err
	}
	options, session, err := w.BeginDiscoverableLogin(
		webauthn.WithUserVerification(protocol.VerificationRequired),
		webauthn.WithLoginOrigin(rp.Origin),
	)
	if err != nil {
		return Begun{}, fmt.Errorf("begin passwordless: %w", err)
	}
	return s.begin(ctx, rp, "", latchkey.CeremonyPasswordless, browserHash, options, session)
}

// FinishPasswordless checks the browser's answer to BeginPasswordless, finds the account
// from the user handle (the account ID) and the credential, both in rp's workspace, and
// records the use. It consumes the ceremony, whatever the outcome. It does not look at the
// account's status: the caller decides who may sign in. Returns a *latchkey.Error:
// CodeExpired (no live ceremony for this browser), CodeUnauthorized with ErrVerification (as
// when the user was not verified), ErrUnknownCredential or ErrClonedAuthenticator as its
// cause.
func (s *Service) FinishPasswordless(ctx context.Context, f Finish) (Used, error) {
	c, session, err := s.consume(ctx, f, latchkey.CeremonyPasswordless)
	if err != nil {
		return Used{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(f.Response)
	if err != nil {
		return Used{}, verification("finish passwordless: parse response", err)
	}
	var found *user
	var used latchkey.Passkey
	var lookupErr error
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		// Both look-ups are scoped to the ceremony's workspace: a handle or credential of
		// another workspace is unknown here.
		a, err := s.stores.Accounts.Account(ctx, c.WorkspaceID, string(userHandle))
		if err != nil {
			lookupErr = err
			return nil, err
		}
		u, ps, err := s.loadUser(ctx, c.WorkspaceID, a)
		if err != nil {
			lookupErr = err
			return nil, err
		}
		p, ok := find(ps, rawID)
		if !ok {
			lookupErr = ErrUnknownCredential
			return nil, ErrUnknownCredential
		}
		found, used = u, p
		return u, nil
	}
	w, err := webAuthn(f.RelyingParty)
	if err != nil {
		return Used{}, err
	}
	_, cred, err := w.ValidatePasskeyLogin(handler, session, parsed)
	switch {
	case errors.Is(lookupErr, ErrUnknownCredential):
		return Used{}, refused(fmt.Errorf("finish passwordless: %w", lookupErr))
	case errors.Is(lookupErr, latchkey.ErrNotFound):
		return Used{}, refused(fmt.Errorf("finish passwordless: no such account: %w: %w", ErrUnknownCredential, lookupErr))
	case lookupErr != nil:
		return Used{}, fmt.Errorf("finish passwordless: %w", lookupErr)
	case err != nil:
		return Used{}, verification("finish passwordless", err)
	}
	return s.use(ctx, found.account, used, cred, parsed)
}

// find returns the passkey of ps with this credential id.
func find(ps []latchkey.Passkey, credentialID []byte) (latchkey.Passkey, bool) {
	for _, p := range ps {
		if bytes.Equal(p.CredentialID, credentialID) {
			return p, true
		}
	}
	return latchkey.Passkey{}, false
}

// use records an accepted assertion of p. The library only flags a counter that did not go
// forward; latchkey refuses it, and the store refuses it again atomically, so that two
// concurrent replays of one assertion cannot both pass.
func (s *Service) use(ctx context.Context, a latchkey.Account, p latchkey.Passkey, cred *webauthn.Credential, parsed *protocol.ParsedCredentialAssertionData) (Used, error) {
	counter := parsed.Response.AuthenticatorData.Counter
	if cred.Authenticator.CloneWarning {
		return Used{}, refused(fmt.Errorf("use passkey: counter %d after %d: %w", counter, p.SignCount, ErrClonedAuthenticator))
	}
	now := s.now()
	bs := parsed.Response.AuthenticatorData.Flags.HasBackupState()
	err := s.stores.Passkeys.UsePasskey(ctx, a.WorkspaceID, p.ID, counter, bs, now)
	switch {
	case errors.Is(err, latchkey.ErrConflict):
		return Used{}, refused(fmt.Errorf("use passkey: %w: %w", ErrClonedAuthenticator, err))
	case errors.Is(err, latchkey.ErrNotFound):
		return Used{}, refused(fmt.Errorf("use passkey: removed meanwhile: %w: %w", ErrUnknownCredential, err))
	case err != nil:
		return Used{}, fmt.Errorf("use passkey: %w", err)
	}
	p.SignCount, p.BackupState, p.LastUsedAt = counter, bs, now.UTC().Truncate(time.Microsecond)
	return Used{Account: a, Passkey: p, UserVerified: parsed.Response.AuthenticatorData.Flags.HasUserVerified()}, nil
}
