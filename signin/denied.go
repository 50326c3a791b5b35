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

// AccessDenied records a refused request in workspace ws (ASVS 16.3.2): a is the signed-in
// account, if any; detail says what was refused. The count of one client address is kept in a
// throttle counter and counted before the event is written, so concurrent refusals cannot
// write more than DeniedPerMinute between them. Failures are logged, never returned: the
// request is refused whatever happens here.
func (s *Service) AccessDenied(ctx context.Context, ws string, a latchkey.Account, c Client, detail string) {
	c2, err := s.Store.AddFailure(ctx, "denied:"+ws+":"+c.Addr, s.Now().UTC(), time.Minute)
	if err != nil {
		s.Log.Error("count refused request", "workspace", ws, "err", err)
		return
	}
	if c2.Count > DeniedPerMinute {
		return
	}
	e := event(latchkey.EventAccessDenied, ws, a, c)
	e.Detail = truncate(detail, 300)
	s.audit(ctx, e)
}
