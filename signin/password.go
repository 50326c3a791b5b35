package signin

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/password"
)

// PasswordInput is what the sign-in form sends.
type PasswordInput struct {
	Workspace latchkey.Workspace
	Email     string
	Password  string
	Remember  bool // "Keep me signed in"
	// Device is the browser's device cookie, if it has one; PreviousSession the secret of the
	// session cookie it still carries, which a successful sign-in ends (one browser, one session).
	Device          string
	PreviousSession string
	Client          Client
}

// Result is the outcome of a sign-in step that succeeded: either a new session, whose cookie
// value is Secret (the store keeps only its hash), or, after a password when the account has
// two-factor authentication, a pending Challenge whose cookie value is ChallengeSecret. Never
// both. Device is the device cookie to set with a session.
type Result struct {
	Session latchkey.Session
	Account latchkey.Account
	Secret  string
	Device  string

	Challenge       latchkey.Challenge
	ChallengeSecret string

	UsedRecovery bool // signed in with a recovery code
	RecoveryLeft int  // recovery codes that remain, when UsedRecovery
}

// Pending reports whether the result is a challenge still to pass rather than a session.
func (r Result) Pending() bool { return r.Challenge.ID != "" }

// PasswordSignIn checks an email and password. It returns a new session, or an *latchkey.Error:
// CodeInvalid for a missing or malformed field, CodeUnauthorized with MsgBadCredentials for a
// wrong password and an unknown email alike, CodeForbidden with MsgNotActive for an invited or
// suspended account (only after the right password), CodeThrottled with the wait,
// CodeUnavailable with MsgBusy when password hashing is saturated, and CodeForbidden with
// MsgPasswordSignInOff when the workspace signs in with SSO only.
func (s *Service) PasswordSignIn(ctx context.Context, in PasswordInput) (Result, error) {
	if in.Workspace.Policy.PasswordSignInOff {
		return Result{}, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgPasswordSignInOff)
	}
	if err := validateCredentials(in.Email, in.Password); err != nil {
		return Result{}, err
	}
	ws := in.Workspace.ID
	acct, err := s.Store.AccountByEmail(ctx, ws, in.Email)
	var found *latchkey.Account
	switch {
	case err == nil:
		found = &acct
	case !errors.Is(err, latchkey.ErrNotFound):
		return Result{}, wrap("find account", err)
	}
	known := found != nil && s.KnownDevice(in.Device, ws, acct.ID)
	rules := passwordRules("pw", ws, in.Email, in.Client.Addr, known)
	ev := latchkey.Event{WorkspaceID: ws, Email: in.Email, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent}
	if found != nil {
		ev = event("", ws, acct, in.Client)
	}
	if err := s.verifyPassword(ctx, found, in.Password, rules, ev, latchkey.NewError(latchkey.CodeUnauthorized, "", latchkey.MsgBadCredentials)); err != nil {
		return Result{}, err
	}
	if acct.Status != latchkey.StatusActive {
		if err := s.forgive(ctx, rules); err != nil {
			return Result{}, err
		}
		e := event(latchkey.EventNotActive, ws, acct, in.Client)
		e.Detail = latchkey.NotActiveDetail(acct.Status)
		s.audit(ctx, e)
		return Result{}, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgNotActive)
	}
	second, err := s.HasSecondFactor(ctx, acct)
	if err != nil {
		return Result{}, err
	}
	if second {
		// The password is right; the session waits for the second factor. The guess's count
		// comes off, but the counters are reset only when the challenge is passed: otherwise a
		// known password would buy fresh code guesses forever. The audit records the decision
		// when the challenge ends.
		if err := s.forgive(ctx, rules); err != nil {
			return Result{}, err
		}
		return s.startChallenge(ctx, acct, in, known)
	}
	return s.finishSignIn(ctx, acct, signInInput{Remember: in.Remember, Device: in.Device, Previous: in.PreviousSession, Client: in.Client, Method: "password", Settle: rules})
}

// checkPassword is the one password check of every flow that takes a password (sign-in,
// reauthentication, changing the password). It counts the guess against rules first, while it
// holds a hashing slot, then verifies pw against a's hash (the dummy hash for a nil account or
// one without a password, so that the time is the same). It audits every refusal with ev's
// fields and returns nil for the right password; otherwise the throttle error (the guess was
// not checked, or its failure starts a wait), wrong (the error to show for a wrong password),
// or CodeUnavailable with MsgBusy when hashing is saturated.
func (s *Service) checkPassword(ctx context.Context, a *latchkey.Account, pw string, rules []rule, ev latchkey.Event, wrong *latchkey.Error) error {
	if err := s.verifyPassword(ctx, a, pw, rules, ev, wrong); err != nil {
		return err
	}
	// A right password is no failure: its count comes off again, so that, as before the count
	// moved ahead of the check, only wrong guesses fill the throttle.
	return s.forgive(ctx, rules)
}

// verifyPassword is checkPassword without taking the right guess's count back: the caller
// settles the counters itself (a sign-in does, in its transaction: signInInput.Settle).
func (s *Service) verifyPassword(ctx context.Context, a *latchkey.Account, pw string, rules []rule, ev latchkey.Event, wrong *latchkey.Error) error {
	hash := ""
	if a != nil {
		hash = a.PasswordHash
	}
	var after time.Duration
	ok, err := s.Passwords.VerifyAfter(ctx, pw, hash, func() error {
		var err error
		after, err = s.countGuess(ctx, rules, s.Now())
		return err
	})
	switch {
	case errors.Is(err, password.ErrBusy):
		return busyError()
	case latchkey.ErrorCode(err) == latchkey.CodeThrottled:
		ev.Type = latchkey.EventThrottled
		ev.Detail = throttledDetail(err, s.Now())
		s.audit(ctx, ev)
		return err
	case errors.Is(err, password.ErrMalformed):
		s.Log.Error("unreadable password hash", "workspace", a.WorkspaceID, "account", a.ID, "err", err)
	case err != nil:
		return err
	}
	if ok {
		return nil
	}
	ev.Type = latchkey.EventWrongPassword
	if a == nil {
		ev.Type = latchkey.EventUnknownEmail
	}
	if after > 0 {
		ev.Detail = latchkey.ThrottledDetail(s.Now().Add(after))
	}
	s.audit(ctx, ev)
	if after > 0 {
		return throttleError(after)
	}
	return wrong
}

// busyError is what a user sees when password hashing is saturated: try again in a moment.
func busyError() error {
	return &latchkey.Error{Code: latchkey.CodeUnavailable, Message: latchkey.MsgBusy, RetryAfter: 5 * time.Second}
}

func validateCredentials(email, pw string) error {
	email = strings.TrimSpace(email)
	if email == "" {
		return latchkey.NewError(latchkey.CodeInvalid, "email", latchkey.MsgEmailRequired)
	}
	if err := latchkey.ValidateEmail(email); err != nil {
		return err
	}
	if pw == "" {
		return latchkey.NewError(latchkey.CodeInvalid, "password", latchkey.MsgPasswordRequired)
	}
	if len(pw) > password.MaxBytes {
		// No stored password can be this long; refuse before hashing so that a huge input
		// costs nothing. Said as a credentials mismatch: it is one.
		return latchkey.NewError(latchkey.CodeUnauthorized, "", latchkey.MsgBadCredentials)
	}
	return nil
}
