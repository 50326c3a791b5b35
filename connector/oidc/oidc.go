package oidc

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector"
)

var _ connector.Connector = (*Provider)(nil)

// Provider is one OpenID Connect connection ready to sign people in: Google Workspace,
// Microsoft Entra ID or any OpenID provider. Make one per sign-in with Cache.Open (cheap once
// the issuer is cached); it holds no per-flow state, so it is safe for concurrent use.
type Provider struct {
	conn     latchkey.Connection
	client   *http.Client
	disc     *discovered
	issuer   string // the issuer ID tokens must name; "" for Microsoft with several tenants
	tenants  []string
	oauth    *oauth2.Config
	verifier *gooidc.IDTokenVerifier
	now      func() time.Time
}

// Open prepares conn (whose ClientSecret is already unsealed) for a sign-in with urls.Callback
// as the redirect URI. now is the clock ID tokens' expiry is checked against.
//
// It discovers the provider the first time its issuer is asked for: a Google connection at
// Issuer (default https://accounts.google.com), a generic one at Issuer, and a Microsoft one
// at <authority>/<tenant>/v2.0 with one tenant or <authority>/organizations/v2.0 with
// several (authority default https://login.microsoftonline.com). A connection that does not
// pass Validate, or has no callback URL, is a plain error. A failed discovery is a
// *connector.Error with ReasonUnreachable and a "discovery" check saying why.
func (c *Cache) Open(ctx context.Context, conn latchkey.Connection, urls connector.URLs, now func() time.Time) (*Provider, error) {
	if err := Validate(conn); err != nil {
		return nil, fmt.Errorf("open %s connection %s: %w", conn.Kind, conn.ID, err)
	}
	if urls.Callback == "" {
		return nil, fmt.Errorf("open %s connection %s: no callback URL", conn.Kind, conn.ID)
	}
	if now == nil {
		now = time.Now
	}
	p := &Provider{conn: conn, client: c.client, now: now, issuer: issuerOf(conn)}
	base, discovered := p.issuer, p.issuer
	if conn.Kind == latchkey.KindMicrosoft {
		authority := p.issuer
		for _, t := range conn.Tenants {
			p.tenants = append(p.tenants, strings.ToLower(t))
		}
		if len(p.tenants) == 1 {
			p.issuer = tenantIssuer(authority, p.tenants[0])
			base, discovered = p.issuer, p.issuer
		} else {
			// Entra's multi-tenant discovery names the template issuer
			// <authority>/{tenantid}/v2.0; Finish checks tid, then iss against it.
			p.issuer = ""
			base, discovered = authority+"/organizations/v2.0", tenantIssuer(authority, "{tenantid}")
		}
	}
	d, err := c.discover(ctx, base, discovered, now())
	if err != nil {
		return nil, &connector.Error{
			Reason: connector.ReasonUnreachable,
			Err:    err,
			Checks: []connector.Check{{Name: "discovery", Detail: err.Error()}},
		}
	}
	p.disc = d
	endpoint := d.provider.Endpoint()
	endpoint.AuthStyle = authStyle(d.authMethods)
	p.oauth = &oauth2.Config{
		ClientID:     conn.ClientID,
		ClientSecret: conn.ClientSecret,
		Endpoint:     endpoint,
		RedirectURL:  urls.Callback,
		Scopes:       []string{gooidc.ScopeOpenID, gooidc.ScopeEmail, gooidc.ScopeProfile},
	}
	p.verifier = gooidc.NewVerifier(p.issuer, d.keys, &gooidc.Config{
		ClientID:             conn.ClientID,
		SupportedSigningAlgs: d.algs,
		SkipIssuerCheck:      p.issuer == "",
		Now:                  now,
	})
	return p, nil
}

func tenantIssuer(authority, tid string) string { return authority + "/" + tid + "/v2.0" }

