package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
)

// ssoView is the Single sign-on admin page: the connections in button order, with the
// addresses to register at each provider, and the approved domains.
type ssoView struct {
	page
	Connections []connectionRow
	Domains     []string
	PasswordOff bool
	Form        addForm // what was typed into the add form, when it was refused
	// SCIM is on (a handler is configured); SCIMBaseURL and SCIMTokens are its part of the page.
	SCIM        bool
	SCIMBaseURL string
	SCIMTokens  []latchkey.SCIMToken
}

// SCIMTokenTable is the page's table of SCIM tokens.
func (v ssoView) SCIMTokenTable() scimTokenTable {
	return scimTokenTable{Tokens: v.SCIMTokens, CSRF: v.CSRF}
}

// connectionRow is one connection as the admin page and dashboard show it.
type connectionRow struct {
	latchkey.Connection
	Label     string
	Callback  string // OIDC redirect URI, or SAML ACS URL
	EntityID  string // SAML
	Metadata  string // SAML
	Warnings  []string
	First     bool
	Last      bool
	HasSecret bool
}

// addForm is the add-connection form's fields.
type addForm struct {
	Kind, Name, Issuer, ClientID, Tenants, MetadataURL, MetadataXML, EntityID, SSOURL, Certs string
	JIT, Disabled, IdPInitiated                                                              bool
}

func (s *Server) connectionRows(r *http.Request, ws latchkey.Workspace) ([]connectionRow, error) {
	cs, err := s.store.Connections(r.Context(), ws.ID)
	if err != nil {
		return nil, err
	}
	rows := make([]connectionRow, len(cs))
	for i, c := range cs {
		u := s.svc.ConnectionURLs(ws, c)
		rows[i] = connectionRow{Connection: c, Label: buttonLabel(c), Callback: u.Callback, EntityID: u.EntityID, Metadata: u.Metadata,
			Warnings: s.adm.ConnectionWarnings(c), First: i == 0, Last: i == len(cs)-1, HasSecret: c.ClientSecret != ""}
	}
	return rows, nil
}

func (s *Server) ssoView(r *http.Request, rq *request) (ssoView, error) {
	v := ssoView{page: s.signedInPage(rq, "Single sign-on"), PasswordOff: rq.Workspace.Policy.PasswordSignInOff, Form: addForm{Kind: "oidc"}}
	var err error
	if v.Connections, err = s.connectionRows(r, rq.Workspace); err != nil {
		return v, err
	}
	if v.Domains, err = s.store.Domains(r.Context(), rq.Workspace.ID); err != nil {
		return v, err
	}
	if s.scim != nil {
		v.SCIM, v.SCIMBaseURL = true, s.scimBaseURL(rq.Workspace.Slug)
		if v.SCIMTokens, err = s.store.SCIMTokens(r.Context(), rq.Workspace.ID); err != nil {
			return v, err
		}
	}
	return v, nil
}

// ssoNotices are the messages a redirect back to the page may show.
var ssoNotices = map[string]string{
	"saved":          latchkey.MsgConnectionSaved,
	"removed":        latchkey.MsgConnectionRemoved,
	"domain-added":   latchkey.MsgDomainAdded,
	"domain-removed": latchkey.MsgDomainRemoved,
}

// adminSSO shows the Single sign-on page.
func (s *Server) adminSSO(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := s.ssoView(r, rq)
	if err != nil {
		return err
	}
	v.Notice = ssoNotices[r.URL.Query().Get("m")]
	return s.render(w, http.StatusOK, "admin_sso", &v)
}

// splitList splits a list typed with commas, spaces or new lines.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// splitPEM splits pasted PEM text into its certificates.
func splitPEM(s string) []string {
	var out []string
	for _, part := range strings.SplitAfter(s, "-----END CERTIFICATE-----") {
		if p := strings.TrimSpace(part); strings.Contains(p, "BEGIN CERTIFICATE") {
			out = append(out, p+"\n")
		}
	}
	return out
}

