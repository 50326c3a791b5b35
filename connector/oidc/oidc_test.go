package oidc

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector"
	"github.com/latchkey/latchkey/connector/oidc/oidctest"
)

// clock is every test's "now", on the provider and in the connector alike.
var clock = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func now() time.Time { return clock }

const (
	tenantA = "11111111-1111-4111-8111-111111111111"
	tenantB = "22222222-2222-4222-8222-222222222222"
	tenantC = "33333333-3333-4333-8333-333333333333"
)

var urls = connector.URLs{Callback: "https://acme.latchkey.test/sso/c1/callback"}

func newServer(t *testing.T) *oidctest.Server {
	t.Helper()
	return oidctest.New(t, oidctest.Options{Now: now})
}

// connection is a connection of kind to srv; microsoft ones allow tenants.
func connection(srv *oidctest.Server, kind latchkey.ConnectionKind, tenants ...string) latchkey.Connection {
	c := latchkey.Connection{
		ID:           "c1",
		WorkspaceID:  "w1",
		Kind:         kind,
		Name:         string(kind),
		Enabled:      true,
		Issuer:       srv.Issuer(),
		ClientID:     srv.ClientID,
		ClientSecret: srv.ClientSecret,
	}
	if kind == latchkey.KindMicrosoft {
		c.Issuer = srv.Authority()
		c.Tenants = tenants
	}
	return c
}

