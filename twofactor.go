package latchkey

import (
	"context"
	"time"
)

// RecoveryCode is one stored recovery code: its argon2id hash (the code has 80 bits; ASVS asks a
// salted slow hash for lookup secrets under 112 bits). ID lets a matched code be consumed.
type RecoveryCode struct {
	ID        string
	Hash      string
	CreatedAt time.Time
}

// Challenge is a pending second step after a password was accepted: no session exists until it
// is passed. ID is the SHA-256 of the secret in the browser's challenge cookie.
type Challenge struct {
	ID          string
	WorkspaceID string
	AccountID   string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	Attempts    int  // wrong codes so far
	Remember    bool // "Keep me signed in" from the password page, carried through
	ClientAddr  string
	UserAgent   string
}

// TwoFactorStore keeps what two-factor sign-in needs besides the account's sealed TOTP secret
// (Account.TOTPSecret).
type TwoFactorStore interface {
	// AdvanceTOTPStep records step as the account's last accepted TOTP time step, atomically,
	// only if it is greater than the last one: of concurrent calls with one step exactly one
	// succeeds. Returns ErrConflict if step is not greater (a replayed code), ErrNotFound if
	// there is no such account.
	AdvanceTOTPStep(ctx context.Context, ws, accountID string, step int64) error
	// ReplaceRecoveryCodes deletes the account's recovery codes and stores codes instead, in one
	// transaction: the old set stops working at once. An empty codes deletes them all.
	ReplaceRecoveryCodes(ctx context.Context, ws, accountID string, codes []RecoveryCode) error
	// RecoveryCodes lists the account's unused recovery codes.
	RecoveryCodes(ctx context.Context, ws, accountID string) ([]RecoveryCode, error)
	// ConsumeRecoveryCode deletes the recovery code with this id, atomically, and returns how many
	// remain. Of concurrent calls for one code exactly one succeeds; the others get ErrNotFound.
	ConsumeRecoveryCode(ctx context.Context, ws, accountID, id string) (remaining int, err error)

	// CreateChallenge stores c. Returns ErrNotFound if the account does not exist.
	CreateChallenge(ctx context.Context, c Challenge) error
	// Challenge returns the challenge with this id in workspace ws, or ErrNotFound. It does not
	// check expiry: callers do, with their own clock.
	Challenge(ctx context.Context, ws, id string) (Challenge, error)
	// UseChallengeAttempt takes one of the challenge's limit attempts before a code is checked:
	// one conditional update, so of concurrent submissions no more than limit get through.
	// Returns the new count; ErrConflict if the challenge has used all limit attempts;
	// ErrNotFound if it is gone.
	UseChallengeAttempt(ctx context.Context, ws, id string, limit int) (int, error)
	// DeleteChallenge removes a challenge. Deleting a missing one is not an error.
	DeleteChallenge(ctx context.Context, ws, id string) error
	// DeleteExpiredChallenges removes challenges whose ExpiresAt is not after now, and returns
	// how many.
	DeleteExpiredChallenges(ctx context.Context, now time.Time) (int, error)
}