// adminSSOAdd adds a connection from the add form.
func (s *Server) adminSSOAdd(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := addForm{
		Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name"), Issuer: r.PostFormValue("issuer"), ClientID: r.PostFormValue("client_id"),
		Tenants: r.PostFormValue("tenants"), MetadataURL: r.PostFormValue("metadata_url"), MetadataXML: r.PostFormValue("metadata_xml"),
		EntityID: r.PostFormValue("idp_entity_id"), SSOURL: r.PostFormValue("idp_sso_url"), Certs: r.PostFormValue("idp_certs"),
		JIT: r.PostFormValue("jit") != "", Disabled: r.PostFormValue("disabled") != "", IdPInitiated: r.PostFormValue("idp_initiated") != "",
	}
	c := latchkey.Connection{Kind: latchkey.ConnectionKind(f.Kind), Name: f.Name, JIT: f.JIT, Enabled: !f.Disabled}
	if c.OIDC() {
		c.Issuer, c.ClientID = f.Issuer, f.ClientID
		if c.Kind == latchkey.KindMicrosoft {
			c.Tenants = splitList(f.Tenants)
		}
	} else {
		c.MetadataURL, c.MetadataXML, c.IdPEntityID, c.IdPSSOURL, c.IdPCerts, c.IdPInitiated = f.MetadataURL, f.MetadataXML, f.EntityID, f.SSOURL, splitPEM(f.Certs), f.IdPInitiated
	}
	_, err := s.adm.CreateConnection(r.Context(), admin.NewConnection{
		ConnectionAction: admin.ConnectionAction{Workspace: rq.Workspace, Actor: rq.actor(), Client: rq.Client},
		Connection:       c, ClientSecret: r.PostFormValue("client_secret"),
	})
	if err != nil {
		v, verr := s.ssoView(r, rq)
		if verr != nil {
			return verr
		}
		f.MetadataXML = "" // not echoed: it may be large
		v.Form = f
		return s.formError(w, "admin_sso", &v.page, &v, err)
	}
	http.Redirect(w, r, "/admin/sso?m=saved", http.StatusSeeOther)
	return nil
}

// adminSSOEdit changes a connection's name and provisioning; for OIDC its issuer (or
// authority), client ID, tenants and, when given, a new client secret; for SAML IdP-initiated
// sign-in and its IdP settings: new certificates when given (which end the metadata refresh),
// else new metadata XML when given, else the metadata URL (a changed one is fetched at once,
// an emptied one stops the daily refresh and keeps the settings it last gave).
func (s *Server) adminSSOEdit(w http.ResponseWriter, r *http.Request, rq *request) error {
	name := r.PostFormValue("name")
	jit := r.PostFormValue("jit") != ""
	idpInit := r.PostFormValue("idp_initiated") != ""
	idp := admin.IdPSource{Certs: splitPEM(r.PostFormValue("idp_certs")), MetadataXML: strings.TrimSpace(r.PostFormValue("metadata_xml"))}
	if r.PostForm.Has("metadata_url") {
		idp.MetadataURL = new(r.PostFormValue("metadata_url"))
	}
	issuer, clientID, tenants := r.PostFormValue("issuer"), r.PostFormValue("client_id"), splitList(r.PostFormValue("tenants"))
	_, err := s.adm.EditConnection(r.Context(), admin.ConnectionChange{
		ConnectionAction: admin.ConnectionAction{Workspace: rq.Workspace, ConnectionID: r.PathValue("id"), Actor: rq.actor(), Client: rq.Client},
		Edit: func(c *latchkey.Connection) {
			c.Name, c.JIT = name, jit
			if c.OIDC() {
				c.Issuer, c.ClientID = issuer, clientID
				if c.Kind == latchkey.KindMicrosoft {
					c.Tenants = tenants
				}
			}
			if c.Kind == latchkey.KindSAML {
				c.IdPInitiated = idpInit
				idp.Apply(c)
			}
		},
		ClientSecret: r.PostFormValue("client_secret"),
	})
	return s.afterAction(w, r, rq, err, "saved")
}

