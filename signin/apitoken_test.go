package signin_test

import (
	"sync"
	"testing"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

// TestAPITokenGuessesCountedBeforeTheCheck sends many concurrent wrong tokens from one address:
// no more than APIFailures of them are looked up (refused as unauthorized), the rest are
// throttled without a look-up.
func TestAPITokenGuessesCountedBeforeTheCheck(t *testing.T) {
	e := newLcEnv(t)
	const n = signin.APIFailures + 15
	var wg sync.WaitGroup
	codes := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := e.Svc.AuthenticateAPIToken(t.Context(), e.WS, latchkey.APITokenPrefix+"guess", signin.Client{Addr: "203.0.113.5"})
			codes[i] = latchkey.ErrorCode(err)
		}()
	}
	wg.Wait()
	checked := 0
	for _, c := range codes {
		switch c {
		case latchkey.CodeUnauthorized:
			checked++
		case latchkey.CodeThrottled:
		default:
			t.Fatalf("code %q", c)
		}
	}
	if checked > signin.APIFailures-1 {
		t.Fatalf("%d guesses refused as unauthorized (checked), want at most %d", checked, signin.APIFailures-1)
	}
	if evs := e.Events(t, latchkey.EventAPITokenRefused); len(evs) != n {
		t.Fatalf("%d refusals audited, want %d", len(evs), n)
	}
}
