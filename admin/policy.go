package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
)

// PolicyInput is what the workspace settings page sends: the fields of the policy it owns.
// Require2FA is not among them: the security page sets it (SetPolicySwitches), and saving the
// settings page must not undo a change made there meanwhile.
type PolicyInput struct {
	Workspace latchkey.Workspace
	Actor     latchkey.Actor
	Client    signin.Client
	Policy    latchkey.Policy
}

// UpdatePolicy stores the workspace's security policy: the minimum password length (0 for the
// product's 12, or 12 to 64; it applies to passwords set from now on), password sign-in on or
// off (off: SSO only, no invitations, no resets), the session idle timeout (0 for the
// operator's, or from signin.MinSessionIdle to the operator's; it applies to existing sessions at
// their next request), the absolute session lifetime (0 for the operator's, or from
// signin.MinSessionMax to the operator's; it too applies to existing sessions) and whether two-factor authentication is required. It audits what
// changed (workspace.policy) and returns the workspace as stored. Turning password sign-in off
// also stops the administrators' own password sign-in, so it is refused (CodeConflict with
// MsgPasswordOffNoSSO) while the workspace has no enabled SSO connection.
// Errors: CodeForbidden with
// MsgAdminOnly; CodeInvalid with the field ("min_length", "session_idle", "session_max") and
// MsgMinLengthRange, MsgSessionIdleRange or MsgSessionMaxRange.
func (s *Service) UpdatePolicy(ctx context.Context, in PolicyInput) (latchkey.Workspace, error) {
	if err := in.Actor.CheckAdmin(in.Workspace); err != nil {
		return latchkey.Workspace{}, err
	}
	p, op := in.Policy, s.signin.Policy // the operator's limits bound the workspace's
	if n := p.PasswordMinLength; n != 0 && (n < password.MinLength || n > password.MaxMinLength) {
		return latchkey.Workspace{}, latchkey.NewError(latchkey.CodeInvalid, "min_length", latchkey.MsgMinLengthRange)
	}
	if d := p.SessionIdle; d != 0 && (d < signin.MinSessionIdle || d > op.SessionIdle) {
		return latchkey.Workspace{}, latchkey.NewError(latchkey.CodeInvalid, "session_idle",
			fmt.Sprintf(latchkey.MsgSessionIdleRange, mail.FormatExpiry(op.SessionIdle)))
	}
	if d := p.SessionMax; d != 0 && (d < signin.MinSessionMax || d > op.SessionMax) {
		return latchkey.Workspace{}, latchkey.NewError(latchkey.CodeInvalid, "session_max",
			fmt.Sprintf(latchkey.MsgSessionMaxRange, mail.FormatExpiry(op.SessionMax)))
	}
	if p.PasswordSignInOff && !in.Workspace.Policy.PasswordSignInOff {
		if err := s.canTurnPasswordOff(ctx, in.Workspace.ID, "password_signin"); err != nil {
			return latchkey.Workspace{}, err
		}
	}
	var before, after latchkey.Workspace
	err := s.store.UpdateWorkspace(ctx, in.Workspace.ID, func(w *latchkey.Workspace) error {
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
		s.audit(ctx, actorEvent(latchkey.EventWorkspacePolicy, after.ID, in.Actor, in.Client, detail))
	}
	return after, nil
}

// PolicySwitches turns parts of a workspace's policy on or off: the command line's latchkey
// workspace policy, and the switches of the console's security page. Nil fields stay as they
// are.
type PolicySwitches struct {
	Workspace         latchkey.Workspace
	Actor             latchkey.Actor
	Client            signin.Client
	PasswordSignInOff *bool
	Require2FA        *bool
	PasskeySignIn     *bool // "Members may sign in with a passkey"
}

// SetPolicySwitches applies the switches and audits what changed (workspace.policy, "require
// 2fa: off → on"; "(operator)" follows the change when the actor is the operator; a switch set
// to what it was records nothing). Turning password sign-in off is refused (CodeConflict,
// MsgPasswordOffNoSSO) while the workspace has no enabled connection; turning it on always
// works: it is the operator's way back in. Errors: CodeForbidden with MsgAdminOnly.
func (s *Service) SetPolicySwitches(ctx context.Context, in PolicySwitches) (latchkey.Workspace, error) {
	if err := in.Actor.CheckAdmin(in.Workspace); err != nil {
		return latchkey.Workspace{}, err
	}
	if in.PasswordSignInOff != nil && *in.PasswordSignInOff {
		if err := s.canTurnPasswordOff(ctx, in.Workspace.ID, ""); err != nil {
			return latchkey.Workspace{}, err
		}
	}
	var before, after latchkey.Workspace
	err := s.store.UpdateWorkspace(ctx, in.Workspace.ID, func(ws *latchkey.Workspace) error {
		before = *ws
		if in.PasswordSignInOff != nil {
			ws.Policy.PasswordSignInOff = *in.PasswordSignInOff
		}
		if in.Require2FA != nil {
			ws.Policy.Require2FA = *in.Require2FA
		}
		if in.PasskeySignIn != nil {
			ws.Policy.PasskeySignInOff = !*in.PasskeySignIn
		}
		after = *ws
		return nil
	})
	if err != nil {
		return latchkey.Workspace{}, wrap("update policy", err)
	}
	if detail := policyChanges(before.Policy, after.Policy); detail != "" {
		if in.Actor.Kind == latchkey.ActorOperator {
			detail += " (operator)"
		}
		s.audit(ctx, actorEvent(latchkey.EventWorkspacePolicy, in.Workspace.ID, in.Actor, in.Client, detail))
	}
	return after, nil
}

// canTurnPasswordOff refuses to turn password sign-in off in ws while it has no enabled SSO
// connection (the administrators' own password sign-in stops too): CodeConflict with
// MsgPasswordOffNoSSO, on field.
func (s *Service) canTurnPasswordOff(ctx context.Context, ws, field string) error {
	ok, err := s.hasEnabledConnection(ctx, ws)
	if err != nil {
		return err
	}
	if !ok {
		return latchkey.NewError(latchkey.CodeConflict, field, latchkey.MsgPasswordOffNoSSO)
	}
	return nil
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
	if a.PasskeySignInOff != b.PasskeySignInOff {
		d = append(d, "passkey sign-in: "+onOff(!a.PasskeySignInOff)+" → "+onOff(!b.PasskeySignInOff))
	}
	return strings.Join(d, "; ")
}
