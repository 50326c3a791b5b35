package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
)

// Limits of the forgotten-password flow. Exported so that tests and docs state the numbers the
// code uses.
const (
	// ResetPerEmail is how many reset requests for one email one client address may make in
	// ResetWindow, in one workspace. It is counted per address, not for the email alone, so
	// that someone else asking five times cannot stop the owner's own reset mail.
	ResetPerEmail = 5
	// ResetPerAddr is how many reset requests one client address may make in ResetWindow, in
	// one workspace, whatever the emails.
	ResetPerAddr = 20
	ResetWindow  = time.Hour
	// ResetEmailMismatches is how many wrong emails a reset link takes before it ends: the
	// email is a check that whoever holds the link knows whose it is.
	ResetEmailMismatches = 5
)

// ResetRequest is what the Forgot your password? form sends.
type ResetRequest struct {
	Workspace latchkey.Workspace
	Email     string
	Client    Client
}

// JobResetRequest is the kind of the queued job that does the work of a reset request (see
// RequestReset); the server's mail.Worker runs it through Jobs.
const JobResetRequest = "reset_request"

// resetJob is what a reset request hands its job.
type resetJob struct {
	Email     string `json:"email"`
	Addr      string `json:"addr"`
	UserAgent string `json:"user_agent"`
}

// Jobs are the queued jobs of the flows, by kind, for the server's mail.Worker.
func (s *Service) Jobs() map[string]mail.Job {
	return map[string]mail.Job{JobResetRequest: s.runResetRequest, JobNewDeviceAlert: s.runNewDeviceAlert}
}

// RequestReset handles Email me a reset link. Its answer never says whether the email has an
// account, in its words or in its time: the request only checks the form, counts itself on the
// throttle and queues a job (JobResetRequest), the same writes whatever the email; the job
// looks the account up and mails a reset link for an active account, a fresh invitation for an
// invited one (ending the old link: it has no password to reset), and nothing for a suspended
// one, an unknown email, or a request over ResetPerEmail or ResetPerAddr in ResetWindow. Every
// case is audited (password.reset_requested, with what was done in the detail). Without a job
// queue (Config.Jobs nil, as in tests) the job runs at once.
//
// Errors, which do not depend on the account either: CodeInvalid for an empty or malformed
// email, CodeForbidden with MsgPasswordSignInOff when the workspace signs in with SSO only,
// and internal errors of the store.
func (s *Service) RequestReset(ctx context.Context, in ResetRequest) error {
	email := strings.TrimSpace(in.Email)
	if email == "" {
		return latchkey.NewError(latchkey.CodeInvalid, "email", latchkey.MsgEmailRequired)
	}
	if err := latchkey.ValidateEmail(email); err != nil {
		return err
	}
	w := in.Workspace
	if w.Policy.PasswordSignInOff {
		return latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgPasswordSignInOff)
	}
	over, err := s.countResetRequest(ctx, w.ID, email, in.Client.Addr)
	if err != nil {
		return err
	}
	if over {
		s.audit(ctx, latchkey.Event{Type: latchkey.EventResetRequested, WorkspaceID: w.ID, Email: email, ClientAddr: in.Client.Addr,
			UserAgent: in.Client.UserAgent, Detail: "throttled: nothing sent"})
		return nil
	}
	payload, err := json.Marshal(resetJob{Email: email, Addr: in.Client.Addr, UserAgent: truncate(in.Client.UserAgent, 512)})
	if err != nil {
		return wrap("reset request", err)
	}
	if s.jobs == nil {
		return s.runResetRequest(ctx, w.ID, payload)
	}
	return wrap("queue reset request", s.jobs.EnqueueJob(ctx, w.ID, JobResetRequest, payload))
}

