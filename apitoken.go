package latchkey

import (
	"context"
	"strings"
	"time"
)

// APITokenScope says what an API token may do: read, or read and change.
type APITokenScope string

// The API token scopes.
const (
	// ScopeRead allows the API's GET requests only.
	ScopeRead APITokenScope = "read"
	// ScopeReadWrite allows every request of the API, as far as the token's account may.
	ScopeReadWrite APITokenScope = "read-write"
)

// APITokenScopes lists the scopes in the order forms show them.
var APITokenScopes = []APITokenScope{ScopeRead, ScopeReadWrite}

// ParseAPITokenScope returns the scope named s ("" is ScopeRead), or an *Error with
// CodeInvalid on the field "scope".
func ParseAPITokenScope(s string) (APITokenScope, error) {
	switch sc := APITokenScope(strings.ToLower(strings.TrimSpace(s))); sc {
	case "":
		return ScopeRead, nil
	case ScopeRead, ScopeReadWrite:
		return sc, nil
	}
	return "", NewError(CodeInvalid, "scope", MsgAPIScopeInvalid)
}

// CanWrite reports whether the scope allows requests that change something.
func (s APITokenScope) CanWrite() bool { return s == ScopeReadWrite }

// APITokenPrefix begins every API token, so that a token pasted where it should not be is
// recognisable (by people and by secret scanners) for what it is.
const APITokenPrefix = "lk_api_"

// MaxAPITokenName is the longest name of an API token, in characters.
const MaxAPITokenName = 100

// APIToken is a bearer token for a workspace's JSON API (/api/v1). Hash is HashSecret of the
// whole token: the token itself is shown once, when it is created, and never stored. A token
// acts with the rights of AccountID, an active administrator of its workspace when it was
// created; it is refused once that account is no longer an active administrator, once it is
// revoked (RevokedAt set), and in any other workspace.
type APIToken struct {
	ID          string
	WorkspaceID string
	Name        string // the administrator's label, such as "Asset sync"
	Scope       APITokenScope
	AccountID   string // whose rights the token acts with
	CreatedBy   string // the administrator who created it; "" for the operator's CLI
	Hash        string
	Hint        string // the token's last four characters, to tell tokens apart in lists
	CreatedAt   time.Time
	LastUsedAt  time.Time // zero if never used
	LastUsedIP  string    // the client address of the last use; "" if never used
	RevokedAt   time.Time // zero while the token is live
}

// Revoked reports whether the token has been revoked.
func (t APIToken) Revoked() bool { return !t.RevokedAt.IsZero() }

// APITokenStore keeps API tokens. Every method is scoped to one workspace: a token of another
// workspace gives ErrNotFound.
type APITokenStore interface {
	// CreateAPIToken stores t. Returns ErrNotFound if the workspace does not exist and
	// ErrConflict if a token with this ID or hash exists.
	CreateAPIToken(ctx context.Context, t APIToken) error
	// APITokenByHash returns the token of workspace ws with this hash, revoked or not (the
	// caller refuses a revoked one, and can say so in the audit log). Returns ErrNotFound if
	// there is none, in particular for a token of another workspace.
	APITokenByHash(ctx context.Context, ws, hash string) (APIToken, error)
	// APIToken returns the token of ws with this ID, revoked or not, or ErrNotFound.
	APIToken(ctx context.Context, ws, id string) (APIToken, error)
	// APITokens lists every token of ws, revoked ones included, newest first.
	APITokens(ctx context.Context, ws string) ([]APIToken, error)
	// RevokeAPIToken sets the live token's RevokedAt to now. Returns ErrNotFound if ws has no
	// live token with this ID.
	RevokeAPIToken(ctx context.Context, ws, id string, now time.Time) error
	// TouchAPIToken records a use of the token at now from the client address addr. Returns
	// ErrNotFound if ws has no token with this ID.
	TouchAPIToken(ctx context.Context, ws, id string, now time.Time, addr string) error
}

// Events of API tokens. Detail names the token ("Asset sync (ID)"); a refusal's detail also
// says why it was refused.
const (
	EventAPITokenCreate  EventType = "api.token_create"
	EventAPITokenRevoke  EventType = "api.token_revoke"
	EventAPITokenRefused EventType = "api.token_refused"
)

// Label is how the audit log names the token: its name and, in brackets, its id.
func (t APIToken) Label() string { return t.Name + " (" + t.ID + ")" }
