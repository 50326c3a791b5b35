package signin

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector"
	"github.com/latchkey/latchkey/connector/oidc"
	"github.com/latchkey/latchkey/connector/saml"
)

// The paths of a connection's own addresses on the workspace host.
const (
	SSOPathPrefix = "/sso/"
	callbackPath  = "/callback" // OIDC redirect URI
	acsPath       = "/acs"      // SAML assertion consumer service
	metadataPath  = "/metadata" // SAML SP metadata, also our entity ID
)

// ssoRules throttle flow lookups by state: the state is 256 random bits, so a miss is a
// replay, a stale tab or someone probing; the per-address rule slows the last.
func ssoRules(ws, addr string) []rule {
	return []rule{{key: "sso:addr:" + ws + ":" + addr, window: AddrWindow, wait: addrWait, keep: true}}
}

// ConnectionURLs are latchkey's addresses for connection c of workspace w, all on the
// workspace host: the OIDC callback /sso/{id}/callback, or for SAML the ACS /sso/{id}/acs and
// the SP metadata /sso/{id}/metadata, which is also the SP entity ID.
func (s *Service) ConnectionURLs(w latchkey.Workspace, c latchkey.Connection) connector.URLs {
	base := s.WorkspaceURL(w.Slug) + SSOPathPrefix + url.PathEscape(c.ID)
	if c.OIDC() {
		return connector.URLs{Callback: base + callbackPath}
	}
	return connector.URLs{Callback: base + acsPath, EntityID: base + metadataPath, Metadata: base + metadataPath}
}

// secretAAD binds a sealed client secret to its workspace and connection.
func secretAAD(ws, id string) []byte { return []byte("sso client secret\x00" + ws + "\x00" + id) }

// SealClientSecret seals the OIDC client secret of connection c of workspace w for storing in
// c.ClientSecret, bound to both, as connector opens it.
func (s *Service) SealClientSecret(w latchkey.Workspace, c latchkey.Connection, secret string) (string, error) {
	sealed, err := s.Keys.Seal([]byte(secret), secretAAD(w.ID, c.ID))
	return sealed, wrap("seal client secret", err)
}

// FetchMetadata fetches a SAML IdP's metadata from url through the client that makes every
// call to an identity provider (Config.SSOClient, which refuses private networks unless
// PrivateIdPs).
func (s *Service) FetchMetadata(ctx context.Context, url string) ([]byte, error) {
	return saml.FetchMetadata(ctx, s.ssoClient, url)
}

// connector opens c for a sign-in: the OIDC kinds through the server's one *oidc.Cache (with
// the client secret unsealed into a copy), SAML through saml.New. A switch, not a registry.
func (s *Service) connector(ctx context.Context, w latchkey.Workspace, c latchkey.Connection) (connector.Connector, error) {
	urls := s.ConnectionURLs(w, c)
	switch {
	case c.OIDC():
		if c.ClientSecret != "" {
			pt, err := s.Keys.Open(c.ClientSecret, secretAAD(w.ID, c.ID))
			if err != nil {
				return nil, fmt.Errorf("unseal client secret of connection %s: %w", c.ID, err)
			}
			c.ClientSecret = string(pt)
		}
		return s.oidc.Open(ctx, c, urls, s.Now)
	case c.Kind == latchkey.KindSAML:
		return saml.New(c, urls, s.Now)
	}
	return nil, fmt.Errorf("connection %s: unknown kind %q", c.ID, c.Kind)
}

// SSOBegin is the press of a "Continue with …" button, or an administrator's Test connection.
type SSOBegin struct {
	Workspace    latchkey.Workspace
	ConnectionID string
	// Browser is the browser's SSO binding cookie, if it has one; BeginSSO makes one otherwise.
	Browser  string
	Remember bool // "Keep me signed in" was ticked
	// ReturnTo is the same-workspace path the sign-in started from (the caller sanitises it);
	// FinishSSO gives it back in SSOOutcome.ReturnTo.
	ReturnTo string
	// Test runs Test connection: Actor must be an active administrator; the connection may be
	// disabled; FinishSSO then shows what came back and signs no one in.
	Test   bool
	Actor  latchkey.Account
	Client Client
}

// SSOStart is where to send the browser, and the binding cookie to give it.
type SSOStart struct {
	URL     string
	Form    url.Values // non-nil: auto-POST these fields to URL
	Browser string     // the SSO binding cookie's value (the one given, when it was usable)
	Kind    latchkey.ConnectionKind
}

