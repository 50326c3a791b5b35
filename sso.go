package latchkey

import (
	"context"
	"strings"
	"time"
)

// ConnectionStore keeps the SSO connections of each workspace.
type ConnectionStore interface {
	// CreateConnection stores c as given: its ClientSecret is already sealed by the caller.
	// Returns ErrNotFound if c.WorkspaceID does not exist and ErrConflict if the workspace has
	// a connection with c.ID.
	CreateConnection(ctx context.Context, c Connection) error
	// Connection returns the connection with this ID in workspace ws, or ErrNotFound.
	Connection(ctx context.Context, ws, id string) (Connection, error)
	// Connections lists the connections of ws, enabled or not, ordered by Position, then
	// CreatedAt, then ID: the order of the sign-in buttons.
	Connections(ctx context.Context, ws string) ([]Connection, error)
	// UpdateConnection runs fn on the current connection and stores the result, in one
	// transaction. fn must not change ID, WorkspaceID or Kind (an error) and must not call the
	// store. If fn returns an error nothing is written and that error is returned. Returns
	// ErrNotFound if ws has no such connection (fn is then not called).
	UpdateConnection(ctx context.Context, ws, id string, fn func(*Connection) error) error
	// DeleteConnection removes the connection with its identity links and its pending sign-in
	// flows. Returns ErrNotFound if ws has no such connection.
	DeleteConnection(ctx context.Context, ws, id string) error
}

// DomainStore keeps each workspace's approved company domains: only identities whose
// verified email is in one of them sign in by SSO.
type DomainStore interface {
	// Domains lists the approved domains of ws, lower-case, sorted.
	Domains(ctx context.Context, ws string) ([]string, error)
	// AddDomain approves domain for ws, as NormalizeDomain makes it. Returns NormalizeDomain's
	// *Error (CodeInvalid) for a malformed domain, ErrConflict if ws has approved it already
	// and ErrNotFound if ws does not exist.
	AddDomain(ctx context.Context, ws, domain string) error
	// RemoveDomain withdraws the approval of domain (compared as NormalizeDomain makes it).
	// Returns ErrNotFound if ws has not approved it.
	RemoveDomain(ctx context.Context, ws, domain string) error
}

// MaxDomainLength is the longest domain name DNS allows, in bytes, without the final dot.
const MaxDomainLength = 253

// NormalizeDomain returns domain trimmed, lower-cased and without a final dot, or an *Error
// with CodeInvalid unless it is a DNS name of at least two labels: each of 1 to 63 ASCII
// letters, digits and hyphens, not starting or ending with a hyphen, the last not all digits
// (so an IP address is refused). Internationalised names are given in their xn-- form.
func NormalizeDomain(domain string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	invalid := NewError(CodeInvalid, "domain", MsgDomainInvalid)
	if d == "" || len(d) > MaxDomainLength {
		return "", invalid
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", invalid
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", invalid
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", invalid
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", invalid
	}
	return d, nil
}

// IdentityLink ties an account to the identity an SSO connection's provider knows it by. A
// (connection, subject) pair links to at most one account; an account may have several links.
type IdentityLink struct {
	WorkspaceID  string
	AccountID    string
	ConnectionID string
	Subject      string // connector.Identity.Subject: OIDC sub, Microsoft "<tid>/<oid>", SAML NameID
	Email        string // the verified email the provider last gave, for the admin's eyes only
	CreatedAt    time.Time
	LastUsedAt   time.Time
}

// IdentityLinkStore keeps identity links. Deleting an account or a connection removes its
// links.
type IdentityLinkStore interface {
	// LinkIdentity stores l. Returns ErrConflict if l's connection already links l.Subject (to
	// this account or another), and ErrNotFound if l.WorkspaceID has no account l.AccountID
	// or no connection l.ConnectionID.
	LinkIdentity(ctx context.Context, l IdentityLink) error
	// IdentityBySubject returns the link of subject at connection connID in ws, or ErrNotFound.
	IdentityBySubject(ctx context.Context, ws, connID, subject string) (IdentityLink, error)
	// IdentityLinks lists the links of the account, oldest first (then by connection and
	// subject). An account without links, or of another workspace, has none.
	IdentityLinks(ctx context.Context, ws, accountID string) ([]IdentityLink, error)
	// TouchIdentity records a sign-in through the link: LastUsedAt becomes now and Email
	// email. Returns ErrNotFound if ws has no such link.
	TouchIdentity(ctx context.Context, ws, connID, subject, email string, now time.Time) error
	// Unlink removes the account's link of subject at connection connID. Returns ErrNotFound
	// if ws has no such link of that account.
	Unlink(ctx context.Context, ws, accountID, connID, subject string) error
}

