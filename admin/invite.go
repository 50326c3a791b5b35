package admin

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
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
	if in.Name == "" || len(in.Name) > signin.MaxNameLength {
		return latchkey.Workspace{}, latchkey.Account{}, "", latchkey.NewError(latchkey.CodeInvalid, "name", latchkey.MsgNameRequired)
	}
	if latchkey.HasControl(in.Name) || latchkey.HasControl(in.AdminName) {
		return latchkey.Workspace{}, latchkey.Account{}, "", latchkey.NewError(latchkey.CodeInvalid, "name", latchkey.MsgNameControl)
	}
	if err := latchkey.ValidateEmail(in.AdminEmail); err != nil {
		return latchkey.Workspace{}, latchkey.Account{}, "", err
	}
	now := s.now().UTC()
	w := latchkey.Workspace{ID: latchkey.NewID(), Slug: in.Slug, Name: in.Name, CreatedAt: now}
	first := newAccount(w.ID, in.AdminEmail, in.AdminName, latchkey.RoleAdmin, now)
	if err := s.store.CreateWorkspace(ctx, w, first); err != nil {
		if errors.Is(err, latchkey.ErrConflict) {
			return latchkey.Workspace{}, latchkey.Account{}, "", latchkey.NewError(latchkey.CodeConflict, "slug", latchkey.MsgSlugTaken)
		}
		return latchkey.Workspace{}, latchkey.Account{}, "", wrap("create workspace", err)
	}
	s.audit(ctx, latchkey.Event{Type: latchkey.EventWorkspaceCreate, WorkspaceID: w.ID, AccountID: first.ID, Email: first.Email, Detail: w.Slug})
	link, err := s.signin.SendWelcome(ctx, w, first)
	return w, first, link, err
}

// NewMember is what an administrator gives to invite someone.
type NewMember struct {
	Workspace latchkey.Workspace
	Email     string
	Name      string
	Role      latchkey.Role
	Actor     latchkey.Actor // an active administrator of Workspace, or the operator
	InvitedBy string         // name shown in the email; may be empty
	Client    signin.Client  // the administrator's browser, for the audit event; zero from the CLI
}

// Invite creates an invited account and emails it a link to set its password. It returns the
// account and the link. Errors: CodeInvalid for a bad email or role, CodeConflict with
// MsgEmailTaken if the workspace already has that email, CodeForbidden with MsgInviteSSOOnly if
// the workspace's policy turns password sign-in off (SSO only: no invitations are sent), or
// with MsgAdminOnly for an actor who is neither the operator nor an active administrator.
func (s *Service) Invite(ctx context.Context, in NewMember) (latchkey.Account, string, error) {
	if err := in.Actor.CheckAdmin(in.Workspace); err != nil {
		return latchkey.Account{}, "", err
	}
	if in.Workspace.Policy.PasswordSignInOff {
		return latchkey.Account{}, "", latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgInviteSSOOnly)
	}
	if err := latchkey.ValidateEmail(in.Email); err != nil {
		return latchkey.Account{}, "", err
	}
	if len(strings.TrimSpace(in.Name)) > signin.MaxNameLength {
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
	a := newAccount(in.Workspace.ID, in.Email, in.Name, in.Role, s.now().UTC())
	if err := s.store.CreateAccount(ctx, a); err != nil {
		if errors.Is(err, latchkey.ErrConflict) {
			return latchkey.Account{}, "", latchkey.NewError(latchkey.CodeConflict, "email", latchkey.MsgEmailTaken)
		}
		return latchkey.Account{}, "", wrap("create account", err)
	}
	s.audit(ctx, latchkey.Event{Type: latchkey.EventAccountInvite, WorkspaceID: a.WorkspaceID, AccountID: a.ID, ActorID: in.Actor.ID(), Email: a.Email,
		ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: string(a.Role)})
	link, err := s.signin.SendInvitation(ctx, in.Workspace, a, in.InvitedBy)
	return a, link, err
}

func newAccount(ws, email, name string, role latchkey.Role, now time.Time) latchkey.Account {
	return latchkey.Account{
		ID: latchkey.NewID(), WorkspaceID: ws, Email: strings.TrimSpace(email), Name: strings.TrimSpace(name),
		Role: role, Status: latchkey.StatusInvited, CreatedAt: now, UpdatedAt: now,
	}
}

func (s *Service) resendInvitation(ctx context.Context, in MemberAction, a latchkey.Account) (string, error) {
	w := in.Workspace
	if w.Policy.PasswordSignInOff {
		return "", latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgInviteSSOOnly)
	}
	if a.Status != latchkey.StatusInvited {
		return "", latchkey.NewError(latchkey.CodeConflict, "email", latchkey.MsgNotInvited)
	}
	s.audit(ctx, in.event(latchkey.EventAccountInvite, a, "resend"))
	return s.signin.SendInvitation(ctx, w, a, "")
}
