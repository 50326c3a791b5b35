package signin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/totp"
)

// MaxChallengeAttempts is how many wrong codes end a challenge.
const MaxChallengeAttempts = 5

// startChallenge begins the second step for an account whose password was just accepted. No
// session exists until the challenge is passed; the challenge's own cookie binds it to this
// browser.
func (s *Service) startChallenge(ctx context.Context, a latchkey.Account, remember bool, c Client) (Result, error) {
	now := s.Now().UTC()
	secret, hash := latchkey.NewSecret()
	ch := latchkey.Challenge{
		ID: hash, WorkspaceID: a.WorkspaceID, AccountID: a.ID,
		CreatedAt: now, ExpiresAt: now.Add(s.Policy.ChallengeTTL),
		Remember: remember, ClientAddr: c.Addr, UserAgent: truncate(c.UserAgent, 512),
	}
	if err := s.Store.CreateChallenge(ctx, ch); err != nil {
		return Result{}, wrap("create challenge", err)
	}
	return Result{Account: a, Challenge: ch, ChallengeSecret: secret}, nil
}

func challengeExpired() error {
	return latchkey.Errorf(latchkey.CodeExpired, "", latchkey.MsgChallengeExpired)
}

// Challenge returns the live challenge whose cookie value is secret, or an *latchkey.Error with
// CodeExpired and MsgChallengeExpired (deleting it if it timed out).
func (s *Service) Challenge(ctx context.Context, ws, secret string) (latchkey.Challenge, error) {
	if secret == "" || len(secret) > 128 {
		return latchkey.Challenge{}, challengeExpired()
	}
	ch, err := s.Store.Challenge(ctx, ws, latchkey.HashSecret(secret))
	if errors.Is(err, latchkey.ErrNotFound) {
		return latchkey.Challenge{}, challengeExpired()
	}
	if err != nil {
		return latchkey.Challenge{}, wrap("read challenge", err)
	}
	if !s.Now().Before(ch.ExpiresAt) {
		if err := s.Store.DeleteChallenge(ctx, ws, ch.ID); err != nil {
			return latchkey.Challenge{}, wrap("delete challenge", err)
		}
		s.audit(ctx, latchkey.Event{Type: latchkey.EventChallengeExpired, WorkspaceID: ws, AccountID: ch.AccountID, ClientAddr: ch.ClientAddr, UserAgent: ch.UserAgent})
		return latchkey.Challenge{}, challengeExpired()
	}
	return ch, nil
}

// CodeInput is what the two-factor page sends: the challenge cookie and a code (an
// authenticator code or a recovery code).
type CodeInput struct {
	Workspace       latchkey.Workspace
	ChallengeSecret string
	Code            string
	Client          Client
}

// challengeAccount loads the challenge and its account, and checks the throttle. It returns the
// rules to count a failure against.
func (s *Service) challengeAccount(ctx context.Context, in CodeInput) (latchkey.Challenge, latchkey.Account, []rule, error) {
	ch, err := s.Challenge(ctx, in.Workspace.ID, in.ChallengeSecret)
	if err != nil {
		return ch, latchkey.Account{}, nil, err
	}
	a, err := s.Store.Account(ctx, in.Workspace.ID, ch.AccountID)
	if errors.Is(err, latchkey.ErrNotFound) {
		return ch, a, nil, challengeExpired()
	}
	if err != nil {
		return ch, a, nil, wrap("find account", err)
	}
	if a.Status != latchkey.StatusActive || !a.TwoFactor() {
		// Suspended, or 2FA reset by an administrator, while the challenge was open.
		s.Store.DeleteChallenge(ctx, in.Workspace.ID, ch.ID)
		return ch, a, nil, challengeExpired()
	}
	// Wrong codes count toward the same throttle as wrong passwords, keyed by the account's email.
	rules := passwordRules("pw", in.Workspace.ID, a.Email, in.Client.Addr)
	wait, err := s.throttled(ctx, rules, s.Now())
	if err != nil {
		return ch, a, nil, err
	}
	if wait > 0 {
		s.audit(ctx, event(latchkey.EventThrottled, a.WorkspaceID, a, in.Client))
		return ch, a, nil, throttleError(wait)
	}
	return ch, a, rules, nil
}