// adminSSOAction runs a connection's button: enable, disable, up, down, remove, test.
func (s *Server) adminSSOAction(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := admin.ConnectionAction{Workspace: rq.Workspace, ConnectionID: r.PathValue("id"), Actor: rq.actor(), Client: rq.Client}
	var err error
	m := "saved"
	switch r.PathValue("action") {
	case "enable", "disable":
		_, err = s.adm.SetConnectionEnabled(r.Context(), in, r.PathValue("action") == "enable")
	case "up":
		err = s.adm.MoveConnection(r.Context(), in, -1)
	case "down":
		err = s.adm.MoveConnection(r.Context(), in, 1)
	case "remove":
		_, err = s.adm.RemoveConnection(r.Context(), in)
		m = "removed"
	case "test":
		return s.ssoTest(w, r, rq)
	default:
		return latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgNotFound)
	}
	return s.afterAction(w, r, rq, err, m)
}

// afterAction goes back to the page with a notice, or re-renders it with the refusal.
func (s *Server) afterAction(w http.ResponseWriter, r *http.Request, rq *request, err error, notice string) error {
	if err != nil {
		if errors.Is(err, latchkey.ErrNotFound) {
			return latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgNotFound)
		}
		v, verr := s.ssoView(r, rq)
		if verr != nil {
			return verr
		}
		return s.formError(w, "admin_sso", &v.page, &v, err)
	}
	http.Redirect(w, r, "/admin/sso?m="+notice, http.StatusSeeOther)
	return nil
}

// adminSSODomainAdd approves a domain.
func (s *Server) adminSSODomainAdd(w http.ResponseWriter, r *http.Request, rq *request) error {
	_, err := s.adm.AddDomain(r.Context(), admin.DomainAction{Workspace: rq.Workspace, Domain: r.PostFormValue("domain"), Actor: rq.actor(), Client: rq.Client})
	return s.afterAction(w, r, rq, err, "domain-added")
}

// adminSSODomainRemove withdraws a domain's approval.
func (s *Server) adminSSODomainRemove(w http.ResponseWriter, r *http.Request, rq *request) error {
	err := s.adm.RemoveDomain(r.Context(), admin.DomainAction{Workspace: rq.Workspace, Domain: r.PostFormValue("domain"), Actor: rq.actor(), Client: rq.Client})
	return s.afterAction(w, r, rq, err, "domain-removed")
}

// identitiesView lists a member's linked SSO identities.
type identitiesView struct {
	page
	Member latchkey.Account
	Links  []identityRow
}

type identityRow struct {
	latchkey.IdentityLink
	Connection string
}

// adminIdentities shows a member's linked identities, each with Unlink.
func (s *Server) adminIdentities(w http.ResponseWriter, r *http.Request, rq *request) error {
	a, err := s.store.Account(r.Context(), rq.Workspace.ID, r.PathValue("id"))
	if errors.Is(err, latchkey.ErrNotFound) {
		return latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgNotFound)
	} else if err != nil {
		return err
	}
	links, err := s.store.IdentityLinks(r.Context(), rq.Workspace.ID, a.ID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	cs, err := s.store.Connections(r.Context(), rq.Workspace.ID)
	if err != nil {
		return err
	}
	for _, c := range cs {
		names[c.ID] = c.Name
	}
	v := identitiesView{page: s.signedInPage(rq, "Linked identities"), Member: a}
	for _, l := range links {
		v.Links = append(v.Links, identityRow{IdentityLink: l, Connection: names[l.ConnectionID]})
	}
	if r.URL.Query().Get("m") == "unlinked" {
		v.Notice = latchkey.MsgIdentityUnlinked
	}
	return s.render(w, http.StatusOK, "admin_identities", &v)
}

// adminUnlink removes one of a member's identity links.
func (s *Server) adminUnlink(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	err := s.adm.UnlinkIdentity(r.Context(), admin.MemberAction{Workspace: rq.Workspace, AccountID: id, Actor: rq.actor(), Client: rq.Client},
		r.PostFormValue("connection"), r.PostFormValue("subject"))
	if errors.Is(err, latchkey.ErrNotFound) {
		return latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgNotFound)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/members/"+id+"/identities?m=unlinked", http.StatusSeeOther)
	return nil
}