// BeginSSO starts a sign-in at the provider of a connection: one single-use flow record,
// stored under the hash of a fresh random state (OIDC state, SAML RelayState), bound to the
// browser's binding cookie (by hash) and to the workspace, expiring after
// latchkey.SSOFlowTTL, holding the connector's secret, the Remember choice and the Test flag.
// Errors: CodeNotFound with MsgSSOUnavailable for an unknown or disabled connection;
// CodeForbidden with MsgAdminOnly for a Test by a non-administrator; CodeUnavailable with
// MsgSSOUnreachable when the provider cannot be discovered (audited as provider_unreachable).
func (s *Service) BeginSSO(ctx context.Context, in SSOBegin) (SSOStart, error) {
	if in.Test {
		if err := latchkey.AdminActor(in.Actor).CheckAdmin(in.Workspace); err != nil {
			return SSOStart{}, err
		}
	}
	c, err := s.Store.Connection(ctx, in.Workspace.ID, in.ConnectionID)
	if errors.Is(err, latchkey.ErrNotFound) || err == nil && !c.Enabled && !in.Test {
		return SSOStart{}, latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgSSOUnavailable)
	}
	if err != nil {
		return SSOStart{}, wrap("find connection", err)
	}
	conn, err := s.connector(ctx, in.Workspace, c)
	if err != nil {
		s.ssoRefused(ctx, in.Workspace, c, in.Client, latchkey.Account{}, "", reasonOf(err), err)
		return SSOStart{}, userSSOError(reasonOf(err), err)
	}
	state, id := latchkey.NewSecret()
	start, err := conn.Begin(ctx, state)
	if err != nil {
		return SSOStart{}, wrap("begin sign-in at "+string(c.Kind), err)
	}
	browser := in.Browser
	if len(browser) < 32 || len(browser) > 128 {
		browser, _ = latchkey.NewSecret()
	}
	now := s.Now().UTC()
	err = s.Store.CreateFlow(ctx, latchkey.SSOFlow{
		ID: id, WorkspaceID: in.Workspace.ID, ConnectionID: c.ID, BrowserHash: latchkey.HashSecret(browser),
		Secret: start.Secret, Remember: in.Remember, Test: in.Test, ReturnTo: truncate(in.ReturnTo, 512),
		ExpiresAt: now.Add(latchkey.SSOFlowTTL), CreatedAt: now,
	})
	if err != nil {
		return SSOStart{}, wrap("store sign-in flow", err)
	}
	return SSOStart{URL: start.URL, Form: start.Form, Browser: browser, Kind: c.Kind}, nil
}

// SSOFinish is the provider's reply: the OIDC callback's query or the form posted to the SAML
// ACS, with the browser's cookies.
type SSOFinish struct {
	Workspace    latchkey.Workspace
	ConnectionID string
	Reply        url.Values
	// ACS is set when the reply was posted to the SAML ACS; a SAML connection's reply anywhere
	// else, or an OIDC connection's at the ACS, is refused as not found.
	ACS     bool
	Browser string // the SSO binding cookie
	Device  string
	// PreviousSession is the browser's session cookie, which the sign-in ends.
	PreviousSession string
	Client          Client
}

// SSOOutcome is a finished SSO: a session (Result), or for Test connection what came back.
type SSOOutcome struct {
	Result
	Connection latchkey.Connection
	// Test is set for Test connection; then Result is empty and Identity, Checks, Failure and
	// Detail say what happened, whether the checks passed or not.
	Test     bool
	Identity connector.Identity
	Checks   []connector.Check
	Failure  string // the reason of the failed check, "" when all passed
	Detail   string // the failed check's detail, for the administrator
	// Provisioned is set when just-in-time provisioning created the account.
	Provisioned bool
	// ReturnTo is the flow's SSOBegin.ReturnTo, for the caller to sanitise again and go to.
	ReturnTo string
}

