package admin

import (
	"context"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

// TwoFactorReset is a request to reset a member's two-factor authentication (the security
// page's Reset, and latchkey account reset-2fa). An administrator gives their session and
// password, asked again every time, as turning off one's own two-factor is: a session left open
// must not be enough to strip someone's second factor. The operator at the command line is not
// asked.
type TwoFactorReset struct {
	MemberAction
	Session  latchkey.Session // the administrator's
	Password string           // the administrator's
}

// ResetTwoFactor turns a member's two-factor authentication off when they have lost their
// phone and their recovery codes: the authenticator app, the recovery codes and the passkeys.
// The member is signed out everywhere and told by email, and the reset is audited with its
// actor (signin.Service.ResetSecondFactors). Errors: CodeForbidden with MsgAdminOnly, or with
// MsgResetOwnTwoFactor for the administrator's own account (their own settings page turns it
// off, with their password); ErrNotFound for an unknown account; CodeConflict
// (MsgTwoFactorNotOn) if the member has no second factor; the reauthentication errors
// (CodeInvalid, CodeUnauthorized, CodeThrottled) for the administrator's password.
func (s *Service) ResetTwoFactor(ctx context.Context, in TwoFactorReset) (latchkey.Account, error) {
	a, err := s.member(ctx, in.MemberAction)
	if err != nil {
		return latchkey.Account{}, err
	}
	admin := in.Actor.Kind == latchkey.ActorAdmin
	if admin && a.ID == in.Actor.Account.ID {
		return latchkey.Account{}, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgResetOwnTwoFactor)
	}
	second, err := s.signin.HasSecondFactor(ctx, a)
	if err != nil {
		return latchkey.Account{}, err
	}
	if !second {
		return latchkey.Account{}, latchkey.NewError(latchkey.CodeConflict, "", latchkey.MsgTwoFactorNotOn)
	}
	if admin {
		if err := s.signin.Reauthenticate(ctx, in.Actor.Account, in.Session, in.Password); err != nil {
			return latchkey.Account{}, err
		}
	}
	err = s.signin.ResetSecondFactors(ctx, signin.SecondFactorsReset{Workspace: in.Workspace, Account: a, Actor: in.Actor, Client: in.Client})
	return a, err
}
