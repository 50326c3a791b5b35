package signin

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/totp"
)

// TOTPSetup is what the set-up page shows: the key as text and as a QR code, and the key sealed
// for the confirmation form (bound to the account and session, so it is useless elsewhere).
type TOTPSetup struct {
	Secret string // base32, for manual entry
	URI    string // otpauth://
	QR     string // data: URL of a PNG
	Sealed string // goes back with the confirmation
}

func setupAAD(a latchkey.Account, sess latchkey.Session) []byte {
	return []byte("totp setup|" + a.WorkspaceID + "|" + a.ID + "|" + sess.ID)
}

// BeginTOTPSetup makes a new authenticator key for the account, with the workspace name as
// issuer and the email as account name. Nothing is stored until ConfirmTOTPSetup.
func (s *Service) BeginTOTPSetup(w latchkey.Workspace, a latchkey.Account, sess latchkey.Session) (TOTPSetup, error) {
	k, err := totp.Generate(w.Name, a.Email)
	if err != nil {
		return TOTPSetup{}, err
	}
	qr, err := totp.QR(k.URI)
	if err != nil {
		return TOTPSetup{}, err
	}
	sealed, err := s.Keys.Seal([]byte(k.Secret), setupAAD(a, sess))
	if err != nil {
		return TOTPSetup{}, wrap("seal totp key", err)
	}
	return TOTPSetup{Secret: k.Secret, URI: k.URI, QR: qr, Sealed: sealed}, nil
}

// ReopenTOTPSetup rebuilds the set-up page from the sealed key, so that a wrong code re-renders
// the same QR code instead of a new one.
func (s *Service) ReopenTOTPSetup(w latchkey.Workspace, a latchkey.Account, sess latchkey.Session, sealed string) (TOTPSetup, error) {
	secret, err := s.Keys.Open(sealed, setupAAD(a, sess))
	if err != nil {
		return TOTPSetup{}, latchkey.NewError(latchkey.CodeExpired, "", latchkey.MsgSetupExpired)
	}
	k, err := totp.KeyFor(w.Name, a.Email, string(secret))
	if err != nil {
		return TOTPSetup{}, err
	}
	qr, err := totp.QR(k.URI)
	if err != nil {
		return TOTPSetup{}, err
	}
	return TOTPSetup{Secret: k.Secret, URI: k.URI, QR: qr, Sealed: sealed}, nil
}

// SetupInput confirms a new authenticator.
type SetupInput struct {
	Workspace latchkey.Workspace
	Account   latchkey.Account
	Session   latchkey.Session
	Sealed    string
	Code      string
	Password  string
	Client    Client
}

// ConfirmTOTPSetup turns two-factor authentication on once the password is given again and the
// first code from the new key is right. It returns a fresh set of recovery codes, to be shown
// once, and the session that replaces in.Session (a new id: see rotate). Errors: CodeInvalid/CodeUnauthorized with the field (password or code), CodeExpired with
// MsgSetupExpired for a sealed key that does not open, CodeConflict if 2FA is already on.
func (s *Service) ConfirmTOTPSetup(ctx context.Context, in SetupInput) ([]string, Result, error) {
	codes, err := s.confirmTOTPSetup(ctx, in)
	if err != nil {
		return nil, Result{}, err
	}
	res, err := s.rotate(ctx, in.Account, in.Session, in.Client)
	return codes, res, err
}

func (s *Service) confirmTOTPSetup(ctx context.Context, in SetupInput) ([]string, error) {
	if err := s.reauthenticate(ctx, in.Account, in.Session, in.Password, true); err != nil {
		return nil, err
	}
	secret, err := s.Keys.Open(in.Sealed, setupAAD(in.Account, in.Session))
	if err != nil {
		return nil, latchkey.NewError(latchkey.CodeExpired, "", latchkey.MsgSetupExpired)
	}
	res, err := totp.Check(string(secret), in.Code, s.Now())
	if errors.Is(err, totp.ErrMalformed) {
		return nil, latchkey.NewError(latchkey.CodeInvalid, "code", latchkey.MsgCodeRequired)
	}
	if err != nil {
		return nil, err
	}
	if !res.OK {
		// The password was given again and the key is the user's own, not yet in use: here,
		// unlike at sign-in, the clock hint gives nothing away and saves a support call.
		switch {
		case res.Drift > 0:
			return nil, latchkey.NewError(latchkey.CodeUnauthorized, "code", fmt.Sprintf(latchkey.MsgClockAhead, driftText(res.Drift)))
		case res.Drift < 0:
			return nil, latchkey.NewError(latchkey.CodeUnauthorized, "code", fmt.Sprintf(latchkey.MsgClockBehind, driftText(-res.Drift)))
		}
		return nil, latchkey.NewError(latchkey.CodeUnauthorized, "code", latchkey.MsgCodeWrong)
	}
	sealed, err := s.Keys.Seal(secret, []byte(in.Account.ID))
	if err != nil {
		return nil, wrap("seal totp secret", err)
	}
	now := s.Now().UTC()
	err = s.Store.UpdateAccount(ctx, in.Account.WorkspaceID, in.Account.ID, func(a *latchkey.Account) error {
		if a.TwoFactor() {
			// A second set-up form (another tab) must not swap the key and the recovery codes
			// the user has just saved.
			return latchkey.NewError(latchkey.CodeConflict, "", latchkey.MsgConflict)
		}
		a.TOTPSecret, a.TOTPEnabledAt, a.UpdatedAt = sealed, now, now
		return nil
	})
	if err != nil {
		return nil, wrap("turn on 2fa", err)
	}
	// The confirming code is spent: it cannot sign anyone in afterwards. A step at or below the
	// last recorded one (2FA on before, on another key) is fine to skip.
	if err := s.Store.AdvanceTOTPStep(ctx, in.Account.WorkspaceID, in.Account.ID, res.Step); err != nil && !errors.Is(err, latchkey.ErrConflict) {
		return nil, wrap("record totp step", err)
	}
	codes, err := s.newRecoveryCodes(ctx, in.Account)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, event(latchkey.EventTwoFactorEnable, in.Account.WorkspaceID, in.Account, in.Client))
	return codes, nil
}

