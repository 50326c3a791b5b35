package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
)

// apiTokenRoutes adds the administrators' API tokens page.
func (s *Server) apiTokenRoutes(ws *http.ServeMux) {
	ws.Handle("GET /admin/api-tokens", s.workspace(admins, s.adminAPITokens))
	ws.Handle("POST /admin/api-tokens", s.workspace(admins, s.adminAPITokenCreate))
	ws.Handle("POST /admin/api-tokens/{id}/revoke", s.workspace(admins, s.adminAPITokenRevoke))
}

// apiTokensView is the API tokens page: the workspace's tokens, the form that creates one,
// and, once, the secret of the token just created.
type apiTokensView struct {
	page
	Tokens  []latchkey.APIToken
	People  people
	Scopes  []latchkey.APITokenScope
	Name    string
	Scope   latchkey.APITokenScope
	Created *latchkey.APIToken // the token just created
	Secret  string             // its secret, shown this once
	APIURL  string             // the workspace's API address, for the example
}

func (s *Server) apiTokensView(r *http.Request, rq *request) (*apiTokensView, error) {
	ts, err := s.adm.APITokens(r.Context(), rq.Workspace, rq.actor())
	if err != nil {
		return nil, err
	}
	p, err := s.people(r.Context(), rq.Workspace.ID)
	if err != nil {
		return nil, err
	}
	return &apiTokensView{page: s.signedInPage(rq, "API tokens"), Tokens: ts, People: p, Scopes: latchkey.APITokenScopes,
		Scope: latchkey.ScopeRead, APIURL: s.svc.WorkspaceURL(rq.Workspace.Slug) + "/api/v1"}, nil
}

// adminAPITokens lists the tokens. ?m=revoked&id= reports a revocation, checked in the store.
func (s *Server) adminAPITokens(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := s.apiTokensView(r, rq)
	if err != nil {
		return err
	}
	if q := r.URL.Query(); q.Get("m") == "revoked" {
		for _, t := range v.Tokens {
			if t.ID == q.Get("id") && t.Revoked() {
				v.Notice = fmt.Sprintf(latchkey.MsgAPITokenRevoked, t.Name)
			}
		}
	}
	return s.render(w, http.StatusOK, "admin_api_tokens", v)
}

// adminAPITokenCreate creates a token acting as the administrator, and shows its secret on
// the answer itself (never in a redirect's address, which browsers and proxies keep).
func (s *Server) adminAPITokenCreate(w http.ResponseWriter, r *http.Request, rq *request) error {
	name, scope := r.PostFormValue("name"), latchkey.APITokenScope(r.PostFormValue("scope"))
	t, secret, err := s.adm.CreateAPIToken(r.Context(), admin.NewAPIToken{Workspace: rq.Workspace, Actor: rq.actor(),
		Name: name, Scope: scope, Client: rq.Client})
	v, verr := s.apiTokensView(r, rq)
	if verr != nil {
		return verr
	}
	if err != nil {
		v.Name, v.Scope = truncateEcho(name), scope
		return s.formError(w, "admin_api_tokens", &v.page, v, err)
	}
	v.Created, v.Secret, v.Notice = &t, secret, latchkey.MsgAPITokenCreated
	return s.render(w, http.StatusOK, "admin_api_tokens", v)
}

// adminAPITokenRevoke revokes a token; requests that send it are refused from then on.
func (s *Server) adminAPITokenRevoke(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	_, err := s.adm.RevokeAPIToken(r.Context(), rq.Workspace, rq.actor(), id, rq.Client)
	if errors.Is(err, latchkey.ErrNotFound) {
		return notFound(w, r)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/api-tokens?m=revoked&id="+url.QueryEscape(id), http.StatusSeeOther)
	return nil
}

// apiEventLabel names the API tokens' audit events, and any other type by itself.
func apiEventLabel(t latchkey.EventType) string {
	switch t {
	case latchkey.EventAPITokenCreate:
		return "API token created"
	case latchkey.EventAPITokenRevoke:
		return "API token revoked"
	case latchkey.EventAPITokenRefused:
		return "API token refused"
	}
	return string(t)
}
