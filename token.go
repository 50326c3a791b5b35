package latchkey

import (
	"context"
	"time"
)

// Purpose says what a one-time token is for. A token is only ever consumed for its own purpose.
type Purpose string

// The purposes.
const (
	// PurposeSetPassword is the link in a welcome or invitation email: it sets the first
	// password and activates the account.
	PurposeSetPassword Purpose = "set_password"
	// PurposeReset is a forgotten-password link.
	PurposeReset Purpose = "reset"
)

// Token is a single-use secret sent by email. Hash is HashSecret of the secret in the link.
type Token struct {
	Hash        string
	Purpose     Purpose
	WorkspaceID string
	AccountID   string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// TokenStore keeps one-time tokens.
type TokenStore interface {
	// CreateToken stores t.
	CreateToken(ctx context.Context, t Token) error
	// Token returns the live token (ExpiresAt after now) with this purpose and hash without
	// consuming it. Returns ErrNotFound if there is none.
	Token(ctx context.Context, purpose Purpose, hash string, now time.Time) (Token, error)
	// ConsumeToken deletes and returns the live token with this purpose and hash, atomically:
	// of any number of concurrent calls for one token, exactly one succeeds. Returns ErrNotFound
	// if no live token has this hash.
	ConsumeToken(ctx context.Context, purpose Purpose, hash string, now time.Time) (Token, error)
	// DeleteAccountTokens removes every token of the account with this purpose, so that a fresh
	// link ends the old ones. Returns how many it removed.
	DeleteAccountTokens(ctx context.Context, ws, accountID string, purpose Purpose) (int, error)
	// DeleteExpiredTokens removes tokens whose ExpiresAt is not after now and returns how many.
	DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error)
}
