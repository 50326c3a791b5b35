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

// MemberAction names a member of a workspace and who acts on it, for the member-management
// methods, which the console and the command line share. Actor is an active administrator of
// Workspace (latchkey.AdminActor of the signed-in account) or the operator
// (latchkey.OperatorActor); anyone else gets CodeForbidden with MsgAdminOnly.
type MemberAction struct {
	Workspace latchkey.Workspace
	AccountID string // the member acted on
	Actor     latchkey.Actor
	Client    Client
}

// checkActor refuses an actor who is neither the operator nor an active administrator of w.
func checkActor(w latchkey.Workspace, actor latchkey.Actor) error {
	switch actor.Kind {
	case latchkey.ActorOperator:
		return nil
	case latchkey.ActorAdmin:
		return checkAdmin(w, actor.Account)
	}
	return latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgAdminOnly)
}

// checkAdmin refuses an account that is not an active administrator of w.
func checkAdmin(w latchkey.Workspace, actor latchkey.Account) error {
	if actor.ID == "" || actor.WorkspaceID != w.ID || actor.Role != latchkey.RoleAdmin || actor.Status != latchkey.StatusActive {
		return latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgAdminOnly)
	}
	return nil
}

// member checks the actor and loads the member. Returns ErrNotFound for an account that is not
// in the workspace.
func (s *Service) member(ctx context.Context, in MemberAction) (latchkey.Account, error) {
	if err := checkActor(in.Workspace, in.Actor); err != nil {
		return latchkey.Account{}, err
	}
	a, err := s.Store.Account(ctx, in.Workspace.ID, in.AccountID)
	return a, wrap("find account", err)
}

func (in MemberAction) event(t latchkey.EventType, a latchkey.Account, detail string) latchkey.Event {
	return latchkey.Event{Type: t, WorkspaceID: in.Workspace.ID, AccountID: a.ID, ActorID: in.Actor.ID(), Email: a.Email,
		ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: detail}
}

func activeAdmin(a latchkey.Account) bool {
	return a.Role == latchkey.RoleAdmin && a.Status == latchkey.StatusActive
}

func lastAdmin() error {
	return latchkey.NewError(latchkey.CodeConflict, "", latchkey.MsgLastAdmin)
}

