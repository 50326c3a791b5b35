package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
)

// auditPage is how many events the audit page shows at once.
const auditPage = 50

// auditGroup is one choice of the audit page's "What" filter: the event types that start with
// Prefix.
type auditGroup struct {
	Key, Label, Prefix string
}

// auditGroups are the choices of the "What" filter. "sign" takes in sign-ins (with their
// two-factor step) and sign-outs.
var auditGroups = []auditGroup{
	{"signin", "Sign-in and sign-out", "sign"},
	{"2fa", "Two-factor settings", "2fa."},
	{"passkey", "Passkeys", "passkey."},
	{"alert", "New-device alerts", "alert."},
	{"password", "Passwords", "password."},
	{"account", "Accounts", "account."},
	{"session", "Sessions", "session."},
	{"workspace", "Workspace", "workspace."},
	{"access", "Refused access", "access."},
	{"hardware", "Hardware", "hardware."},
	{"software", "Software and licence keys", "software."},
	{"request", "Requests", "request."},
	{"scim", "Provisioning (SCIM)", "scim."},
	{"sso", "Single sign-on settings", "sso."},
}

// auditView is the administrators' audit page.
type auditView struct {
	page
	Group  string
	Email  string
	Groups []auditGroup
	Events []auditRow
	Paged  bool   // this is not the newest page
	Older  string // the address of the next, older page; "" if there is none
	Newest string // the address of the newest page with the same filters
}

// auditRow is one event with who did it, when that was an administrator.
type auditRow struct {
	latchkey.Event
	Actor string // the acting administrator's email; "" when the account acted itself or for the CLI
}

// adminAudit lists the workspace's audit events, newest first, filtered by group and email,
// a page at a time. The "Older" link carries the time of the last event shown (before, exclusive).
func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	q := r.URL.Query()
	v := auditView{page: s.signedInPage(rq, "Audit log"), Groups: auditGroups}
	f := latchkey.EventFilter{Limit: auditPage + 1}
	for _, g := range auditGroups {
		if g.Key == q.Get("what") {
			v.Group, f.TypePrefix = g.Key, g.Prefix
		}
	}
	v.Email = truncateEcho(strings.TrimSpace(q.Get("email")))
	f.Email = v.Email
	if b, err := time.Parse(time.RFC3339Nano, q.Get("before")); err == nil {
		f.Before, v.Paged = b, true
	}
	evs, err := s.store.Events(ctx, rq.Workspace.ID, f)
	if err != nil {
		return err
	}
	filters := url.Values{}
	if v.Group != "" {
		filters.Set("what", v.Group)
	}
	if v.Email != "" {
		filters.Set("email", v.Email)
	}
	v.Newest = "/admin/audit"
	if len(filters) > 0 {
		v.Newest += "?" + filters.Encode()
	}
	if len(evs) > auditPage {
		evs = pageBoundary(evs)
		filters.Set("before", evs[len(evs)-1].Time.UTC().Format(time.RFC3339Nano))
		v.Older = "/admin/audit?" + filters.Encode()
	}
	actors := map[string]string{}
	for _, e := range evs {
		row := auditRow{Event: e}
		if e.ActorID != "" {
			email, ok := actors[e.ActorID]
			if !ok {
				a, err := s.store.Account(ctx, rq.Workspace.ID, e.ActorID)
				switch {
				case err == nil:
					email = a.Email
				case errors.Is(err, latchkey.ErrNotFound):
					email = "a removed account"
				default:
					return err
				}
				actors[e.ActorID] = email
			}
			row.Actor = email
		}
		v.Events = append(v.Events, row)
	}
	return s.render(w, http.StatusOK, "admin_audit", &v)
}

// pageBoundary cuts a page's worth from evs, which holds one event more than a page. If that
// extra event shares the time of the last one kept, the events of that time are all left for
// the next page, which starts strictly before the last time kept: otherwise those that did
// not fit would be skipped. A page whose events all share one time is kept whole (the store
// keeps microseconds, so that takes more than a page of events in one microsecond), and the
// rest of that microsecond is skipped.
func pageBoundary(evs []latchkey.Event) []latchkey.Event {
	page, next := evs[:auditPage], evs[auditPage]
	if !next.Time.Equal(page[len(page)-1].Time) {
		return page
	}
	i := len(page)
	for i > 0 && page[i-1].Time.Equal(next.Time) {
		i--
	}
	if i == 0 {
		return page
	}
	return page[:i]
}