// VerifyTOTP passes a challenge with an authenticator code. A code's time step is accepted at
// most once per account, also under concurrent submissions. Errors: CodeExpired with
// MsgChallengeExpired; CodeInvalid for an empty or malformed code (not counted); CodeUnauthorized
// for a wrong, replayed or clock-skewed code (counted); CodeExpired with MsgTooManyCodes after
// MaxChallengeAttempts; CodeThrottled.
func (s *Service) VerifyTOTP(ctx context.Context, in CodeInput) (Result, error) {
	code := totp.Normalize(in.Code)
	if code == "" {
		return Result{}, latchkey.Errorf(latchkey.CodeInvalid, "code", latchkey.MsgCodeRequired)
	}
	ch, a, rules, err := s.challengeAccount(ctx, in)
	if err != nil {
		return Result{}, err
	}
	seed, err := s.Keys.Open(a.TOTPSecret, []byte(a.ID))
	if err != nil {
		return Result{}, wrap("open totp secret", err)
	}
	res, err := totp.Check(string(seed), code, s.Now())
	if errors.Is(err, totp.ErrMalformed) {
		return Result{}, latchkey.Errorf(latchkey.CodeInvalid, "code", latchkey.MsgCodeRequired)
	}
	if err != nil {
		return Result{}, err
	}
	if !res.OK {
		// A positive drift is a code of a later step: the device's clock is ahead.
		msg := latchkey.MsgCodeWrong
		if res.Drift > 0 {
			msg = fmt.Sprintf(latchkey.MsgClockAhead, driftText(res.Drift))
		} else if res.Drift < 0 {
			msg = fmt.Sprintf(latchkey.MsgClockBehind, driftText(-res.Drift))
		}
		s.audit(ctx, latchkey.Event{Type: latchkey.EventTwoFactorFailed, WorkspaceID: a.WorkspaceID, AccountID: a.ID, Email: a.Email, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: "totp"})
		return Result{}, s.wrongCode(ctx, ch, rules, msg)
	}
	switch err := s.Store.AdvanceTOTPStep(ctx, a.WorkspaceID, a.ID, res.Step); {
	case errors.Is(err, latchkey.ErrConflict):
		s.audit(ctx, latchkey.Event{Type: latchkey.EventTwoFactorReplay, WorkspaceID: a.WorkspaceID, AccountID: a.ID, Email: a.Email, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent})
		return Result{}, s.wrongCode(ctx, ch, rules, latchkey.MsgCodeUsed)
	case err != nil:
		return Result{}, wrap("record totp step", err)
	}
	return s.passChallenge(ctx, ch, a, rules, in.Client, "totp")
}

// VerifyRecovery passes a challenge with a recovery code, which then stops working. The input is
// forgiving about spaces, hyphens and case. Result.RecoveryLeft says how many codes remain.
func (s *Service) VerifyRecovery(ctx context.Context, in CodeInput) (Result, error) {
	code := NormalizeRecoveryCode(in.Code)
	if code == "" {
		return Result{}, latchkey.Errorf(latchkey.CodeInvalid, "code", latchkey.MsgRecoveryRequired)
	}
	ch, a, rules, err := s.challengeAccount(ctx, in)
	if err != nil {
		return Result{}, err
	}
	codes, err := s.Store.RecoveryCodes(ctx, a.WorkspaceID, a.ID)
	if err != nil {
		return Result{}, wrap("read recovery codes", err)
	}
	match := ""
	if len(code) == recoveryLen {
		for _, rc := range codes {
			// Every code is checked, matched or not, so the time taken does not say which one.
			if ok, _ := password.Verify(code, rc.Hash); ok && match == "" {
				match = rc.ID
			}
		}
	}
	if match == "" {
		s.audit(ctx, latchkey.Event{Type: latchkey.EventTwoFactorFailed, WorkspaceID: a.WorkspaceID, AccountID: a.ID, Email: a.Email, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: "recovery code"})
		return Result{}, s.wrongCode(ctx, ch, rules, latchkey.MsgRecoveryWrong)
	}
	left, err := s.Store.ConsumeRecoveryCode(ctx, a.WorkspaceID, a.ID, match)
	if errors.Is(err, latchkey.ErrNotFound) {
		// Used a moment ago by a concurrent request.
		return Result{}, s.wrongCode(ctx, ch, rules, latchkey.MsgRecoveryWrong)
	}
	if err != nil {
		return Result{}, wrap("use recovery code", err)
	}
	s.audit(ctx, latchkey.Event{Type: latchkey.EventRecoveryCodeUsed, WorkspaceID: a.WorkspaceID, AccountID: a.ID, Email: a.Email, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: fmt.Sprintf("%d left", left)})
	res, err := s.passChallenge(ctx, ch, a, rules, in.Client, "recovery code")
	res.UsedRecovery, res.RecoveryLeft = true, left
	return res, err
}

