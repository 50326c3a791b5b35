package inventory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/keyring"
	"github.com/latchkey/latchkey/mail"
)

// Accounts reads the accounts of a workspace: the members items are assigned to.
type Accounts interface {
	// Account returns the account with this ID in workspace ws, or ErrNotFound.
	Account(ctx context.Context, ws, id string) (latchkey.Account, error)
	// AccountByEmail returns the account of ws with this email (case-insensitively), or ErrNotFound.
	AccountByEmail(ctx context.Context, ws, email string) (latchkey.Account, error)
	// Accounts lists the accounts of ws matching f.
	Accounts(ctx context.Context, ws string, f latchkey.AccountFilter) ([]latchkey.Account, error)
}

// Workspaces reads workspaces, for the name and address in mail.
type Workspaces interface {
	// Workspace returns the workspace with this ID, or ErrNotFound.
	Workspace(ctx context.Context, id string) (latchkey.Workspace, error)
}

// MailQueue takes mail for later delivery; *mail.Queue is one.
type MailQueue interface {
	// Enqueue stores m, about the workspace with ID workspaceID, for a worker to send.
	Enqueue(ctx context.Context, workspaceID string, m mail.Message) error
}

// Config is what New needs. Every field but Log and Now is required.
type Config struct {
	Hardware   latchkey.HardwareStore
	Software   latchkey.SoftwareStore
	Requests   latchkey.RequestStore
	Accounts   Accounts
	Workspaces Workspaces
	Audit      latchkey.AuditLog
	Mail       MailQueue
	// Keys seals and opens licence keys.
	Keys *keyring.Keyring
	// WorkspaceURL returns the address of the workspace with this slug, such as
	// https://acme.app.example.com, for links in mail.
	WorkspaceURL func(slug string) string
	// Now is the only clock the actions use; time.Now if nil.
	Now func() time.Time
	// Log receives what cannot be returned (a lost audit event or mail); discarded if nil.
	Log *slog.Logger
}

// Service runs the inventory and request actions. It is safe for concurrent use.
type Service struct {
	d Config
}

// New returns a Service on d, or an error naming a missing dependency.
func New(d Config) (*Service, error) {
	switch {
	case d.Hardware == nil, d.Software == nil, d.Requests == nil:
		return nil, errors.New("inventory: Hardware, Software and Requests stores are required")
	case d.Accounts == nil, d.Workspaces == nil, d.Audit == nil:
		return nil, errors.New("inventory: Accounts, Workspaces and Audit are required")
	case d.Mail == nil, d.Keys == nil, d.WorkspaceURL == nil:
		return nil, errors.New("inventory: Mail, Keys and WorkspaceURL are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{d: d}, nil
}

// Actor is the signed-in account on whose behalf an action runs. Build it from the account the
// session authenticated (ActorOf), never from anything the client sent.
type Actor struct {
	WorkspaceID string
	AccountID   string
	Email       string
	Role        latchkey.Role
}

// ActorOf returns the Actor of an authenticated account. An account that is not active gets
// an Actor that every action refuses.
func ActorOf(a latchkey.Account) Actor {
	if a.Status != latchkey.StatusActive {
		return Actor{}
	}
	return Actor{WorkspaceID: a.WorkspaceID, AccountID: a.ID, Email: a.Email, Role: a.Role}
}

// Admin reports whether the actor is an administrator of its workspace.
func (a Actor) Admin() bool { return a.Role == latchkey.RoleAdmin }

// check refuses an Actor that names no account.
func (a Actor) check() error {
	if a.WorkspaceID == "" || a.AccountID == "" {
		return latchkey.NewError(latchkey.CodeUnauthorized, "", latchkey.MsgSessionEnded)
	}
	return nil
}

// checkAdmin refuses an Actor that is not an administrator.
func (a Actor) checkAdmin() error {
	if err := a.check(); err != nil {
		return err
	}
	if !a.Admin() {
		return latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgAdminOnly)
	}
	return nil
}

func (s *Service) now() time.Time { return s.d.Now().UTC().Truncate(time.Microsecond) }

// audit records an event of the actor. A lost event is logged and the change stands: it has
// been made already, and the operator hears of the loss.
func (s *Service) audit(ctx context.Context, a Actor, t latchkey.EventType, subject latchkey.Account, detail string) {
	e := latchkey.Event{ID: latchkey.NewID(), WorkspaceID: a.WorkspaceID, AccountID: subject.ID, ActorID: a.AccountID,
		Type: t, Email: subject.Email, Detail: detail, Time: s.now()}
	if err := s.d.Audit.RecordEvent(ctx, e); err != nil {
		s.d.Log.Error("audit event lost", "type", t, "workspace", a.WorkspaceID, "err", err)
	}
}

// member returns the account with this ID in the actor's workspace. Returns an *Error with
// CodeInvalid and MsgAssigneeUnknown on the field if there is none.
func (s *Service) member(ctx context.Context, a Actor, id, field string) (latchkey.Account, error) {
	if id == "" {
		return latchkey.Account{}, latchkey.NewError(latchkey.CodeInvalid, field, latchkey.MsgAssigneeRequired)
	}
	acc, err := s.d.Accounts.Account(ctx, a.WorkspaceID, id)
	if errors.Is(err, latchkey.ErrNotFound) {
		return latchkey.Account{}, latchkey.NewError(latchkey.CodeInvalid, field, latchkey.MsgAssigneeUnknown)
	}
	return acc, wrap("find member", err)
}

// account returns the account with this ID for an audit event, or one that has only the ID if
// it cannot be read (it may have been removed).
func (s *Service) account(ctx context.Context, ws, id string) latchkey.Account {
	if id == "" {
		return latchkey.Account{}
	}
	acc, err := s.d.Accounts.Account(ctx, ws, id)
	if err != nil {
		return latchkey.Account{ID: id}
	}
	return acc
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