// FinishSSO ends a sign-in at a provider:
//
//	connection of this workspace ─ unknown ─────────────────────────► not found
//	state (RelayState) ─ none, SAML only ─► IdP-initiated (the connector allows it or refuses)
//	   │ throttled per address; flow consumed once (of this workspace, live, this connection)
//	   │ ─ none / another browser's ─────────────────────────────────► state_mismatch
//	connector.Finish ─ every protocol check ─────────────────────────► its connector reason
//	once-only ID (SAML assertion) ─ seen ────────────────────────────► replay
//	approved domain of the email (and Google's hd) ─ no ─────────────► domain_refused
//	   ├─ Test connection: stop here, show claims and checks
//	link (connection, subject) ─ none: verified email? ─ no ─────────► email_unverified
//	   │                          active account with it ─► link
//	   │                          invited / suspended ──────────────► not_active
//	   │                          none: JIT ─► new active member, no password, no mail, link
//	   │                                 no JIT ──────────────────────► not_provisioned
//	account active? ─ no ─────────────────────────────────────────────► not_active
//	finishSignIn (Method "sso": no latchkey two-factor)
//
// Every refusal is audited (signin.sso_refused, and signin.not_active too) with its reason and
// is an *latchkey.Error whose message is safe to show: never the provider's own text. A Test
// connection flow returns its result, passed or failed, with a nil error, audited as sso.test.
func (s *Service) FinishSSO(ctx context.Context, in SSOFinish) (SSOOutcome, error) {
	ws := in.Workspace
	c, err := s.Store.Connection(ctx, ws.ID, in.ConnectionID)
	if errors.Is(err, latchkey.ErrNotFound) || err == nil && (c.Kind == latchkey.KindSAML) != in.ACS {
		return SSOOutcome{}, latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgSSOUnavailable)
	}
	if err != nil {
		return SSOOutcome{}, wrap("find connection", err)
	}
	out := SSOOutcome{Connection: c}
	stateKey := "state"
	if c.Kind == latchkey.KindSAML {
		stateKey = "RelayState"
	}
	state := in.Reply.Get(stateKey)
	var flow latchkey.SSOFlow
	var secret []byte
	if state != "" || c.Kind != latchkey.KindSAML {
		flow, err = s.consumeFlow(ctx, ws, c, state, in)
		if err != nil {
			return out, err
		}
		secret = flow.Secret
		out.Test = flow.Test
	}
	if !c.Enabled && !flow.Test {
		s.ssoRefused(ctx, ws, c, in.Client, latchkey.Account{}, "", latchkey.SSOReasonDisabled, nil)
		return out, latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgSSOUnavailable)
	}
	conn, err := s.connector(ctx, ws, c)
	var id connector.Identity
	if err == nil {
		id, err = conn.Finish(ctx, in.Reply, secret)
	}
	if err != nil {
		reason := reasonOf(err)
		if out.Test {
			out.Failure, out.Detail, out.Checks = reason, err.Error(), checksOf(err)
			s.testAudit(ctx, ws, c, in.Client, reason)
			return out, nil
		}
		s.ssoRefused(ctx, ws, c, in.Client, latchkey.Account{}, "", reason, err)
		return out, userSSOError(reason, err)
	}
	out.Identity, out.Checks = id, id.Checks
	refuse := func(reason string, check string, detail string, a latchkey.Account, uerr error) (SSOOutcome, error) {
		if out.Test {
			out.Checks = append(out.Checks, connector.Check{Name: check, Detail: detail})
			out.Failure, out.Detail = reason, detail
			s.testAudit(ctx, ws, c, in.Client, reason)
			return out, nil
		}
		s.ssoRefused(ctx, ws, c, in.Client, a, id.Email, reason, errors.New(detail))
		return out, uerr
	}
	if id.OnceID != "" {
		err := s.Store.UseOnce(ctx, "sso:"+ws.ID+":"+c.ID+":"+id.OnceID, id.OnceUntil, s.Now().UTC())
		if errors.Is(err, latchkey.ErrConflict) {
			return refuse(latchkey.SSOReasonReplay, "once only", "assertion "+id.OnceID+" was accepted before", latchkey.Account{},
				latchkey.NewError(latchkey.CodeUnauthorized, "", latchkey.MsgSSOExpired))
		}
		if err != nil {
			return out, wrap("record assertion id", err)
		}
		out.Checks = append(out.Checks, connector.Check{Name: "once only", Passed: true, Detail: id.OnceID})
	}
	if detail, ok, err := s.domainApproved(ctx, ws.ID, id); err != nil {
		return out, err
	} else if !ok {
		return refuse(latchkey.SSOReasonDomain, "approved domain", detail, latchkey.Account{},
			latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgSSODomainRefused))
	} else {
		out.Checks = append(out.Checks, connector.Check{Name: "approved domain", Passed: true, Detail: detail})
	}
	if out.Test {
		s.testAudit(ctx, ws, c, in.Client, "ok")
		return out, nil
	}
	acct, provisioned, err := s.ssoAccount(ctx, ws, c, id, in.Client)
	if err != nil {
		var le *latchkey.Error
		if errors.As(err, &le) && le.Code != latchkey.CodeInternal {
			reason := latchkey.SSOReasonNotProvisioned
			switch le.Message {
			case latchkey.MsgNotActive:
				reason = latchkey.SSOReasonNotActive
			case latchkey.MsgSSOEmailUnverified:
				reason = latchkey.SSOReasonUnverified
			}
			if reason == latchkey.SSOReasonNotActive {
				e := event(latchkey.EventNotActive, ws.ID, acct, in.Client)
				e.Detail = "sso: " + c.Name
				s.audit(ctx, e)
			}
			s.ssoRefused(ctx, ws, c, in.Client, acct, id.Email, reason, nil)
		}
		return out, err
	}
	out.Provisioned = provisioned
	if err := s.Store.TouchIdentity(ctx, ws.ID, c.ID, id.Subject, id.Email, s.Now().UTC()); err != nil && !errors.Is(err, latchkey.ErrNotFound) {
		return out, wrap("touch identity link", err)
	}
	res, err := s.finishSignIn(ctx, acct, signInInput{Remember: flow.Remember, Device: in.Device, Previous: in.PreviousSession, Client: in.Client, Method: "sso"})
	out.Result, out.ReturnTo = res, flow.ReturnTo
	return out, err
}