// eventLabel is how the audit page names an event type.
func eventLabel(t latchkey.EventType) string {
	switch t {
	case latchkey.EventSignIn:
		return "Signed in"
	case latchkey.EventWrongPassword:
		return "Wrong password"
	case latchkey.EventUnknownEmail:
		return "Unknown email"
	case latchkey.EventThrottled:
		return "Throttled"
	case latchkey.EventNotActive:
		return "Refused: not active"
	case latchkey.EventSignOut:
		return "Signed out"
	case latchkey.EventPasswordSet:
		return "Password set"
	case latchkey.EventWorkspaceCreate:
		return "Workspace created"
	case latchkey.EventAccountInvite:
		return "Invited"
	case latchkey.EventAccountSuspend:
		return "Suspended"
	case latchkey.EventAccountActivate:
		return "Reactivated"
	case latchkey.EventAccountRole:
		return "Role changed"
	case latchkey.EventAccountRemove:
		return "Removed"
	case latchkey.EventAccountUnlock:
		return "Sign-in limits cleared"
	case latchkey.EventResetRequested:
		return "Reset requested"
	case latchkey.EventPasswordReset:
		return "Password reset"
	case latchkey.EventPasswordChanged:
		return "Password changed"
	case latchkey.EventSessionRevoked:
		return "Session signed out"
	case latchkey.EventWorkspacePolicy:
		return "Settings changed"
	case latchkey.EventAccessDenied:
		return "Access refused"
	case latchkey.EventTwoFactorFailed:
		return "Wrong two-factor code"
	case latchkey.EventTwoFactorReplay:
		return "Two-factor code reused"
	case latchkey.EventRecoveryCodeUsed:
		return "Signed in with a recovery code"
	case latchkey.EventChallengeExpired:
		return "Two-factor step expired"
	case latchkey.EventChallengeAbandon:
		return "Two-factor step abandoned"
	case latchkey.EventTwoFactorEnable:
		return "Two-factor turned on"
	case latchkey.EventTwoFactorDisable:
		return "Two-factor turned off"
	case latchkey.EventTwoFactorReset:
		return "Two-factor reset"
	case latchkey.EventRecoveryCodesNew:
		return "New recovery codes"
	case latchkey.EventSCIMTokenCreate:
		return "SCIM token created"
	case latchkey.EventSCIMTokenRevoke:
		return "SCIM token revoked"
	case latchkey.EventSCIMUserCreate:
		return "Provisioned"
	case latchkey.EventSCIMUserUpdate:
		return "Updated by the identity provider"
	case latchkey.EventSCIMUserSuspend:
		return "Suspended by the identity provider"
	case latchkey.EventSCIMUserActivate:
		return "Reactivated by the identity provider"
	case latchkey.EventSCIMUserDelete:
		return "Deprovisioned"
	case latchkey.EventSCIMUserRole:
		return "Role changed by the identity provider"
	case latchkey.EventSCIMGroupCreate, latchkey.EventSCIMGroupUpdate, latchkey.EventSCIMGroupDelete:
		return "Provisioning group changed"
	case latchkey.EventSCIMSettings:
		return "Provisioning settings changed"
	case latchkey.EventPasskeyAdd:
		return "Passkey added"
	case latchkey.EventPasskeyRemove:
		return "Passkey removed"
	case latchkey.EventPasskeyUsed:
		return "Passkey used"
	case latchkey.EventPasskeyRefused:
		return "Passkey refused"
	case latchkey.EventNewDeviceAlert:
		return "New-device alert sent"
	case latchkey.EventAlertsOff:
		return "New-device alerts turned off"
	case latchkey.EventAlertsOn:
		return "New-device alerts turned on"
	case latchkey.EventSSORefused:
		return "Single sign-on refused"
	case latchkey.EventSSOProvisioned:
		return "Provisioned by single sign-on"
	case latchkey.EventSSOLinked:
		return "Identity linked"
	case latchkey.EventSSOUnlinked:
		return "Identity unlinked"
	case latchkey.EventSSOConnection:
		return "Connection changed"
	case latchkey.EventSSODomain:
		return "Approved domains changed"
	case latchkey.EventSSOTest:
		return "Test connection"
	}
	return inventoryEventLabel(t)
}
