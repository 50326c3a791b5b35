package signin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
)

// NewWorkspace is what an operator gives to create a workspace.
type NewWorkspace struct {
	Slug       string
	Name       string
	AdminEmail string
	AdminName  string
}

// CreateWorkspace creates a workspace and its first administrator (status invited), and sends
// the welcome email ("Your workspace is ready") with a link to set the first password. It
// returns the workspace, the administrator and the link. Errors: CodeInvalid for a bad slug,
// name or email; CodeConflict with MsgSlugTaken if the slug is taken. If the mail cannot be
// sent, the workspace stays and the error says so: the operator can resend the invitation.
func (s *Service) CreateWorkspace(ctx context.Context, in NewWorkspace) (latchkey.Workspace, latchkey.Account, string, error) {
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.Name = strings.TrimSpace(in.Name)
	if err := latchkey.ValidateSlug(in.Slug); err != nil {
		return latchkey.Workspace{}, latchkey.Account{}, "", err
	}
	if in.Name == "" || len(in.Name) > MaxNameLength {
		return latchkey.Workspace{}, latchkey.Account{}, "", latchkey.NewError(latchkey.CodeInvalid, "name", latchkey.MsgNameRequired)
	}
	if latchkey.HasControl(in.Name) || latchkey.HasControl(in.AdminName) {
		return latchkey.Workspace{}, latchkey.Account{}, "", latchkey.NewError(latchkey.CodeInvalid, "name", latchkey.MsgNameControl)
	}
	if err := latchkey.ValidateEmail(in.AdminEmail); err != nil {
		return latchkey.Workspace{}, latchkey.Account{}, "", err
	}
	now := s.Now().UTC()
	w := latchkey.Workspace{ID: latchkey.NewID(), Slug: in.Slug, Name: in.Name, CreatedAt: now}
	admin := newAccount(w.ID, in.AdminEmail, in.AdminName, latchkey.RoleAdmin, now)
	if err := s.Store.CreateWorkspace(ctx, w, admin); err != nil {
		if errors.Is(err, latchkey.ErrConflict) {
			return latchkey.Workspace{}, latchkey.Account{}, "", latchkey.NewError(latchkey.CodeConflict, "slug", latchkey.MsgSlugTaken)
		}
		return latchkey.Workspace{}, latchkey.Account{}, "", wrap("create workspace", err)
	}
	s.audit(ctx, latchkey.Event{Type: latchkey.EventWorkspaceCreate, WorkspaceID: w.ID, AccountID: admin.ID, Email: admin.Email, Detail: w.Slug})
	link, err := s.sendSetPassword(ctx, w, admin, "welcome", latchkey.SubjectWelcome, "")
	return w, admin, link, err
}

// MaxNameLength bounds a person's or workspace's display name, in bytes.
const MaxNameLength = 100

// NewMember is what an administrator gives to invite someone.
type NewMember struct {
	Workspace latchkey.Workspace
	Email     string
	Name      string
	Role      latchkey.Role
	ActorID   string // the inviting administrator; "" for the operator's CLI
	InvitedBy string // name shown in the email; may be empty
	Client    Client // the administrator's browser, for the audit event; zero from the CLI
}

// Invite creates an invited account and emails it a link to set its password. It returns the
// account and the link. Errors: CodeInvalid for a bad email or role, CodeConflict with
// MsgEmailTaken if the workspace already has that email, CodeForbidden with MsgInviteSSOOnly if
// the workspace's policy turns password sign-in off (SSO only: no invitations are sent).
func (s *Service) Invite(ctx context.Context, in NewMember) (latchkey.Account, string, error) {
	if in.Workspace.Policy.PasswordSignInOff {
		return latchkey.Account{}, "", latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgInviteSSOOnly)
	}
	if err := latchkey.ValidateEmail(in.Email); err != nil {
		return latchkey.Account{}, "", err
	}
	if len(strings.TrimSpace(in.Name)) > MaxNameLength {
		return latchkey.Account{}, "", latchkey.NewError(latchkey.CodeInvalid, "name", latchkey.MsgNameTooLong)
	}
	if latchkey.HasControl(in.Name) {
		return latchkey.Account{}, "", latchkey.NewError(latchkey.CodeInvalid, "name", latchkey.MsgNameControl)
	}
	if in.Role == "" {
		in.Role = latchkey.RoleMember
	}
	if _, err := latchkey.ParseRole(string(in.Role)); err != nil {
		return latchkey.Account{}, "", err
	}
	a := newAccount(in.Workspace.ID, in.Email, in.Name, in.Role, s.Now().UTC())
	if err := s.Store.CreateAccount(ctx, a); err != nil {
		if errors.Is(err, latchkey.ErrConflict) {
			return latchkey.Account{}, "", latchkey.NewError(latchkey.CodeConflict, "email", latchkey.MsgEmailTaken)
		}
		return latchkey.Account{}, "", wrap("create account", err)
	}
	s.audit(ctx, latchkey.Event{Type: latchkey.EventAccountInvite, WorkspaceID: a.WorkspaceID, AccountID: a.ID, ActorID: in.ActorID, Email: a.Email,
		ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: string(a.Role)})
	link, err := s.sendSetPassword(ctx, in.Workspace, a, "invite", fmt.Sprintf(latchkey.SubjectInvite, in.Workspace.Name), in.InvitedBy)
	return a, link, err
}

func newAccount(ws, email, name string, role latchkey.Role, now time.Time) latchkey.Account {
	return latchkey.Account{
		ID: latchkey.NewID(), WorkspaceID: ws, Email: strings.TrimSpace(email), Name: strings.TrimSpace(name),
		Role: role, Status: latchkey.StatusInvited, CreatedAt: now, UpdatedAt: now,
	}
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

func (s *Service) resendInvitation(ctx context.Context, w latchkey.Workspace, a latchkey.Account, actorID string, c Client) (string, error) {
	if w.Policy.PasswordSignInOff {
		return "", latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgInviteSSOOnly)
	}
	if a.Status != latchkey.StatusInvited {
		return "", latchkey.NewError(latchkey.CodeConflict, "email", latchkey.MsgNotInvited)
	}
	s.audit(ctx, latchkey.Event{Type: latchkey.EventAccountInvite, WorkspaceID: w.ID, AccountID: a.ID, ActorID: actorID, Email: a.Email, ClientAddr: c.Addr, UserAgent: c.UserAgent, Detail: "resend"})
	return s.sendSetPassword(ctx, w, a, "invite", fmt.Sprintf(latchkey.SubjectInvite, w.Name), "")
}

// endSetPasswordLinks deletes the account's outstanding set-password links: activating an
// account ends its invitations.
func (s *Service) endSetPasswordLinks(ctx context.Context, a latchkey.Account) error {
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
	if err := s.endSetPasswordLinks(ctx, a); err != nil {
		return latchkey.Account{}, err
	}
	s.audit(ctx, event(latchkey.EventPasswordSet, a.WorkspaceID, a, in.Client))
	return a, nil
}