// runResetRequest is the job of a reset request: the look-up, the link and the audit event.
// Errors of the store are returned (the worker retries); a failure to send is audited.
func (s *Service) runResetRequest(ctx context.Context, ws string, payload []byte) error {
	var in resetJob
	if err := json.Unmarshal(payload, &in); err != nil {
		return wrap("read reset job", err)
	}
	w, err := s.Store.Workspace(ctx, ws)
	if errors.Is(err, latchkey.ErrNotFound) {
		return nil // the workspace was deleted meanwhile
	}
	if err != nil {
		return wrap("find workspace", err)
	}
	e := latchkey.Event{Type: latchkey.EventResetRequested, WorkspaceID: w.ID, Email: in.Email, ClientAddr: in.Addr, UserAgent: in.UserAgent}
	a, err := s.Store.AccountByEmail(ctx, w.ID, in.Email)
	switch {
	case errors.Is(err, latchkey.ErrNotFound):
		e.Detail = "unknown email: nothing sent"
	case err != nil:
		return wrap("find account", err)
	case w.Policy.PasswordSignInOff:
		e.AccountID, e.Email, e.Detail = a.ID, a.Email, "password sign-in off: nothing sent"
	default:
		e.AccountID, e.Email = a.ID, a.Email
		switch a.Status {
		case latchkey.StatusActive:
			e.Detail = "reset link sent"
			err = s.MailResetLink(ctx, w, a)
		case latchkey.StatusInvited:
			e.Detail = "not activated: invitation sent again"
			_, err = s.SendInvitation(ctx, w, a, "")
		default:
			e.Detail = string(a.Status) + ": nothing sent"
		}
		if err != nil {
			s.Log.Error("reset request", "workspace", w.ID, "account", a.ID, "err", err)
			e.Detail = "failed: " + err.Error()
		}
	}
	s.audit(ctx, e)
	return nil
}

// countResetRequest counts a reset request against the (email, client address) pair and the
// client address, and
// reports whether either is now over its limit. Every request counts, refused ones too, so
// that someone who keeps asking stays refused until the window ends.
func (s *Service) countResetRequest(ctx context.Context, ws, email, addr string) (bool, error) {
	now := s.Now()
	byEmail, err := s.Store.AddFailure(ctx, resetPrefix(ws, email)+addr, now, ResetWindow)
	if err != nil {
		return false, wrap("count reset request", err)
	}
	byAddr, err := s.Store.AddFailure(ctx, "reset:addr:"+ws+":"+addr, now, ResetWindow)
	if err != nil {
		return false, wrap("count reset request", err)
	}
	return byEmail.Count > ResetPerEmail || byAddr.Count > ResetPerAddr, nil
}

func resetPrefix(ws, email string) string {
	return "reset:email:" + ws + ":" + latchkey.NormalizeEmail(email) + ":"
}

// MailResetLink issues a reset link for the account a of w, which ends any earlier one, and
// mails it, as a reset request of an active account does.
func (s *Service) MailResetLink(ctx context.Context, w latchkey.Workspace, a latchkey.Account) error {
	link, err := s.issueToken(ctx, a, latchkey.PurposeReset, s.Policy.ResetTTL, w.Slug, ResetPath)
	if err != nil {
		return err
	}
	msg, err := mail.Compose(a.Email, fmt.Sprintf(latchkey.SubjectReset, w.Name), mail.TemplateReset, mail.LinkData{
		WorkspaceName: w.Name,
		WorkspaceURL:  s.WorkspaceURL(w.Slug),
		Link:          link,
		ExpiresIn:     mail.FormatExpiry(s.Policy.ResetTTL),
	})
	if err != nil {
		return wrap("compose reset mail", err)
	}
	return wrap("send reset mail", s.send(ctx, w.ID, msg))
}

// ResetPath is the path of reset links on a workspace's host; the secret follows it.
const ResetPath = "/reset-password/"

func resetLinkInvalid() error {
	return latchkey.NewError(latchkey.CodeExpired, "", latchkey.MsgResetLinkInvalid)
}

