package signin

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/passkey"
)

// Passkeys: adding and removing them on the profile, using one as the second factor at the
// challenge, and signing in with one and no password. The ceremonies are package passkey's;
// this file decides who may run them, throttles and audits them, and ends sign-ins in
// finishSignIn.
//
// Each ceremony is bound to the browser that began it by a hash given at begin and checked at
// finish: the session's lineage for adding a passkey, the challenge cookie for the second
// factor, the form nonce for passwordless sign-in.

// relyingParty is the workspace as a WebAuthn relying party: its own host.
func (s *Service) relyingParty(w latchkey.Workspace) (passkey.RelyingParty, error) {
	rp, err := passkey.NewRelyingParty(w, s.WorkspaceURL(w.Slug))
	return rp, wrap("relying party", err)
}

func sessionBinding(sess latchkey.Session) string {
	return latchkey.HashSecret("s:" + sess.AccountID + ":" + strconv.FormatInt(sess.CreatedAt.UnixMicro(), 10))
}

func challengeBinding(secret string) string { return latchkey.HashSecret("c:" + secret) }

func nonceBinding(nonce string) string {
	if nonce == "" {
		return ""
	}
	return latchkey.HashSecret("n:" + nonce)
}

// HasSecondFactor reports whether the account has a second factor: an authenticator app
// (TOTP) or at least one passkey. A passkey counts as two-factor authentication for a
// workspace that requires it, and an account with one is challenged after its password.
func (s *Service) HasSecondFactor(ctx context.Context, a latchkey.Account) (bool, error) {
	if a.TwoFactor() {
		return true, nil
	}
	ps, err := s.Store.Passkeys(ctx, a.WorkspaceID, a.ID)
	if err != nil {
		return false, wrap("list passkeys", err)
	}
	return len(ps) > 0, nil
}

// Passkeys lists the account's passkeys, oldest first, with their last use and AAGUID.
func (s *Service) Passkeys(ctx context.Context, a latchkey.Account) ([]latchkey.Passkey, error) {
	ps, err := s.Store.Passkeys(ctx, a.WorkspaceID, a.ID)
	return ps, wrap("list passkeys", err)
}

// BeginAddPasskey begins adding a passkey to the signed-in account. The ceremony is bound to
// the session (its lineage, so that a rotation in another tab does not break it).
func (s *Service) BeginAddPasskey(ctx context.Context, w latchkey.Workspace, a latchkey.Account, sess latchkey.Session) (passkey.Begun, error) {
	rp, err := s.relyingParty(w)
	if err != nil {
		return passkey.Begun{}, err
	}
	return s.passkeys.BeginRegistration(ctx, rp, a, sessionBinding(sess))
}

// PasskeyInput is what the browser sends to finish a passkey ceremony: the ceremony cookie
// (Secret) and the credential as JSON (Response), with the cookies that bind the ceremony
// and those a sign-in reads.
type PasskeyInput struct {
	Workspace latchkey.Workspace
	Secret    string // the ceremony cookie
	Response  []byte // the PublicKeyCredential's JSON
	// Adding: the signed-in account and session, and the passkey's name.
	Account latchkey.Account
	Session latchkey.Session
	Name    string
	// Signing in: the challenge cookie (second factor) or the form nonce (passwordless), the
	// device and session cookies, and "Keep me signed in" (passwordless).
	ChallengeSecret string
	Nonce           string
	Device          string
	PreviousSession string
	Remember        bool
	Client          Client
}

// AddPasskey finishes adding a passkey to the signed-in account, audits it (passkey.add) and
// replaces the session with a new id, as for any new second factor (see rotate). Errors are
// passkey.FinishRegistration's; a refused one is audited (signin.passkey_refused).
func (s *Service) AddPasskey(ctx context.Context, in PasskeyInput) (latchkey.Passkey, Result, error) {
	rp, err := s.relyingParty(in.Workspace)
	if err != nil {
		return latchkey.Passkey{}, Result{}, err
	}
	p, err := s.passkeys.FinishRegistration(ctx, passkey.Finish{RelyingParty: rp, Secret: in.Secret, BrowserHash: sessionBinding(in.Session), Response: in.Response}, in.Name)
	if err != nil {
		s.refusedPasskey(ctx, in.Workspace.ID, in.Account, in.Client, "add", err)
		return latchkey.Passkey{}, Result{}, err
	}
	e := event(latchkey.EventPasskeyAdd, in.Workspace.ID, in.Account, in.Client)
	e.Detail = p.Name
	s.audit(ctx, e)
	res, err := s.rotate(ctx, in.Account, in.Session, in.Client)
	return p, res, err
}

