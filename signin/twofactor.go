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
func (s *Service) startChallenge(ctx context.Context, a latchkey.Account, in PasswordInput, known bool) (Result, error) {
	remember, c := in.Remember, in.Client
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
	return latchkey.NewError(latchkey.CodeExpired, "", latchkey.MsgChallengeExpired)
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
// authenticator code or a recovery code), with the browser's device and session cookies as in
// PasswordInput.
type CodeInput struct {
	Workspace       latchkey.Workspace
	ChallengeSecret string
	Code            string
	Device          string
	PreviousSession string
	Client          Client
}

// ErrTooManyCodes is the cause of the error that ends a challenge after MaxChallengeAttempts
// codes: errors.Is(err, ErrTooManyCodes) tells it from a challenge that timed out, which has the
// same code (CodeExpired) but another message.
var ErrTooManyCodes = errors.New("too many codes")

func tooManyCodes() error {
	return &latchkey.Error{Code: latchkey.CodeExpired, Message: latchkey.MsgTooManyCodes, Err: ErrTooManyCodes}
}

// challengeAttempt loads the challenge and its account and counts this code before it is
// checked: one of the challenge's MaxChallengeAttempts (a conditional update, so concurrent codes
// never get more checks than that), and one guess on the password throttle, which wrong codes
// feed. It returns the rules to reset on success and the wait a wrong code starts.
func (s *Service) challengeAttempt(ctx context.Context, in CodeInput) (latchkey.Challenge, latchkey.Account, []rule, time.Duration, error) {
	ch, err := s.Challenge(ctx, in.Workspace.ID, in.ChallengeSecret)
	if err != nil {
		return ch, latchkey.Account{}, nil, 0, err
	}
	a, err := s.Store.Account(ctx, in.Workspace.ID, ch.AccountID)
	if errors.Is(err, latchkey.ErrNotFound) {
		return ch, a, nil, 0, challengeExpired()
	}
	if err != nil {
		return ch, a, nil, 0, wrap("find account", err)
	}
	second, err := s.HasSecondFactor(ctx, a)
	if err != nil {
		return ch, a, nil, 0, err
	}
	if a.Status != latchkey.StatusActive || !second {
		// Suspended, or 2FA reset by an administrator, while the challenge was open.
		s.Store.DeleteChallenge(ctx, in.Workspace.ID, ch.ID)
		return ch, a, nil, 0, challengeExpired()
	}
	rules := passwordRules("pw", in.Workspace.ID, a.Email, in.Client.Addr, s.KnownDevice(in.Device, a.WorkspaceID, a.ID))
	after, err := s.countGuess(ctx, rules, s.Now())
	if err != nil {
		if latchkey.ErrorCode(err) == latchkey.CodeThrottled {
			e := event(latchkey.EventThrottled, a.WorkspaceID, a, in.Client)
			e.Detail = throttledDetail(err, s.Now())
			s.audit(ctx, e)
		}
		return ch, a, nil, 0, err
	}
	switch _, err := s.Store.UseChallengeAttempt(ctx, ch.WorkspaceID, ch.ID, MaxChallengeAttempts); {
	case errors.Is(err, latchkey.ErrConflict):
		if err := s.Store.DeleteChallenge(ctx, ch.WorkspaceID, ch.ID); err != nil {
			return ch, a, nil, 0, wrap("end challenge", err)
		}
		return ch, a, nil, 0, tooManyCodes()
	case errors.Is(err, latchkey.ErrNotFound):
		return ch, a, nil, 0, challengeExpired()
	case err != nil:
		return ch, a, nil, 0, wrap("count code", err)
	}
	return ch, a, rules, after, nil
}

// VerifyTOTP passes a challenge with an authenticator code. A code's time step is accepted at
// most once per account, also under concurrent submissions. A wrong code gets the same answer
// whatever step it matches: telling the user their clock is ahead would tell an attacker a code
// that becomes valid later, so the drift goes only into the audit event. Errors: CodeExpired
// with MsgChallengeExpired; CodeInvalid for an empty or malformed code (not counted);
// CodeUnauthorized for a wrong or replayed code (counted); ErrTooManyCodes after
// MaxChallengeAttempts; CodeThrottled.
func (s *Service) VerifyTOTP(ctx context.Context, in CodeInput) (Result, error) {
	code := totp.Normalize(in.Code)
	if code == "" {
		return Result{}, latchkey.NewError(latchkey.CodeInvalid, "code", latchkey.MsgCodeRequired)
	}
	if !totp.WellFormed(code) {
		// Refused before anything is counted: a typo is not a guess.
		return Result{}, latchkey.NewError(latchkey.CodeInvalid, "code", latchkey.MsgCodeRequired)
	}
	ch, a, rules, after, err := s.challengeAttempt(ctx, in)
	if err != nil {
		return Result{}, err
	}
	if !a.TwoFactor() {
		// An account whose second factor is a passkey only: no code can be right.
		s.audit(ctx, latchkey.Event{Type: latchkey.EventTwoFactorFailed, WorkspaceID: a.WorkspaceID, AccountID: a.ID, Email: a.Email, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: "totp; no authenticator app"})
		return Result{}, s.wrongCode(ctx, ch, after, latchkey.MsgCodeWrong)
	}
	seed, err := s.Keys.Open(a.TOTPSecret, []byte(a.ID))
	if err != nil {
		return Result{}, wrap("open totp secret", err)
	}
	res, err := totp.Check(string(seed), code, s.Now())
	if err != nil {
		return Result{}, err
	}
	if !res.OK {
		detail := "totp"
		if res.Drift > 0 {
			detail = "totp; the device's clock is about " + driftText(res.Drift) + " ahead"
		} else if res.Drift < 0 {
			detail = "totp; the device's clock is about " + driftText(-res.Drift) + " behind"
		}
		s.audit(ctx, latchkey.Event{Type: latchkey.EventTwoFactorFailed, WorkspaceID: a.WorkspaceID, AccountID: a.ID, Email: a.Email, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: detail})
		return Result{}, s.wrongCode(ctx, ch, after, latchkey.MsgCodeWrong)
	}
	switch err := s.Store.AdvanceTOTPStep(ctx, a.WorkspaceID, a.ID, res.Step); {
	case errors.Is(err, latchkey.ErrConflict):
		s.audit(ctx, latchkey.Event{Type: latchkey.EventTwoFactorReplay, WorkspaceID: a.WorkspaceID, AccountID: a.ID, Email: a.Email, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent})
		return Result{}, s.wrongCode(ctx, ch, after, latchkey.MsgCodeUsed)
	case err != nil:
		return Result{}, wrap("record totp step", err)
	}
	return s.passChallenge(ctx, ch, a, rules, in, "totp")
}

// VerifyRecovery passes a challenge with a recovery code, which then stops working. The input is
// forgiving about spaces, hyphens and case. Result.RecoveryLeft says how many codes remain.
func (s *Service) VerifyRecovery(ctx context.Context, in CodeInput) (Result, error) {
	code := NormalizeRecoveryCode(in.Code)
	if code == "" {
		return Result{}, latchkey.NewError(latchkey.CodeInvalid, "code", latchkey.MsgRecoveryRequired)
	}
	ch, a, rules, after, err := s.challengeAttempt(ctx, in)
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
			ok, err := s.Passwords.Verify(ctx, code, rc.Hash)
			if errors.Is(err, password.ErrBusy) {
				return Result{}, busyError()
			}
			if ok && match == "" {
				match = rc.ID
			}
		}
	}
	if match == "" {
		s.audit(ctx, latchkey.Event{Type: latchkey.EventTwoFactorFailed, WorkspaceID: a.WorkspaceID, AccountID: a.ID, Email: a.Email, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: "recovery code"})
		return Result{}, s.wrongCode(ctx, ch, after, latchkey.MsgRecoveryWrong)
	}
	left, err := s.Store.ConsumeRecoveryCode(ctx, a.WorkspaceID, a.ID, match)
	if errors.Is(err, latchkey.ErrNotFound) {
		// Used a moment ago by a concurrent request.
		return Result{}, s.wrongCode(ctx, ch, after, latchkey.MsgRecoveryWrong)
	}
	if err != nil {
		return Result{}, wrap("use recovery code", err)
	}
	s.audit(ctx, latchkey.Event{Type: latchkey.EventRecoveryCodeUsed, WorkspaceID: a.WorkspaceID, AccountID: a.ID, Email: a.Email, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: fmt.Sprintf("%d left", left)})
	res, err := s.passChallenge(ctx, ch, a, rules, in, "recovery code")
	res.UsedRecovery, res.RecoveryLeft = true, left
	return res, err
}

