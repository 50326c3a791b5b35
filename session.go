package latchkey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Session is a signed-in browser. ID is the SHA-256 (hex) of the cookie's secret: the secret
// itself is never stored.
type Session struct {
	ID          string
	WorkspaceID string
	AccountID   string
	CreatedAt   time.Time
	LastSeenAt  time.Time
	ExpiresAt   time.Time // absolute end, whatever the activity
	Persistent  bool      // "Keep me signed in": the cookie survives browser restarts
	// SSO is set on a session started by single sign-on: the provider did the second factor,
	// so a workspace's Require2FA does not send it to set up latchkey's.
	SSO        bool
	ClientAddr string
	UserAgent  string
}

// Idle reports whether s has been unused for longer than idle at now.
func (s Session) Idle(now time.Time, idle time.Duration) bool {
	return !now.Before(s.LastSeenAt.Add(idle))
}

// Expired reports whether s is past its absolute lifetime or idle timeout at now.
func (s Session) Expired(now time.Time, idle time.Duration) bool {
	return !now.Before(s.ExpiresAt) || s.Idle(now, idle)
}

// NewSecret returns a random secret of 256 bits encoded for a URL or cookie, and the hash under
// which the store keeps it.
func NewSecret() (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error (crypto/rand docs)
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret returns the hex SHA-256 of a secret. A fast hash is right here: the secrets are
// 256-bit random values, not passwords, so there is nothing to brute-force.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewID returns a random identifier (128 bits, base32).
func NewID() string { return rand.Text() }

// SessionStart is what a sign-in (or a session's rotation) writes, all or nothing.
type SessionStart struct {
	Session Session
	// Replaces is the ID of the session this one replaces: the browser's previous one, or the
	// session rotated on a privilege change ("" for none; a missing one is not an error).
	Replaces string
	// Rotate marks a rotation: the account's LastSignInAt stays as it is.
	Rotate bool
	// UndoCounters lose one failure each (the guess that proved right, on counters a success
	// does not reset); ResetCounters are removed (see ThrottleStore).
	UndoCounters, ResetCounters []string
	// Device, if not "", is the hash of the browser's device: recorded as DeviceStore.SeeDevice
	// records it, at Session.CreatedAt.
	Device string
	// Events are recorded with the session (the sign-in's audit). Each needs its ID and Time.
	Events []Event
}

// SessionStore keeps sessions.
type SessionStore interface {
	// CreateSession stores s. Returns ErrNotFound if the account does not exist in s.WorkspaceID.
	CreateSession(ctx context.Context, s Session) error
	// StartSession is a sign-in's writes in one transaction (see SessionStart): the replaced
	// session ends, the new one is stored, the account's LastSignInAt is set (unless a
	// rotation), the throttle counters the success settles are settled, the device is seen (its
	// sighting returned, as SeeDevice) and the events are recorded. Returns ErrNotFound if
	// the account does not exist in the session's workspace, and ErrConflict if an event's ID
	// is taken; either way nothing is written.
	StartSession(ctx context.Context, st SessionStart) (DeviceSighting, error)
	// Session returns the session with this ID in workspace ws together with its account, in one
	// indexed read, or ErrNotFound. It does not check expiry: callers do, with their own clock.
	Session(ctx context.Context, ws, id string) (Session, Account, error)
	// TouchSession sets the session's LastSeenAt to now. Returns ErrNotFound if it is gone.
	TouchSession(ctx context.Context, ws, id string, now time.Time) error
	// DeleteSession removes one session. Deleting a missing session is not an error.
	DeleteSession(ctx context.Context, ws, id string) error
	// DeleteAccountSessions removes every session of the account except the one with ID except
	// (pass "" to remove all) and returns how many it removed.
	DeleteAccountSessions(ctx context.Context, ws, accountID, except string) (int, error)
	// DeleteWorkspaceSessions removes every session of workspace ws except the one with ID
	// except ("" for none), in one statement, and returns how many it removed.
	DeleteWorkspaceSessions(ctx context.Context, ws, except string) (int, error)
	// AccountSessions lists the account's sessions, newest first.
	AccountSessions(ctx context.Context, ws, accountID string) ([]Session, error)
	// DeleteExpiredSessions removes sessions past their absolute end, or idle since before
	// idleBefore, across all workspaces, and returns how many.
	DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int, error)
}
