package latchkey

import (
	"context"
	"time"
)

// SCIMToken is a bearer token with which a workspace's identity provider calls its SCIM 2.0
// endpoint. Hash is HashSecret of the token: the token itself is shown once, when it is
// created, and never stored. A token is scoped to its workspace; a revoked one (RevokedAt
// set) is refused.
type SCIMToken struct {
	ID          string
	WorkspaceID string
	Name        string // the administrator's label, such as "Okta"
	Hash        string
	CreatedAt   time.Time
	LastUsedAt  time.Time // zero if never used
	RevokedAt   time.Time // zero while the token is live
}

// Revoked reports whether the token has been revoked.
func (t SCIMToken) Revoked() bool { return !t.RevokedAt.IsZero() }

// SCIMTokenStore keeps SCIM bearer tokens. Every method is scoped to one workspace.
type SCIMTokenStore interface {
	// CreateSCIMToken stores t. Returns ErrNotFound if the workspace does not exist and
	// ErrConflict if a token with this ID or hash exists.
	CreateSCIMToken(ctx context.Context, t SCIMToken) error
	// SCIMTokenByHash returns the live (not revoked) token of workspace ws with this hash.
	// Returns ErrNotFound if there is none, in particular for a token of another workspace.
	SCIMTokenByHash(ctx context.Context, ws, hash string) (SCIMToken, error)
	// SCIMTokens lists every token of ws, revoked ones included, newest first.
	SCIMTokens(ctx context.Context, ws string) ([]SCIMToken, error)
	// RevokeSCIMToken sets the live token's RevokedAt to now. Returns ErrNotFound if ws has no
	// live token with this ID.
	RevokeSCIMToken(ctx context.Context, ws, id string, now time.Time) error
	// TouchSCIMToken sets the token's LastUsedAt to now. Returns ErrNotFound if ws has no
	// token with this ID.
	TouchSCIMToken(ctx context.Context, ws, id string, now time.Time) error
}

// SCIMProfile is what the identity provider keeps about one account, beside the account
// itself: the SCIM attributes that latchkey has no column for, and the resource's version.
// The zero SCIMProfile (Version 0) is that of an account the provider has never written.
type SCIMProfile struct {
	WorkspaceID string
	AccountID   string
	// Managed marks an account that the identity provider manages: the console shows it, and
	// does not let an administrator edit what the provider would overwrite.
	Managed    bool
	ExternalID string // the provider's own identifier of the person; may be empty
	GivenName  string
	FamilyName string
	Formatted  string // the full name as the provider formats it
	// DisplayName is the provider's displayName; the account's Name follows it when set.
	DisplayName string
	// AdminByGroup marks an account made an administrator by a SCIM group mapped to the admin
	// role: leaving the last such group demotes it to member. An administrator promoted by hand
	// is never demoted by SCIM.
	AdminByGroup bool
	// DeletedAt is set when the provider deleted the user under a workspace whose
	// SCIMSettings.DeleteSuspends is on: the account stays, suspended, and SCIM no longer
	// shows it. Creating the same userName again brings it back.
	DeletedAt time.Time
	// Version counts the provider's writes; the store increments it on every update. It is the
	// resource's meta.version (ETag).
	Version   int64
	CreatedAt time.Time // the provider's first write; zero if never
	UpdatedAt time.Time // the provider's last write; zero if never
}

// SCIMUser is an account as SCIM sees it: the account and its SCIM profile.
type SCIMUser struct {
	Account Account
	Profile SCIMProfile
}

// SCIMUserStore keeps the SCIM profiles of accounts, together with the accounts. Every
// method is scoped to one workspace. A profile goes with its account: DeleteAccount removes
// it too.
type SCIMUserStore interface {
	// CreateSCIMUser stores the account and its profile in one transaction: both exist
	// afterwards or neither does. The profile's Version is stored as 1 whatever it was.
	// Returns ErrConflict if the workspace has an account with the same email, and
	// ErrNotFound if the workspace does not exist.
	CreateSCIMUser(ctx context.Context, u SCIMUser) error
	// SCIMUser returns the account with this ID in ws and its profile; the profile is the zero
	// SCIMProfile (with WorkspaceID and AccountID set) if the provider never wrote it. Returns
	// ErrNotFound if ws has no such account.
	SCIMUser(ctx context.Context, ws, accountID string) (SCIMUser, error)
	// SCIMUsers lists every account of ws with its profile, oldest account first (ties by ID),
	// an order that stays put while the provider pages through it.
	SCIMUsers(ctx context.Context, ws string) ([]SCIMUser, error)
	// UpdateSCIMUser runs fn on the current account and profile and stores both, in one
	// transaction; the profile is created if the account had none. fn must not change the IDs
	// or the workspace, and must not call the store. The stored Version is the previous one
	// plus one, whatever fn set. If fn returns an error nothing is written and that error is
	// returned. Returns ErrNotFound if there is no such account, ErrConflict if the new email
	// is taken.
	UpdateSCIMUser(ctx context.Context, ws, accountID string, fn func(*SCIMUser) error) error
}