// RegenerateRecoveryCodes replaces the account's recovery codes; the old set stops working at
// once. The password is needed unless the session is younger than Policy.ReauthWindow. It
// returns the session that replaces sess (a new id: see rotate).
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, a latchkey.Account, sess latchkey.Session, pw string, c Client) ([]string, Result, error) {
	if !a.TwoFactor() {
		return nil, Result{}, latchkey.NewError(latchkey.CodeConflict, "", latchkey.MsgTwoFactorNotOn)
	}
	if err := s.reauthenticate(ctx, a, sess, pw, false); err != nil {
		return nil, Result{}, err
	}
	codes, err := s.newRecoveryCodes(ctx, a)
	if err != nil {
		return nil, Result{}, err
	}
	s.audit(ctx, event(latchkey.EventRecoveryCodesNew, a.WorkspaceID, a, c))
	res, err := s.rotate(ctx, a, sess, c)
	return codes, res, err
}

// DisableTOTP turns the authenticator app off; the password is always needed. Refused with
// MsgTwoFactorMandatory when the workspace requires two-factor and no passkey would remain. It returns the session that replaces
// sess (a new id: see rotate).
func (s *Service) DisableTOTP(ctx context.Context, w latchkey.Workspace, a latchkey.Account, sess latchkey.Session, pw string, c Client) (Result, error) {
	if !a.TwoFactor() {
		return Result{}, latchkey.NewError(latchkey.CodeConflict, "", latchkey.MsgTwoFactorNotOn)
	}
	if w.Policy.Require2FA {
		// Required: the authenticator app may go only if a passkey stays as the second factor.
		ps, err := s.Store.Passkeys(ctx, a.WorkspaceID, a.ID)
		if err != nil {
			return Result{}, wrap("list passkeys", err)
		}
		if len(ps) == 0 {
			return Result{}, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgTwoFactorMandatory)
		}
	}
	if err := s.reauthenticate(ctx, a, sess, pw, true); err != nil {
		return Result{}, err
	}
	if err := s.clearTwoFactor(ctx, a); err != nil {
		return Result{}, err
	}
	s.audit(ctx, event(latchkey.EventTwoFactorDisable, a.WorkspaceID, a, c))
	return s.rotate(ctx, a, sess, c)
}

// SecondFactorsReset is a member's second factors being turned off by someone else (see
// ResetSecondFactors).
type SecondFactorsReset struct {
	Workspace latchkey.Workspace
	Account   latchkey.Account // the member
	Actor     latchkey.Actor   // who resets them, recorded in the audit events
	Client    Client
}

// ResetSecondFactors turns every second factor of a member off (a lost phone and no recovery
// codes): the authenticator app, the recovery codes and the passkeys. It ends the member's
// sessions, audits (2fa.reset, and passkey.remove for each passkey, by the actor), and tells
// the member by email. It decides nothing: admin.Service.ResetTwoFactor checks who may, and
// asks the administrator's password again (Reauthenticate).
func (s *Service) ResetSecondFactors(ctx context.Context, in SecondFactorsReset) error {
	w, a, c := in.Workspace, in.Account, in.Client
	if err := s.clearTwoFactor(ctx, a); err != nil {
		return err
	}
	// The member's passkeys go too: a second factor left behind would keep them out.
	ps, err := s.Store.Passkeys(ctx, w.ID, a.ID)
	if err != nil {
		return wrap("list passkeys", err)
	}
	for _, p := range ps {
		if err := s.Store.DeletePasskey(ctx, w.ID, a.ID, p.ID); err != nil && !errors.Is(err, latchkey.ErrNotFound) {
			return wrap("remove passkey", err)
		}
		e := latchkey.Event{Type: latchkey.EventPasskeyRemove, WorkspaceID: w.ID, AccountID: a.ID, ActorID: in.Actor.ID(), Email: a.Email, ClientAddr: c.Addr, UserAgent: c.UserAgent, Detail: p.Name + " (two-factor reset)"}
		s.audit(ctx, e)
	}
	if _, err := s.Store.DeleteAccountSessions(ctx, w.ID, a.ID, ""); err != nil {
		return wrap("end sessions", err)
	}
	s.audit(ctx, latchkey.Event{Type: latchkey.EventTwoFactorReset, WorkspaceID: w.ID, AccountID: a.ID, ActorID: in.Actor.ID(), Email: a.Email, ClientAddr: c.Addr, UserAgent: c.UserAgent})
	return s.mailAccount(ctx, w, a, latchkey.SubjectTwoFactorReset, mail.TemplateTwoFactorReset, mail.TwoFactorResetData{
		WorkspaceName: w.Name, WorkspaceURL: s.WorkspaceURL(w.Slug), Email: a.Email, AdminEmail: in.Actor.Account.Email, Required: w.Policy.Require2FA,
	})
}