// SSOFlowTTL is how long a sign-in at a provider may take, from the button to the callback.
const SSOFlowTTL = 10 * time.Minute

// SSOFlow is one sign-in at a provider in progress, kept server-side until its callback. Only
// hashes of the state (or RelayState) and of the browser-binding cookie are stored.
type SSOFlow struct {
	ID           string // HashSecret of the state / RelayState sent to the provider
	WorkspaceID  string
	ConnectionID string
	BrowserHash  string // HashSecret of the cookie that binds the flow to the browser that began it
	Secret       []byte // connector.Start.Secret: nonce and PKCE verifier, or the SAML request ID
	Remember     bool   // "Keep me signed in" was ticked before the button was pressed
	Test         bool   // an administrator's Test connection: show the result, sign no one in
	ReturnTo     string // the same-workspace path to land on after the sign-in; "" for the dashboard
	ExpiresAt    time.Time
	CreatedAt    time.Time
}

// SSOFlowStore keeps sign-in flows at providers.
type SSOFlowStore interface {
	// CreateFlow stores f. Returns ErrNotFound if f.WorkspaceID has no connection
	// f.ConnectionID and ErrConflict if a flow has f.ID.
	CreateFlow(ctx context.Context, f SSOFlow) error
	// ConsumeFlow deletes and returns the live flow (ExpiresAt after now) with this ID in ws,
	// atomically: of any number of concurrent calls, exactly one gets it. Returns ErrNotFound
	// if there is none: never created, of another workspace, expired or consumed already.
	// The caller checks BrowserHash afterwards, so a flow is spent even by a wrong browser.
	ConsumeFlow(ctx context.Context, ws, id string, now time.Time) (SSOFlow, error)
	// DeleteExpiredFlows removes, across workspaces, the flows whose ExpiresAt is not after
	// now, and returns how many.
	DeleteExpiredFlows(ctx context.Context, now time.Time) (int, error)
}

// OnceStore remembers values that may be accepted only once, shared by every node: the IDs of
// SAML assertions, until they expire.
type OnceStore interface {
	// UseOnce records key as used until until. Returns ErrConflict if key is already recorded
	// with an until after now; a record whose until is not after now no longer counts, and is
	// replaced. Of concurrent calls with one key, exactly one succeeds. It also removes the
	// records that have expired at now. Returns an error if until is not after now.
	UseOnce(ctx context.Context, key string, until, now time.Time) error
}

// Audit events of single sign-on. A refusal's Detail starts with its reason (a
// connector.Reason* or one of the SSOReason* constants), then the connection's name.
const (
	EventSSORefused     EventType = "signin.sso_refused"
	EventSSOProvisioned EventType = "account.sso_provisioned" // just-in-time provisioning created the account
	EventSSOLinked      EventType = "sso.link"
	EventSSOUnlinked    EventType = "sso.unlink"
	EventSSOConnection  EventType = "sso.connection" // a connection added, changed or removed
	EventSSODomain      EventType = "sso.domain"     // an approved domain added or removed
	EventSSOTest        EventType = "sso.test"       // an administrator's Test connection
)

// Reasons for refusing a single sign-on that are the workspace's, not the protocol's (those
// are connector.Reason*).
const (
	SSOReasonDomain         = "domain_refused"
	SSOReasonNotProvisioned = "not_provisioned"
	SSOReasonNotActive      = "not_active"
	SSOReasonUnverified     = "email_unverified"
	SSOReasonFlow           = "state_mismatch" // no live flow for the state, or another browser's
	SSOReasonDisabled       = "connection_disabled"
	SSOReasonReplay         = "replay"
)
