package signin

import (
	"errors"
	"time"

	"github.com/latchkey/latchkey"
)

// throttledDetail is the audit detail of a throttle refusal err (a *latchkey.Error with
// RetryAfter): when the wait ends, for the administrators' sign-in troubleshooter.
func throttledDetail(err error, now time.Time) string {
	var le *latchkey.Error
	if !errors.As(err, &le) || le.RetryAfter <= 0 {
		return ""
	}
	return latchkey.ThrottledDetail(now.Add(le.RetryAfter))
}
