package latchkey

import (
	"context"
	"strings"
	"time"
)

// Workspace is one customer organisation, served at <Slug>.<base host>.
type Workspace struct {
	ID        string
	Slug      string
	Name      string
	CreatedAt time.Time
	Policy    Policy
}

// Policy is a workspace's security policy, set by its administrators.
type Policy struct {
	// Require2FA takes members without two-factor authentication straight to set it up after
	// their password, and nowhere else until they have.
	Require2FA bool
	// PasswordMinLength is the least number of characters a new password needs: 0 means the
	// product minimum (12); at most 64.
	PasswordMinLength int
	// PasswordSignInOff turns password sign-in off (SSO only): no password form, no invitations
	// with password links, no resets. The zero value keeps password sign-in on.
	PasswordSignInOff bool
	// PasskeySignInOff turns off signing in with a passkey and no password. Passkeys still
	// serve as the second factor after a password. It is independent of PasswordSignInOff: a
	// workspace with password sign-in off may still let members sign in with passkeys.
	PasskeySignInOff bool
	// SessionIdle is the inactivity timeout: 0 means the operator's; never more than it.
	SessionIdle time.Duration
	// SessionMax is the absolute session lifetime, counted from sign-in whatever the activity:
	// 0 means the operator's; never more than it.
	SessionMax time.Duration
}

// reservedSlugs are names that a workspace may not take: they are, or may become, hosts of the
// service itself, or they invite phishing.
var reservedSlugs = map[string]bool{
	"app": true, "www": true, "api": true, "admin": true, "login": true, "static": true,
	"mail": true, "smtp": true, "imap": true, "pop": true, "ftp": true, "auth": true,
	"sso": true, "id": true, "account": true, "accounts": true, "signin": true, "signup": true,
	"status": true, "help": true, "support": true, "docs": true, "blog": true, "cdn": true,
	"assets": true, "metrics": true, "healthz": true, "localhost": true, "latchkey": true,
	"security": true, "billing": true, "dashboard": true, "console": true, "root": true,
	"system": true, "test": true, "demo-admin": true, "internal": true, "oauth": true, "saml": true,
}

// ValidateSlug returns an *Error with CodeInvalid if slug is not 3–63 of a-z, 0-9 and hyphen
// with no leading or trailing hyphen, or if it is reserved.
func ValidateSlug(slug string) error {
	if len(slug) < 3 || len(slug) > 63 || slug[0] == '-' || slug[len(slug)-1] == '-' {
		return NewError(CodeInvalid, "slug", MsgSlugInvalid)
	}
	for _, c := range slug {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return NewError(CodeInvalid, "slug", MsgSlugInvalid)
		}
	}
	if reservedSlugs[slug] || strings.HasPrefix(slug, "xn--") {
		return NewError(CodeInvalid, "slug", MsgSlugReserved)
	}
	return nil
}

// WorkspaceStore keeps workspaces.
type WorkspaceStore interface {
	// CreateWorkspace stores w and its first administrator in one transaction: either both
	// exist afterwards or neither does. Returns ErrConflict if the slug is taken.
	CreateWorkspace(ctx context.Context, w Workspace, firstAdmin Account) error
	// Workspace returns the workspace with this ID, or ErrNotFound.
	Workspace(ctx context.Context, id string) (Workspace, error)
	// WorkspaceBySlug returns the workspace with this slug, or ErrNotFound.
	WorkspaceBySlug(ctx context.Context, slug string) (Workspace, error)
	// Workspaces lists every workspace ordered by slug.
	Workspaces(ctx context.Context) ([]Workspace, error)
	// UpdateWorkspace runs fn on the current workspace and stores the result (name and policy),
	// in one transaction. fn must not change ID or Slug and must not call the store. If fn
	// returns an error nothing is written and the error is returned. Returns ErrNotFound if there
	// is no such workspace.
	UpdateWorkspace(ctx context.Context, id string, fn func(*Workspace) error) error
}
