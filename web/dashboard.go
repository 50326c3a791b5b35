package web

import (
	"fmt"
	"net/http"

	"github.com/latchkey/latchkey"
)

// adminView is the administrator's dashboard.
type adminView struct {
	page
	Counts   memberCounts
	Invited  []latchkey.Account
	Activity []latchkey.Event
	// Connections and Domains are the workspace's single sign-on.
	Connections []connectionRow
	Domains     []string
}

// memberCounts is how many accounts the workspace has in each status. The template cannot
// index the store's map with a plain string key, so the view spells the statuses out.
type memberCounts struct {
	Active, Invited, Suspended, Total int
}

// memberView is the personal dashboard. Hardware, software and requests come from the
// inventory, which is not built yet: the sections show their empty states.
type memberView struct {
	page
	Hardware []string
	Software []string
	Requests []string
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
	activity, err := s.store.Events(ctx, rq.Workspace.ID, latchkey.EventFilter{Limit: 25})
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
	return s.render(w, http.StatusOK, "dashboard_admin", v)
}
