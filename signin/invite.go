package signin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
)

// MaxNameLength bounds a person's or workspace's display name, in bytes.
const MaxNameLength = 100

// SendWelcome issues the first administrator a of the new workspace w a set-password link
// (ending any earlier one) and mails it with the welcome template ("Your workspace is ready").
// It returns the link, also when the mail could not be composed or queued (with the error).
func (s *Service) SendWelcome(ctx context.Context, w latchkey.Workspace, a latchkey.Account) (string, error) {
	return s.sendSetPassword(ctx, w, a, mail.TemplateWelcome, latchkey.SubjectWelcome, "")
}

// SendInvitation issues the invited account a of w a set-password link (ending any earlier
// one) and mails it with the invitation template, naming invitedBy when it is not empty. It
// returns the link, also when the mail could not be composed or queued (with the error).
func (s *Service) SendInvitation(ctx context.Context, w latchkey.Workspace, a latchkey.Account, invitedBy string) (string, error) {
	return s.sendSetPassword(ctx, w, a, mail.TemplateInvite, fmt.Sprintf(latchkey.SubjectInvite, w.Name), invitedBy)
}

// sendSetPassword issues a fresh set-password link for a (ending any earlier one) and mails it
// with the named template.
func (s *Service) sendSetPassword(ctx context.Context, w latchkey.Workspace, a latchkey.Account, template, subject, invitedBy string) (string, error) {
	link, err := s.issueToken(ctx, a, latchkey.PurposeSetPassword, s.Policy.SetPasswordTTL, w.Slug, "/set-password/")
	if err != nil {
		return "", err
	}
	msg, err := mail.Compose(a.Email, subject, template, mail.LinkData{
		WorkspaceName: w.Name,
		WorkspaceURL:  s.WorkspaceURL(w.Slug),
		Link:          link,
		InvitedBy:     invitedBy,
		ExpiresIn:     mail.FormatExpiry(s.Policy.SetPasswordTTL),
	})
	if err != nil {
		return link, wrap("compose "+template+" mail", err)
	}
	if err := s.send(ctx, w.ID, msg); err != nil {
		return link, wrap("send "+template+" mail", err)
	}
	return link, nil
}

