package signin

import (
	"context"
	"time"

	"github.com/latchkey/latchkey"
)

// DeniedPerMinute is how many access.denied events one client address may add to a
// workspace's audit log in a minute. Further refusals in that minute are refused all the same
// but not recorded, so that a flood of forged requests cannot fill the log or bury what came
// before it.
const DeniedPerMinute = 10

// DeniedPerMinuteAll bounds the access.denied events of one workspace in a minute whatever the
// address, for a flood spread over many addresses (an IPv6 prefix holds billions).
const DeniedPerMinuteAll = 200

// AccessDenied records a refused request in workspace ws (ASVS 16.3.2): a is the signed-in
// account, if any; detail says what was refused. The refusals of one client address, and of
// the workspace, are kept in throttle counters and counted before the event is written, so
// concurrent refusals cannot write more than DeniedPerMinute (DeniedPerMinuteAll) between them. Failures are logged, never returned: the
// request is refused whatever happens here.
func (s *Service) AccessDenied(ctx context.Context, ws string, a latchkey.Account, c Client, detail string) {
	now := s.Now().UTC()
	for _, limit := range []struct {
		key string
		max int
	}{{"denied:" + ws + ":" + c.Addr, DeniedPerMinute}, {"denied-all:" + ws, DeniedPerMinuteAll}} {
		n, err := s.Store.AddFailure(ctx, limit.key, now, time.Minute)
		if err != nil {
			s.Log.Error("count refused request", "workspace", ws, "err", err)
			return
		}
		if n.Count > limit.max {
			return
		}
	}
	e := event(latchkey.EventAccessDenied, ws, a, c)
	e.Detail = truncate(detail, 300)
	s.audit(ctx, e)
}