// authStyle follows the token endpoint's advertised client authentication, so that no
// exchange is tried twice; client_secret_basic is the default of the specification.
func authStyle(methods []string) oauth2.AuthStyle {
	switch {
	case len(methods) == 0, slices.Contains(methods, "client_secret_basic"):
		return oauth2.AuthStyleInHeader
	case slices.Contains(methods, "client_secret_post"):
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleAutoDetect
}

// secret is what Begin keeps server-side for Finish.
type secret struct {
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
}

// Begin starts an authorization code flow with PKCE (S256), a fresh nonce, state = flowID and
// the scopes openid, email and profile. It forces no prompt, so someone already signed in at
// the provider comes straight back. Start.Secret holds the nonce and the PKCE verifier.
func (p *Provider) Begin(_ context.Context, flowID string) (connector.Start, error) {
	if flowID == "" {
		return connector.Start{}, errors.New("begin oidc sign-in: empty flow id")
	}
	s := secret{Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier()}
	raw, err := json.Marshal(s)
	if err != nil {
		return connector.Start{}, fmt.Errorf("begin oidc sign-in: %w", err)
	}
	return connector.Start{
		URL:    p.oauth.AuthCodeURL(flowID, gooidc.Nonce(s.Nonce), oauth2.S256ChallengeOption(s.Verifier)),
		Secret: raw,
	}, nil
}

// Finish checks the provider's redirect back (reply is its query) against the secret from
// Begin. The caller has already matched state to its flow record. In order:
//
//   - an error parameter is ReasonProviderError;
//   - RFC 9207's iss parameter, when sent (required when discovery says the provider sends
//     it), must name the expected issuer, or this is a reply from another provider
//     (ReasonStateMismatch);
//   - the code is exchanged with the PKCE verifier: a provider that does not answer is
//     ReasonUnreachable, one that refuses is ReasonProviderError;
//   - go-oidc verifies the ID token's signature (against keys refreshed on an unknown kid),
//     issuer, audience and expiry; azp, when present or with several audiences, must be our
//     client id (ReasonTokenInvalid); the nonce must be ours (ReasonNonceMismatch);
//   - then the rules of the kind, below.
//
// Google: email_verified must be true (ReasonEmailUnverified) and hd present
// (ReasonHostedDomain; a consumer account has none); Identity.HostedDomain is hd. Whether
// that domain is approved is the workspace's business, in signin.
//
// Microsoft: tid must be an allowed tenant (ReasonTenant), iss must be that tenant's issuer
// <authority>/<tid>/v2.0 (ReasonTokenInvalid) and oid must be present; Subject is
// "<tid>/<oid>" (sub is pairwise and email, upn and preferred_username are mutable, so
// none of them identifies the person). Email is the email claim, else preferred_username.
// Entra sends no email_verified, so EmailVerified is true only when the address came in the
// email claim of an allowed tenant's token and the xms_edov claim (email domain owner
// verified, an optional claim) is not false: Entra leaves out email addresses whose domain
// owner it has not verified (removeUnverifiedEmailClaim), and preferred_username is never
// trusted, because a guest or a user can make it any address. An unverified Microsoft email
// is not an error here (an existing link to tid/oid still signs in), so the caller must not
// link or provision on it; the Checks then have no "email verified" entry.
//
// Generic OpenID provider: email_verified must be true (ReasonEmailUnverified).
//
// Every refusal is a *connector.Error with the checks made up to the failed one; on success
// Identity.Checks lists them all, passed, and Identity.Claims what the ID token said.
func (p *Provider) Finish(ctx context.Context, reply url.Values, secretBytes []byte) (connector.Identity, error) {
	var sec secret
	if err := json.Unmarshal(secretBytes, &sec); err != nil || sec.Nonce == "" || sec.Verifier == "" {
		return connector.Identity{}, errors.New("finish oidc sign-in: the flow's secret is not one Begin made")
	}
	f := &finish{issParam: reply.Get("iss")}

	if code := reply.Get("error"); code != "" {
		detail := code
		if d := reply.Get("error_description"); d != "" {
			detail += ": " + d
		}
		return f.fail(connector.ReasonProviderError, "provider reply", detail)
	}
	if err := p.checkIssParam(reply); err != nil {
		return f.fail(connector.ReasonStateMismatch, "issuer parameter", err.Error())
	}
	if f.issParam != "" {
		f.pass("issuer parameter", f.issParam)
	}
	code := reply.Get("code")
	if code == "" {
		return f.fail(connector.ReasonProviderError, "provider reply", "no code and no error in the reply")
	}

	tok, err := p.oauth.Exchange(p.clientCtx(ctx), code, oauth2.VerifierOption(sec.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return f.fail(connector.ReasonProviderError, "code exchange", err.Error())
		}
		return f.fail(connector.ReasonUnreachable, "code exchange", err.Error())
	}
	f.pass("code exchange", "")
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return f.fail(connector.ReasonTokenInvalid, "signature", "the token response has no id_token")
	}

	// The signature is checked on its own first, with the verifier's key set, only to tell
	// the admin which check failed: the verifier below repeats it with the algorithm checks
	// and stays the one that decides.
	payload, err := p.disc.keys.VerifySignature(p.clientCtx(ctx), raw)
	if err != nil {
		// go-oidc reports a key set it could not fetch or read only in the text of its error.
		if strings.Contains(err.Error(), "fetching keys") {
			return f.fail(connector.ReasonUnreachable, "signature", err.Error())
		}
		return f.fail(connector.ReasonTokenInvalid, "signature", err.Error())
	}
	var claims tokenClaims
	if err := json.Unmarshal(payload, &claims); err != nil {
		return f.fail(connector.ReasonTokenInvalid, "signature", "the ID token's claims are not JSON: "+err.Error())
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		name := p.failedCheck(claims, err)
		return f.fail(connector.ReasonTokenInvalid, name, err.Error())
	}
	f.pass("signature", "")
	if p.issuer != "" {
		f.pass("issuer", idt.Issuer)
	}
	if err := p.checkAZP(claims); err != nil {
		return f.fail(connector.ReasonTokenInvalid, "audience", err.Error())
	}
	f.pass("audience", p.conn.ClientID)
	f.pass("expiry", "until "+idt.Expiry.UTC().Format(time.RFC3339))
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(sec.Nonce)) != 1 {
		return f.fail(connector.ReasonNonceMismatch, "nonce", "the ID token's nonce is not this sign-in's")
	}
	f.pass("nonce", "")

	id := connector.Identity{Claims: stringClaims(payload)}
	switch p.conn.Kind {
	case latchkey.KindGoogle:
		err = p.google(f, idt, claims, &id)
	case latchkey.KindMicrosoft:
		err = p.microsoft(f, claims, &id)
	default:
		err = p.generic(f, idt, claims, &id)
	}
	if err != nil {
		return connector.Identity{}, err
	}
	id.Name = claims.Name
	id.Checks = f.checks
	return id, nil
}