// RemovePasskeyInput names a passkey of the signed-in account to remove, with the password,
// asked again every time (as turning two-factor off is).
type RemovePasskeyInput struct {
	Workspace latchkey.Workspace
	Account   latchkey.Account
	Session   latchkey.Session
	ID        string
	Password  string
	Client    Client
}

// RemovePasskey removes one of the account's passkeys after checking the password again,
// audits it (passkey.remove) and replaces the session with a new id. Errors: the
// reauthentication errors (CodeInvalid, CodeUnauthorized, CodeThrottled); CodeNotFound with
// MsgPasskeyGone if the account has no such passkey.
func (s *Service) RemovePasskey(ctx context.Context, in RemovePasskeyInput) (Result, error) {
	if err := s.reauthenticate(ctx, in.Account, in.Session, in.Password, true); err != nil {
		return Result{}, err
	}
	p, err := s.Store.Passkey(ctx, in.Workspace.ID, in.ID)
	if errors.Is(err, latchkey.ErrNotFound) || err == nil && p.AccountID != in.Account.ID {
		return Result{}, latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgPasskeyGone)
	}
	if err != nil {
		return Result{}, wrap("read passkey", err)
	}
	if in.Workspace.Policy.Require2FA && !in.Account.TwoFactor() {
		// Required: the last passkey of an account without the authenticator app stays.
		ps, err := s.Store.Passkeys(ctx, in.Workspace.ID, in.Account.ID)
		if err != nil {
			return Result{}, wrap("list passkeys", err)
		}
		if len(ps) <= 1 {
			return Result{}, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgTwoFactorMandatory)
		}
	}
	if err := s.Store.DeletePasskey(ctx, in.Workspace.ID, in.Account.ID, in.ID); errors.Is(err, latchkey.ErrNotFound) {
		return Result{}, latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgPasskeyGone)
	} else if err != nil {
		return Result{}, wrap("remove passkey", err)
	}
	e := event(latchkey.EventPasskeyRemove, in.Workspace.ID, in.Account, in.Client)
	e.Detail = p.Name
	s.audit(ctx, e)
	return s.rotate(ctx, in.Account, in.Session, in.Client)
}

// BeginPasskeyChallenge begins checking a passkey as the second factor of the pending
// challenge whose cookie is challengeSecret. Errors: CodeExpired with MsgChallengeExpired for
// no live challenge; CodeNotFound (wrapping ErrNotFound) if the account has no passkey.
func (s *Service) BeginPasskeyChallenge(ctx context.Context, w latchkey.Workspace, challengeSecret string) (passkey.Begun, error) {
	ch, err := s.Challenge(ctx, w.ID, challengeSecret)
	if err != nil {
		return passkey.Begun{}, err
	}
	a, err := s.Store.Account(ctx, w.ID, ch.AccountID)
	if errors.Is(err, latchkey.ErrNotFound) || err == nil && a.Status != latchkey.StatusActive {
		return passkey.Begun{}, challengeExpired()
	}
	if err != nil {
		return passkey.Begun{}, wrap("find account", err)
	}
	rp, err := s.relyingParty(w)
	if err != nil {
		return passkey.Begun{}, err
	}
	b, err := s.passkeys.BeginSecondFactor(ctx, rp, a, challengeBinding(challengeSecret))
	if errors.Is(err, latchkey.ErrNotFound) {
		return passkey.Begun{}, &latchkey.Error{Code: latchkey.CodeNotFound, Message: latchkey.MsgPasskeyRefused, Err: err}
	}
	return b, err
}

// ChallengeFactors reports which second factors the account of a live challenge has: an
// authenticator app, and passkeys, for the challenge page to offer. Errors as Challenge.
func (s *Service) ChallengeFactors(ctx context.Context, ws, challengeSecret string) (app, passkeys bool, err error) {
	ch, err := s.Challenge(ctx, ws, challengeSecret)
	if err != nil {
		return false, false, err
	}
	a, err := s.Store.Account(ctx, ws, ch.AccountID)
	if errors.Is(err, latchkey.ErrNotFound) {
		return false, false, challengeExpired()
	}
	if err != nil {
		return false, false, wrap("find account", err)
	}
	ps, err := s.Store.Passkeys(ctx, ws, a.ID)
	if err != nil {
		return false, false, wrap("list passkeys", err)
	}
	return a.TwoFactor(), len(ps) > 0, nil
}