// wrongCode counts a wrong code on the challenge and the throttle, and ends the challenge after
// MaxChallengeAttempts.
func (s *Service) wrongCode(ctx context.Context, ch latchkey.Challenge, rules []rule, msg string) error {
	n, err := s.Store.AddChallengeAttempt(ctx, ch.WorkspaceID, ch.ID)
	if errors.Is(err, latchkey.ErrNotFound) {
		return challengeExpired()
	}
	if err != nil {
		return wrap("count wrong code", err)
	}
	wait, err := s.fail(ctx, rules, s.Now())
	if err != nil {
		return err
	}
	if n >= MaxChallengeAttempts {
		if err := s.Store.DeleteChallenge(ctx, ch.WorkspaceID, ch.ID); err != nil {
			return wrap("end challenge", err)
		}
		return latchkey.Errorf(latchkey.CodeExpired, "", latchkey.MsgTooManyCodes)
	}
	if wait > 0 {
		return throttleError(wait)
	}
	return latchkey.Errorf(latchkey.CodeUnauthorized, "code", msg)
}

// passChallenge ends the challenge and starts the session it stood for.
func (s *Service) passChallenge(ctx context.Context, ch latchkey.Challenge, a latchkey.Account, rules []rule, c Client, method string) (Result, error) {
	if err := s.Store.DeleteChallenge(ctx, ch.WorkspaceID, ch.ID); err != nil {
		return Result{}, wrap("end challenge", err)
	}
	if err := s.succeed(ctx, rules); err != nil {
		return Result{}, err
	}
	res, err := s.startSession(ctx, a, ch.Remember, c)
	if err != nil {
		return Result{}, err
	}
	s.audit(ctx, latchkey.Event{Type: latchkey.EventSignIn, WorkspaceID: a.WorkspaceID, AccountID: a.ID, Email: a.Email, ClientAddr: c.Addr, UserAgent: c.UserAgent, Detail: method})
	return res, nil
}

// AbandonChallenge deletes the challenge ("Sign in as a different user"). A missing or expired
// challenge is not an error.
func (s *Service) AbandonChallenge(ctx context.Context, ws, secret string, c Client) error {
	if secret == "" || len(secret) > 128 {
		return nil
	}
	id := latchkey.HashSecret(secret)
	ch, err := s.Store.Challenge(ctx, ws, id)
	if errors.Is(err, latchkey.ErrNotFound) {
		return nil
	}
	if err != nil {
		return wrap("read challenge", err)
	}
	if err := s.Store.DeleteChallenge(ctx, ws, id); err != nil {
		return wrap("delete challenge", err)
	}
	s.audit(ctx, latchkey.Event{Type: latchkey.EventChallengeAbandon, WorkspaceID: ws, AccountID: ch.AccountID, ClientAddr: c.Addr, UserAgent: c.UserAgent})
	return nil
}

// driftText says a clock offset in whole minutes ("1 minute", "4 minutes"), at least one.
func driftText(d time.Duration) string {
	m := int((d + 30*time.Second) / time.Minute)
	if m <= 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", m)
}

// Recovery codes: 16 characters from 31 that cannot be mistaken for each other (no 0/o, 1/l/i),
// about 79 bits in all, shown as four groups of four.
const (
	recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	recoveryLen      = 16
	// RecoveryCount is how many recovery codes a set has.
	RecoveryCount = 10
)

// NormalizeRecoveryCode lower-cases a code and drops spaces and hyphens, as people type them.
func NormalizeRecoveryCode(code string) string {
	code = strings.ToLower(strings.TrimSpace(code))
	return strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(code)
}