func (p *Provider) clientCtx(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, p.client)
}

// checkIssParam is RFC 9207's mix-up defence.
func (p *Provider) checkIssParam(reply url.Values) error {
	iss, sent := reply["iss"]
	if !sent {
		if p.disc.issParam {
			return errors.New("the provider sends iss in its replies, and this one has none")
		}
		return nil
	}
	got := iss[0]
	if len(iss) != 1 {
		return errors.New("the reply has more than one iss")
	}
	if p.issuer != "" {
		if got != p.issuer {
			return fmt.Errorf("expected %q, got %q", p.issuer, got)
		}
		return nil
	}
	authority := issuerOf(p.conn)
	for _, t := range p.tenants {
		if got == tenantIssuer(authority, t) {
			return nil
		}
	}
	return fmt.Errorf("%q is not the issuer of an allowed tenant", got)
}

// failedCheck names the check go-oidc refused, from the signed claims, for Test connection.
func (p *Provider) failedCheck(c tokenClaims, err error) string {
	var expired *gooidc.TokenExpiredError
	switch {
	case p.issuer != "" && c.Issuer != p.issuer:
		return "issuer"
	case !slices.Contains(c.Audience, p.conn.ClientID):
		return "audience"
	case errors.As(err, &expired):
		return "expiry"
	case strings.Contains(err.Error(), "nbf"):
		return "expiry"
	}
	return "signature"
}

// checkAZP applies OpenID Connect Core 3.1.3.7: with several audiences azp must be present,
// and when present it must be our client id.
func (p *Provider) checkAZP(c tokenClaims) error {
	if c.AZP == "" && len(c.Audience) > 1 {
		return fmt.Errorf("the ID token has several audiences %q and no azp", []string(c.Audience))
	}
	if c.AZP != "" && c.AZP != p.conn.ClientID {
		return fmt.Errorf("azp is %q, not our client id", c.AZP)
	}
	return nil
}

func (p *Provider) google(f *finish, idt *gooidc.IDToken, c tokenClaims, id *connector.Identity) error {
	if idt.Subject == "" {
		return f.failErr(connector.ReasonTokenInvalid, "subject", "no sub claim")
	}
	if c.Email == "" || !c.EmailVerified.isTrue() {
		return f.failErr(connector.ReasonEmailUnverified, "email verified", emailVerifiedDetail(c))
	}
	f.pass("email verified", c.Email)
	if c.HD == "" {
		return f.failErr(connector.ReasonHostedDomain, "hosted domain", "no hd claim: not a Google Workspace account")
	}
	f.pass("hosted domain", c.HD)
	id.Subject = idt.Subject
	id.Email = c.Email
	id.EmailVerified = true
	id.HostedDomain = c.HD
	return nil
}

