package signin

import (
	"context"
	"time"

	"github.com/latchkey/latchkey"
)

// The limits on failed bearer-token attempts (SCIM, API tokens) from one client address on one
// workspace. A bearer token is a 256-bit secret that no one guesses; the limit stops a
// misconfigured or hostile client from hammering the token look-up, and keeps the log quiet.
// It is generous because identity providers call from a few shared addresses.
const (
	BearerLimit  = 30 // failed attempts per (kind, workspace, address) in BearerWindow
	BearerWindow = 15 * time.Minute
)

func bearerWait(c latchkey.Counter, now time.Time) time.Duration {
	if c.Count < BearerLimit {
		return 0
	}
	return remaining(c.First.Add(BearerWindow), now)
}

func bearerRules(kind, ws, addr string) []rule {
	return []rule{{key: kind + ":bearer:" + ws + ":" + addr, window: BearerWindow, wait: bearerWait, keep: true}}
}

// CountBearerGuess counts one attempt at a bearer token of kind ("scim") on workspace ws from
// the client address addr, before the token is checked, as every guessable secret is counted.
// While addr has BearerLimit failed attempts in BearerWindow it returns an *latchkey.Error with
// CodeThrottled and RetryAfter, and the token must not be checked. An attempt whose token
// proves right is taken back with ForgiveBearerGuess.
func (s *Service) CountBearerGuess(ctx context.Context, kind, ws, addr string) error {
	_, err := s.countGuess(ctx, bearerRules(kind, ws, addr), s.Now())
	return err
}

// ForgiveBearerGuess takes back the count of an attempt that CountBearerGuess counted and whose
// token was right.
func (s *Service) ForgiveBearerGuess(ctx context.Context, kind, ws, addr string) error {
	return s.forgive(ctx, bearerRules(kind, ws, addr))
}
