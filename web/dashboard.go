package web

import (
	"fmt"
	"net/http"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/inventory"
)

// adminView is the administrator's dashboard.
type adminView struct {
	page
	Counts   memberCounts
	Invited  []latchkey.Account
	Activity []latchkey.Event
	// Inventory holds the counts of requests, hardware and seats; nil on a server without
	// the inventory.
	Inventory *inventoryCounts
	// Connections and Domains are the workspace's single sign-on.
	Connections []connectionRow
	Domains     []string
	// SingleFactor is how many active accounts sign in with a password alone (ASVS 6.3.3).
	SingleFactor singleFactor
}

// singleFactor counts the active members and administrators without a second factor, and
// says whether the workspace requires one.
type singleFactor struct {
	Members, Admins int
	Required        bool
}

// inventoryCounts spells out the admin dashboard's inventory counts for the template.
type inventoryCounts struct {
	OpenRequests, InProgress, Resolved   int
	InStock, Assigned, InRepair, Retired int
	SeatsTotal, SeatsUsed                int
}

// memberCounts is how many accounts the workspace has in each status. The template cannot
// index the store's map with a plain string key, so the view spells the statuses out.
type memberCounts struct {
	Active, Invited, Suspended, Total int
}

// memberView is the personal dashboard: the person's hardware, software and requests, each
// with an empty state that offers to open a request.
type memberView struct {
	page
	inventory.MemberDashboard
}

func (s *Server) signedInPage(rq *request, title string) page {
	return page{Title: title, Workspace: &rq.Workspace, Account: &rq.Account, CSRF: s.formToken(rq), CentralURL: s.base.String()}
}

// dashboard shows the admin dashboard to administrators and the personal one to everyone else.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	notice := ""
	if r.URL.Query().Get("m") == "recovery-used" && rq.Account.TwoFactor() {
		// The count comes from the store, not the URL.
		codes, err := s.store.RecoveryCodes(ctx, rq.Workspace.ID, rq.Account.ID)
		if err != nil {
			return err
		}
		notice = fmt.Sprintf(latchkey.MsgRecoveryUsed, len(codes))
	}
	if rq.Account.Role != latchkey.RoleAdmin {
		v := memberView{page: s.signedInPage(rq, "Your dashboard")}
		v.Notice = notice
		if svc, actor, err := s.inventory(rq); err == nil {
			if v.MemberDashboard, err = svc.MemberDashboard(ctx, actor); err != nil {
				return err
			}
		}
		return s.render(w, http.StatusOK, "dashboard_member", v)
	}
	counts, err := s.store.CountAccounts(ctx, rq.Workspace.ID)
	if err != nil {
		return err
	}
	invited, err := s.store.Accounts(ctx, rq.Workspace.ID, latchkey.AccountFilter{Status: latchkey.StatusInvited, Limit: 50})
	if err != nil {
		return err
	}
	// Recent sign-in activity: every sign-in decision (success, refusal, throttle, second
	// step, SSO, passkey) and nothing else; the audit page has the rest.
	activity, err := s.store.Events(ctx, rq.Workspace.ID, latchkey.EventFilter{TypePrefix: "signin.", Limit: 25})
	if err != nil {
		return err
	}
	v := adminView{page: s.signedInPage(rq, "Admin dashboard"), Invited: invited, Activity: activity}
	if v.Connections, err = s.connectionRows(r, rq.Workspace); err != nil {
		return err
	}
	if v.Domains, err = s.store.Domains(ctx, rq.Workspace.ID); err != nil {
		return err
	}
	v.Notice = notice
	v.Counts = memberCounts{
		Active:    counts[latchkey.StatusActive],
		Invited:   counts[latchkey.StatusInvited],
		Suspended: counts[latchkey.StatusSuspended],
	}
	for _, n := range counts {
		v.Counts.Total += n
	}
	if v.SingleFactor, err = s.singleFactor(r, rq); err != nil {
		return err
	}
	if svc, actor, err := s.inventory(rq); err == nil {
		sum, err := svc.AdminSummary(ctx, actor)
		if err != nil {
			return err
		}
		v.Inventory = &inventoryCounts{
			OpenRequests: sum.Requests[latchkey.RequestOpen], InProgress: sum.Requests[latchkey.RequestInProgress],
			Resolved: sum.Requests[latchkey.RequestResolved],
			InStock:  sum.Hardware[latchkey.HardwareInStock], Assigned: sum.Hardware[latchkey.HardwareAssigned],
			InRepair: sum.Hardware[latchkey.HardwareInRepair], Retired: sum.Hardware[latchkey.HardwareRetired],
			SeatsTotal: sum.SeatsTotal, SeatsUsed: sum.SeatsUsed,
		}
	}
	return s.render(w, http.StatusOK, "dashboard_admin", v)
}

// singleFactor counts the workspace's active accounts without two-factor authentication.
func (s *Server) singleFactor(r *http.Request, rq *request) (singleFactor, error) {
	sf := singleFactor{Required: rq.Workspace.Policy.Require2FA}
	active, err := s.store.Accounts(r.Context(), rq.Workspace.ID, latchkey.AccountFilter{Status: latchkey.StatusActive})
	if err != nil {
		return sf, err
	}
	for _, a := range active {
		switch {
		case a.TwoFactor():
		case a.Role == latchkey.RoleAdmin:
			sf.Admins++
		default:
			sf.Members++
		}
	}
	return sf, nil
}
