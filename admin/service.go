package admin

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/signin"
)

// Store is what administration reads and changes: workspaces and their policy, accounts,
// sessions (ended by suspension, role changes and Sign out everyone), SSO connections, approved
// domains and identity links, API tokens, and the audit log. Links and throttle counters are
// sign-in's, reached through Config.SignIn.
type Store interface {
	latchkey.WorkspaceStore
	latchkey.AccountStore
	latchkey.SessionStore
	latchkey.ConnectionStore
	latchkey.DomainStore
	latchkey.IdentityLinkStore
	latchkey.APITokenStore
	latchkey.AuditLog
}

// Config is what New needs. Store and SignIn are required; Now defaults to SignIn's clock and
// Log to a discarding logger.
type Config struct {
	Store Store
	// SignIn is the sign-in service whose rules administration shares rather than copies: the
	// set-password and reset links and their mail, the sign-in limits that Unlock clears, the
	// operator's session limits that bound a workspace's, connection addresses, client-secret
	// sealing and the client that fetches IdP metadata.
	SignIn *signin.Service
	Now    func() time.Time
	Log    *slog.Logger
}

// Service runs the administration of workspaces: members, policy, sessions, SSO connections
// and API tokens. The console and the command line call the same methods, each action naming
// its latchkey.Actor. It is safe for concurrent use.
type Service struct {
	store  Store
	signin *signin.Service
	now    func() time.Time
	log    *slog.Logger
	events audit.Recorder
}

// New returns a Service for c.
func New(c Config) *Service {
	if c.Now == nil {
		c.Now = c.SignIn.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: c.Store, signin: c.SignIn, now: c.Now, log: c.Log,
		events: audit.Recorder{Log: c.Store, Now: c.Now, Logger: c.Log}}
}

// audit records an event (audit.Recorder): a write that fails is logged, and the change stands.
func (s *Service) audit(ctx context.Context, e latchkey.Event) { s.events.Record(ctx, e) }

// actorEvent is an event of type t done by actor in workspace ws: the actor's account (none for
// the operator) is also the account it is about.
func actorEvent(t latchkey.EventType, ws string, actor latchkey.Actor, c signin.Client, detail string) latchkey.Event {
	return latchkey.Event{Type: t, WorkspaceID: ws, AccountID: actor.Account.ID, ActorID: actor.ID(), Email: actor.Account.Email,
		ClientAddr: c.Addr, UserAgent: c.UserAgent, Detail: detail}
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
