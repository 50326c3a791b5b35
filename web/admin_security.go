package web

import (
	"errors"
	"net/http"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
)

// securityView is the administrators' security page: the workspace's two-factor policy and
// who has two-factor authentication on.
type securityView struct {
	page
	Me         string // the administrator's own account id: no reset button on that row
	Require2FA bool
	// PasskeySignIn: members may sign in with a passkey and no password.
	PasskeySignIn bool
	Members       []latchkey.Account
	On, Total     int
	// Passkeys are each member's passkeys (name, AAGUID, last use), by account ID.
	Passkeys map[string][]passkeyRow
	// AlertsOff holds the members who turned new-device sign-in alerts off.
	AlertsOff map[string]bool
}

// adminSecurity shows the policy and every member's two-factor status.
func (s *Server) adminSecurity(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := s.securityView(r, rq)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("m") {
	case "reset":
		v.Notice = latchkey.MsgTwoFactorWasReset
	case "policy":
		v.Notice = latchkey.MsgSecurityPolicySaved
	}
	return s.render(w, http.StatusOK, "admin_security", &v)
}

func (s *Server) securityView(r *http.Request, rq *request) (securityView, error) {
	members, err := s.store.Accounts(r.Context(), rq.Workspace.ID, latchkey.AccountFilter{})
	if err != nil {
		return securityView{}, err
	}
	v := securityView{page: s.signedInPage(rq, "Security"), Me: rq.Account.ID, Require2FA: rq.Workspace.Policy.Require2FA,
		PasskeySignIn: !rq.Workspace.Policy.PasskeySignInOff, Members: members, Total: len(members), Passkeys: map[string][]passkeyRow{}}
	for _, m := range members {
		ps, err := s.svc.Passkeys(r.Context(), m)
		if err != nil {
			return securityView{}, err
		}
		if len(ps) > 0 {
			v.Passkeys[m.ID] = passkeyRows(ps)
		}
		if m.TwoFactor() || len(ps) > 0 {
			v.On++
		}
	}
	if v.AlertsOff, err = s.svc.NewDeviceAlertsOff(r.Context(), rq.Workspace.ID); err != nil {
		return securityView{}, err
	}
	return v, nil
}

// adminSecurityPolicy sets "Require two-factor authentication".
func (s *Server) adminSecurityPolicy(w http.ResponseWriter, r *http.Request, rq *request) error {
	on := r.PostFormValue("require_2fa") != ""
	if _, err := s.adm.SetPolicySwitches(r.Context(), admin.PolicySwitches{Workspace: rq.Workspace, Actor: rq.actor(), Client: rq.Client, Require2FA: &on}); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/security?m=policy", http.StatusSeeOther)
	return nil
}

// adminPasskeyPolicy sets "Members may sign in with a passkey".
func (s *Server) adminPasskeyPolicy(w http.ResponseWriter, r *http.Request, rq *request) error {
	on := r.PostFormValue("passkey_sign_in") != ""
	if _, err := s.adm.SetPolicySwitches(r.Context(), admin.PolicySwitches{Workspace: rq.Workspace, Actor: rq.actor(), Client: rq.Client, PasskeySignIn: &on}); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/security?m=policy", http.StatusSeeOther)
	return nil
}

// adminReset2FA resets one member's two-factor authentication.
func (s *Server) adminReset2FA(w http.ResponseWriter, r *http.Request, rq *request) error {
	_, err := s.adm.ResetTwoFactor(r.Context(), admin.TwoFactorReset{
		MemberAction: admin.MemberAction{Workspace: rq.Workspace, AccountID: r.PathValue("id"), Actor: rq.actor(), Client: rq.Client},
		Session:      rq.Session, Password: r.PostFormValue("password"),
	})
	if errors.Is(err, latchkey.ErrNotFound) {
		return notFound(w, r)
	}
	if err != nil {
		v, verr := s.securityView(r, rq)
		if verr != nil {
			return verr
		}
		return s.formError(w, "admin_security", &v.page, &v, err)
	}
	http.Redirect(w, r, "/admin/security?m=reset", http.StatusSeeOther)
	return nil
}