// wrongCode answers a wrong code, already counted: the challenge ends once it has used
// MaxChallengeAttempts; a code whose failure starts a throttle wait says so.
func (s *Service) wrongCode(ctx context.Context, ch latchkey.Challenge, after time.Duration, msg string) error {
	cur, err := s.Store.Challenge(ctx, ch.WorkspaceID, ch.ID)
	if errors.Is(err, latchkey.ErrNotFound) {
		return challengeExpired()
	}
	if err != nil {
		return wrap("read challenge", err)
	}
	if cur.Attempts >= MaxChallengeAttempts {
		if err := s.Store.DeleteChallenge(ctx, ch.WorkspaceID, ch.ID); err != nil {
			return wrap("end challenge", err)
		}
		return tooManyCodes()
	}
	if after > 0 {
		return throttleError(after)
	}
	return latchkey.NewError(latchkey.CodeUnauthorized, "code", msg)
}

// passChallenge ends the challenge and starts the session it stood for.
func (s *Service) passChallenge(ctx context.Context, ch latchkey.Challenge, a latchkey.Account, rules []rule, in CodeInput, method string) (Result, error) {
	if err := s.Store.DeleteChallenge(ctx, ch.WorkspaceID, ch.ID); err != nil {
		return Result{}, wrap("end challenge", err)
	}
	return s.finishSignIn(ctx, a, signInInput{Remember: ch.Remember, Device: in.Device, Previous: in.PreviousSession, Client: in.Client, Method: method, Settle: rules})
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
