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
	Limit     int // 0 means 100
}

// AuditLog keeps audit events. Events are never updated.
type AuditLog interface {
	// RecordEvent stores e.
	RecordEvent(ctx context.Context, e Event) error
	// Events lists the events of workspace ws matching f, newest first.
	Events(ctx context.Context, ws string, f EventFilter) ([]Event, error)
}