func (s *Service) clearTwoFactor(ctx context.Context, a latchkey.Account) error {
	now := s.Now().UTC()
	err := s.Store.UpdateAccount(ctx, a.WorkspaceID, a.ID, func(acc *latchkey.Account) error {
		acc.TOTPSecret, acc.TOTPEnabledAt, acc.UpdatedAt = "", time.Time{}, now
		return nil
	})
	if err != nil {
		return wrap("turn off 2fa", err)
	}
	return wrap("delete recovery codes", s.Store.ReplaceRecoveryCodes(ctx, a.WorkspaceID, a.ID, nil))
}

// NeedsReauth reports whether a security change from this session needs the password again:
// it does once the session is Policy.ReauthWindow old. Pages use it to show the password field.
func (s *Service) NeedsReauth(sess latchkey.Session) bool {
	return s.Now().Sub(sess.CreatedAt) >= s.Policy.ReauthWindow
}

// Reauthenticate asks the password of a again, whatever the age of its session sess: for an
// administrator's action on someone else's security (ResetSecondFactors), where a session left
// open must not be enough. A wrong password counts toward the sign-in throttle. Errors:
// CodeInvalid (MsgReauthRequired) for no password, CodeUnauthorized (MsgReauthWrong), and
// CodeThrottled.
func (s *Service) Reauthenticate(ctx context.Context, a latchkey.Account, sess latchkey.Session, pw string) error {
	return s.reauthenticate(ctx, a, sess, pw, true)
}

// reauthenticate checks the password again for a security change. Unless always, a session
// younger than Policy.ReauthWindow needs none. A wrong password counts toward the sign-in
// throttle, so this is no side door for guessing.
func (s *Service) reauthenticate(ctx context.Context, a latchkey.Account, sess latchkey.Session, pw string, always bool) error {
	if !always && pw == "" && !s.NeedsReauth(sess) {
		return nil
	}
	if pw == "" {
		return latchkey.NewError(latchkey.CodeInvalid, "password", latchkey.MsgReauthRequired)
	}
	if len(pw) > password.MaxBytes {
		return latchkey.NewError(latchkey.CodeUnauthorized, "password", latchkey.MsgReauthWrong)
	}
	// The session proves the device: the per-account rule, which others can fill, does not
	// refuse it (passwordRules).
	rules := passwordRules("pw", a.WorkspaceID, a.Email, sess.ClientAddr, true)
	ev := event("", a.WorkspaceID, a, Client{Addr: sess.ClientAddr, UserAgent: sess.UserAgent})
	ev.Detail = "reauthentication"
	return s.checkPassword(ctx, &a, pw, rules, ev, latchkey.NewError(latchkey.CodeUnauthorized, "password", latchkey.MsgReauthWrong))
}

// newRecoveryCodes makes and stores a fresh set, returning the codes formatted for display.
func (s *Service) newRecoveryCodes(ctx context.Context, a latchkey.Account) ([]string, error) {
	now := s.Now().UTC()
	shown := make([]string, RecoveryCount)
	stored := make([]latchkey.RecoveryCode, RecoveryCount)
	for i := range shown {
		code := randomRecoveryCode()
		h, err := s.Passwords.HashLight(ctx, code)
		if err != nil {
			return nil, err
		}
		stored[i] = latchkey.RecoveryCode{ID: latchkey.NewID(), Hash: h, CreatedAt: now}
		shown[i] = code[0:4] + "-" + code[4:8] + "-" + code[8:12] + "-" + code[12:16]
	}
	if err := s.Store.ReplaceRecoveryCodes(ctx, a.WorkspaceID, a.ID, stored); err != nil {
		return nil, wrap("store recovery codes", err)
	}
	return shown, nil
}

// randomRecoveryCode draws recoveryLen characters uniformly from recoveryAlphabet (rejection
// sampling keeps the draw unbiased).
func randomRecoveryCode() string {
	var b strings.Builder
	buf := make([]byte, 1)
	limit := byte(256 - 256%len(recoveryAlphabet))
	for b.Len() < recoveryLen {
		rand.Read(buf)
		if buf[0] >= limit {
			continue
		}
		b.WriteByte(recoveryAlphabet[int(buf[0])%len(recoveryAlphabet)])
	}
	return b.String()
}
