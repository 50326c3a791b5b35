package signin

import (
	"context"
	"errors"
	"strings"
	"time"

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
	if err := s.forgive(ctx, rules); err != nil {
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
		return t, latchkey.Account{}, "revoked token " + t.Label(), nil
	}
	a, err := s.Store.Account(ctx, w.ID, t.AccountID)
	if errors.Is(err, latchkey.ErrNotFound) {
		return t, latchkey.Account{}, "token " + t.Label() + ": its account was removed", nil
	}
	if err != nil {
		return t, latchkey.Account{}, "", wrap("read token account", err)
	}
	if !a.ActiveAdmin() {
		return t, a, "token " + t.Label() + ": its account is no longer an active administrator", nil
	}
	return t, a, "", nil
}

// RefuseAPIToken audits a request that an accepted token may not make (a read-only token
// sending a change), as api.token_refused with the reason.
func (s *Service) RefuseAPIToken(ctx context.Context, t latchkey.APIToken, c Client, reason string) {
	s.refuse(ctx, t.WorkspaceID, t, c, "token "+t.Label()+": "+reason)
}

func (s *Service) refuse(ctx context.Context, ws string, t latchkey.APIToken, c Client, reason string) {
	s.audit(ctx, latchkey.Event{Type: latchkey.EventAPITokenRefused, WorkspaceID: ws, AccountID: t.AccountID, ActorID: t.ID,
		ClientAddr: c.Addr, UserAgent: c.UserAgent, Detail: reason})
}