// SCIMGroup is a group that the identity provider pushed. Members are account IDs of the
// same workspace. When AdminRole is set (by an administrator of the workspace, never by the
// provider) its members are administrators.
type SCIMGroup struct {
	ID          string
	WorkspaceID string
	DisplayName string
	ExternalID  string
	Members     []string // account IDs, sorted
	AdminRole   bool
	Version     int64 // meta.version (ETag); the store increments it on every update
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// SCIMGroupStore keeps SCIM groups and their members. Every method is scoped to one
// workspace. Deleting an account removes it from every group.
type SCIMGroupStore interface {
	// CreateSCIMGroup stores g and its members; Version is stored as 1. Returns ErrConflict if
	// ws has a group with this ID or the same displayName (compared case-insensitively), and
	// ErrNotFound if the workspace or a member account does not exist in it.
	CreateSCIMGroup(ctx context.Context, g SCIMGroup) error
	// SCIMGroup returns the group with this ID in ws, members sorted, or ErrNotFound.
	SCIMGroup(ctx context.Context, ws, id string) (SCIMGroup, error)
	// SCIMGroups lists every group of ws with its members, oldest first (ties by ID).
	SCIMGroups(ctx context.Context, ws string) ([]SCIMGroup, error)
	// UpdateSCIMGroup runs fn on the current group and stores the result, members included,
	// in one transaction. fn must not change ID or WorkspaceID and must not call the store.
	// The stored Version is the previous one plus one. If fn returns an error nothing is
	// written and that error is returned. Returns ErrNotFound if there is no such group or a
	// new member is not an account of ws, ErrConflict if the new displayName is taken.
	UpdateSCIMGroup(ctx context.Context, ws, id string, fn func(*SCIMGroup) error) error
	// DeleteSCIMGroup removes the group and its memberships (the accounts stay). Returns
	// ErrNotFound if ws has no such group.
	DeleteSCIMGroup(ctx context.Context, ws, id string) error
}

// SCIMSettings is how a workspace's SCIM endpoint treats its accounts.
type SCIMSettings struct {
	// DeleteSuspends makes a SCIM DELETE suspend the account (and end its sessions) instead
	// of removing it, so that its history and ownership stay.
	DeleteSuspends bool
}

// SCIMSettingsStore keeps each workspace's SCIMSettings.
type SCIMSettingsStore interface {
	// SCIMSettings returns the settings of ws: the zero SCIMSettings if none were set or the
	// workspace does not exist.
	SCIMSettings(ctx context.Context, ws string) (SCIMSettings, error)
	// SetSCIMSettings stores the settings of ws. Returns ErrNotFound if the workspace does not
	// exist.
	SetSCIMSettings(ctx context.Context, ws string, s SCIMSettings) error
}

// SCIMStore is everything the SCIM endpoint keeps.
type SCIMStore interface {
	SCIMTokenStore
	SCIMUserStore
	SCIMGroupStore
	SCIMSettingsStore
}

// Events of SCIM provisioning. ActorID is the SCIM token's ID and Detail names the token, so
// that the audit log shows which identity-provider connection made each change.
const (
	EventSCIMTokenCreate  EventType = "scim.token_create"
	EventSCIMTokenRevoke  EventType = "scim.token_revoke"
	EventSCIMUserCreate   EventType = "scim.user_create"
	EventSCIMUserUpdate   EventType = "scim.user_update"
	EventSCIMUserSuspend  EventType = "scim.user_suspend"
	EventSCIMUserActivate EventType = "scim.user_activate"
	EventSCIMUserDelete   EventType = "scim.user_delete"
	EventSCIMUserRole     EventType = "scim.user_role"
	EventSCIMGroupCreate  EventType = "scim.group_create"
	EventSCIMGroupUpdate  EventType = "scim.group_update"
	EventSCIMGroupDelete  EventType = "scim.group_delete"
	// EventSCIMSettings is an administrator's change of the workspace's SCIMSettings; its
	// ActorID is the administrator's account.
	EventSCIMSettings EventType = "scim.settings"
)
