package admin

import (
	"context"
	"fmt"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

// MemberAction names a member of a workspace and who acts on it, for the member-management
// methods, which the console and the command line share. Actor is an active administrator of
// Workspace (latchkey.AdminActor of the signed-in account) or the operator
// (latchkey.OperatorActor); anyone else gets CodeForbidden with MsgAdminOnly.
type MemberAction struct {
	Workspace latchkey.Workspace
	AccountID string // the member acted on
	Actor     latchkey.Actor
	Client    signin.Client
}

// member checks the actor and loads the member. Returns ErrNotFound for an account that is not
// in the workspace.
func (s *Service) member(ctx context.Context, in MemberAction) (latchkey.Account, error) {
	if err := in.Actor.CheckAdmin(in.Workspace); err != nil {
		return latchkey.Account{}, err
	}
	a, err := s.store.Account(ctx, in.Workspace.ID, in.AccountID)
	return a, wrap("find account", err)
}

func (in MemberAction) event(t latchkey.EventType, a latchkey.Account, detail string) latchkey.Event {
	return latchkey.Event{Type: t, WorkspaceID: in.Workspace.ID, AccountID: a.ID, ActorID: in.Actor.ID(), Email: a.Email,
		ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: detail}
}

func lastAdmin() error {
	return latchkey.NewError(latchkey.CodeConflict, "", latchkey.MsgLastAdmin)
}

// otherActiveAdmins reports whether ws has an active administrator besides the account id.
func (s *Service) otherActiveAdmins(ctx context.Context, ws, id string) (bool, error) {
	as, err := s.store.Accounts(ctx, ws, latchkey.AccountFilter{Status: latchkey.StatusActive, Role: latchkey.RoleAdmin, Limit: 2})
	if err != nil {
		return false, wrap("count administrators", err)
	}
	for _, a := range as {
		if a.ID != id {
			return true, nil
		}
	}
	return false, nil
}

// updateMember changes the account's role or status with change, keeping at least one active
// administrator in the workspace. It returns the account as it was and as it is.
//
// The store cannot count the administrators and update one in one transaction, so the rule
// is kept optimistically: a change that takes away an active administrator is refused at once
// if there is no other, and is otherwise written, then checked (the count then sees every
// committed change, its own included) and undone if it left none. Two administrators demoting
// each other at the same moment may both be refused, never both succeed.
func (s *Service) updateMember(ctx context.Context, a latchkey.Account, change func(*latchkey.Account)) (before, after latchkey.Account, err error) {
	ws := a.WorkspaceID
	next := a
	change(&next)
	if a.ActiveAdmin() && !next.ActiveAdmin() {
		if ok, err := s.otherActiveAdmins(ctx, ws, a.ID); err != nil {
			return a, a, err
		} else if !ok {
			return a, a, lastAdmin()
		}
	}
	now := s.now().UTC()
	err = s.store.UpdateAccount(ctx, ws, a.ID, func(acc *latchkey.Account) error {
		before = *acc
		change(acc)
		acc.UpdatedAt = now
		after = *acc
		return nil
	})
	if err != nil {
		return before, after, wrap("update account", err)
	}
	if !before.ActiveAdmin() || after.ActiveAdmin() {
		return before, after, nil
	}
	ok, err := s.otherActiveAdmins(ctx, ws, a.ID)
	if err == nil && ok {
		return before, after, nil
	}
	// Undo, unless someone changed the account again in the meantime.
	undo := s.store.UpdateAccount(ctx, ws, a.ID, func(acc *latchkey.Account) error {
		if acc.Role == after.Role && acc.Status == after.Status {
			acc.Role, acc.Status, acc.UpdatedAt = before.Role, before.Status, now
		}
		return nil
	})
	if undo != nil {
		s.log.Error("undo change to the last administrator", "workspace", ws, "account", a.ID, "err", undo)
	}
	if err != nil {
		return before, before, err
	}
	return before, before, lastAdmin()
}

// SuspendMember suspends the member: it can no longer sign in, and every one of its sessions
// ends at once. Errors: CodeForbidden with MsgAdminOnly; ErrNotFound; CodeConflict with
// MsgAlreadySuspended, or with MsgLastAdmin for the last active administrator (the actor
// included).
func (s *Service) SuspendMember(ctx context.Context, in MemberAction) (latchkey.Account, error) {
	a, err := s.member(ctx, in)
	if err != nil {
		return latchkey.Account{}, err
	}
	if a.Status == latchkey.StatusSuspended {
		return a, latchkey.NewError(latchkey.CodeConflict, "", latchkey.MsgAlreadySuspended)
	}
	return s.suspend(ctx, a, in)
}

func (s *Service) suspend(ctx context.Context, a latchkey.Account, in MemberAction) (latchkey.Account, error) {
	before, after, err := s.updateMember(ctx, a, func(acc *latchkey.Account) { acc.Status = latchkey.StatusSuspended })
	if err != nil {
		return after, err
	}
	ended, err := s.store.DeleteAccountSessions(ctx, a.WorkspaceID, a.ID, "")
	if err != nil {
		return after, wrap("end sessions", err)
	}
	s.audit(ctx, in.event(latchkey.EventAccountSuspend, after, fmt.Sprintf("was %s; %d sessions ended", before.Status, ended)))
	return after, nil
}

// ReactivateMember lifts a suspension: the member is active again, or invited if it never set a
// password nor signed in. Errors: CodeForbidden with MsgAdminOnly; ErrNotFound; CodeConflict with
// MsgNotSuspended.
func (s *Service) ReactivateMember(ctx context.Context, in MemberAction) (latchkey.Account, error) {
	a, err := s.member(ctx, in)
	if err != nil {
		return latchkey.Account{}, err
	}
	if a.Status != latchkey.StatusSuspended {
		return a, latchkey.NewError(latchkey.CodeConflict, "", latchkey.MsgNotSuspended)
	}
	return s.reactivate(ctx, a, in)
}

func (s *Service) reactivate(ctx context.Context, a latchkey.Account, in MemberAction) (latchkey.Account, error) {
	_, after, err := s.updateMember(ctx, a, func(acc *latchkey.Account) {
		acc.Status = latchkey.StatusActive
		if acc.PasswordHash == "" && acc.LastSignInAt.IsZero() {
			acc.Status = latchkey.StatusInvited
		}
	})
	if err != nil {
		return after, err
	}
	if after.Status == latchkey.StatusActive {
		if err := s.signin.EndSetPasswordLinks(ctx, after); err != nil {
			return after, err
		}
	}
	s.audit(ctx, in.event(latchkey.EventAccountActivate, after, "now "+string(after.Status)))
	return after, nil
}

// UnlockMember clears the member's sign-in limits: the per-account counter and the counters of
// every (member, address) pair, and the reset-request counters of the member's email, so that
// the owner locked out by someone else's guesses can sign in at once. The per-address counters
// stay: they are an address's guesses at every account. Errors: CodeForbidden with
// MsgAdminOnly; ErrNotFound.
func (s *Service) UnlockMember(ctx context.Context, in MemberAction) (latchkey.Account, error) {
	a, err := s.member(ctx, in)
	if err != nil {
		return latchkey.Account{}, err
	}
	return a, s.unlock(ctx, a, in)
}

func (s *Service) unlock(ctx context.Context, a latchkey.Account, in MemberAction) error {
	n, err := s.signin.ClearSignInLimits(ctx, a)
	if err != nil {
		return err
	}
	s.audit(ctx, in.event(latchkey.EventAccountUnlock, a, fmt.Sprintf("%d address counters cleared", n)))
	return nil
}

// ChangeMemberRole makes the member an admin or a member. A change to the role it has is not
// an error and is not audited. A change of privilege ends every session of the member (SPEC
// §3, ASVS 7.2.4): they sign in again under the new role, and a session id seen before the
// change cannot act with the new rights; an administrator changing their own role is signed out
// too. Errors: CodeForbidden with MsgAdminOnly;
// ErrNotFound; CodeInvalid with MsgRoleInvalid; CodeConflict with MsgLastAdmin for demoting the
// last active administrator (the actor included).
func (s *Service) ChangeMemberRole(ctx context.Context, in MemberAction, role latchkey.Role) (latchkey.Account, error) {
	role, err := latchkey.ParseRole(string(role))
	if err != nil {
		return latchkey.Account{}, err
	}
	a, err := s.member(ctx, in)
	if err != nil {
		return latchkey.Account{}, err
	}
	if a.Role == role {
		return a, nil
	}
	before, after, err := s.updateMember(ctx, a, func(acc *latchkey.Account) { acc.Role = role })
	if err != nil {
		return after, err
	}
	if _, err := s.store.DeleteAccountSessions(ctx, in.Workspace.ID, a.ID, ""); err != nil {
		return after, wrap("end sessions", err)
	}
	s.audit(ctx, in.event(latchkey.EventAccountRole, after, string(before.Role)+" → "+string(after.Role)))
	return after, nil
}

// RemoveMember deletes the member and everything that belongs to it (sessions, links, recovery
// codes, challenges); its audit events stay. It returns the account as it was. An administrator
// may remove their own account, unless they are the last active administrator. Errors:
// CodeForbidden with MsgAdminOnly; ErrNotFound; CodeConflict with MsgLastAdmin.
func (s *Service) RemoveMember(ctx context.Context, in MemberAction) (latchkey.Account, error) {
	a, err := s.member(ctx, in)
	if err != nil {
		return latchkey.Account{}, err
	}
	if a.ActiveAdmin() {
		// Suspend first, under the last-administrator rule, so that the removal itself
		// cannot take away the last one: a removed account cannot be put back.
		if _, _, err := s.updateMember(ctx, a, func(acc *latchkey.Account) { acc.Status = latchkey.StatusSuspended }); err != nil {
			return a, err
		}
	}
	if err := s.store.DeleteAccount(ctx, a.WorkspaceID, a.ID); err != nil {
		return a, wrap("delete account", err)
	}
	s.audit(ctx, in.event(latchkey.EventAccountRemove, a, fmt.Sprintf("%s, %s", a.Role, a.Status)))
	return a, nil
}

// ReinviteMember is Resend invitation on the members page: it mails an invited member a fresh
// link and ends the old one. It returns the link. Errors: CodeForbidden with MsgAdminOnly or
// MsgInviteSSOOnly; ErrNotFound; CodeConflict with MsgNotInvited.
func (s *Service) ReinviteMember(ctx context.Context, in MemberAction) (string, error) {
	a, err := s.member(ctx, in)
	if err != nil {
		return "", err
	}
	return s.resendInvitation(ctx, in, a)
}
