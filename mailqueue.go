package latchkey

import (
	"context"
	"time"
)

// OutgoingMail is a message waiting in the durable mail queue. It is sent off the request path,
// so that a request's reply and timing never depend on the mail server, and it survives a
// restart.
type OutgoingMail struct {
	ID          string
	WorkspaceID string // "" for mail not about a workspace
	// Kind is "" for a message to send, or the name of a job that a worker runs in its place
	// (mail.Worker.Jobs); a job's payload is in Text.
	Kind          string
	To            string
	Subject       string
	Text          string
	HTML          string
	CreatedAt     time.Time
	NextAttemptAt time.Time
	Attempts      int    // deliveries tried so far
	LastError     string // why the last try failed
	Failed        bool   // given up after too many tries; kept for the operator
}

// MailQueue keeps outgoing mail.
type MailQueue interface {
	// EnqueueMail stores m for delivery at m.NextAttemptAt.
	EnqueueMail(ctx context.Context, m OutgoingMail) error
	// ClaimMail returns up to limit messages that are due at now and not failed, and moves each
	// one's NextAttemptAt to now+lease and counts the attempt, atomically, so that no other
	// worker (on this node or another) claims it while the lease lasts.
	ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutgoingMail, error)
	// DeleteMail removes a delivered message. Deleting a missing one is not an error.
	DeleteMail(ctx context.Context, id string) error
	// RetryMail records a failed try: the next attempt at next, or, if failed, no more attempts.
	// Returns ErrNotFound if the message is gone.
	RetryMail(ctx context.Context, id string, next time.Time, lastErr string, failed bool) error
	// PendingMail lists queued messages (failed ones too), oldest first, at most limit.
	PendingMail(ctx context.Context, limit int) ([]OutgoingMail, error)
	// PurgeFailedMail empties the bodies of the messages that failed for good and were queued
	// before before, and returns how many: what is kept for the operator (recipient, subject,
	// the error) needs no body, and a body may hold a live link.
	PurgeFailedMail(ctx context.Context, before time.Time) (int, error)
}
