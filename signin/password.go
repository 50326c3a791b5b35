package signin

import (
	"context"
	"errors"
	"strings"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/password"
)

// PasswordInput is what the sign-in form sends.
type PasswordInput struct {
	Workspace latchkey.Workspace
	Email     string
	Password  string
	Remember  bool // "Keep me signed in"
	Client    Client
}

// Result is the outcome of a sign-in step that succeeded: either a new session, whose cookie
// value is Secret (the store keeps only its hash), or, after a password when the account has
// two-factor authentication, a pending Challenge whose cookie value is ChallengeSecret. Never
// both.
type Result struct {
	Session latchkey.Session
	Account latchkey.Account
	Secret  string

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
// suspended account (only after the right password), CodeThrottled with the wait, and
// CodeForbidden with MsgPasswordSignInOff when the workspace signs in with SSO only.
func (s *Service) PasswordSignIn(ctx context.Context, in PasswordInput) (Result, error) {
	if in.Workspace.Policy.PasswordSignInOff {
		return Result{}, latchkey.Errorf(latchkey.CodeForbidden, "", latchkey.MsgPasswordSignInOff)
	}
	if err := validateCredentials(in.Email, in.Password); err != nil {
		return Result{}, err
	}
	ws := in.Workspace.ID
	now := s.Now()
	rules := passwordRules("pw", ws, in.Email, in.Client.Addr)
	if wait, err := s.throttled(ctx, rules, now); err != nil {
		return Result{}, err
	} else if wait > 0 {
		s.audit(ctx, latchkey.Event{Type: latchkey.EventThrottled, WorkspaceID: ws, Email: in.Email, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent})
		return Result{}, throttleError(wait)
	}

	acct, err := s.Store.AccountByEmail(ctx, ws, in.Email)
	switch {
	case errors.Is(err, latchkey.ErrNotFound):
		password.VerifyDummy(in.Password)
		s.audit(ctx, latchkey.Event{Type: latchkey.EventUnknownEmail, WorkspaceID: ws, Email: in.Email, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent})
		return Result{}, s.badCredentials(ctx, rules)
	case err != nil:
		return Result{}, wrap("find account", err)
	}
	if !s.passwordMatches(acct, in.Password) {
		s.audit(ctx, event(latchkey.EventWrongPassword, ws, acct, in.Client))
		return Result{}, s.badCredentials(ctx, rules)
	}
	if acct.Status != latchkey.StatusActive {
		s.audit(ctx, event(latchkey.EventNotActive, ws, acct, in.Client))
		return Result{}, latchkey.Errorf(latchkey.CodeForbidden, "", latchkey.MsgNotActive)
	}
	if acct.TwoFactor() {
		// The password is right; the session waits for the second factor. The counters are
		// reset only when the challenge is passed: otherwise a known password would buy fresh
		// code guesses forever. The audit records the decision when the challenge ends.
		return s.startChallenge(ctx, acct, in.Remember, in.Client)
	}
	if err := s.succeed(ctx, rules); err != nil {
		return Result{}, err
	}
	res, err := s.startSession(ctx, acct, in.Remember, in.Client)
	if err != nil {
		return Result{}, err
	}
	s.audit(ctx, event(latchkey.EventSignIn, ws, acct, in.Client))
	return res, nil
}

// passwordMatches verifies pw against the account's hash. An account with no password (invited)
// or a hash that cannot be read costs the same time as a real check and never matches.
func (s *Service) passwordMatches(a latchkey.Account, pw string) bool {
	if a.PasswordHash == "" {
		password.VerifyDummy(pw)
		return false
	}
	ok, err := password.Verify(pw, a.PasswordHash)
	if err != nil {
		s.Log.Error("unreadable password hash", "workspace", a.WorkspaceID, "account", a.ID, "err", err)
		return false
	}
	return ok
}

// badCredentials counts the failure and returns the error to show: the credentials message, or
// the throttle message if this failure starts a wait.
func (s *Service) badCredentials(ctx context.Context, rules []rule) error {
	wait, err := s.fail(ctx, rules, s.Now())
	if err != nil {
		return err
	}
	if wait > 0 {
		return throttleError(wait)
	}
	return latchkey.Errorf(latchkey.CodeUnauthorized, "", latchkey.MsgBadCredentials)
}

func validateCredentials(email, pw string) error {
	email = strings.TrimSpace(email)
	if email == "" {
		return latchkey.Errorf(latchkey.CodeInvalid, "email", latchkey.MsgEmailRequired)
	}
	if err := latchkey.ValidateEmail(email); err != nil {
		return err
	}
	if pw == "" {
		return latchkey.Errorf(latchkey.CodeInvalid, "password", latchkey.MsgPasswordRequired)
	}
	if len(pw) > password.MaxBytes {
		// No stored password can be this long; refuse before hashing so that a huge input
		// costs nothing. Said as a credentials mismatch: it is one.
		return latchkey.Errorf(latchkey.CodeUnauthorized, "", latchkey.MsgBadCredentials)
	}
	return nil
}
