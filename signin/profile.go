package signin

import (
	"context"
	"errors"
	"fmt"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
)

// ChangePasswordInput is what the security page's Change password form sends, with the
// signed-in session and account as Authenticate returned them.
type ChangePasswordInput struct {
	Workspace latchkey.Workspace
	Account   latchkey.Account
	Session   latchkey.Session
	Current   string
	Password  string
	Confirm   string
	Client    Client
}

// ChangePassword sets a new password for the signed-in account. The current password is
// required; a wrong one counts toward the sign-in throttle, so this is no side door for
// guessing. The new one must meet the workspace's policy (password.CheckPolicy) and match
// Confirm. It ends every other session of the account and replaces this one with a new id (the
// Result, whose cookie the caller sets), audits (password.changed) and mails a notice. It
// returns how many other sessions ended. Errors:
// CodeInvalid with the field ("current", "password", "confirm") and what to change;
// CodeUnauthorized with MsgCurrentWrong; CodeThrottled; CodeForbidden with
// MsgPasswordSignInOff.
func (s *Service) ChangePassword(ctx context.Context, in ChangePasswordInput) (int, Result, error) {
	w, a := in.Workspace, in.Account
	if w.Policy.PasswordSignInOff {
		return 0, Result{}, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgPasswordSignInOff)
	}
	if in.Current == "" {
		return 0, Result{}, latchkey.NewError(latchkey.CodeInvalid, "current", latchkey.MsgCurrentPassword)
	}
	if len(in.Current) > password.MaxBytes {
		return 0, Result{}, latchkey.NewError(latchkey.CodeUnauthorized, "current", latchkey.MsgCurrentWrong)
	}
	rules := passwordRules("pw", w.ID, a.Email, in.Client.Addr, true)
	ev := event("", w.ID, a, in.Client)
	ev.Detail = "change password"
	if err := s.checkPassword(ctx, &a, in.Current, rules, ev, latchkey.NewError(latchkey.CodeUnauthorized, "current", latchkey.MsgCurrentWrong)); err != nil {
		return 0, Result{}, err
	}
	if err := password.CheckPolicy(in.Password, passwordPolicy(w, a)); err != nil {
		return 0, Result{}, err
	}
	if in.Password != in.Confirm {
		return 0, Result{}, latchkey.NewError(latchkey.CodeInvalid, "confirm", latchkey.MsgPasswordMismatch)
	}
	hash, err := s.Passwords.Hash(ctx, in.Password)
	if errors.Is(err, password.ErrBusy) {
		return 0, Result{}, busyError()
	}
	if err != nil {
		return 0, Result{}, wrap("hash password", err)
	}
	now := s.Now().UTC()
	err = s.Store.UpdateAccount(ctx, w.ID, a.ID, func(acc *latchkey.Account) error {
		if acc.PasswordHash != a.PasswordHash {
			// Changed by a concurrent request (or a reset) since the current password was
			// checked against the old hash: that check no longer stands.
			return latchkey.NewError(latchkey.CodeUnauthorized, "current", latchkey.MsgCurrentWrong)
		}
		acc.PasswordHash, acc.UpdatedAt = hash, now
		a = *acc
		return nil
	})
	if err != nil {
		return 0, Result{}, wrap("set password", err)
	}
	ended, err := s.Store.DeleteAccountSessions(ctx, w.ID, a.ID, in.Session.ID)
	if err != nil {
		return 0, Result{}, wrap("end other sessions", err)
	}
	rotated, err := s.rotate(ctx, a, in.Session, in.Client)
	if err != nil {
		return 0, Result{}, err
	}
	e := event(latchkey.EventPasswordChanged, w.ID, a, in.Client)
	e.Detail = fmt.Sprintf("%d other sessions ended", ended)
	s.audit(ctx, e)
	if err := s.mailAccount(ctx, w, a, latchkey.SubjectPasswordChanged, mail.TemplatePasswordChanged, mail.PasswordChangedData{
		WorkspaceName: w.Name, WorkspaceURL: s.WorkspaceURL(w.Slug), Email: a.Email, When: mailTime(now),
	}); err != nil {
		s.Log.Error("password changed notice", "workspace", w.ID, "account", a.ID, "err", err)
	}
	return ended, rotated, nil
}

