package latchkey

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode"
)

// Role is what an account may do in its workspace.
type Role string

// The roles.
const (
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// ParseRole returns the role named s, or an *Error with CodeInvalid.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleAdmin, RoleMember:
		return r, nil
	}
	return "", NewError(CodeInvalid, "role", MsgRoleInvalid)
}

// Status is where an account stands. Only active accounts may sign in.
type Status string

// The statuses.
const (
	StatusInvited   Status = "invited"
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
)

// Account is a person in one workspace. Email is stored as typed; EmailKey (NormalizeEmail of it)
// is what uniqueness and look-ups use.
type Account struct {
	ID           string
	WorkspaceID  string
	Email        string
	Name         string
	Role         Role
	Status       Status
	PasswordHash string // argon2id PHC string; empty until a password is set
	// TOTPSecret is the account's authenticator key sealed by the server keyring (bound to the
	// account ID); empty when two-factor authentication is off.
	TOTPSecret    string
	TOTPEnabledAt time.Time // zero when off
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastSignInAt  time.Time // zero if never
}

// MaxEmailLength bounds an email address (RFC 5321 path limit).
const MaxEmailLength = 254

// NormalizeEmail returns the form of an email address used to compare two addresses: trimmed
// and lower-cased. Case-insensitive comparison of the local part is what users expect, even
// though RFC 5321 lets a server treat it as case-sensitive.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// ValidateEmail returns an *Error with CodeInvalid unless email is a single plain address
// (no display name) of at most MaxEmailLength bytes.
func ValidateEmail(email string) error {
	email = strings.TrimSpace(email)
	if email == "" {
		return NewError(CodeInvalid, "email", MsgEmailRequired)
	}
	if len(email) > MaxEmailLength {
		return NewError(CodeInvalid, "email", MsgEmailInvalid)
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || !strings.Contains(email[strings.LastIndexByte(email, '@'):], ".") {
		return NewError(CodeInvalid, "email", MsgEmailInvalid)
	}
	return nil
}

// HasControl reports whether s holds a control character (CR, LF, tab, NUL, DEL, C1 …).
// Names with them are refused: they would break audit lines, mail headers and pages that
// show the name on one line.
func HasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// AccountFilter narrows Accounts. Zero fields match everything.
type AccountFilter struct {
	Status Status
	Role   Role
	Query  string // matches email or name, case-insensitively, anywhere in them
	Limit  int    // 0 means no limit
}

// AccountStore keeps accounts. Every method is scoped to one workspace.
type AccountStore interface {
	// CreateAccount stores a. Returns ErrConflict if the workspace has an account with the same
	// email (compared case-insensitively), and ErrNotFound if the workspace does not exist.
	CreateAccount(ctx context.Context, a Account) error
	// Account returns the account with this ID in workspace ws, or ErrNotFound.
	Account(ctx context.Context, ws, id string) (Account, error)
	// AccountByEmail returns the account of workspace ws whose email matches case-insensitively,
	// or ErrNotFound.
	AccountByEmail(ctx context.Context, ws, email string) (Account, error)
	// UpdateAccount runs fn on the current account and stores the result, in one transaction.
	// fn must not change ID or WorkspaceID. If fn returns an error nothing is written and the
	// error is returned. Returns ErrNotFound if there is no such account, ErrConflict if the new
	// email is taken.
	UpdateAccount(ctx context.Context, ws, id string, fn func(*Account) error) error
	// Accounts lists the accounts of workspace ws matching f, ordered by email.
	Accounts(ctx context.Context, ws string, f AccountFilter) ([]Account, error)
	// CountAccounts returns how many accounts of ws have each status.
	CountAccounts(ctx context.Context, ws string) (map[Status]int, error)
	// DeleteAccount removes the account and everything that belongs to it (sessions, tokens,
	// recovery codes, challenges); its audit events stay. Returns ErrNotFound if there is none.
	DeleteAccount(ctx context.Context, ws, id string) error
}

// TwoFactor reports whether the account has two-factor authentication on.
func (a Account) TwoFactor() bool { return a.TOTPSecret != "" }

// ActiveAdmin reports whether the account is an administrator who may act now: role admin,
// status active.
func (a Account) ActiveAdmin() bool { return a.Role == RoleAdmin && a.Status == StatusActive }
