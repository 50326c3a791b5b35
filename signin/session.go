package signin

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey"
)

// startSession creates a session for a that has just proved who it is. The id is new every
// time: a sign-in never reuses a session that existed before it (no fixation).
func (s *Service) startSession(ctx context.Context, a latchkey.Account, remember bool, c Client) (Result, error) {
	now := s.Now().UTC()
	secret, hash := latchkey.NewSecret()
	sess := latchkey.Session{
		ID:          hash,
		WorkspaceID: a.WorkspaceID,
		AccountID:   a.ID,
		CreatedAt:   now,
		LastSeenAt:  now,
		ExpiresAt:   now.Add(s.Policy.SessionMax),
		Persistent:  remember,
		ClientAddr:  c.Addr,
		UserAgent:   truncate(c.UserAgent, 512),
	}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return Result{}, wrap("create session", err)
	}
	err := s.Store.UpdateAccount(ctx, a.WorkspaceID, a.ID, func(acc *latchkey.Account) error {
		acc.LastSignInAt = now
		return nil
	})
	if err != nil {
		return Result{}, wrap("record sign-in time", err)
	}
	a.LastSignInAt = now
	return Result{Session: sess, Account: a, Secret: secret}, nil
}

// ErrNoSession is returned by Authenticate when the cookie names no live session.
var ErrNoSession = &latchkey.Error{Code: latchkey.CodeUnauthorized, Message: latchkey.MsgSessionEnded}

// Authenticate returns the live session whose cookie value is secret in workspace w, and its
// account. It costs one indexed read (the caller has the workspace already, with its policy); the
// last-seen time is written at most once per Policy.TouchEvery. A session that is idle for longer
// than the workspace's timeout (SessionIdle), past its absolute end, or whose account is no longer
// active is deleted, and ErrNoSession is returned; so is a session of another workspace.
func (s *Service) Authenticate(ctx context.Context, w latchkey.Workspace, secret string) (latchkey.Session, latchkey.Account, error) {
	ws := w.ID
	if secret == "" || len(secret) > 128 {
		return latchkey.Session{}, latchkey.Account{}, ErrNoSession
	}
	id := latchkey.HashSecret(secret)
	sess, acct, err := s.Store.Session(ctx, ws, id)
	if errors.Is(err, latchkey.ErrNotFound) {
		return latchkey.Session{}, latchkey.Account{}, ErrNoSession
	}
	if err != nil {
		return latchkey.Session{}, latchkey.Account{}, wrap("read session", err)
	}
	now := s.Now()
	if sess.Expired(now, s.SessionIdle(w)) || acct.Status != latchkey.StatusActive {
		if err := s.Store.DeleteSession(ctx, ws, id); err != nil {
			return latchkey.Session{}, latchkey.Account{}, wrap("delete ended session", err)
		}
		return latchkey.Session{}, latchkey.Account{}, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) >= s.Policy.TouchEvery {
		if err := s.Store.TouchSession(ctx, ws, id, now.UTC()); err != nil && !errors.Is(err, latchkey.ErrNotFound) {
			return latchkey.Session{}, latchkey.Account{}, wrap("touch session", err)
		}
		sess.LastSeenAt = now.UTC()
	}
	return sess, acct, nil
}

// SignOut ends the session on the server and audits it.
func (s *Service) SignOut(ctx context.Context, sess latchkey.Session, acct latchkey.Account, c Client) error {
	if err := s.Store.DeleteSession(ctx, sess.WorkspaceID, sess.ID); err != nil {
		return wrap("delete session", err)
	}
	s.audit(ctx, event(latchkey.EventSignOut, sess.WorkspaceID, acct, c))
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