// consumeFlow finds and spends the flow named by state: counted against the per-address
// throttle, consumed once whatever comes after, and checked to belong to this connection and
// to the browser that began it.
func (s *Service) consumeFlow(ctx context.Context, ws latchkey.Workspace, c latchkey.Connection, state string, in SSOFinish) (latchkey.SSOFlow, error) {
	expired := latchkey.NewError(latchkey.CodeExpired, "", latchkey.MsgSSOExpired)
	if state == "" || len(state) > 128 {
		s.ssoRefused(ctx, ws, c, in.Client, latchkey.Account{}, "", latchkey.SSOReasonFlow, errors.New("no state in the reply"))
		return latchkey.SSOFlow{}, expired
	}
	rules := ssoRules(ws.ID, in.Client.Addr)
	if _, err := s.countGuess(ctx, rules, s.Now()); err != nil {
		return latchkey.SSOFlow{}, err
	}
	f, err := s.Store.ConsumeFlow(ctx, ws.ID, latchkey.HashSecret(state), s.Now().UTC())
	if errors.Is(err, latchkey.ErrNotFound) {
		s.ssoRefused(ctx, ws, c, in.Client, latchkey.Account{}, "", latchkey.SSOReasonFlow, errors.New("no live flow for this state: expired, used already, or never begun here"))
		return latchkey.SSOFlow{}, expired
	}
	if err != nil {
		return latchkey.SSOFlow{}, wrap("consume sign-in flow", err)
	}
	if f.ConnectionID != c.ID {
		s.ssoRefused(ctx, ws, c, in.Client, latchkey.Account{}, "", latchkey.SSOReasonFlow, errors.New("the flow was begun for another connection"))
		return latchkey.SSOFlow{}, expired
	}
	if in.Browser == "" || subtle.ConstantTimeCompare([]byte(latchkey.HashSecret(in.Browser)), []byte(f.BrowserHash)) != 1 {
		s.ssoRefused(ctx, ws, c, in.Client, latchkey.Account{}, "", latchkey.SSOReasonFlow, errors.New("the flow was begun in another browser"))
		return latchkey.SSOFlow{}, expired
	}
	if err := s.forgive(ctx, rules); err != nil {
		return latchkey.SSOFlow{}, err
	}
	return f, nil
}