// SessionInput names the signed-in account and its current session (as Authenticate returned
// them) for the security page's session list, and, for RevokeSession, the session to end.
type SessionInput struct {
	Workspace latchkey.Workspace
	Account   latchkey.Account
	Current   latchkey.Session
	SessionID string // RevokeSession: the session to end
	// Password is the account's password, asked again by RevokeSession (for another session)
	// and RevokeOtherSessions unless the current session is younger than Policy.ReauthWindow.
	Password string
	Client   Client
}

// Sessions lists the account's live sessions, newest first: those neither idle (SessionIdle)
// nor past their absolute end. Each has its device (UserAgent), address (ClientAddr) and last
// activity (LastSeenAt, written at most once per Policy.TouchEvery). A Session's ID is the hash
// of its cookie, which cannot be turned back into a cookie, so it may go into a page.
func (s *Service) Sessions(ctx context.Context, in SessionInput) ([]latchkey.Session, error) {
	all, err := s.Store.AccountSessions(ctx, in.Workspace.ID, in.Account.ID)
	if err != nil {
		return nil, wrap("list sessions", err)
	}
	now, idle, life := s.Now(), s.SessionIdle(in.Workspace), s.SessionMax(in.Workspace)
	live := all[:0]
	for _, sess := range all {
		if !sess.Expired(now, idle) && now.Before(sess.CreatedAt.Add(life)) {
			live = append(live, sess)
		}
	}
	return live, nil
}

// RevokeSession signs out one of the account's own sessions (Sign out on the session list);
// it may be the current one, which the caller then treats as signed out. A session that is
// gone, or that belongs to another account, is refused alike, with CodeNotFound and
// MsgSessionGone, and nothing is deleted. Ending another session than the current one needs
// Password unless the current session is younger than Policy.ReauthWindow, with the
// reauthentication errors of RevokeOtherSessions.
func (s *Service) RevokeSession(ctx context.Context, in SessionInput) error {
	if in.SessionID == "" || len(in.SessionID) > 128 {
		return latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgSessionGone)
	}
	sess, _, err := s.Store.Session(ctx, in.Workspace.ID, in.SessionID)
	if errors.Is(err, latchkey.ErrNotFound) || err == nil && sess.AccountID != in.Account.ID {
		return latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgSessionGone)
	}
	if err != nil {
		return wrap("read session", err)
	}
	if sess.ID != in.Current.ID {
		// Ending another session, like ending all of them, needs the password again past the
		// reauthentication window (ASVS 7.5.2); signing out this one is plain signing out.
		if err := s.reauthenticate(ctx, in.Account, in.Current, in.Password, false); err != nil {
			return err
		}
	}
	if err := s.Store.DeleteSession(ctx, in.Workspace.ID, sess.ID); err != nil {
		return wrap("delete session", err)
	}
	e := event(latchkey.EventSessionRevoked, in.Workspace.ID, in.Account, in.Client)
	e.Detail = "one session, from " + sess.ClientAddr
	if sess.ID == in.Current.ID {
		e.Detail = "this session"
	}
	s.audit(ctx, e)
	return nil
}

// RevokeOtherSessions signs out every session of the account but the current one (Sign out
// everywhere else) and returns how many ended. Unless the current session is younger than
// Policy.ReauthWindow, it needs the password again (ASVS 7.5.2): someone who finds a browser
// left signed in must not be able to sign its owner out of everywhere they could notice.
// Errors: ErrNoSession without a current session; the reauthentication errors (CodeInvalid
// with MsgReauthRequired, CodeUnauthorized with MsgReauthWrong, CodeThrottled).
func (s *Service) RevokeOtherSessions(ctx context.Context, in SessionInput) (int, error) {
	if in.Current.ID == "" {
		// Without a current session this would sign out everywhere, which is not what was asked.
		return 0, ErrNoSession
	}
	if err := s.reauthenticate(ctx, in.Account, in.Current, in.Password, false); err != nil {
		return 0, err
	}
	n, err := s.Store.DeleteAccountSessions(ctx, in.Workspace.ID, in.Account.ID, in.Current.ID)
	if err != nil {
		return 0, wrap("end other sessions", err)
	}
	e := event(latchkey.EventSessionRevoked, in.Workspace.ID, in.Account, in.Client)
	e.Detail = fmt.Sprintf("all other sessions: %d", n)
	s.audit(ctx, e)
	return n, nil
}
