package admin

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

// NewAPIToken is what creating an API token takes.
type NewAPIToken struct {
	Workspace latchkey.Workspace
	// Actor creates the token: an active administrator of Workspace, who is also the account
	// it acts as, or the operator, for whom it acts as OwnerEmail.
	Actor      latchkey.Actor
	OwnerEmail string // the operator's only: an active administrator of Workspace
	Name       string // "" is "API token"
	Scope      latchkey.APITokenScope
	Client     signin.Client
}

// CreateAPIToken creates an API token and returns it with its secret, which is shown once and
// never stored (only its hash). The token acts with the rights of its account, an active
// administrator. Audited as api.token_create. Errors: CodeForbidden with MsgAdminOnly for an
// Actor who is neither the operator nor an active administrator of the workspace; CodeInvalid
// with the field ("name", "scope", "owner"); ErrNotFound for an unknown OwnerEmail.
func (s *Service) CreateAPIToken(ctx context.Context, in NewAPIToken) (latchkey.APIToken, string, error) {
	if err := in.Actor.CheckAdmin(in.Workspace); err != nil {
		return latchkey.APIToken{}, "", err
	}
	owner := in.Actor.Account
	if in.Actor.Kind == latchkey.ActorOperator {
		a, err := s.store.AccountByEmail(ctx, in.Workspace.ID, in.OwnerEmail)
		if err != nil {
			return latchkey.APIToken{}, "", wrap("find token account", err)
		}
		if !a.ActiveAdmin() {
			return latchkey.APIToken{}, "", latchkey.NewError(latchkey.CodeInvalid, "owner", latchkey.MsgAPITokenOwner)
		}
		owner = a
	}
	name := strings.Join(strings.Fields(in.Name), " ")
	if name == "" {
		name = "API token"
	}
	if utf8.RuneCountInString(name) > latchkey.MaxAPITokenName {
		return latchkey.APIToken{}, "", latchkey.NewError(latchkey.CodeInvalid, "name", latchkey.MsgAPITokenNameTooLong)
	}
	scope, err := latchkey.ParseAPITokenScope(string(in.Scope))
	if err != nil {
		return latchkey.APIToken{}, "", err
	}
	raw, _ := latchkey.NewSecret()
	secret := latchkey.APITokenPrefix + raw
	t := latchkey.APIToken{ID: latchkey.NewID(), WorkspaceID: in.Workspace.ID, Name: name, Scope: scope,
		AccountID: owner.ID, CreatedBy: in.Actor.ID(), Hash: latchkey.HashSecret(secret), Hint: secret[len(secret)-4:],
		CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if err := s.store.CreateAPIToken(ctx, t); err != nil {
		return latchkey.APIToken{}, "", wrap("create api token", err)
	}
	e := latchkey.Event{Type: latchkey.EventAPITokenCreate, WorkspaceID: in.Workspace.ID, AccountID: owner.ID, Email: owner.Email,
		ActorID: in.Actor.ID(), ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: t.Label() + ", " + string(scope)}
	s.audit(ctx, e)
	return t, secret, nil
}

// APITokens lists the workspace's API tokens, revoked ones included, newest first. Errors:
// CodeForbidden with MsgAdminOnly unless actor is the operator or an active administrator of w.
func (s *Service) APITokens(ctx context.Context, w latchkey.Workspace, actor latchkey.Actor) ([]latchkey.APIToken, error) {
	if err := actor.CheckAdmin(w); err != nil {
		return nil, err
	}
	ts, err := s.store.APITokens(ctx, w.ID)
	return ts, wrap("list api tokens", err)
}

// RevokeAPIToken revokes the live token with this ID: every request that sends it is refused
// from then on. Audited as api.token_revoke. Errors: CodeForbidden with MsgAdminOnly as for
// APITokens; ErrNotFound if w has no live token with this ID.
func (s *Service) RevokeAPIToken(ctx context.Context, w latchkey.Workspace, actor latchkey.Actor, id string, c signin.Client) (latchkey.APIToken, error) {
	if err := actor.CheckAdmin(w); err != nil {
		return latchkey.APIToken{}, err
	}
	t, err := s.store.APIToken(ctx, w.ID, id)
	if err != nil {
		return latchkey.APIToken{}, wrap("find api token", err)
	}
	now := s.now().UTC()
	if err := s.store.RevokeAPIToken(ctx, w.ID, id, now); err != nil {
		return latchkey.APIToken{}, wrap("revoke api token", err)
	}
	t.RevokedAt = now
	s.audit(ctx, latchkey.Event{Type: latchkey.EventAPITokenRevoke, WorkspaceID: w.ID, AccountID: t.AccountID, ActorID: actor.ID(),
		ClientAddr: c.Addr, UserAgent: c.UserAgent, Detail: t.Label()})
	return t, nil
}
