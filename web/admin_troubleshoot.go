package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
)

// troubleshootRoutes adds the sign-in troubleshooter: one member's recent sign-in attempts,
// each explained, with the action that fixes it.
func (s *Server) troubleshootRoutes(ws *http.ServeMux) {
	ws.Handle("GET /admin/members/{id}/sign-ins", s.workspace(admins, s.adminSignIns))
	ws.Handle("POST /admin/members/{id}/send-reset", s.workspace(admins, s.adminSendReset))
}

// signInsShown is how many of a member's recent sign-in events the troubleshooter reads.
const signInsShown = 50

// A fix is the action that resolves an outcome, when the console has one.
type fix string

// The fixes; each is a button (a form to an existing POST route) or a link on the page.
const (
	fixNone       fix = ""
	fixReset      fix = "reset"      // POST /admin/members/{id}/send-reset
	fixUnlock     fix = "unlock"     // POST /admin/members/{id}/unlock
	fixReactivate fix = "reactivate" // POST /admin/members/{id}/reactivate
	fixResend     fix = "resend"     // POST /admin/members/{id}/resend
	fixReset2FA   fix = "reset2fa"   // POST /admin/members/{id}/reset-2fa, with the admin's password
	fixSSO        fix = "sso"        // a link to /admin/sso: the approved domains and the connections
)

// attempt is one sign-in event as the troubleshooter explains it. Outcome and Explain use the
// words of the sign-in help page (seeds/ontrackio-sign-in.txt): what the member saw, and what it
// means.
type attempt struct {
	Event   latchkey.Event
	OK      bool   // the attempt succeeded: nothing to fix
	Outcome string // what the member saw, or what happened
	Explain string
	Hint    string // more from the event's detail: the clock drift, the wait left
	Fix     fix
}

// The explanations, in the help page's terms.
const (
	explainWrongPassword = "The email or password is wrong. They can re-enter them, or use Forgot password? to set a new password; you can also send them a reset link."
	explainUnknownEmail  = "This email had no account in the workspace at the time: before the member was invited, or after an earlier account with it was removed."
	explainThrottled     = "Sign-in is rate-limited after several failures. They wait for the time shown, then try again; clearing the sign-in limits lets them try at once."
	explainNotActive     = "The account is suspended or not yet activated, so it cannot sign in."
	explainCodeRejected  = "Codes are time-based and change every 30 seconds. They set their device clock to update automatically, wait for a new code, and try again, or use a recovery code if they lost the app. If they lost the app and their recovery codes, reset their two-factor authentication."
	explainRecoveryWrong = "The recovery code did not match: mistyped, or used already (each works once). If none is left, reset their two-factor authentication."
	explainCodeReused    = "A code can be used only once. They wait for the next code and try again."
	explainExpired       = "The pending two-factor challenge timed out. They go back to the Sign in page and start again."
	explainAbandoned     = "They chose Sign in as a different user on the two-factor page."
	explainRecoveryUsed  = "They signed in with a recovery code. They should generate a fresh set from their profile's two-factor settings so they don't run out."
	explainSignedIn      = "Their dashboard loaded."
	explainSSODomain     = "Their provider account uses a domain the workspace doesn't allow. Check that they used their work account, or approve the domain."
	explainSSOProvision  = "Their access has not been provisioned yet: there is no account for them and the connection does not create one. Invite them, turn on just-in-time provisioning for the connection, or provision them from the identity provider."
	explainSSORefused    = "Single sign-on was refused. The connection's settings or the provider's answer did not fit; the detail says which check failed."
	explainPasskeyFailed = "Their passkey was not accepted."
)

