package signin

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/latchkey/latchkey"
)

// Throttle of API bearer tokens. A token is a 256-bit random secret, so guessing one is
// hopeless; the limit stops a client that keeps sending a wrong or revoked token from costing
// a look-up and an audit row each time. It is per client address, across workspaces.
const (
	APIFailures = 20               // failed bearer attempts per client address in APIWindow
	APIWindow   = 15 * time.Minute // after APIFailures, the address waits until the window ends
)

func apiRules(addr string) []rule {
	return []rule{{key: "api:addr:" + addr, window: APIWindow, keep: true, wait: func(c latchkey.Counter, now time.Time) time.Duration {
		if c.Count < APIFailures {
			return 0
		}
		return remaining(c.First.Add(APIWindow), now)
	}}}
}

// NewAPIToken is what creating an API token takes.
type NewAPIToken struct {
	Workspace latchkey.Workspace
	// Actor is the administrator creating the token, who is also the account it acts as. The
	// zero Actor is the operator's CLI: the token then acts as OwnerEmail.
	Actor      latchkey.Account
	OwnerEmail string // CLI only: an active administrator of Workspace
	Name       string // "" is "API token"
	Scope      latchkey.APITokenScope
	Client     Client
}

func apiDetail(t latchkey.APIToken) string { return t.Name + " (" + t.ID + ")" }