// CheckResetLink reports whether secret is a live reset link of an active account of w, without
// using it up, so that the Set a new password page can say at once that a link has expired. It
// returns nothing about the account: the page must not show whose link it is, since the email
// is what ResetPassword asks for. Errors: CodeExpired with MsgResetLinkInvalid for a link that is
// unknown, used, ended by a newer one, expired, of another workspace, or of an account that is no
// longer active; CodeForbidden with MsgPasswordSignInOff.
func (s *Service) CheckResetLink(ctx context.Context, w latchkey.Workspace, secret string) error {
	if w.Policy.PasswordSignInOff {
		return latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgPasswordSignInOff)
	}
	_, _, err := s.resetAccount(ctx, w, secret)
	return err
}

func (s *Service) resetAccount(ctx context.Context, w latchkey.Workspace, secret string) (latchkey.Token, latchkey.Account, error) {
	t, err := s.liveToken(ctx, w.ID, latchkey.PurposeReset, secret)
	if latchkey.ErrorCode(err) == latchkey.CodeExpired {
		return t, latchkey.Account{}, resetLinkInvalid()
	}
	if err != nil {
		return t, latchkey.Account{}, err
	}
	a, err := s.Store.Account(ctx, w.ID, t.AccountID)
	if errors.Is(err, latchkey.ErrNotFound) || err == nil && a.Status != latchkey.StatusActive {
		return t, a, resetLinkInvalid()
	}
	return t, a, wrap("find account", err)
}

// ResetInput is what the Set a new password form sends.
type ResetInput struct {
	Workspace latchkey.Workspace
	Secret    string // from the link
	Email     string
	Password  string
	Confirm   string
	Client    Client
}

// ResetPassword sets a new password through a reset link. Everything is checked before the link
// is used up, so that a mistake leaves it working: the email must be the account's (compared
// case-insensitively; after ResetEmailMismatches wrong ones the link ends), the password must
// meet the workspace's policy (password.CheckPolicy), and Confirm must match. Then, in order: the
// link is consumed (atomically: of two concurrent resets one wins), the argon2id hash is stored,
// every session of the account ends, its sign-in throttle is cleared (the account's counter and
// the one of this account with this client address; counters of other addresses stay, as the
// store cannot list them and they may be an attacker's), the reset is audited (password.reset)
// and a "your password was changed" notice is mailed. It never signs the user in and leaves
// two-factor authentication as it was: the next sign-in asks for the code.
//
// Errors: CodeExpired with MsgResetLinkInvalid; CodeInvalid with the field ("email",
// "password", "confirm") and a message saying what to change; CodeForbidden with
// MsgPasswordSignInOff.
func (s *Service) ResetPassword(ctx context.Context, in ResetInput) (latchkey.Account, error) {
	w := in.Workspace
	if w.Policy.PasswordSignInOff {
		return latchkey.Account{}, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgPasswordSignInOff)
	}
	t, a, err := s.resetAccount(ctx, w, in.Secret)
	if err != nil {
		return latchkey.Account{}, err
	}
	if strings.TrimSpace(in.Email) == "" {
		return latchkey.Account{}, latchkey.NewError(latchkey.CodeInvalid, "email", latchkey.MsgEmailRequired)
	}
	mismatchKey := "reset:mismatch:" + t.Hash
	if latchkey.NormalizeEmail(in.Email) != latchkey.NormalizeEmail(a.Email) {
		return latchkey.Account{}, s.resetEmailMismatch(ctx, w, t, a, mismatchKey, in)
	}
	if err := password.CheckPolicy(in.Password, passwordPolicy(w, a)); err != nil {
		return latchkey.Account{}, err
	}
	if in.Password != in.Confirm {
		return latchkey.Account{}, latchkey.NewError(latchkey.CodeInvalid, "confirm", latchkey.MsgPasswordMismatch)
	}
	hash, err := s.Passwords.Hash(ctx, in.Password)
	if errors.Is(err, password.ErrBusy) {
		return latchkey.Account{}, busyError()
	}
	if err != nil {
		return latchkey.Account{}, wrap("hash password", err)
	}
	if _, err := s.Store.ConsumeToken(ctx, latchkey.PurposeReset, t.Hash, s.Now().UTC()); errors.Is(err, latchkey.ErrNotFound) {
		return latchkey.Account{}, resetLinkInvalid() // used by a concurrent request a moment ago
	} else if err != nil {
		return latchkey.Account{}, wrap("use reset link", err)
	}
	now := s.Now().UTC()
	err = s.Store.UpdateAccount(ctx, w.ID, a.ID, func(acc *latchkey.Account) error {
		if acc.Status != latchkey.StatusActive {
			return resetLinkInvalid() // suspended since the link was checked
		}
		acc.PasswordHash, acc.UpdatedAt = hash, now
		a = *acc
		return nil
	})
	if err != nil {
		return latchkey.Account{}, wrap("set password", err)
	}
	ended, err := s.Store.DeleteAccountSessions(ctx, w.ID, a.ID, "")
	if err != nil {
		return latchkey.Account{}, wrap("end sessions", err)
	}
	if err := s.succeed(ctx, passwordRules("pw", w.ID, a.Email, in.Client.Addr, false)); err != nil {
		return latchkey.Account{}, err
	}
	if err := s.Store.ResetCounter(ctx, mismatchKey); err != nil {
		return latchkey.Account{}, wrap("reset mismatch counter", err)
	}
	e := event(latchkey.EventPasswordReset, w.ID, a, in.Client)
	e.Detail = fmt.Sprintf("%d sessions ended", ended)
	s.audit(ctx, e)
	// The password is changed whatever happens to the notice; a failure is for the operator.
	if err := s.mailAccount(ctx, w, a, latchkey.SubjectPasswordChanged, mail.TemplatePasswordChanged, mail.PasswordChangedData{
		WorkspaceName: w.Name, WorkspaceURL: s.WorkspaceURL(w.Slug), Email: a.Email, When: mailTime(now), ByReset: true,
	}); err != nil {
		s.Log.Error("password changed notice", "workspace", w.ID, "account", a.ID, "err", err)
	}
	return a, nil
}