// VerifyPasskey passes a challenge with a passkey. The attempt is counted before the
// passkey is checked, like a code: one of the challenge's MaxChallengeAttempts and one guess
// on the sign-in throttle. A refused passkey is audited (signin.passkey_refused, with the
// cause), an accepted one too (signin.passkey), and the sign-in ends in finishSignIn with the
// method "passkey". Errors: as VerifyTOTP, with MsgPasskeyRefused for a refused passkey, and
// CodeExpired (passkey.ErrNoCeremony) for a ceremony that is gone or of another browser.
func (s *Service) VerifyPasskey(ctx context.Context, in PasskeyInput) (Result, error) {
	code := CodeInput{Workspace: in.Workspace, ChallengeSecret: in.ChallengeSecret, Device: in.Device, PreviousSession: in.PreviousSession, Client: in.Client}
	ch, a, rules, after, err := s.challengeAttempt(ctx, code)
	if err != nil {
		return Result{}, err
	}
	rp, err := s.relyingParty(in.Workspace)
	if err != nil {
		return Result{}, err
	}
	used, err := s.passkeys.FinishSecondFactor(ctx, passkey.Finish{RelyingParty: rp, Secret: in.Secret, BrowserHash: challengeBinding(in.ChallengeSecret), Response: in.Response}, a.ID)
	if err != nil {
		s.refusedPasskey(ctx, a.WorkspaceID, a, in.Client, "second factor", err)
		if latchkey.ErrorCode(err) != latchkey.CodeUnauthorized {
			return Result{}, err
		}
		return Result{}, s.wrongCode(ctx, ch, after, latchkey.MsgPasskeyRefused)
	}
	s.usedPasskey(ctx, used, in.Client, "second factor")
	return s.passChallenge(ctx, ch, a, rules, code, "passkey")
}

// passkeyRules throttle passwordless sign-in: the account is not known before the check, so
// failures count per (workspace, address), like the per-address rule of passwords.
func passkeyRules(ws, addr string) []rule {
	return []rule{{key: "pk:addr:" + ws + ":" + addr, window: AddrWindow, wait: addrWait, keep: true}}
}

// PasskeyBeginLimit bounds how many passwordless ceremonies one client address may begin on a
// workspace in an hour. Each begin stores a ceremony (until it expires), and the sign-in page
// begins one on every load for the browser's autofill, so the bound is generous.
const PasskeyBeginLimit = 300

func beginRule(ws, addr string) rule {
	return rule{key: "pk:begin:" + ws + ":" + addr, window: time.Hour, keep: true, wait: func(c latchkey.Counter, now time.Time) time.Duration {
		if c.Count < PasskeyBeginLimit {
			return 0
		}
		return remaining(c.First.Add(time.Hour), now)
	}}
}

func passkeySignInOff() error {
	return latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgPasskeySignInOff)
}

// BeginPasskeySignIn begins a sign-in with a passkey and no password, bound to the browser's
// form nonce, for the client at addr. Errors: CodeForbidden with MsgPasskeySignInOff when the
// workspace turned passkey sign-in off; CodeInvalid without a nonce; CodeThrottled past
// PasskeyBeginLimit begins an hour from addr.
func (s *Service) BeginPasskeySignIn(ctx context.Context, w latchkey.Workspace, nonce string, c Client) (passkey.Begun, error) {
	if w.Policy.PasskeySignInOff {
		return passkey.Begun{}, passkeySignInOff()
	}
	if nonce == "" {
		return passkey.Begun{}, latchkey.NewError(latchkey.CodeInvalid, "", latchkey.MsgFormExpired)
	}
	if _, err := s.countGuess(ctx, []rule{beginRule(w.ID, c.Addr)}, s.Now()); err != nil {
		return passkey.Begun{}, err
	}
	rp, err := s.relyingParty(w)
	if err != nil {
		return passkey.Begun{}, err
	}
	return s.passkeys.BeginPasswordless(ctx, rp, nonceBinding(nonce))
}