// otherActiveAdmins reports whether ws has an active administrator besides the account id.
func (s *Service) otherActiveAdmins(ctx context.Context, ws, id string) (bool, error) {
	as, err := s.Store.Accounts(ctx, ws, latchkey.AccountFilter{Status: latchkey.StatusActive, Role: latchkey.RoleAdmin, Limit: 2})
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
	if activeAdmin(a) && !activeAdmin(next) {
		if ok, err := s.otherActiveAdmins(ctx, ws, a.ID); err != nil {
			return a, a, err
		} else if !ok {
			return a, a, lastAdmin()
		}
	}
	now := s.Now().UTC()
	err = s.Store.UpdateAccount(ctx, ws, a.ID, func(acc *latchkey.Account) error {
		before = *acc
		change(acc)
		acc.UpdatedAt = now
		after = *acc
		return nil
	})
	if err != nil {
		return before, after, wrap("update account", err)
	}
	if !activeAdmin(before) || activeAdmin(after) {
		return before, after, nil
	}
	ok, err := s.otherActiveAdmins(ctx, ws, a.ID)
	if err == nil && ok {
		return before, after, nil
	}
	// Undo, unless someone changed the account again in the meantime.
	undo := s.Store.UpdateAccount(ctx, ws, a.ID, func(acc *latchkey.Account) error {
		if acc.Role == after.Role && acc.Status == after.Status {
			acc.Role, acc.Status, acc.UpdatedAt = before.Role, before.Status, now
		}
		return nil
	})
	if undo != nil {
		s.Log.Error("undo change to the last administrator", "workspace", ws, "account", a.ID, "err", undo)
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
	ended, err := s.Store.DeleteAccountSessions(ctx, a.WorkspaceID, a.ID, "")
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
		if err := s.endSetPasswordLinks(ctx, after); err != nil {
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
	n := 0
	for _, prefix := range []string{pairPrefix("pw", a.WorkspaceID, a.Email), resetPrefix(a.WorkspaceID, a.Email)} {
		m, err := s.Store.DeleteCountersWithPrefix(ctx, prefix)
		if err != nil {
			return wrap("clear throttle", err)
		}
		n += m
	}
	if err := s.Store.ResetCounters(ctx, []string{accountKey("pw", a.WorkspaceID, a.Email)}); err != nil {
		return wrap("clear throttle", err)
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
	if _, err := s.Store.DeleteAccountSessions(ctx, in.Workspace.ID, a.ID, ""); err != nil {
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
	if activeAdmin(a) {
		// Suspend first, under the last-administrator rule, so that the removal itself
		// cannot take away the last one: a removed account cannot be put back.
		if _, _, err := s.updateMember(ctx, a, func(acc *latchkey.Account) { acc.Status = latchkey.StatusSuspended }); err != nil {
			return a, err
		}
	}
	if err := s.Store.DeleteAccount(ctx, a.WorkspaceID, a.ID); err != nil {
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
	return s.resendInvitation(ctx, in.Workspace, a, in.Actor.ID(), in.Client)
}

// MinSessionIdle is the shortest session idle timeout a workspace may set.
const MinSessionIdle = 5 * time.Minute

// SessionIdle returns the inactivity timeout of w's sessions: the workspace's own
// (Policy.SessionIdle) when it is set and shorter than the operator's, never under
// MinSessionIdle; otherwise the operator's.
func (s *Service) SessionIdle(w latchkey.Workspace) time.Duration {
	idle := s.Policy.SessionIdle
	if p := w.Policy.SessionIdle; p > 0 && p < idle {
		idle = max(p, MinSessionIdle)
	}
	return idle
}

// MinSessionMax is the shortest absolute session lifetime a workspace may set.
const MinSessionMax = time.Hour

// SessionMax returns the absolute lifetime of w's sessions, from sign-in: the workspace's own
// (Policy.SessionMax) when it is set and shorter than the operator's, never under
// MinSessionMax; otherwise the operator's. Authenticate applies it to sessions already open.
func (s *Service) SessionMax(w latchkey.Workspace) time.Duration {
	d := s.Policy.SessionMax
	if p := w.Policy.SessionMax; p > 0 && p < d {
		d = max(p, MinSessionMax)
	}
	return d
}

// PolicyInput is what the workspace settings page sends: the fields of the policy it owns.
// Require2FA is not among them: the security page sets it (SetRequire2FA), and saving the
// settings page must not undo a change made there meanwhile.
type PolicyInput struct {
	Workspace latchkey.Workspace
	Actor     latchkey.Account
	Client    Client
	Policy    latchkey.Policy
}

// UpdatePolicy stores the workspace's security policy: the minimum password length (0 for the
// product's 12, or 12 to 64; it applies to passwords set from now on), password sign-in on or
// off (off: SSO only, no invitations, no resets), the session idle timeout (0 for the
// operator's, or from MinSessionIdle to the operator's; it applies to existing sessions at
// their next request), the absolute session lifetime (0 for the operator's, or from
// MinSessionMax to the operator's; it too applies to existing sessions) and whether two-factor authentication is required. It audits what
// changed (workspace.policy) and returns the workspace as stored. Turning password sign-in off
// also stops the administrators' own password sign-in, so it is refused (CodeConflict with
// MsgPasswordOffNoSSO) while the workspace has no enabled SSO connection.
// Errors: CodeForbidden with
// MsgAdminOnly; CodeInvalid with the field ("min_length", "session_idle", "session_max") and
// MsgMinLengthRange, MsgSessionIdleRange or MsgSessionMaxRange.
func (s *Service) UpdatePolicy(ctx context.Context, in PolicyInput) (latchkey.Workspace, error) {
	if err := checkAdmin(in.Workspace, in.Actor); err != nil {
		return latchkey.Workspace{}, err
	}
	p := in.Policy
	if n := p.PasswordMinLength; n != 0 && (n < password.MinLength || n > password.MaxMinLength) {
		return latchkey.Workspace{}, latchkey.NewError(latchkey.CodeInvalid, "min_length", latchkey.MsgMinLengthRange)
	}
	if d := p.SessionIdle; d != 0 && (d < MinSessionIdle || d > s.Policy.SessionIdle) {
		return latchkey.Workspace{}, latchkey.NewError(latchkey.CodeInvalid, "session_idle",
			fmt.Sprintf(latchkey.MsgSessionIdleRange, mail.FormatExpiry(s.Policy.SessionIdle)))
	}
	if d := p.SessionMax; d != 0 && (d < MinSessionMax || d > s.Policy.SessionMax) {
		return latchkey.Workspace{}, latchkey.NewError(latchkey.CodeInvalid, "session_max",
			fmt.Sprintf(latchkey.MsgSessionMaxRange, mail.FormatExpiry(s.Policy.SessionMax)))
	}
	if p.PasswordSignInOff && !in.Workspace.Policy.PasswordSignInOff {
		ok, err := s.hasEnabledConnection(ctx, in.Workspace.ID)
		if err != nil {
			return latchkey.Workspace{}, err
		}
		if !ok {
			return latchkey.Workspace{}, latchkey.NewError(latchkey.CodeConflict, "password_signin", latchkey.MsgPasswordOffNoSSO)
		}
	}
	var before, after latchkey.Workspace
	err := s.Store.UpdateWorkspace(ctx, in.Workspace.ID, func(w *latchkey.Workspace) error {
		before = *w
		// Only the fields the settings form owns; the rest are read inside this transaction.
		w.Policy.PasswordMinLength, w.Policy.PasswordSignInOff, w.Policy.SessionIdle = p.PasswordMinLength, p.PasswordSignInOff, p.SessionIdle
		w.Policy.SessionMax = p.SessionMax
		after = *w
		return nil
	})
	if errors.Is(err, latchkey.ErrNotFound) {
		return latchkey.Workspace{}, err
	}
	if err != nil {
		return latchkey.Workspace{}, wrap("update policy", err)
	}
	if detail := policyChanges(before.Policy, after.Policy); detail != "" {
		s.audit(ctx, latchkey.Event{Type: latchkey.EventWorkspacePolicy, WorkspaceID: after.ID, AccountID: in.Actor.ID, ActorID: in.Actor.ID,
			Email: in.Actor.Email, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: detail})
	}
	return after, nil
}

// policyChanges describes what differs between two policies, for the audit log.
func policyChanges(a, b latchkey.Policy) string {
	var d []string
	onOff := func(v bool) string {
		if v {
			return "on"
		}
		return "off"
	}
	if a.PasswordMinLength != b.PasswordMinLength {
		d = append(d, fmt.Sprintf("minimum password length: %d → %d", a.PasswordMinLength, b.PasswordMinLength))
	}
	if a.PasswordSignInOff != b.PasswordSignInOff {
		d = append(d, "password sign-in: "+onOff(!a.PasswordSignInOff)+" → "+onOff(!b.PasswordSignInOff))
	}
	if a.SessionIdle != b.SessionIdle {
		d = append(d, fmt.Sprintf("session idle timeout: %v → %v", a.SessionIdle, b.SessionIdle))
	}
	if a.SessionMax != b.SessionMax {
		d = append(d, fmt.Sprintf("session lifetime: %v → %v", a.SessionMax, b.SessionMax))
	}
	if a.Require2FA != b.Require2FA {
		d = append(d, "require 2fa: "+onOff(a.Require2FA)+" → "+onOff(b.Require2FA))
	}
	return strings.Join(d, "; ")
}