// explain turns an event into an attempt. member is the account as it is now; now is the
// clock; later are the newer events of the member (newest first), so that a throttle since
// cleared says so.
func explain(e latchkey.Event, member latchkey.Account, now time.Time, later []latchkey.Event) attempt {
	a := attempt{Event: e}
	switch t := string(e.Type); {
	case e.Type == latchkey.EventSignIn:
		a.OK, a.Outcome, a.Explain = true, "Signed in", explainSignedIn
	case e.Type == latchkey.EventRecoveryCodeUsed:
		a.OK, a.Outcome, a.Explain = true, "Signed in with a recovery code", explainRecoveryUsed
		if e.Detail != "" {
			a.Hint = "Recovery codes: " + e.Detail + "."
		}
	case e.Type == latchkey.EventPasskeyUsed:
		a.OK, a.Outcome, a.Explain = true, "Signed in with a passkey", explainSignedIn
	case e.Type == latchkey.EventWrongPassword:
		a.Outcome, a.Explain, a.Fix = latchkey.MsgBadCredentials, explainWrongPassword, fixReset
		if until, ok := latchkey.ThrottledUntil(e.Detail); ok {
			a.Hint = "This failure started a wait: " + waitLeft(until, now, e, later)
		}
	case e.Type == latchkey.EventUnknownEmail:
		a.Outcome, a.Explain = latchkey.MsgBadCredentials, explainUnknownEmail
	case e.Type == latchkey.EventThrottled:
		a.Outcome, a.Explain = latchkey.MsgTooManyAttempts, explainThrottled
		if until, ok := latchkey.ThrottledUntil(e.Detail); ok {
			a.Hint = waitLeft(until, now, e, later)
			if until.After(now) && !clearedSince(e, later) {
				a.Fix = fixUnlock
			}
		} else {
			a.Fix = fixUnlock
		}
	case e.Type == latchkey.EventNotActive:
		a.Outcome, a.Explain = latchkey.MsgNotActive, explainNotActive
		if e.Detail != "" {
			a.Hint = "The account was " + e.Detail + " then."
		}
		switch member.Status {
		case latchkey.StatusSuspended:
			a.Fix, a.Hint = fixReactivate, strings.TrimSpace(a.Hint+" It is suspended: reactivate it to let them sign in.")
		case latchkey.StatusInvited:
			a.Fix, a.Hint = fixResend, strings.TrimSpace(a.Hint+" It is not activated yet: they set their password from the invitation, which you can send again.")
		default:
			a.Hint = strings.TrimSpace(a.Hint + " It is active now.")
		}
	case e.Type == latchkey.EventTwoFactorFailed && e.Detail == "recovery code":
		a.Outcome, a.Explain = "The recovery code is rejected", explainRecoveryWrong
		if member.TwoFactor() {
			a.Fix = fixReset2FA
		}
	case e.Type == latchkey.EventTwoFactorFailed:
		a.Outcome, a.Explain = "The two-factor code is rejected", explainCodeRejected
		if _, drift, ok := strings.Cut(e.Detail, "; "); ok {
			a.Hint = "The code fits another time: " + drift + ". Ask them to set the device's clock to update automatically."
		}
		if member.TwoFactor() {
			a.Fix = fixReset2FA
		}
	case e.Type == latchkey.EventTwoFactorReplay:
		a.Outcome, a.Explain = latchkey.MsgCodeUsed, explainCodeReused
	case e.Type == latchkey.EventChallengeExpired:
		a.Outcome, a.Explain = latchkey.MsgChallengeExpired, explainExpired
	case e.Type == latchkey.EventChallengeAbandon:
		a.OK, a.Outcome, a.Explain = true, "Two-factor step abandoned", explainAbandoned
	case e.Type == latchkey.EventPasskeyRefused:
		a.Outcome, a.Explain = "Passkey refused", explainPasskeyFailed
	case strings.Contains(t, "sso") && strings.Contains(t, "refused"):
		// Single sign-on refusals: their Detail begins with the reason (sso.go's SSOReason*
		// or a connector reason), then the connection.
		a.Outcome, a.Explain, a.Fix = "Single sign-on refused", explainSSORefused, fixSSO
		switch {
		case strings.HasPrefix(e.Detail, "domain"):
			a.Outcome, a.Explain = "Single sign-on refused: domain not approved", explainSSODomain
		case strings.HasPrefix(e.Detail, "not_provisioned"):
			a.Outcome, a.Explain = "Single sign-on refused: access not provisioned yet", explainSSOProvision
		case strings.HasPrefix(e.Detail, "not_active"):
			a.Outcome, a.Explain, a.Fix = latchkey.MsgNotActive, explainNotActive, fixNone
			switch member.Status {
			case latchkey.StatusSuspended:
				a.Fix = fixReactivate
			case latchkey.StatusInvited:
				a.Fix = fixResend
			}
		}
		a.Hint = e.Detail
	default:
		a.Outcome, a.Explain = eventLabel(e.Type), ""
	}
	return a
}