// domainApproved checks the identity's email domain, and a Google identity's hd, against the
// workspace's approved domains. detail says what was compared.
func (s *Service) domainApproved(ctx context.Context, ws string, id connector.Identity) (string, bool, error) {
	domains, err := s.Store.Domains(ctx, ws)
	if err != nil {
		return "", false, wrap("read approved domains", err)
	}
	approved := func(d string) bool {
		d = strings.ToLower(d)
		for _, a := range domains {
			if a == d {
				return true
			}
		}
		return false
	}
	_, domain, ok := strings.Cut(strings.ToLower(id.Email), "@")
	if !ok || domain == "" {
		return "the identity has no email address", false, nil
	}
	if !approved(domain) {
		return fmt.Sprintf("email domain %q is not approved (approved: %s)", domain, listOrNone(domains)), false, nil
	}
	if id.HostedDomain != "" && !approved(id.HostedDomain) {
		return fmt.Sprintf("Google hosted domain %q is not approved (approved: %s)", id.HostedDomain, listOrNone(domains)), false, nil
	}
	if id.HostedDomain != "" {
		return domain + ", hd " + id.HostedDomain, true, nil
	}
	return domain, true, nil
}

func listOrNone(ds []string) string {
	if len(ds) == 0 {
		return "none"
	}
	return strings.Join(ds, ", ")
}

// ssoAccount finds the account of a verified identity: by its link, else (verified email
// only) the active account with that email, linked now, else a new member when the connection
// provisions just in time. The account returned with an error is the one refused, if any.
func (s *Service) ssoAccount(ctx context.Context, ws latchkey.Workspace, c latchkey.Connection, id connector.Identity, cl Client) (latchkey.Account, bool, error) {
	notActive := latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgNotActive)
	for range 2 { // a second round after losing a race to link or create
		l, err := s.Store.IdentityBySubject(ctx, ws.ID, c.ID, id.Subject)
		if err == nil {
			a, err := s.Store.Account(ctx, ws.ID, l.AccountID)
			if err != nil {
				return latchkey.Account{}, false, wrap("find linked account", err)
			}
			if a.Status != latchkey.StatusActive {
				return a, false, notActive
			}
			return a, false, nil
		}
		if !errors.Is(err, latchkey.ErrNotFound) {
			return latchkey.Account{}, false, wrap("find identity link", err)
		}
		if !id.EmailVerified || id.Email == "" {
			// Never link or provision by an address the provider does not vouch for.
			return latchkey.Account{}, false, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgSSOEmailUnverified)
		}
		provisioned := false
		a, err := s.Store.AccountByEmail(ctx, ws.ID, id.Email)
		switch {
		case errors.Is(err, latchkey.ErrNotFound):
			if !c.JIT {
				return latchkey.Account{}, false, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgSSONotProvisioned)
			}
			a, err = s.provision(ctx, ws, c, id, cl)
			if errors.Is(err, latchkey.ErrConflict) {
				continue
			}
			if err != nil {
				return latchkey.Account{}, false, err
			}
			provisioned = true
		case err != nil:
			return latchkey.Account{}, false, wrap("find account by email", err)
		case a.Status != latchkey.StatusActive:
			return a, false, notActive
		}
		now := s.Now().UTC()
		err = s.Store.LinkIdentity(ctx, latchkey.IdentityLink{WorkspaceID: ws.ID, AccountID: a.ID, ConnectionID: c.ID, Subject: id.Subject, Email: id.Email, CreatedAt: now, LastUsedAt: now})
		if errors.Is(err, latchkey.ErrConflict) {
			continue
		}
		if err != nil {
			return latchkey.Account{}, false, wrap("link identity", err)
		}
		e := event(latchkey.EventSSOLinked, ws.ID, a, cl)
		e.Detail = c.Name + ": " + id.Subject
		s.audit(ctx, e)
		return a, provisioned, nil
	}
	return latchkey.Account{}, false, errors.New("sso account: lost the race to link twice")
}