// issueToken replaces the account's tokens of this purpose with a new one and returns the link
// that carries its secret.
func (s *Service) issueToken(ctx context.Context, a latchkey.Account, purpose latchkey.Purpose, ttl time.Duration, slug, path string) (string, error) {
	if _, err := s.Store.DeleteAccountTokens(ctx, a.WorkspaceID, a.ID, purpose); err != nil {
		return "", wrap("end old links", err)
	}
	now := s.Now().UTC()
	secret, hash := latchkey.NewSecret()
	t := latchkey.Token{Hash: hash, Purpose: purpose, WorkspaceID: a.WorkspaceID, AccountID: a.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.Store.CreateToken(ctx, t); err != nil {
		return "", wrap("create token", err)
	}
	return s.WorkspaceURL(slug) + path + secret, nil
}

// EndSetPasswordLinks deletes the account's outstanding set-password links: activating an
// account ends its invitations.
func (s *Service) EndSetPasswordLinks(ctx context.Context, a latchkey.Account) error {
	_, err := s.Store.DeleteAccountTokens(ctx, a.WorkspaceID, a.ID, latchkey.PurposeSetPassword)
	return wrap("end set-password links", err)
}

// CheckLink returns the account a live link of this purpose belongs to, without using it up,
// so that the page behind the link can say at once that it has expired. Returns CodeExpired with
// MsgLinkInvalid for a link that is unknown, used, expired, or of another workspace.
func (s *Service) CheckLink(ctx context.Context, ws string, purpose latchkey.Purpose, secret string) (latchkey.Account, error) {
	t, err := s.liveToken(ctx, ws, purpose, secret)
	if err != nil {
		return latchkey.Account{}, err
	}
	a, err := s.Store.Account(ctx, ws, t.AccountID)
	if errors.Is(err, latchkey.ErrNotFound) || err == nil && purpose == latchkey.PurposeSetPassword && a.Status == latchkey.StatusActive {
		// A set-password link works only while the account is invited (or suspended before it
		// was activated, which SetPassword answers with MsgNotActive).
		return latchkey.Account{}, linkInvalid()
	}
	return a, wrap("find account", err)
}

func (s *Service) liveToken(ctx context.Context, ws string, purpose latchkey.Purpose, secret string) (latchkey.Token, error) {
	if secret == "" || len(secret) > 128 {
		return latchkey.Token{}, linkInvalid()
	}
	t, err := s.Store.Token(ctx, purpose, latchkey.HashSecret(secret), s.Now().UTC())
	if errors.Is(err, latchkey.ErrNotFound) || err == nil && t.WorkspaceID != ws {
		return latchkey.Token{}, linkInvalid()
	}
	return t, wrap("read token", err)
}

func linkInvalid() error {
	return latchkey.NewError(latchkey.CodeExpired, "", latchkey.MsgLinkInvalid)
}

// SetPasswordInput is what the set-password form sends.
type SetPasswordInput struct {
	Workspace latchkey.Workspace
	Secret    string // from the link
	Password  string
	Confirm   string
	Client    Client
}

// SetPassword sets the first password through a welcome or invitation link and activates the
// account. Everything is checked before the link is used up, so a password that breaks the
// workspace's policy (password.CheckPolicy) or a mismatched confirmation leaves the link
// working. It ends every session of the account and never signs the user in. Errors:
// CodeInvalid (with the field) for a bad password, CodeExpired with MsgLinkInvalid,
// CodeForbidden with MsgPasswordSignInOff if the workspace now signs in with SSO only.
func (s *Service) SetPassword(ctx context.Context, in SetPasswordInput) (latchkey.Account, error) {
	if in.Workspace.Policy.PasswordSignInOff {
		return latchkey.Account{}, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgPasswordSignInOff)
	}
	a, err := s.CheckLink(ctx, in.Workspace.ID, latchkey.PurposeSetPassword, in.Secret)
	if err != nil {
		return latchkey.Account{}, err
	}
	if err := password.CheckPolicy(in.Password, passwordPolicy(in.Workspace, a)); err != nil {
		return latchkey.Account{}, err
	}
	if in.Password != in.Confirm {
		return latchkey.Account{}, latchkey.NewError(latchkey.CodeInvalid, "confirm", latchkey.MsgPasswordMismatch)
	}
	if a.Status == latchkey.StatusSuspended {
		return latchkey.Account{}, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgNotActive)
	}
	if a.Status != latchkey.StatusInvited {
		// A set-password link is an invitation: once the account has a password it is dead,
		// whoever still holds it (the demo's welcome link was logged, for one).
		return latchkey.Account{}, linkInvalid()
	}
	hash, err := s.Passwords.Hash(ctx, in.Password)
	if errors.Is(err, password.ErrBusy) {
		return latchkey.Account{}, busyError()
	}
	if err != nil {
		return latchkey.Account{}, wrap("hash password", err)
	}
	t, err := s.Store.ConsumeToken(ctx, latchkey.PurposeSetPassword, latchkey.HashSecret(in.Secret), s.Now().UTC())
	if errors.Is(err, latchkey.ErrNotFound) {
		return latchkey.Account{}, linkInvalid() // used by a concurrent request a moment ago
	}
	if err != nil {
		return latchkey.Account{}, wrap("use link", err)
	}
	now := s.Now().UTC()
	err = s.Store.UpdateAccount(ctx, t.WorkspaceID, t.AccountID, func(acc *latchkey.Account) error {
		if acc.Status == latchkey.StatusSuspended {
			return latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgNotActive)
		}
		if acc.Status != latchkey.StatusInvited {
			return linkInvalid() // activated by a concurrent request
		}
		acc.PasswordHash = hash
		acc.Status = latchkey.StatusActive
		acc.UpdatedAt = now
		a = *acc
		return nil
	})
	if err != nil {
		return latchkey.Account{}, wrap("set password", err)
	}
	if _, err := s.Store.DeleteAccountSessions(ctx, a.WorkspaceID, a.ID, ""); err != nil {
		return latchkey.Account{}, wrap("end sessions", err)
	}
	if err := s.EndSetPasswordLinks(ctx, a); err != nil {
		return latchkey.Account{}, err
	}
	s.audit(ctx, event(latchkey.EventPasswordSet, a.WorkspaceID, a, in.Client))
	return a, nil
}