func open(t *testing.T, cache *Cache, conn latchkey.Connection) *Provider {
	t.Helper()
	p, err := cache.Open(t.Context(), conn, urls, now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return p
}

// signIn runs one sign-in of u through p: Begin, the browser at the provider, then Finish
// with the reply as tamper leaves it.
func signIn(t *testing.T, srv *oidctest.Server, p *Provider, u oidctest.User, tamper func(url.Values)) (connector.Identity, error) {
	t.Helper()
	start, err := p.Begin(t.Context(), "flow-1")
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	srv.Next(u)
	reply := srv.FollowT(t, start.URL)
	if got, want := reply.Get("state"), "flow-1"; got != want {
		t.Fatalf("state=%q, want %q", got, want)
	}
	if tamper != nil {
		tamper(reply)
	}
	return p.Finish(t.Context(), reply, start.Secret)
}

func checkNames(cs []connector.Check) []string {
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	return names
}

func TestFinishSignsIn(t *testing.T) {
	tests := []struct {
		name       string
		kind       latchkey.ConnectionKind
		tenants    []string
		user       oidctest.User
		want       connector.Identity
		wantChecks []string
	}{
		{
			name: "google",
			kind: latchkey.KindGoogle,
			user: oidctest.Google("g-1", "ann@acme.com", "acme.com"),
			want: connector.Identity{Subject: "g-1", Email: "ann@acme.com", Name: "ann", EmailVerified: true, HostedDomain: "acme.com"},
			wantChecks: []string{"issuer parameter", "code exchange", "signature", "issuer", "audience", "expiry", "nonce",
				"email verified", "hosted domain"},
		},
		{
			name:    "microsoft, one tenant",
			kind:    latchkey.KindMicrosoft,
			tenants: []string{tenantA},
			user:    oidctest.Entra(tenantA, "oid-1", "bob@acme.com"),
			want:    connector.Identity{Subject: tenantA + "/oid-1", Email: "bob@acme.com", Name: "bob", EmailVerified: true, Tenant: tenantA},
			wantChecks: []string{"issuer parameter", "code exchange", "signature", "issuer", "audience", "expiry", "nonce",
				"tenant", "email verified"},
		},
		{
			name:    "microsoft, several tenants",
			kind:    latchkey.KindMicrosoft,
			tenants: []string{tenantA, tenantB},
			user:    oidctest.Entra(tenantB, "oid-2", "cat@acme.org"),
			want:    connector.Identity{Subject: tenantB + "/oid-2", Email: "cat@acme.org", Name: "cat", EmailVerified: true, Tenant: tenantB},
			wantChecks: []string{"issuer parameter", "code exchange", "signature", "audience", "expiry", "nonce",
				"tenant", "issuer", "email verified"},
		},
		{
			name:    "microsoft, tenant id in capitals",
			kind:    latchkey.KindMicrosoft,
			tenants: []string{"AAAAAAAA-1111-4111-8111-111111111111"},
			user:    oidctest.Entra("aaaaaaaa-1111-4111-8111-111111111111", "oid-3", "dan@acme.com"),
			want: connector.Identity{Subject: "aaaaaaaa-1111-4111-8111-111111111111/oid-3", Email: "dan@acme.com", Name: "dan",
				EmailVerified: true, Tenant: "aaaaaaaa-1111-4111-8111-111111111111"},
			wantChecks: []string{"issuer parameter", "code exchange", "signature", "issuer", "audience", "expiry", "nonce",
				"tenant", "email verified"},
		},
		{
			name: "generic",
			kind: latchkey.KindOIDC,
			user: oidctest.Generic("sub-1", "eve@example.com"),
			want: connector.Identity{Subject: "sub-1", Email: "eve@example.com", Name: "eve", EmailVerified: true},
			wantChecks: []string{"issuer parameter", "code exchange", "signature", "issuer", "audience", "expiry", "nonce",
				"email verified"},
		},
		{
			name: "generic, email_verified as a string",
			kind: latchkey.KindOIDC,
			user: oidctest.Generic("sub-2", "fay@example.com").With("email_verified", "true"),
			want: connector.Identity{Subject: "sub-2", Email: "fay@example.com", Name: "fay", EmailVerified: true},
			wantChecks: []string{"issuer parameter", "code exchange", "signature", "issuer", "audience", "expiry", "nonce",
				"email verified"},
		},
		{
			name: "generic, two audiences with azp",
			kind: latchkey.KindOIDC,
			user: oidctest.Generic("sub-3", "gus@example.com").
				With("aud", []any{oidctest.OwnClientID, "api"}).With("azp", oidctest.OwnClientID),
			want: connector.Identity{Subject: "sub-3", Email: "gus@example.com", Name: "gus", EmailVerified: true},
			wantChecks: []string{"issuer parameter", "code exchange", "signature", "issuer", "audience", "expiry", "nonce",
				"email verified"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			p := open(t, NewCache(nil), connection(srv, tc.kind, tc.tenants...))
			got, err := signIn(t, srv, p, tc.user, nil)
			if err != nil {
				t.Fatalf("Finish: %v", err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(connector.Identity{}, "Claims", "Checks")); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantChecks, checkNames(got.Checks)); diff != "" {
				t.Errorf("checks (-want +got):\n%s", diff)
			}
			for _, c := range got.Checks {
				if !c.Passed {
					t.Errorf("check %q did not pass: %s", c.Name, c.Detail)
				}
			}
			if got, want := got.Claims["email"], []string{tc.want.Email}; !slices.Equal(got, want) {
				t.Errorf("Claims[email]=%q, want %q", got, want)
			}
			if got, want := got.Claims["sub"], []string{tc.user.Subject}; !slices.Equal(got, want) {
				t.Errorf("Claims[sub]=%q, want %q", got, want)
			}
		})
	}
}

func TestFinishRefuses(t *testing.T) {
	google := oidctest.Google("g-1", "ann@acme.com", "acme.com")
	generic := oidctest.Generic("sub-1", "eve@example.com")
	entraA := oidctest.Entra(tenantA, "oid-1", "bob@acme.com")
	tests := []struct {
		name       string
		kind       latchkey.ConnectionKind
		tenants    []string
		user       oidctest.User
		issuerOf   string // the Entra tenant whose issuer the token names, when not its tid's
		tamper     func(srv *oidctest.Server, reply url.Values)
		wantReason string
		wantCheck  string // the failed check, last in Error.Checks
	}{
		{name: "google, hd missing", kind: latchkey.KindGoogle, user: google.Without("hd"),
			wantReason: connector.ReasonHostedDomain, wantCheck: "hosted domain"},
		{name: "google, email_verified false", kind: latchkey.KindGoogle, user: google.With("email_verified", false),
			wantReason: connector.ReasonEmailUnverified, wantCheck: "email verified"},
		{name: "google, email_verified absent", kind: latchkey.KindGoogle, user: google.Without("email_verified"),
			wantReason: connector.ReasonEmailUnverified, wantCheck: "email verified"},
		{name: "generic, email_verified false", kind: latchkey.KindOIDC, user: generic.With("email_verified", false),
			wantReason: connector.ReasonEmailUnverified, wantCheck: "email verified"},
		{name: "generic, email_verified \"false\"", kind: latchkey.KindOIDC, user: generic.With("email_verified", "false"),
			wantReason: connector.ReasonEmailUnverified, wantCheck: "email verified"},
		{name: "generic, email_verified absent", kind: latchkey.KindOIDC, user: generic.Without("email_verified"),
			wantReason: connector.ReasonEmailUnverified, wantCheck: "email verified"},
		{name: "microsoft, tenant not allowed", kind: latchkey.KindMicrosoft, tenants: []string{tenantA, tenantB},
			user:       oidctest.Entra(tenantC, "oid-9", "mallory@evil.example"),
			tamper:     func(srv *oidctest.Server, r url.Values) { r.Set("iss", srv.TenantIssuer(tenantA)) },
			wantReason: connector.ReasonTenant, wantCheck: "tenant"},
		{name: "microsoft, tenant not allowed, reply from its issuer", kind: latchkey.KindMicrosoft, tenants: []string{tenantA, tenantB},
			user:       oidctest.Entra(tenantC, "oid-9", "mallory@evil.example"),
			wantReason: connector.ReasonStateMismatch, wantCheck: "issuer parameter"},
		{name: "microsoft, one tenant, token of another", kind: latchkey.KindMicrosoft, tenants: []string{tenantA},
			user:       oidctest.Entra(tenantC, "oid-9", "mallory@evil.example"),
			tamper:     func(srv *oidctest.Server, r url.Values) { r.Set("iss", srv.TenantIssuer(tenantA)) },
			wantReason: connector.ReasonTokenInvalid, wantCheck: "issuer"},
		{name: "microsoft, one tenant, tid of another under its issuer", kind: latchkey.KindMicrosoft, tenants: []string{tenantA},
			user: entraA.With("tid", tenantC), issuerOf: tenantA,
			tamper:     func(srv *oidctest.Server, r url.Values) { r.Set("iss", srv.TenantIssuer(tenantA)) },
			wantReason: connector.ReasonTenant, wantCheck: "tenant"},
		{name: "microsoft, allowed tid under another tenant's issuer", kind: latchkey.KindMicrosoft, tenants: []string{tenantA, tenantB},
			user: entraA, issuerOf: tenantC,
			wantReason: connector.ReasonTokenInvalid, wantCheck: "issuer"},
		{name: "microsoft, no oid", kind: latchkey.KindMicrosoft, tenants: []string{tenantA},
			user: entraA.Without("oid"), wantReason: connector.ReasonTokenInvalid, wantCheck: "subject"},
		{name: "generic, no sub", kind: latchkey.KindOIDC, user: generic.Without("sub"),
			wantReason: connector.ReasonTokenInvalid, wantCheck: "subject"},
		{name: "google, no sub", kind: latchkey.KindGoogle, user: google.Without("sub"),
			wantReason: connector.ReasonTokenInvalid, wantCheck: "subject"},
		{name: "generic, verified but no email", kind: latchkey.KindOIDC, user: generic.Without("email"),
			wantReason: connector.ReasonEmailUnverified, wantCheck: "email verified"},
		{name: "wrong issuer", kind: latchkey.KindOIDC, user: generic.With("iss", "https://evil.example"),
			wantReason: connector.ReasonTokenInvalid, wantCheck: "issuer"},
		{name: "wrong audience", kind: latchkey.KindOIDC, user: generic.With("aud", "someone-else"),
			wantReason: connector.ReasonTokenInvalid, wantCheck: "audience"},
		{name: "two audiences, no azp", kind: latchkey.KindOIDC, user: generic.With("aud", []any{oidctest.OwnClientID, "api"}),
			wantReason: connector.ReasonTokenInvalid, wantCheck: "audience"},
		{name: "azp of another client", kind: latchkey.KindGoogle, user: google.With("azp", "someone-else"),
			wantReason: connector.ReasonTokenInvalid, wantCheck: "audience"},
		{name: "bad nonce", kind: latchkey.KindOIDC, user: generic.With("nonce", "not-this-one"),
			wantReason: connector.ReasonNonceMismatch, wantCheck: "nonce"},
		{name: "no nonce", kind: latchkey.KindOIDC, user: generic.Without("nonce"),
			wantReason: connector.ReasonNonceMismatch, wantCheck: "nonce"},
		{name: "expired token", kind: latchkey.KindOIDC, user: generic.With("exp", clock.Add(-time.Second).Unix()),
			wantReason: connector.ReasonTokenInvalid, wantCheck: "expiry"},
		{name: "not yet valid", kind: latchkey.KindOIDC, user: generic.With("nbf", clock.Add(time.Hour).Unix()),
			wantReason: connector.ReasonTokenInvalid, wantCheck: "expiry"},
		{name: "signed by another key", kind: latchkey.KindOIDC, user: func() oidctest.User { u := generic; u.OtherKey = true; return u }(),
			wantReason: connector.ReasonTokenInvalid, wantCheck: "signature"},
		{name: "alg none", kind: latchkey.KindOIDC, user: func() oidctest.User { u := generic; u.Alg = oidctest.AlgNone; return u }(),
			wantReason: connector.ReasonTokenInvalid, wantCheck: "signature"},
		{name: "HS256 keyed with the client secret", kind: latchkey.KindOIDC, user: func() oidctest.User { u := generic; u.Alg = oidctest.AlgHS256; return u }(),
			wantReason: connector.ReasonTokenInvalid, wantCheck: "signature"},
		{name: "iss parameter of another provider", kind: latchkey.KindOIDC, user: generic,
			tamper:     func(_ *oidctest.Server, r url.Values) { r.Set("iss", "https://evil.example") },
			wantReason: connector.ReasonStateMismatch, wantCheck: "issuer parameter"},
		{name: "iss parameter missing from a provider that sends it", kind: latchkey.KindOIDC, user: generic,
			tamper:     func(_ *oidctest.Server, r url.Values) { r.Del("iss") },
			wantReason: connector.ReasonStateMismatch, wantCheck: "issuer parameter"},
		{name: "no code", kind: latchkey.KindOIDC, user: generic,
			tamper:     func(_ *oidctest.Server, r url.Values) { r.Del("code") },
			wantReason: connector.ReasonProviderError, wantCheck: "provider reply"},
		{name: "code of another sign-in", kind: latchkey.KindOIDC, user: generic,
			tamper:     func(_ *oidctest.Server, r url.Values) { r.Set("code", "forged") },
			wantReason: connector.ReasonProviderError, wantCheck: "code exchange"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			u := tc.user
			if tc.issuerOf != "" {
				u = u.With("iss", srv.TenantIssuer(tc.issuerOf))
			}
			p := open(t, NewCache(nil), connection(srv, tc.kind, tc.tenants...))
			var tamper func(url.Values)
			if tc.tamper != nil {
				tamper = func(r url.Values) { tc.tamper(srv, r) }
			}
			_, err := signIn(t, srv, p, u, tamper)
			checkRefusal(t, err, tc.wantReason, tc.wantCheck)
		})
	}
}

