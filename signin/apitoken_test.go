package signin_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

func TestCreateAPITokenRules(t *testing.T) {
	e := newLcEnv(t)
	ctx := t.Context()
	for _, tc := range []struct {
		name             string
		in               signin.NewAPIToken
		code, msg, field string
	}{
		{"member", signin.NewAPIToken{Workspace: e.ws, Actor: e.bob}, latchkey.CodeForbidden, latchkey.MsgAdminOnly, ""},
		{"admin of another workspace", signin.NewAPIToken{Workspace: latchkey.Workspace{ID: "other"}, Actor: e.admin}, latchkey.CodeForbidden, latchkey.MsgAdminOnly, ""},
		{"name too long", signin.NewAPIToken{Workspace: e.ws, Actor: e.admin, Name: strings.Repeat("n", latchkey.MaxAPITokenName+1)}, latchkey.CodeInvalid, latchkey.MsgAPITokenNameTooLong, "name"},
		{"scope", signin.NewAPIToken{Workspace: e.ws, Actor: e.admin, Scope: "write"}, latchkey.CodeInvalid, latchkey.MsgAPIScopeInvalid, "scope"},
		{"CLI owner not an administrator", signin.NewAPIToken{Workspace: e.ws, OwnerEmail: e.bob.Email}, latchkey.CodeInvalid, latchkey.MsgAPITokenOwner, "owner"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.svc.CreateAPIToken(ctx, tc.in)
			wantError(t, "CreateAPIToken", err, tc.code, tc.msg, tc.field)
		})
	}
	if ts, _ := e.store.APITokens(ctx, e.ws.ID); len(ts) != 0 {
		t.Fatalf("refused creations stored tokens: %+v", ts)
	}

	tok, secret, err := e.svc.CreateAPIToken(ctx, signin.NewAPIToken{Workspace: e.ws, Actor: e.admin, Name: "  Asset \n sync "})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "Asset sync" || tok.Scope != latchkey.ScopeRead || !strings.HasPrefix(secret, latchkey.APITokenPrefix) || len(secret) != len(latchkey.APITokenPrefix)+43 {
		t.Fatalf("token %+v, secret %q", tok, secret)
	}
	got, acct, err := e.svc.AuthenticateAPIToken(ctx, e.ws, secret, signin.Client{Addr: "192.0.2.1"})
	if err != nil || got.ID != tok.ID || acct.ID != e.admin.ID {
		t.Fatalf("AuthenticateAPIToken = %+v, %s, %v", got, acct.ID, err)
	}
	// Counted before the check, forgiven when right: a right token leaves no failure behind.
	cs, err := e.store.Counters(ctx, []string{"api:addr:192.0.2.1"})
	if err != nil || cs["api:addr:192.0.2.1"].Count != 0 {
		t.Fatalf("counter after a right token = %+v, %v", cs, err)
	}
}

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
			_, _, err := e.svc.AuthenticateAPIToken(t.Context(), e.ws, latchkey.APITokenPrefix+"guess", signin.Client{Addr: "203.0.113.5"})
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
	if evs := e.events(t, latchkey.EventAPITokenRefused); len(evs) != n {
		t.Fatalf("%d refusals audited, want %d", len(evs), n)
	}
}