func (p *Provider) microsoft(f *finish, c tokenClaims, id *connector.Identity) error {
	tid := strings.ToLower(c.TID)
	if tid == "" || !slices.Contains(p.tenants, tid) {
		return f.failErr(connector.ReasonTenant, "tenant", fmt.Sprintf("tid %q is not an allowed tenant", c.TID))
	}
	f.pass("tenant", tid)
	if p.issuer == "" {
		want := tenantIssuer(issuerOf(p.conn), c.TID)
		if c.Issuer != want {
			return f.failErr(connector.ReasonTokenInvalid, "issuer", fmt.Sprintf("expected %q, got %q", want, c.Issuer))
		}
		if f.issParam != "" && f.issParam != c.Issuer {
			return f.failErr(connector.ReasonStateMismatch, "issuer", fmt.Sprintf("the reply came from %q, the ID token from %q", f.issParam, c.Issuer))
		}
		f.pass("issuer", c.Issuer)
	}
	if c.OID == "" {
		return f.failErr(connector.ReasonTokenInvalid, "subject", "no oid claim")
	}
	id.Subject = tid + "/" + c.OID
	id.Tenant = tid
	id.Email = c.Email
	if c.Email != "" && !c.XMSEDOV.isFalse() {
		id.EmailVerified = true
		f.pass("email verified", c.Email)
	}
	if id.Email == "" {
		id.Email = c.PreferredUsername
	}
	return nil
}

func (p *Provider) generic(f *finish, idt *gooidc.IDToken, c tokenClaims, id *connector.Identity) error {
	if idt.Subject == "" {
		return f.failErr(connector.ReasonTokenInvalid, "subject", "no sub claim")
	}
	if c.Email == "" || !c.EmailVerified.isTrue() {
		return f.failErr(connector.ReasonEmailUnverified, "email verified", emailVerifiedDetail(c))
	}
	f.pass("email verified", c.Email)
	id.Subject = idt.Subject
	id.Email = c.Email
	id.EmailVerified = true
	return nil
}

func emailVerifiedDetail(c tokenClaims) string {
	if c.Email == "" {
		return "no email claim"
	}
	if c.EmailVerified == nil {
		return "no email_verified claim"
	}
	return "email_verified is " + string(c.EmailVerified)
}

// finish collects the checks of one Finish.
type finish struct {
	checks   []connector.Check
	issParam string // RFC 9207 iss of the reply, "" when not sent
}

func (f *finish) pass(name, detail string) {
	f.checks = append(f.checks, connector.Check{Name: name, Passed: true, Detail: detail})
}

func (f *finish) failErr(reason, name, detail string) error {
	f.checks = append(f.checks, connector.Check{Name: name, Detail: detail})
	return &connector.Error{Reason: reason, Err: errors.New(name + ": " + detail), Checks: f.checks}
}

func (f *finish) fail(reason, name, detail string) (connector.Identity, error) {
	return connector.Identity{}, f.failErr(reason, name, detail)
}

// tokenClaims are the ID token claims the rules read.
type tokenClaims struct {
	Issuer            string   `json:"iss"`
	Audience          audience `json:"aud"`
	AZP               string   `json:"azp"`
	Email             string   `json:"email"`
	EmailVerified     jsonBool `json:"email_verified"`
	Name              string   `json:"name"`
	HD                string   `json:"hd"`
	TID               string   `json:"tid"`
	OID               string   `json:"oid"`
	PreferredUsername string   `json:"preferred_username"`
	XMSEDOV           jsonBool `json:"xms_edov"`
}

// audience is aud, a string or an array of strings.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*a = audience{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return err
	}
	*a = ss
	return nil
}

// jsonBool is a boolean claim as sent: true, false, "true", "false" (some providers send
// strings) or absent (nil).
type jsonBool json.RawMessage

func (b *jsonBool) UnmarshalJSON(v []byte) error {
	*b = append((*b)[:0], v...)
	return nil
}

func (b jsonBool) isTrue() bool {
	s := string(bytes.TrimSpace(b))
	return s == "true" || s == `"true"`
}

func (b jsonBool) isFalse() bool {
	s := string(bytes.TrimSpace(b))
	return s == "false" || s == `"false"`
}

// stringClaims flattens the ID token's claims for display: strings as they are, arrays one
// element each, anything else as JSON.
func stringClaims(payload []byte) map[string][]string {
	var m map[string]json.RawMessage
	if json.Unmarshal(payload, &m) != nil {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		var arr []json.RawMessage
		if json.Unmarshal(v, &arr) == nil {
			for _, e := range arr {
				out[k] = append(out[k], jsonString(e))
			}
			if arr != nil && len(arr) == 0 {
				out[k] = []string{}
			}
			continue
		}
		out[k] = []string{jsonString(v)}
	}
	return out
}

func jsonString(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}