// checkRefusal checks that err is a *connector.Error for reason whose last check is the failed
// one, named check, and every earlier one passed.
func checkRefusal(t *testing.T, err error, reason, check string) {
	t.Helper()
	var ce *connector.Error
	if !errors.As(err, &ce) {
		t.Fatalf("err=%v, want a *connector.Error", err)
	}
	if ce.Reason != reason {
		t.Errorf("Reason=%q, want %q (%v)", ce.Reason, reason, ce.Err)
	}
	if len(ce.Checks) == 0 {
		t.Fatalf("no checks in %v", ce)
	}
	last := ce.Checks[len(ce.Checks)-1]
	if last.Name != check || last.Passed {
		t.Errorf("last check=%+v, want %q failed; checks %v", last, check, checkNames(ce.Checks))
	}
	if last.Detail == "" {
		t.Errorf("the failed check %q has no detail", last.Name)
	}
	for _, c := range ce.Checks[:len(ce.Checks)-1] {
		if !c.Passed {
			t.Errorf("check %q before the failed one did not pass", c.Name)
		}
	}
}

func TestFinishProviderError(t *testing.T) {
	srv := newServer(t)
	p := open(t, NewCache(nil), connection(srv, latchkey.KindOIDC))
	start, err := p.Begin(t.Context(), "flow-1")
	if err != nil {
		t.Fatal(err)
	}
	srv.Deny("access_denied", "The user cancelled")
	reply := srv.FollowT(t, start.URL)
	if got, want := reply.Get("state"), "flow-1"; got != want {
		t.Errorf("state=%q, want %q", got, want)
	}
	_, err = p.Finish(t.Context(), reply, start.Secret)
	checkRefusal(t, err, connector.ReasonProviderError, "provider reply")
	var ce *connector.Error
	errors.As(err, &ce)
	if got, want := ce.Checks[0].Detail, "access_denied: The user cancelled"; got != want {
		t.Errorf("detail=%q, want %q", got, want)
	}
}