// waitLeft says how long a throttle wait that ends at until has left at now, and when it ends,
// or that it is over (or was cleared by an administrator since the event).
func waitLeft(until, now time.Time, e latchkey.Event, later []latchkey.Event) string {
	end := until.UTC().Format("15:04:05 UTC on 2 Jan 2006")
	switch {
	case clearedSince(e, later):
		return "the wait was to end at " + end + ", but the sign-in limits were cleared since."
	case until.After(now):
		return waitText(until.Sub(now)) + " left; the wait ends at " + end + "."
	}
	return "the wait ended at " + end + "."
}

// clearedSince reports whether the member's sign-in limits were cleared after e: later holds
// the events the log wrote after it.
func clearedSince(e latchkey.Event, later []latchkey.Event) bool {
	for _, l := range later {
		if l.Type == latchkey.EventAccountUnlock && !l.Time.Before(e.Time) {
			return true
		}
	}
	return false
}

// signInEvent reports whether e is a sign-in attempt the troubleshooter lists.
func signInEvent(e latchkey.Event) bool {
	return strings.HasPrefix(string(e.Type), "signin.") || (strings.Contains(string(e.Type), "sso") && strings.Contains(string(e.Type), "refused"))
}

// troubleshootView is the troubleshooter page.
type troubleshootView struct {
	page
	Member      latchkey.Account
	Self        bool // the administrator's own account
	PasswordOff bool // SSO only: no reset links, no invitations
	Attempts    []attempt
}

// adminSignIns shows the member's recent sign-in attempts, newest first. It reads the audit
// log twice: the member's own events, and the events with the member's email that name no
// account (an SSO refusal before any account existed).
func (s *Server) adminSignIns(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	m, err := s.store.Account(ctx, rq.Workspace.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	own, err := s.store.Events(ctx, rq.Workspace.ID, latchkey.EventFilter{AccountID: m.ID, Limit: signInsShown * 2})
	if err != nil {
		return err
	}
	byEmail, err := s.store.Events(ctx, rq.Workspace.ID, latchkey.EventFilter{Email: m.Email, TypePrefix: "signin.", Limit: signInsShown})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var evs []latchkey.Event
	for _, e := range slices.Concat(own, byEmail) {
		if seen[e.ID] || (e.AccountID != "" && e.AccountID != m.ID) {
			continue
		}
		seen[e.ID] = true
		evs = append(evs, e)
	}
	// Each list is newest first in the order the log wrote them (times can tie); a stable sort
	// by time keeps that order.
	slices.SortStableFunc(evs, func(a, b latchkey.Event) int { return b.Time.Compare(a.Time) })
	now := s.svc.Now()
	v := troubleshootView{page: s.signedInPage(rq, "Sign-ins of "+m.Email), Member: m, Self: m.ID == rq.Account.ID,
		PasswordOff: rq.Workspace.Policy.PasswordSignInOff}
	for i, e := range evs {
		if !signInEvent(e) {
			continue
		}
		a := explain(e, m, now, evs[:i])
		if v.PasswordOff && (a.Fix == fixReset || a.Fix == fixResend) {
			a.Fix = fixNone
		}
		if v.Self && (a.Fix == fixReset2FA || a.Fix == fixUnlock) {
			a.Fix = fixNone
		}
		v.Attempts = append(v.Attempts, a)
		if len(v.Attempts) == signInsShown {
			break
		}
	}
	if r.URL.Query().Get("m") == "reset-sent" {
		v.Notice = fmt.Sprintf(latchkey.MsgResetLinkSent, m.Email)
	}
	return s.render(w, http.StatusOK, "admin_sign_ins", &v)
}

// adminSendReset mails the member a reset link (the fix for a wrong password) and goes back
// to the troubleshooter.
func (s *Server) adminSendReset(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	if _, err := s.adm.SendResetLink(r.Context(), admin.MemberAction{Workspace: rq.Workspace, AccountID: id, Actor: rq.actor(), Client: rq.Client}); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/members/"+url.PathEscape(id)+"/sign-ins?m=reset-sent", http.StatusSeeOther)
	return nil
}
