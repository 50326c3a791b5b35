package latchkey

import (
	"context"
	"time"
)

// EventType names an audited decision.
type EventType string

// The audited sign-in decisions.
const (
	EventSignIn          EventType = "signin.success"
	EventWrongPassword   EventType = "signin.wrong_password"
	EventUnknownEmail    EventType = "signin.unknown_email"
	EventThrottled       EventType = "signin.throttled"
	EventNotActive       EventType = "signin.not_active"
	EventSignOut         EventType = "signout"
	EventPasswordSet     EventType = "password.set"
	EventWorkspaceCreate EventType = "workspace.create"
	EventAccountInvite   EventType = "account.invite"
	EventAccountSuspend  EventType = "account.suspend"
	EventAccountActivate EventType = "account.activate"
)

// Event is one audit record. AccountID is empty when no account is known (an unknown email);
// Email then holds what was typed, so that an administrator can see what was tried.
type Event struct {
	ID          string
	WorkspaceID string
	AccountID   string
	ActorID     string // who did it, when it is not the account itself (an administrator); "" for the CLI
	Type        EventType
	Email       string
	ClientAddr  string
	UserAgent   string
	Detail      string
	Time        time.Time
}

// EventFilter narrows Events. Zero fields match everything.
type EventFilter struct {
	AccountID string
	Type      EventType
	// TypePrefix matches every type that starts with it, such as "signin." or "account.".
	TypePrefix string
	// Email matches the event's email case-insensitively.
	Email  string
	Before time.Time // only events strictly before this time (paging); zero for no bound
	Limit  int       // 0 means 100
}

// AuditLog keeps audit events. Events are never updated.
type AuditLog interface {
	// RecordEvent stores e.
	RecordEvent(ctx context.Context, e Event) error
	// Events lists the events of workspace ws matching f, newest first.
	Events(ctx context.Context, ws string, f EventFilter) ([]Event, error)
}

// Events of two-factor authentication and account administration.
const (
	EventTwoFactorFailed  EventType = "signin.2fa_failed"
	EventTwoFactorReplay  EventType = "signin.2fa_replay"
	EventRecoveryCodeUsed EventType = "signin.recovery_code"
	EventChallengeExpired EventType = "signin.2fa_expired"
	EventChallengeAbandon EventType = "signin.2fa_abandoned"
	EventTwoFactorEnable  EventType = "2fa.enable"
	EventTwoFactorDisable EventType = "2fa.disable"
	EventTwoFactorReset   EventType = "2fa.reset"
	EventRecoveryCodesNew EventType = "2fa.recovery_codes"
	EventResetRequested   EventType = "password.reset_requested"
	EventPasswordReset    EventType = "password.reset"
	EventPasswordChanged  EventType = "password.changed"
	EventSessionRevoked   EventType = "session.revoked"
	EventAccountRemove    EventType = "account.remove"
	EventAccountUnlock    EventType = "account.unlock" // sign-in limits cleared by an administrator or the operator
	EventAccountRole      EventType = "account.role"
	EventWorkspacePolicy  EventType = "workspace.policy"
)

// Events of the inventory and requests. Detail names the item or request.
const (
	EventHardwareCreate   EventType = "hardware.create"
	EventHardwareUpdate   EventType = "hardware.update"
	EventHardwareAssign   EventType = "hardware.assign"
	EventHardwareUnassign EventType = "hardware.unassign"
	EventHardwareStatus   EventType = "hardware.status"
	EventHardwareImport   EventType = "hardware.import"
	EventSoftwareCreate   EventType = "software.create"
	EventSoftwareUpdate   EventType = "software.update"
	EventSoftwareAssign   EventType = "software.assign"
	EventSoftwareUnassign EventType = "software.unassign"
	EventSoftwareImport   EventType = "software.import"
	EventLicenceReveal    EventType = "software.key_reveal"
	EventRequestOpen      EventType = "request.open"
	EventRequestComment   EventType = "request.comment"
	EventRequestStatus    EventType = "request.status"
	EventRequestAssign    EventType = "request.assign"
)

// EventAccessDenied is a refused request (ASVS 16.3.2): a member on an administrators' page or
// action, a wrong or missing form token, a cross-origin or cross-workspace request. Detail says
// which and names the route, never its path (paths carry one-time secrets). Recording is
// throttled per client address (signin.DeniedPerMinute).
const EventAccessDenied EventType = "access.denied"