// CreateAPIToken creates an API token and returns it with its secret, which is shown once and
// never stored (only its hash). The token acts with the rights of its account, an active
// administrator. Audited as api.token_create. Errors: CodeForbidden with MsgAdminOnly for an
// Actor who is not an active administrator of the workspace; CodeInvalid with the field
// ("name", "scope", "owner"); ErrNotFound for an unknown OwnerEmail.
func (s *Service) CreateAPIToken(ctx context.Context, in NewAPIToken) (latchkey.APIToken, string, error) {
	owner := in.Actor
	if in.Actor.ID != "" {
		if err := checkAdmin(in.Workspace, in.Actor); err != nil {
			return latchkey.APIToken{}, "", err
		}
	} else {
		a, err := s.Store.AccountByEmail(ctx, in.Workspace.ID, in.OwnerEmail)
		if err != nil {
			return latchkey.APIToken{}, "", wrap("find token account", err)
		}
		if !activeAdmin(a) {
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
		AccountID: owner.ID, CreatedBy: in.Actor.ID, Hash: latchkey.HashSecret(secret), Hint: secret[len(secret)-4:],
		CreatedAt: s.Now().UTC().Truncate(time.Microsecond)}
	if err := s.Store.CreateAPIToken(ctx, t); err != nil {
		return latchkey.APIToken{}, "", wrap("create api token", err)
	}
	e := latchkey.Event{Type: latchkey.EventAPITokenCreate, WorkspaceID: in.Workspace.ID, AccountID: owner.ID, Email: owner.Email,
		ActorID: in.Actor.ID, ClientAddr: in.Client.Addr, UserAgent: in.Client.UserAgent, Detail: apiDetail(t) + ", " + string(scope)}
	s.audit(ctx, e)
	return t, secret, nil
}

// APITokens lists the workspace's API tokens, revoked ones included, newest first. Errors:
// CodeForbidden with MsgAdminOnly unless actor is an active administrator of w; the zero actor
// is the operator's CLI.
func (s *Service) APITokens(ctx context.Context, w latchkey.Workspace, actor latchkey.Account) ([]latchkey.APIToken, error) {
	if actor.ID != "" {
		if err := checkAdmin(w, actor); err != nil {
			return nil, err
		}
	}
	ts, err := s.Store.APITokens(ctx, w.ID)
	return ts, wrap("list api tokens", err)
}

// RevokeAPIToken revokes the live token with this ID: every request that sends it is refused
// from then on. Audited as api.token_revoke. Errors: CodeForbidden with MsgAdminOnly as for
// APITokens; ErrNotFound if w has no live token with this ID.
func (s *Service) RevokeAPIToken(ctx context.Context, w latchkey.Workspace, actor latchkey.Account, id string, c Client) (latchkey.APIToken, error) {
	if actor.ID != "" {
		if err := checkAdmin(w, actor); err != nil {
			return latchkey.APIToken{}, err
		}
	}
	t, err := s.Store.APIToken(ctx, w.ID, id)
	if err != nil {
		return latchkey.APIToken{}, wrap("find api token", err)
	}
	now := s.Now().UTC()
	if err := s.Store.RevokeAPIToken(ctx, w.ID, id, now); err != nil {
		return latchkey.APIToken{}, wrap("revoke api token", err)
	}
	t.RevokedAt = now
	s.audit(ctx, latchkey.Event{Type: latchkey.EventAPITokenRevoke, WorkspaceID: w.ID, AccountID: t.AccountID, ActorID: actor.ID,
		ClientAddr: c.Addr, UserAgent: c.UserAgent, Detail: apiDetail(t)})
	return t, nil
}

// ErrAPIUnauthorized is what AuthenticateAPIToken returns for any token it does not accept,
// whatever the reason (unknown, revoked, of another workspace, its account no longer an
// active administrator): the reason goes only to the audit log.
var ErrAPIUnauthorized = &latchkey.Error{Code: latchkey.CodeUnauthorized, Message: latchkey.MsgAPIUnauthorized}

// AuthenticateAPIToken returns the live API token of w whose secret this is, and the account
// it acts as. The attempt is counted against the client address before the token is looked
// up (and the count taken back when it is right), so that a client sending wrong tokens is
// refused with CodeThrottled after APIFailures in APIWindow. Every refusal is audited as
// api.token_refused with the reason. A use is recorded on the token (last used, address) at
// most once per Policy.TouchEvery. Errors: ErrAPIUnauthorized; CodeThrottled with RetryAfter.
func (s *Service) AuthenticateAPIToken(ctx context.Context, w latchkey.Workspace, secret string, c Client) (latchkey.APIToken, latchkey.Account, error) {
	now := s.Now().UTC()
	rules := apiRules(c.Addr)
	after, err := s.countGuess(ctx, rules, now)
	if err != nil {
		if latchkey.ErrorCode(err) == latchkey.CodeThrottled {
			s.refuse(ctx, w.ID, latchkey.APIToken{}, c, "too many failed attempts from this address; "+throttledDetail(err, now))
		}
		return latchkey.APIToken{}, latchkey.Account{}, err
	}
	t, a, reason, err := s.apiToken(ctx, w, secret)
	if err != nil {
		return latchkey.APIToken{}, latchkey.Account{}, err
	}
	if reason != "" {
		s.refuse(ctx, w.ID, t, c, reason)
		if after > 0 {
			return latchkey.APIToken{}, latchkey.Account{}, throttleError(after)
		}
		return latchkey.APIToken{}, latchkey.Account{}, ErrAPIUnauthorized
	}
	if err := s.forgive(ctx, rules, false); err != nil {
		return latchkey.APIToken{}, latchkey.Account{}, err
	}
	if now.Sub(t.LastUsedAt) >= s.Policy.TouchEvery || t.LastUsedIP != c.Addr {
		if err := s.Store.TouchAPIToken(ctx, w.ID, t.ID, now, c.Addr); err != nil && !errors.Is(err, latchkey.ErrNotFound) {
			return latchkey.APIToken{}, latchkey.Account{}, wrap("touch api token", err)
		}
		t.LastUsedAt, t.LastUsedIP = now, c.Addr
	}
	return t, a, nil
}

// apiToken looks the token up; a non-empty reason says why it is refused.
func (s *Service) apiToken(ctx context.Context, w latchkey.Workspace, secret string) (latchkey.APIToken, latchkey.Account, string, error) {
	if !strings.HasPrefix(secret, latchkey.APITokenPrefix) || len(secret) > 128 {
		return latchkey.APIToken{}, latchkey.Account{}, "malformed token", nil
	}
	t, err := s.Store.APITokenByHash(ctx, w.ID, latchkey.HashSecret(secret))
	if errors.Is(err, latchkey.ErrNotFound) {
		// Unknown here: never issued, or a token of another workspace.
		return latchkey.APIToken{}, latchkey.Account{}, "unknown token", nil
	}
	if err != nil {
		return latchkey.APIToken{}, latchkey.Account{}, "", wrap("read api token", err)
	}
	if t.Revoked() {
		return t, latchkey.Account{}, "revoked token " + apiDetail(t), nil
	}
	a, err := s.Store.Account(ctx, w.ID, t.AccountID)
	if errors.Is(err, latchkey.ErrNotFound) {
		return t, latchkey.Account{}, "token " + apiDetail(t) + ": its account was removed", nil
	}
	if err != nil {
		return t, latchkey.Account{}, "", wrap("read token account", err)
	}
	if !activeAdmin(a) {
		return t, a, "token " + apiDetail(t) + ": its account is no longer an active administrator", nil
	}
	return t, a, "", nil
}

// RefuseAPIToken audits a request that an accepted token may not make (a read-only token
// sending a change), as api.token_refused with the reason.
func (s *Service) RefuseAPIToken(ctx context.Context, t latchkey.APIToken, c Client, reason string) {
	s.refuse(ctx, t.WorkspaceID, t, c, "token "+apiDetail(t)+": "+reason)
}

func (s *Service) refuse(ctx context.Context, ws string, t latchkey.APIToken, c Client, reason string) {
	s.audit(ctx, latchkey.Event{Type: latchkey.EventAPITokenRefused, WorkspaceID: ws, AccountID: t.AccountID, ActorID: t.ID,
		ClientAddr: c.Addr, UserAgent: c.UserAgent, Detail: reason})
}
