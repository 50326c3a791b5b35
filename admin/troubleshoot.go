package admin

import (
	"context"
	"fmt"

	"github.com/latchkey/latchkey"
)

// SendResetLink is the troubleshooter's "Send a reset link": an administrator mails an active
// member a forgotten-password link, as if the member had asked for one, ending any earlier
// link. It is audited as password.reset_requested with the administrator as actor. Errors:
// CodeForbidden with MsgAdminOnly, or MsgPasswordSignInOff when the workspace signs in with
// SSO only; ErrNotFound; CodeConflict with MsgNotActive for a member who is not active (an
// invited one gets a fresh invitation instead, a suspended one must be reactivated first).
func (s *Service) SendResetLink(ctx context.Context, in MemberAction) (latchkey.Account, error) {
	a, err := s.member(ctx, in)
	if err != nil {
		return latchkey.Account{}, err
	}
	if in.Workspace.Policy.PasswordSignInOff {
		return latchkey.Account{}, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgPasswordSignInOff)
	}
	if a.Status != latchkey.StatusActive {
		return latchkey.Account{}, latchkey.NewError(latchkey.CodeConflict, "", latchkey.MsgNotActive)
	}
	if err := s.signin.MailResetLink(ctx, in.Workspace, a); err != nil {
		return latchkey.Account{}, fmt.Errorf("send reset link: %w", err)
	}
	s.audit(ctx, in.event(latchkey.EventResetRequested, a, "reset link sent by an administrator"))
	return a, nil
}
