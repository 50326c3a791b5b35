package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/latchkey/latchkey"
)

// provisioningView is the "Provisioning (SCIM)" page: the endpoint's base URL, its tokens, the
// groups the identity provider pushed with their administrators mapping, and the DELETE setting.
type provisioningView struct {
	page
	BaseURL  string
	Tokens   []latchkey.SCIMToken
	NewToken string // the token just created, shown this once
	Groups   []scimGroupRow
	Settings latchkey.SCIMSettings
	Domains  []string // the approved domains: userNames outside them are refused
	TokName  string   // the name typed, kept when the form is refused
}

// scimGroupRow is one group on the page.
type scimGroupRow struct {
	ID, DisplayName string
	Members         int
	AdminRole       bool
}

// scimTokenTable is the table of SCIM tokens with their Revoke forms, on the Provisioning
// and Single sign-on pages (the "scim_tokens" template).
type scimTokenTable struct {
	Tokens []latchkey.SCIMToken
	CSRF   string
}

// SCIMTokenTable is the page's table of tokens.
func (v provisioningView) SCIMTokenTable() scimTokenTable {
	return scimTokenTable{Tokens: v.Tokens, CSRF: v.CSRF}
}

// provisioningView fills the page from the store.
func (s *Server) provisioningView(r *http.Request, rq *request) (provisioningView, error) {
	ctx, ws := r.Context(), rq.Workspace.ID
	v := provisioningView{page: s.signedInPage(rq, "Provisioning (SCIM)"), BaseURL: s.scimBaseURL(rq.Workspace.Slug)}
	var err error
	if v.Tokens, err = s.store.SCIMTokens(ctx, ws); err != nil {
		return v, err
	}
	groups, err := s.store.SCIMGroups(ctx, ws)
	if err != nil {
		return v, err
	}
	for _, g := range groups {
		v.Groups = append(v.Groups, scimGroupRow{ID: g.ID, DisplayName: g.DisplayName, Members: len(g.Members), AdminRole: g.AdminRole})
	}
	if v.Settings, err = s.store.SCIMSettings(ctx, ws); err != nil {
		return v, err
	}
	if v.Domains, err = s.store.Domains(ctx, ws); err != nil {
		return v, err
	}
	return v, nil
}

// adminProvisioning shows the page. ?m= names the change that just succeeded (and ?id= its
// group); the notice is built from the store.
func (s *Server) adminProvisioning(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.scim == nil {
		return notFound(w, r)
	}
	v, err := s.provisioningView(r, rq)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	switch q.Get("m") {
	case "revoked":
		v.Notice = latchkey.MsgSCIMTokenRevoked
	case "saved":
		v.Notice = latchkey.MsgSCIMSettingsSaved
	case "group":
		for _, g := range v.Groups {
			if g.ID == q.Get("id") && g.AdminRole {
				v.Notice = fmt.Sprintf(latchkey.MsgSCIMGroupMapped, g.DisplayName)
			} else if g.ID == q.Get("id") {
				v.Notice = fmt.Sprintf(latchkey.MsgSCIMGroupUnmapped, g.DisplayName)
			}
		}
	}
	return s.render(w, http.StatusOK, "admin_scim", &v)
}

// adminSCIMTokenCreate creates a token and shows it on the page this once: the response is
// not a redirect, so the secret is never in a URL, and it is not cached (no-store).
func (s *Server) adminSCIMTokenCreate(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.scim == nil {
		return notFound(w, r)
	}
	name := r.PostFormValue("name")
	secret, _, err := s.scim.CreateToken(r.Context(), rq.Workspace.ID, name, rq.Account.ID)
	v, verr := s.provisioningView(r, rq)
	if verr != nil {
		return verr
	}
	if err != nil {
		if len(name) > 100 {
			name = name[:100]
		}
		v.TokName = name
		return s.formError(w, "admin_scim", &v.page, &v, err)
	}
	v.NewToken, v.Notice = secret, latchkey.MsgSCIMTokenCreated
	return s.render(w, http.StatusOK, "admin_scim", &v)
}

// adminSCIMTokenRevoke revokes the token in the path.
func (s *Server) adminSCIMTokenRevoke(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.scim == nil {
		return notFound(w, r)
	}
	err := s.scim.RevokeToken(r.Context(), rq.Workspace.ID, r.PathValue("id"), rq.Account.ID)
	if errors.Is(err, latchkey.ErrNotFound) {
		err = latchkey.NewError(latchkey.CodeConflict, "", latchkey.MsgSCIMTokenGone)
	}
	if err != nil {
		v, verr := s.provisioningView(r, rq)
		if verr != nil {
			return verr
		}
		return s.formError(w, "admin_scim", &v.page, &v, err)
	}
	http.Redirect(w, r, "/admin/provisioning?m=revoked", http.StatusSeeOther)
	return nil
}

// adminSCIMGroupRole maps the group in the path to the administrator role (admin=on) or
// unmaps it; the members' roles follow at once.
func (s *Server) adminSCIMGroupRole(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.scim == nil {
		return notFound(w, r)
	}
	id := r.PathValue("id")
	err := s.scim.SetGroupAdminRole(r.Context(), rq.Workspace.ID, id, r.PostFormValue("admin") == "on", rq.Account.ID)
	if errors.Is(err, latchkey.ErrNotFound) {
		return notFound(w, r)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/provisioning?m=group&id="+url.QueryEscape(id), http.StatusSeeOther)
	return nil
}

// adminSCIMSettings stores the "DELETE only suspends" setting and audits the change.
func (s *Server) adminSCIMSettings(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.scim == nil {
		return notFound(w, r)
	}
	ctx := r.Context()
	set := latchkey.SCIMSettings{DeleteSuspends: r.PostFormValue("delete_suspends") == "on"}
	old, err := s.store.SCIMSettings(ctx, rq.Workspace.ID)
	if err != nil {
		return err
	}
	if old != set {
		if err := s.store.SetSCIMSettings(ctx, rq.Workspace.ID, set); err != nil {
			return err
		}
		detail := "a SCIM DELETE removes the account"
		if set.DeleteSuspends {
			detail = "a SCIM DELETE only suspends the account"
		}
		if err := s.store.RecordEvent(ctx, latchkey.Event{ID: latchkey.NewID(), Time: s.svc.Now(), WorkspaceID: rq.Workspace.ID,
			ActorID: rq.Account.ID, Type: latchkey.EventSCIMSettings,
			ClientAddr: rq.Client.Addr, UserAgent: rq.Client.UserAgent, Detail: detail}); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/admin/provisioning?m=saved", http.StatusSeeOther)
	return nil
}