// provision creates an active member for the identity: no password, no invitation email.
func (s *Service) provision(ctx context.Context, ws latchkey.Workspace, c latchkey.Connection, id connector.Identity, cl Client) (latchkey.Account, error) {
	now := s.Now().UTC()
	name := strings.TrimSpace(id.Name)
	if name == "" {
		name, _, _ = strings.Cut(id.Email, "@")
	}
	for len(name) > MaxNameLength { // whole runes only
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	a := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws.ID, Email: strings.TrimSpace(id.Email), Name: name,
		Role: latchkey.RoleMember, Status: latchkey.StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateAccount(ctx, a); err != nil {
		if errors.Is(err, latchkey.ErrConflict) {
			return latchkey.Account{}, err
		}
		return latchkey.Account{}, wrap("provision account", err)
	}
	e := event(latchkey.EventSSOProvisioned, ws.ID, a, cl)
	e.Detail = "just-in-time through " + c.Name
	s.audit(ctx, e)
	return a, nil
}

// ssoRefused audits a refused single sign-on: "<reason> · <connection>: <detail>".
func (s *Service) ssoRefused(ctx context.Context, w latchkey.Workspace, c latchkey.Connection, cl Client, a latchkey.Account, email, reason string, cause error) {
	e := event(latchkey.EventSSORefused, w.ID, a, cl)
	if e.Email == "" {
		e.Email = email
	}
	e.Detail = reason + " · " + c.Name
	if cause != nil {
		e.Detail += ": " + cause.Error()
	}
	e.Detail = truncate(e.Detail, 500)
	s.audit(ctx, e)
	if reason == connector.ReasonUnreachable {
		s.Log.Warn("sso provider unreachable", "workspace", w.Slug, "connection", c.ID, "err", cause)
	}
}

func (s *Service) testAudit(ctx context.Context, w latchkey.Workspace, c latchkey.Connection, cl Client, result string) {
	s.audit(ctx, latchkey.Event{Type: latchkey.EventSSOTest, WorkspaceID: w.ID, ClientAddr: cl.Addr, UserAgent: cl.UserAgent, Detail: c.Name + ": " + result})
}

// reasonOf is the connector reason of err, or provider_unreachable / provider_error for an
// error from opening a connector.
func reasonOf(err error) string {
	var ce *connector.Error
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return connector.ReasonProviderError
}

func checksOf(err error) []connector.Check {
	var ce *connector.Error
	if errors.As(err, &ce) {
		return ce.Checks
	}
	return []connector.Check{{Name: "connection", Detail: err.Error()}}
}

// userSSOError is what a person signing in is told for a refusal with this reason: never the
// provider's text, which goes to the audit log and the logs only.
func userSSOError(reason string, cause error) error {
	e := &latchkey.Error{Code: latchkey.CodeUnauthorized, Message: latchkey.MsgSSOFailed, Err: cause}
	switch reason {
	case connector.ReasonUnreachable:
		e.Code, e.Message, e.RetryAfter = latchkey.CodeUnavailable, latchkey.MsgSSOUnreachable, 30*time.Second
	case connector.ReasonEmailUnverified:
		e.Code, e.Message = latchkey.CodeForbidden, latchkey.MsgSSOEmailUnverified
	case connector.ReasonHostedDomain, connector.ReasonTenant:
		e.Code, e.Message = latchkey.CodeForbidden, latchkey.MsgSSODomainRefused
	case connector.ReasonReplay:
		e.Message = latchkey.MsgSSOExpired
	}
	return e
}

// defaultHTTPClient is the client of provider calls when Config.SSOClient is nil.
func defaultHTTPClient(private bool) *http.Client {
	d := &net.Dialer{Timeout: oidc.Timeout}
	if !private {
		d.Control = refusePrivate
	}
	return &http.Client{Timeout: oidc.Timeout, Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, DialContext: d.DialContext, ForceAttemptHTTP2: true,
		TLSHandshakeTimeout: oidc.Timeout, MaxIdleConns: 16, IdleConnTimeout: 90 * time.Second,
	}}
}

// ErrPrivateIdP refuses a connection to an identity provider at a private address.
var ErrPrivateIdP = errors.New("the identity provider's address is private (a private network or link-local); the operator allows those with --private-idps")

// refusePrivate is the dialer's check of the address it is about to connect to, after name
// resolution, so that a name that resolves to a private address is refused too. Loopback stays
// allowed, as the connection rules allow an http issuer there (local development, and a
// provider on the same host); private networks, link-local addresses (the cloud metadata
// service at 169.254.169.254 among them) and unspecified or multicast ones are refused.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	ip = ip.Unmap()
	if ip.IsLoopback() {
		return nil
	}
	if ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() {
		return ErrPrivateIdP
	}
	return nil
}

// SSORefusedRequest audits a reply refused before it could be read (a body over the bound, a
// form that does not parse), as signin.sso_refused with reason response_invalid.
func (s *Service) SSORefusedRequest(ctx context.Context, w latchkey.Workspace, connID string, cl Client, why string) {
	c, err := s.Store.Connection(ctx, w.ID, connID)
	if err != nil {
		c = latchkey.Connection{ID: connID, Name: connID}
	}
	s.ssoRefused(ctx, w, c, cl, latchkey.Account{}, "", connector.ReasonResponseInvalid, errors.New(why))
}
