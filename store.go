package latchkey

import "context"

// Store is everything latchkey keeps. Times go in and come out in UTC with microsecond
// precision: a time that differs from now by less than a microsecond compares equal to it. sqlstore implements it on SQLite and PostgreSQL;
// storetest.Run is its executable contract.
type Store interface {
	WorkspaceStore
	AccountStore
	SessionStore
	TokenStore
	ThrottleStore
	AuditLog
	TwoFactorStore
	MailQueue
	PasskeyStore
	CeremonyStore
	DeviceStore
	ConnectionStore
	DomainStore
	IdentityLinkStore
	SSOFlowStore
	OnceStore
	Exporter
	SCIMStore
	HardwareStore
	SoftwareStore
	RequestStore
	APITokenStore
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// WorkspaceExport is everything a workspace owns that is worth moving to another store: its
// settings, accounts (with password hashes and sealed TOTP secrets, which open under the same
// key file), recovery codes, passkeys, known devices, new-device alert settings, audit log, SSO
// connections (client secrets sealed likewise), approved domains and identity links. Sessions,
// email links, challenges, WebAuthn ceremonies, SSO flows and throttle counters are short-lived
// and are not moved: people sign in again. The inventory (hardware, software, requests and
// their comments) moves too, and so do SCIM tokens (their hashes: the identity provider keeps
// working), profiles, groups with their members and the SCIM settings. API tokens
// are not moved yet.
type WorkspaceExport struct {
	Version       int                       `json:"version"`
	Workspace     Workspace                 `json:"workspace"`
	Accounts      []Account                 `json:"accounts"`
	TOTPSteps     map[string]int64          `json:"totp_steps"`     // account ID → last accepted step
	RecoveryCodes map[string][]RecoveryCode `json:"recovery_codes"` // account ID → codes
	Events        []Event                   `json:"events"`
	Passkeys      []Passkey                 `json:"passkeys,omitempty"`
	Devices       []Device                  `json:"devices,omitempty"`
	AlertsOff     []string                  `json:"alerts_off,omitempty"` // account IDs with new-device alerts off
	Connections   []Connection              `json:"connections,omitempty"`
	Domains       []string                  `json:"domains,omitempty"`
	IdentityLinks []IdentityLink            `json:"identity_links,omitempty"`
	// The inventory, with licence keys sealed as stored (they open under the same key file,
	// bound to the same workspace and software IDs) and each software's assignees.
	Hardware        []Hardware       `json:"hardware,omitempty"`
	Software        []Software       `json:"software,omitempty"`
	Requests        []Request        `json:"requests,omitempty"`
	RequestComments []RequestComment `json:"request_comments,omitempty"`
	SCIMTokens      []SCIMToken      `json:"scim_tokens,omitempty"`
	SCIMProfiles    []SCIMProfile    `json:"scim_profiles,omitempty"` // of accounts in Accounts
	SCIMGroups      []SCIMGroup      `json:"scim_groups,omitempty"`   // members in Accounts
	SCIMSettings    SCIMSettings     `json:"scim_settings"`
	// The JSON API's tokens, revoked ones included (their rows are the audit trail of what
	// they did): hashes only, so a token keeps working against the new store and the export
	// holds no secret that opens the API.
	APITokens []APIToken `json:"api_tokens,omitempty"`
}

// Exporter moves whole workspaces between stores.
type Exporter interface {
	// ExportWorkspace reads everything of the workspace with this slug in one consistent
	// snapshot. Returns ErrNotFound if there is none.
	ExportWorkspace(ctx context.Context, slug string) (WorkspaceExport, error)
	// ImportWorkspace writes an export in one transaction: all of it or nothing. Returns
	// ErrConflict if the store already has a workspace with that ID or slug.
	ImportWorkspace(ctx context.Context, x WorkspaceExport) error
}
