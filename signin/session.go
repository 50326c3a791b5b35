package signin

import (
	"context"
	"errors"
	"time"

	"github.com/latchkey/latchkey"
)

// signInInput is what every sign-in method hands finishSignIn once the person has proved who
// they are.
type signInInput struct {
	Remember bool
	Device   string // the browser's device cookie
	Previous string // the browser's session cookie, ended by this sign-in
	Client   Client
	Method   string // audit detail: "password", "totp", "recovery code", "sso", "passkey"
	// Settle are the throttle rules of the secret that proved right: the success takes its
	// guess off the rules it does not reset (keep) and resets the others, in the sign-in's
	// transaction.
	Settle []rule
}

// finishSignIn is the one end of every sign-in method: it replaces the browser's previous
// session with a new one (a new id every time: no fixation), stamps the sign-in time, settles
// the throttle counters, sees the device, refreshes the device cookie and audits the success,
// all in one transaction (latchkey.SessionStart); then, for a browser the account has not used
// before, it queues a new-device alert (alertNewDevice).
func (s *Service) finishSignIn(ctx context.Context, a latchkey.Account, in signInInput) (Result, error) {
	device := s.rememberDevice(in.Device, a.WorkspaceID, a.ID)
	e := event(latchkey.EventSignIn, a.WorkspaceID, a, in.Client)
	if in.Method != "password" {
		e.Detail = in.Method
	}
	undo, reset := settled(in.Settle)
	now := s.Now().UTC()
	res, seen, err := s.storeSession(ctx, a, latchkey.SessionStart{
		Session: latchkey.Session{
			WorkspaceID: a.WorkspaceID,
			AccountID:   a.ID,
			CreatedAt:   now,
			ExpiresAt:   now.Add(s.Policy.SessionMax),
			Persistent:  in.Remember,
			SSO:         in.Method == "sso",
		},
		Replaces:      previousID(in.Previous),
		UndoCounters:  undo,
		ResetCounters: reset,
		Device:        deviceHash(device),
		Events:        []latchkey.Event{s.events.Stamp(e)},
	}, in.Client)
	if err != nil {
		return Result{}, err
	}
	res.Device = device
	s.alertNewDevice(ctx, a, seen, in.Client)
	return res, nil
}

// previousID is the store id of a session cookie value, or "" for none.
func previousID(secret string) string {
	if secret == "" || len(secret) > 128 {
		return ""
	}
	return latchkey.HashSecret(secret)
}

// storeSession gives st.Session a new secret and writes st (see StartSession).
func (s *Service) storeSession(ctx context.Context, a latchkey.Account, st latchkey.SessionStart, c Client) (Result, latchkey.DeviceSighting, error) {
	now := s.Now().UTC()
	secret, hash := latchkey.NewSecret()
	sess := &st.Session
	sess.ID, sess.LastSeenAt = hash, now
	sess.ClientAddr, sess.UserAgent = c.Addr, truncate(c.UserAgent, 512)
	seen, err := s.Store.StartSession(ctx, st)
	if err != nil {
		return Result{}, seen, wrap("start session", err)
	}
	if !st.Rotate {
		a.LastSignInAt = now
	}
	return Result{Session: *sess, Account: a, Secret: secret}, seen, nil
}

// rotate replaces the current session with a new id after a privilege change (a new password,
// two-factor turned on or off, new recovery codes), so that a session id seen before the change
// is dead after it (ASVS 7.2.4). The new session keeps the old one's start, absolute end and
// persistence: a rotation neither lengthens a session nor reopens its reauthentication window.
func (s *Service) rotate(ctx context.Context, a latchkey.Account, cur latchkey.Session, c Client) (Result, error) {
	if cur.ID == "" {
		return Result{}, nil // no session to rotate (a change made outside a browser)
	}
	next := latchkey.Session{WorkspaceID: a.WorkspaceID, AccountID: a.ID, CreatedAt: cur.CreatedAt, ExpiresAt: cur.ExpiresAt, Persistent: cur.Persistent, SSO: cur.SSO}
	res, _, err := s.storeSession(ctx, a, latchkey.SessionStart{Session: next, Replaces: cur.ID, Rotate: true}, c)
	return res, err
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

// ErrNoSession is returned by Authenticate when the cookie names no live session.
var ErrNoSession = &latchkey.Error{Code: latchkey.CodeUnauthorized, Message: latchkey.MsgSessionEnded}

// Authenticate returns the live session whose cookie value is secret in workspace w, and its
// account. It costs one indexed read (the caller has the workspace already, with its policy); the
// last-seen time is written at most once per Policy.TouchEvery. A session that is idle for longer
// than the workspace's timeout (SessionIdle), past its absolute end or older than the
// workspace's lifetime (SessionMax, which so ends sessions opened before it was shortened), or
// whose account is no longer active is deleted, and ErrNoSession is returned; so is a session
// of another workspace.
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
	if sess.Expired(now, s.SessionIdle(w)) || !now.Before(sess.CreatedAt.Add(s.SessionMax(w))) || acct.Status != latchkey.StatusActive {
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