func TestFinishProviderDown(t *testing.T) {
	srv := newServer(t)
	cache := NewCache(nil)
	p := open(t, cache, connection(srv, latchkey.KindOIDC))
	start, err := p.Begin(t.Context(), "flow-1")
	if err != nil {
		t.Fatal(err)
	}
	reply := srv.FollowT(t, start.URL)
	srv.Close()
	_, err = p.Finish(t.Context(), reply, start.Secret)
	checkRefusal(t, err, connector.ReasonUnreachable, "code exchange")

	// A cache that never saw the provider cannot open the connection.
	_, err = NewCache(nil).Open(t.Context(), connection(srv, latchkey.KindOIDC), urls, now)
	checkRefusal(t, err, connector.ReasonUnreachable, "discovery")
	// The cache that did keeps what it learnt until the provider is back.
	if _, err := cache.Open(t.Context(), connection(srv, latchkey.KindOIDC), urls, now); err != nil {
		t.Errorf("Open from the cache with the provider down: %v", err)
	}
}

func TestBeginAuthorizationRequest(t *testing.T) {
	srv := newServer(t)
	p := open(t, NewCache(nil), connection(srv, latchkey.KindGoogle))
	start, err := p.Begin(t.Context(), "flow-1")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(start.URL)
	if err != nil {
		t.Fatal(err)
	}
	var sec secret
	if err := json.Unmarshal(start.Secret, &sec); err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	want := url.Values{
		"client_id":             {srv.ClientID},
		"redirect_uri":          {urls.Callback},
		"response_type":         {"code"},
		"scope":                 {"openid email profile"},
		"state":                 {"flow-1"},
		"nonce":                 {sec.Nonce},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(sec.Verifier)},
		"code_challenge_method": {"S256"},
	}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("authorization request (-want +got):\n%s", diff)
	}
	if start.Form != nil {
		t.Errorf("Form=%v, want nil (a redirect)", start.Form)
	}
	again, err := p.Begin(t.Context(), "flow-2")
	if err != nil {
		t.Fatal(err)
	}
	var sec2 secret
	json.Unmarshal(again.Secret, &sec2)
	if sec2.Nonce == sec.Nonce || sec2.Verifier == sec.Verifier {
		t.Errorf("two sign-ins share a nonce or verifier: %+v %+v", sec, sec2)
	}
}

