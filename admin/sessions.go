package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

// EndMemberSessions signs a member out (ASVS 7.4.5): the session with ID sessionID, or, when
// sessionID is "", every session of the member. The member can sign in again at once; suspend
// it to keep it out. It audits session.revoked with the administrator as actor and returns how
// many sessions ended. An administrator may end their own sessions this way, the current one
// included. Errors: CodeForbidden with MsgAdminOnly; ErrNotFound for an account not in the
// workspace; CodeNotFound with MsgSessionGone for a session that is gone or is another
// account's (nothing is deleted).
func (s *Service) EndMemberSessions(ctx context.Context, in MemberAction, sessionID string) (int, error) {
	a, err := s.member(ctx, in)
	if err != nil {
		return 0, err
	}
	if sessionID == "" {
		n, err := s.store.DeleteAccountSessions(ctx, in.Workspace.ID, a.ID, "")
		if err != nil {
			return 0, wrap("end sessions", err)
		}
		s.audit(ctx, in.event(latchkey.EventSessionRevoked, a, fmt.Sprintf("by an administrator: all sessions: %d", n)))
		return n, nil
	}
	if len(sessionID) > 128 {
		return 0, latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgSessionGone)
	}
	sess, _, err := s.store.Session(ctx, in.Workspace.ID, sessionID)
	if errors.Is(err, latchkey.ErrNotFound) || err == nil && sess.AccountID != a.ID {
		return 0, latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgSessionGone)
	}
	if err != nil {
		return 0, wrap("read session", err)
	}
	if err := s.store.DeleteSession(ctx, in.Workspace.ID, sess.ID); err != nil {
		return 0, wrap("delete session", err)
	}
	s.audit(ctx, in.event(latchkey.EventSessionRevoked, a, "by an administrator: one session, from "+sess.ClientAddr))
	return 1, nil
}

// EndAllSessions is Sign out everyone (ASVS 7.4.5): it ends every session of the workspace but
// the acting administrator's current one, so that the administrator stays signed in to deal
// with whatever made them do it (reset a password, suspend someone); they sign themselves out
// as usual. It audits one session.revoked on the actor's account and returns how many sessions
// ended. Errors: CodeForbidden with MsgAdminOnly; signin.ErrNoSession without a current session.
func (s *Service) EndAllSessions(ctx context.Context, in MemberAction, current latchkey.Session) (int, error) {
	if err := in.Actor.CheckAdmin(in.Workspace); err != nil {
		return 0, err
	}
	if current.ID == "" || current.AccountID != in.Actor.ID() {
		return 0, signin.ErrNoSession
	}
	total, err := s.store.DeleteWorkspaceSessions(ctx, in.Workspace.ID, current.ID)
	if err != nil {
		return 0, wrap("end sessions", err)
	}
	s.audit(ctx, in.event(latchkey.EventSessionRevoked, in.Actor.Account, fmt.Sprintf("by an administrator: everyone signed out: %d sessions", total)))
	return total, nil
}