// PasskeySignIn signs in with a discoverable passkey, verified by the user (PIN or
// biometrics): both factors at once, so there is no further challenge. The attempt is counted
// on the throttle before the passkey is checked. The account must be active. It ends in
// finishSignIn with the method "passkey". Errors: CodeForbidden with MsgPasskeySignInOff or
// MsgNotActive; CodeThrottled; CodeExpired (passkey.ErrNoCeremony); CodeUnauthorized with
// MsgPasskeyRefused (passkey.ErrVerification, ErrUnknownCredential, ErrClonedAuthenticator).
func (s *Service) PasskeySignIn(ctx context.Context, in PasskeyInput) (Result, error) {
	ws := in.Workspace.ID
	if in.Workspace.Policy.PasskeySignInOff {
		return Result{}, passkeySignInOff()
	}
	rules := passkeyRules(ws, in.Client.Addr)
	after, err := s.countGuess(ctx, rules, s.Now())
	if err != nil {
		if latchkey.ErrorCode(err) == latchkey.CodeThrottled {
			s.audit(ctx, latchkey.Event{Type: latchkey.EventThrottled, WorkspaceID: ws, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: "passkey"})
		}
		return Result{}, err
	}
	rp, err := s.relyingParty(in.Workspace)
	if err != nil {
		return Result{}, err
	}
	used, err := s.passkeys.FinishPasswordless(ctx, passkey.Finish{RelyingParty: rp, Secret: in.Secret, BrowserHash: nonceBinding(in.Nonce), Response: in.Response})
	if err == nil && !used.UserVerified {
		// The options require verification and the library checks it; this is the second lock.
		err = &latchkey.Error{Code: latchkey.CodeUnauthorized, Message: latchkey.MsgPasskeyRefused, Err: passkey.ErrVerification}
	}
	if err != nil {
		s.refusedPasskey(ctx, ws, used.Account, in.Client, "sign-in", err)
		if after > 0 && latchkey.ErrorCode(err) == latchkey.CodeUnauthorized {
			return Result{}, throttleError(after)
		}
		return Result{}, err
	}
	a := used.Account
	if a.Status != latchkey.StatusActive {
		s.audit(ctx, event(latchkey.EventNotActive, ws, a, in.Client))
		return Result{}, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgNotActive)
	}
	if err := s.forgive(ctx, rules); err != nil {
		return Result{}, err
	}
	s.usedPasskey(ctx, used, in.Client, "passwordless")
	return s.finishSignIn(ctx, a, signInInput{Remember: in.Remember, Device: in.Device, Previous: in.PreviousSession, Client: in.Client, Method: "passkey"})
}

// usedPasskey audits an accepted passkey (signin.passkey).
func (s *Service) usedPasskey(ctx context.Context, u passkey.Used, c Client, how string) {
	e := event(latchkey.EventPasskeyUsed, u.Account.WorkspaceID, u.Account, c)
	e.Detail = how + ": " + u.Passkey.Name
	s.audit(ctx, e)
}

// refusedPasskey audits a refused passkey (signin.passkey_refused) with why, for the
// administrators; the person sees only MsgPasskeyRefused.
func (s *Service) refusedPasskey(ctx context.Context, ws string, a latchkey.Account, c Client, how string, err error) {
	why := "refused"
	switch {
	case errors.Is(err, passkey.ErrNoCeremony):
		why = "no live ceremony"
	case errors.Is(err, passkey.ErrClonedAuthenticator):
		why = "signature counter did not increase (cloned authenticator or replay)"
	case errors.Is(err, passkey.ErrUnknownCredential):
		why = "unknown or removed passkey"
	case errors.Is(err, passkey.ErrVerification):
		why = "response not verified"
	case latchkey.ErrorCode(err) == latchkey.CodeConflict:
		why = "already added"
	case latchkey.ErrorCode(err) == latchkey.CodeInvalid:
		why = "invalid name"
	}
	e := event(latchkey.EventPasskeyRefused, ws, a, c)
	e.Detail = how + ": " + why
	s.audit(ctx, e)
	if latchkey.ErrorCode(err) == latchkey.CodeInternal {
		s.Log.Error("passkey ceremony", "workspace", ws, "err", err)
	}
}