func TestFinishSendsTheVerifier(t *testing.T) {
	srv := newServer(t)
	p := open(t, NewCache(nil), connection(srv, latchkey.KindOIDC))
	start, err := p.Begin(t.Context(), "flow-1")
	if err != nil {
		t.Fatal(err)
	}
	var sec secret
	json.Unmarshal(start.Secret, &sec)
	forged, _ := json.Marshal(secret{Nonce: sec.Nonce, Verifier: oauth2.GenerateVerifier()})
	reply := srv.FollowT(t, start.URL)

	_, err = p.Finish(t.Context(), reply, forged)
	checkRefusal(t, err, connector.ReasonProviderError, "code exchange")
}

func TestFinishSpendsTheCode(t *testing.T) {
	srv := newServer(t)
	p := open(t, NewCache(nil), connection(srv, latchkey.KindOIDC))
	start, err := p.Begin(t.Context(), "flow-1")
	if err != nil {
		t.Fatal(err)
	}
	reply := srv.FollowT(t, start.URL)
	if _, err := p.Finish(t.Context(), reply, start.Secret); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	_, err = p.Finish(t.Context(), reply, start.Secret)
	checkRefusal(t, err, connector.ReasonProviderError, "code exchange")
}

func TestFinishRefusesAForeignSecret(t *testing.T) {
	srv := newServer(t)
	p := open(t, NewCache(nil), connection(srv, latchkey.KindOIDC))
	for _, s := range [][]byte{nil, []byte("junk"), []byte(`{"n":"x"}`)} {
		if _, err := p.Finish(t.Context(), url.Values{"code": {"c"}}, s); err == nil {
			t.Errorf("Finish with secret %q succeeded", s)
		}
	}
}