// resetEmailMismatch counts a wrong email against the link and returns the error to show: the
// mismatch, or, at ResetEmailMismatches, the end of the link.
func (s *Service) resetEmailMismatch(ctx context.Context, w latchkey.Workspace, t latchkey.Token, a latchkey.Account, key string, in ResetInput) error {
	c, err := s.Store.AddFailure(ctx, key, s.Now(), s.Policy.ResetTTL)
	if err != nil {
		return wrap("count wrong email", err)
	}
	if c.Count < ResetEmailMismatches {
		return latchkey.NewError(latchkey.CodeInvalid, "email", latchkey.MsgResetEmailMismatch)
	}
	if _, err := s.Store.ConsumeToken(ctx, latchkey.PurposeReset, t.Hash, s.Now().UTC()); err != nil && !errors.Is(err, latchkey.ErrNotFound) {
		return wrap("end reset link", err)
	}
	if err := s.Store.ResetCounter(ctx, key); err != nil {
		return wrap("reset mismatch counter", err)
	}
	e := event(latchkey.EventResetRequested, w.ID, a, in.Client)
	e.Detail = fmt.Sprintf("link ended after %d wrong emails (last: %s)", c.Count, truncate(in.Email, latchkey.MaxEmailLength))
	s.audit(ctx, e)
	return resetLinkInvalid()
}

// passwordPolicy is the policy a new password of a in w is checked against.
func passwordPolicy(w latchkey.Workspace, a latchkey.Account) password.Policy {
	return password.Policy{MinLength: w.Policy.PasswordMinLength, Email: a.Email, WorkspaceName: w.Name, WorkspaceSlug: w.Slug}
}