func TestMicrosoftEmail(t *testing.T) {
	tests := []struct {
		name         string
		user         oidctest.User
		wantEmail    string
		wantVerified bool
	}{
		{"email claim", oidctest.Entra(tenantA, "o", "ann@acme.com"), "ann@acme.com", true},
		{"xms_edov true", oidctest.Entra(tenantA, "o", "ann@acme.com").With("xms_edov", true), "ann@acme.com", true},
		{"xms_edov false", oidctest.Entra(tenantA, "o", "ann@acme.com").With("xms_edov", false), "ann@acme.com", false},
		{"only preferred_username", oidctest.Entra(tenantA, "o", "ann@acme.com").Without("email"), "ann@acme.com", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			p := open(t, NewCache(nil), connection(srv, latchkey.KindMicrosoft, tenantA))
			id, err := signIn(t, srv, p, tc.user, nil)
			if err != nil {
				t.Fatal(err)
			}
			if id.Email != tc.wantEmail || id.EmailVerified != tc.wantVerified {
				t.Errorf("Email=%q EmailVerified=%v, want %q %v", id.Email, id.EmailVerified, tc.wantEmail, tc.wantVerified)
			}
			if got := slices.Contains(checkNames(id.Checks), "email verified"); got != tc.wantVerified {
				t.Errorf("an \"email verified\" check=%v, want %v", got, tc.wantVerified)
			}
		})
	}
}

func TestCacheDiscoversOnce(t *testing.T) {
	srv := newServer(t)
	cache := NewCache(nil)
	a := connection(srv, latchkey.KindOIDC)
	b := connection(srv, latchkey.KindOIDC)
	b.ID, b.WorkspaceID = "c2", "w2"
	for i := range 3 {
		for _, conn := range []latchkey.Connection{a, b} {
			p := open(t, cache, conn)
			if _, err := signIn(t, srv, p, oidctest.Generic("s", "s@example.com"), nil); err != nil {
				t.Fatalf("sign-in %d: %v", i, err)
			}
		}
	}
	if got, want := srv.Requests(oidctest.DiscoveryPath), 1; got != want {
		t.Errorf("discovery requests=%d, want %d", got, want)
	}
	if got, want := srv.Requests(oidctest.JWKSPath), 1; got != want {
		t.Errorf("key set requests=%d, want %d", got, want)
	}

	// A key the cached set lacks is fetched once, on the first token that names it.
	if err := srv.RotateKey(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := signIn(t, srv, open(t, cache, a), oidctest.Generic("s", "s@example.com"), nil); err != nil {
			t.Fatalf("sign-in after key rotation: %v", err)
		}
	}
	if got, want := srv.Requests(oidctest.JWKSPath), 2; got != want {
		t.Errorf("key set requests=%d after rotation, want %d", got, want)
	}

	// After Rediscover, discovery runs again.
	later := clock.Add(Rediscover)
	if _, err := cache.Open(t.Context(), a, urls, func() time.Time { return later }); err != nil {
		t.Fatal(err)
	}
	if got, want := srv.Requests(oidctest.DiscoveryPath), 2; got != want {
		t.Errorf("discovery requests=%d after %v, want %d", got, Rediscover, want)
	}
}

func TestCacheDiscoversOnceUnderConcurrentOpens(t *testing.T) {
	srv := newServer(t)
	cache := NewCache(nil)
	conn := connection(srv, latchkey.KindOIDC)
	const n = 10
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := cache.Open(t.Context(), conn, urls, now)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Open: %v", err)
		}
	}
	if got, want := srv.Requests(oidctest.DiscoveryPath), 1; got != want {
		t.Errorf("discovery requests=%d after %d concurrent Opens, want %d", got, n, want)
	}
}

func TestCacheEntraTenantsShareKeys(t *testing.T) {
	srv := newServer(t)
	cache := NewCache(nil)
	for _, tid := range []string{tenantA, tenantB} {
		p := open(t, cache, connection(srv, latchkey.KindMicrosoft, tid))
		if _, err := signIn(t, srv, p, oidctest.Entra(tid, "o", "x@acme.com"), nil); err != nil {
			t.Fatal(err)
		}
	}
	p := open(t, cache, connection(srv, latchkey.KindMicrosoft, tenantA, tenantB))
	if _, err := signIn(t, srv, p, oidctest.Entra(tenantB, "o", "x@acme.com"), nil); err != nil {
		t.Fatal(err)
	}
	if got, want := srv.Requests(oidctest.JWKSPath), 1; got != want {
		t.Errorf("key set requests=%d, want %d", got, want)
	}
	for _, path := range []string{"/" + tenantA + "/v2.0/.well-known/openid-configuration", "/organizations/v2.0/.well-known/openid-configuration"} {
		if got, want := srv.Requests(path), 1; got != want {
			t.Errorf("requests to %s=%d, want %d", path, got, want)
		}
	}
}

func TestOpenRefusesBadConnections(t *testing.T) {
	srv := newServer(t)
	cache := NewCache(nil)
	bad := connection(srv, latchkey.KindOIDC)
	bad.ClientID = ""
	if _, err := cache.Open(t.Context(), bad, urls, now); err == nil {
		t.Error("Open without a client id succeeded")
	}
	if _, err := cache.Open(t.Context(), connection(srv, latchkey.KindOIDC), connector.URLs{}, now); err == nil {
		t.Error("Open without a callback URL succeeded")
	}
	wrong := connection(srv, latchkey.KindOIDC)
	wrong.Issuer = srv.Issuer() + "/"
	_, err := cache.Open(t.Context(), wrong, urls, now)
	checkRefusal(t, err, connector.ReasonUnreachable, "discovery")
	if got, want := srv.Requests(oidctest.DiscoveryPath), 1; got != want {
		t.Errorf("discovery requests=%d, want %d", got, want)
	}
}
