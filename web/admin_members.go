package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/mail"
)

// membersShown is how many members the page lists at most; a search narrows the rest down.
const membersShown = 500

// membersView is the administrators' members page: a filtered list with an action form on each
// row, and the invitation form.
type membersView struct {
	page
	Filter      memberFilter
	Members     []latchkey.Account
	More        bool   // more members match than are shown
	Self        string // the acting administrator's account ID: no suspend or remove on that row
	Invite      inviteForm
	PasswordOff bool              // SSO only: no invitations
	InviteOff   string            // why there is no invitation form, when PasswordOff
	Confirm     *latchkey.Account // a removal waiting for confirmation
	Statuses    []latchkey.Status // the choices of the status filter
	Roles       []latchkey.Role   // the choices of the role filter and of the invitation
	RoleNames   map[latchkey.Role]string
	// Managed holds the SCIM profile of each listed account that the identity provider
	// manages: the page marks it and offers only the edits the provider does not overwrite.
	Managed map[string]latchkey.SCIMProfile
	// ProviderSuspended marks the listed accounts that the identity provider suspended: only
	// the provider reactivates them.
	ProviderSuspended map[string]bool
	// Passkeys counts each member's passkeys: a passkey is a second factor too.
	Passkeys map[string]int
}

// memberFilter is what the GET form of the members page asks for. Values outside the known
// statuses and roles are ignored, as if left on "All".
type memberFilter struct {
	Query  string
	Status latchkey.Status
	Role   latchkey.Role
}

// Active reports whether the filter narrows the list at all.
func (f memberFilter) Active() bool { return f.Query != "" || f.Status != "" || f.Role != "" }

// inviteForm is the invitation form, kept when it is re-rendered with an error.
type inviteForm struct {
	Email, Name string
	Role        latchkey.Role
}

var roleNames = map[latchkey.Role]string{latchkey.RoleAdmin: "Administrator", latchkey.RoleMember: "Member"}

func parseMemberFilter(q url.Values) memberFilter {
	f := memberFilter{Query: strings.TrimSpace(q.Get("q"))}
	if len(f.Query) > 100 {
		f.Query = f.Query[:100]
	}
	switch st := latchkey.Status(q.Get("status")); st {
	case latchkey.StatusActive, latchkey.StatusInvited, latchkey.StatusSuspended:
		f.Status = st
	}
	if role, err := latchkey.ParseRole(q.Get("role")); err == nil && q.Get("role") != "" {
		f.Role = role
	}
	return f
}

// membersView lists the members that match f.
func (s *Server) membersView(r *http.Request, rq *request, f memberFilter) (membersView, error) {
	members, err := s.store.Accounts(r.Context(), rq.Workspace.ID, latchkey.AccountFilter{Status: f.Status, Role: f.Role, Query: f.Query, Limit: membersShown + 1})
	if err != nil {
		return membersView{}, err
	}
	v := membersView{
		page:        s.signedInPage(rq, "Members"),
		Filter:      f,
		Members:     members,
		Self:        rq.Account.ID,
		Invite:      inviteForm{Role: latchkey.RoleMember},
		PasswordOff: rq.Workspace.Policy.PasswordSignInOff,
		InviteOff:   latchkey.MsgInviteSSOOnly,
		Statuses:    []latchkey.Status{latchkey.StatusActive, latchkey.StatusInvited, latchkey.StatusSuspended},
		Roles:       []latchkey.Role{latchkey.RoleMember, latchkey.RoleAdmin},
		RoleNames:   roleNames,
	}
	if len(members) > membersShown {
		v.Members, v.More = members[:membersShown], true
	}
	if v.Passkeys, err = s.store.PasskeyCounts(r.Context(), rq.Workspace.ID); err != nil {
		return v, err
	}
	if v.Managed, err = s.managedProfiles(r, rq.Workspace.ID); err != nil {
		return membersView{}, err
	}
	for _, a := range v.Members {
		p, ok := v.Managed[a.ID]
		if !ok || a.Status != latchkey.StatusSuspended {
			continue
		}
		bySCIM, err := s.suspendedBySCIM(r, latchkey.SCIMUser{Account: a, Profile: p})
		if err != nil {
			return membersView{}, err
		}
		if bySCIM {
			if v.ProviderSuspended == nil {
				v.ProviderSuspended = map[string]bool{}
			}
			v.ProviderSuspended[a.ID] = true
		}
	}
	return v, nil
}

// managedProfiles returns the SCIM profiles of the workspace's accounts that the identity
// provider manages, by account ID. A workspace that never had a SCIM token has none, and costs
// one small read.
func (s *Server) managedProfiles(r *http.Request, ws string) (map[string]latchkey.SCIMProfile, error) {
	toks, err := s.store.SCIMTokens(r.Context(), ws)
	if err != nil || len(toks) == 0 {
		return nil, err
	}
	users, err := s.store.SCIMUsers(r.Context(), ws)
	if err != nil {
		return nil, err
	}
	m := map[string]latchkey.SCIMProfile{}
	for _, u := range users {
		if u.Profile.Managed {
			m[u.Account.ID] = u.Profile
		}
	}
	return m, nil
}

// The console edits that the identity provider would overwrite, refused for an account it
// manages (see docs/admin.md). Suspending stays allowed: stopping someone at once must never
// wait for the provider.
const (
	editRole       = "role"
	editReactivate = "reactivate"
	editRemove     = "remove"
)

// refuseManaged returns the refusal of edit (to role, for editRole) on account id when the
// identity provider manages it, or nil:
//   - demoting an administrator whom a group mapped to the administrator role made one
//     (the group decides; promoting by hand is allowed and SCIM never undoes it);
//   - reactivating an account that the provider suspended (active: false, or a DELETE that
//     only suspends); an account an administrator suspended here may be reactivated here;
//   - removing an account the provider still provisions (it would be provisioned again).
func (s *Server) refuseManaged(r *http.Request, ws, id, edit string, role latchkey.Role) error {
	ctx := r.Context()
	u, err := s.store.SCIMUser(ctx, ws, id)
	if err != nil || !u.Profile.Managed {
		return ignoreNotFound(err)
	}
	switch edit {
	case editRole:
		if u.Profile.AdminByGroup && u.Account.Role == latchkey.RoleAdmin && role != latchkey.RoleAdmin {
			return latchkey.NewError(latchkey.CodeForbidden, "", fmt.Sprintf(latchkey.MsgSCIMManagedRole, u.Account.Email))
		}
	case editReactivate:
		bySCIM, err := s.suspendedBySCIM(r, u)
		if err != nil {
			return err
		}
		if bySCIM {
			return latchkey.NewError(latchkey.CodeForbidden, "", fmt.Sprintf(latchkey.MsgSCIMManagedStatus, u.Account.Email, "reactivate"))
		}
	case editRemove:
		if u.Profile.DeletedAt.IsZero() {
			return latchkey.NewError(latchkey.CodeForbidden, "", fmt.Sprintf(latchkey.MsgSCIMManagedStatus, u.Account.Email, "deprovision"))
		}
	}
	return nil
}

// suspendedBySCIM reports whether the suspension of u is the identity provider's: deleted under
// "DELETE only suspends", or its latest suspension in the audit log is a SCIM one.
func (s *Server) suspendedBySCIM(r *http.Request, u latchkey.SCIMUser) (bool, error) {
	if !u.Profile.DeletedAt.IsZero() {
		return true, nil
	}
	evs, err := s.store.Events(r.Context(), u.Account.WorkspaceID, latchkey.EventFilter{AccountID: u.Account.ID, Limit: 500})
	if err != nil {
		return false, err
	}
	for _, e := range evs {
		switch e.Type {
		case latchkey.EventSCIMUserSuspend, latchkey.EventSCIMUserDelete:
			return true, nil
		case latchkey.EventAccountSuspend:
			return false, nil
		}
	}
	return false, nil
}

// adminMembers shows the members page. ?m= and ?id= name the action that just succeeded; the
// notice is built from the store, so a crafted address cannot make the page claim anything.
// ?remove= asks to confirm the removal of that member.
func (s *Server) adminMembers(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	v, err := s.membersView(r, rq, parseMemberFilter(q))
	if err != nil {
		return err
	}
	if v.Notice, err = s.memberNotice(r, rq, q.Get("m"), q.Get("id")); err != nil {
		return err
	}
	if id := q.Get("remove"); id != "" {
		a, err := s.store.Account(r.Context(), rq.Workspace.ID, id)
		if errors.Is(err, latchkey.ErrNotFound) {
			return notFound(w, r)
		}
		if err != nil {
			return err
		}
		v.Confirm = &a
	}
	return s.render(w, http.StatusOK, "admin_members", &v)
}

// memberNotice is the success message of the action key on the account id, or "" if the store
// does not bear it out.
func (s *Server) memberNotice(r *http.Request, rq *request, key, id string) (string, error) {
	if key == "" || id == "" || len(id) > 64 {
		return "", nil
	}
	ctx := r.Context()
	if key == "removed" {
		evs, err := s.store.Events(ctx, rq.Workspace.ID, latchkey.EventFilter{AccountID: id, Type: latchkey.EventAccountRemove, Limit: 1})
		if err != nil || len(evs) == 0 {
			return "", err
		}
		if _, err := s.store.Account(ctx, rq.Workspace.ID, id); !errors.Is(err, latchkey.ErrNotFound) {
			return "", ignoreNotFound(err)
		}
		return fmt.Sprintf(latchkey.MsgMemberRemoved, evs[0].Email), nil
	}
	a, err := s.store.Account(ctx, rq.Workspace.ID, id)
	if err != nil {
		return "", ignoreNotFound(err)
	}
	switch {
	case key == "invited" && a.Status == latchkey.StatusInvited:
		return fmt.Sprintf(latchkey.MsgInvitationSent, a.Email, mail.FormatExpiry(s.svc.Policy.SetPasswordTTL)), nil
	case key == "suspended" && a.Status == latchkey.StatusSuspended:
		return fmt.Sprintf(latchkey.MsgMemberSuspended, a.Email), nil
	case key == "reactivated" && a.Status != latchkey.StatusSuspended:
		return fmt.Sprintf(latchkey.MsgMemberReactivated, a.Email), nil
	case key == "unlocked":
		return fmt.Sprintf(latchkey.MsgMemberUnlocked, a.Email), nil
	case key == "role":
		role := "a member"
		if a.Role == latchkey.RoleAdmin {
			role = "an administrator"
		}
		return fmt.Sprintf(latchkey.MsgMemberRoleChanged, a.Email, role), nil
	}
	return "", nil
}

func ignoreNotFound(err error) error {
	if errors.Is(err, latchkey.ErrNotFound) {
		return nil
	}
	return err
}

// adminInvite invites someone from the members page. The invitation mail is only queued, and
// the page says where it went and how long the link lasts.
func (s *Server) adminInvite(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := inviteForm{
		Email: strings.TrimSpace(r.PostFormValue("email")),
		Name:  strings.TrimSpace(r.PostFormValue("name")),
		Role:  latchkey.Role(r.PostFormValue("role")),
	}
	invitedBy := rq.Account.Name
	if invitedBy == "" {
		invitedBy = rq.Account.Email
	}
	a, _, err := s.adm.Invite(r.Context(), admin.NewMember{
		Workspace: rq.Workspace, Email: in.Email, Name: in.Name, Role: in.Role,
		Actor: rq.actor(), InvitedBy: invitedBy, Client: rq.Client,
	})
	if err != nil {
		v, verr := s.membersView(r, rq, memberFilter{})
		if verr != nil {
			return verr
		}
		in.Email = truncateEcho(in.Email)
		if len(in.Name) > 100 {
			in.Name = in.Name[:100]
		}
		v.Invite = in
		return s.formError(w, "admin_members", &v.page, &v, err)
	}
	http.Redirect(w, r, "/admin/members?m=invited&id="+url.QueryEscape(a.ID), http.StatusSeeOther)
	return nil
}

// memberAction is one of the row actions of the members page: it acts on the member named in
// the path and reports the account as it is afterwards.
type memberAction func(r *http.Request, in admin.MemberAction) (latchkey.Account, error)

// adminMemberAction runs act for the member in the path. Success goes back to the members page
// with a notice (key); an expected refusal (the last administrator, an account already in that
// state) re-renders the page with the message and its status. An administrator who suspended or
// removed their own account has no session left and goes to sign in.
func (s *Server) adminMemberAction(key string, act memberAction) wsHandler {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		id := r.PathValue("id")
		a, err := act(r, admin.MemberAction{Workspace: rq.Workspace, AccountID: id, Actor: rq.actor(), Client: rq.Client})
		if errors.Is(err, latchkey.ErrNotFound) {
			return notFound(w, r)
		}
		if err != nil {
			v, verr := s.membersView(r, rq, memberFilter{})
			if verr != nil {
				return verr
			}
			return s.formError(w, "admin_members", &v.page, &v, err)
		}
		if id == rq.Account.ID {
			switch {
			case key == "suspended" || key == "removed":
				s.clearSession(w)
				http.Redirect(w, r, "/login?m=signed-out", http.StatusSeeOther)
				return nil
			case a.Role != latchkey.RoleAdmin:
				http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
				return nil
			}
		}
		http.Redirect(w, r, "/admin/members?m="+key+"&id="+url.QueryEscape(id), http.StatusSeeOther)
		return nil
	}
}

func (s *Server) memberResend(r *http.Request, in admin.MemberAction) (latchkey.Account, error) {
	if _, err := s.adm.ReinviteMember(r.Context(), in); err != nil {
		return latchkey.Account{}, err
	}
	return s.store.Account(r.Context(), in.Workspace.ID, in.AccountID)
}

func (s *Server) memberUnlock(r *http.Request, in admin.MemberAction) (latchkey.Account, error) {
	return s.adm.UnlockMember(r.Context(), in)
}

func (s *Server) memberSuspend(r *http.Request, in admin.MemberAction) (latchkey.Account, error) {
	return s.adm.SuspendMember(r.Context(), in)
}

func (s *Server) memberReactivate(r *http.Request, in admin.MemberAction) (latchkey.Account, error) {
	if err := s.refuseManaged(r, in.Workspace.ID, in.AccountID, editReactivate, ""); err != nil {
		return latchkey.Account{}, err
	}
	a, err := s.adm.ReactivateMember(r.Context(), in)
	if err != nil || a.Status != latchkey.StatusInvited {
		return a, err
	}
	// Without a password and never signed in, the account comes back invited; but one the
	// identity provider provisioned is an active member who signs in with single sign-on.
	u, err := s.store.SCIMUser(r.Context(), in.Workspace.ID, in.AccountID)
	if err != nil || !u.Profile.Managed {
		return a, err
	}
	err = s.store.UpdateAccount(r.Context(), in.Workspace.ID, in.AccountID, func(acc *latchkey.Account) error {
		if acc.Status == latchkey.StatusInvited {
			acc.Status = latchkey.StatusActive
		}
		a = *acc
		return nil
	})
	return a, err
}

func (s *Server) memberRole(r *http.Request, in admin.MemberAction) (latchkey.Account, error) {
	role := latchkey.Role(r.PostFormValue("role"))
	if err := s.refuseManaged(r, in.Workspace.ID, in.AccountID, editRole, role); err != nil {
		return latchkey.Account{}, err
	}
	return s.adm.ChangeMemberRole(r.Context(), in, role)
}

// memberRemove removes the member once the confirmation form says so; a bare request only asks
// for the confirmation.
func (s *Server) memberRemove(w http.ResponseWriter, r *http.Request, rq *request) error {
	if r.PostFormValue("confirm") != "yes" {
		http.Redirect(w, r, "/admin/members?remove="+url.QueryEscape(r.PathValue("id")), http.StatusSeeOther)
		return nil
	}
	return s.adminMemberAction("removed", func(r *http.Request, in admin.MemberAction) (latchkey.Account, error) {
		if err := s.refuseManaged(r, in.Workspace.ID, in.AccountID, editRemove, ""); err != nil {
			return latchkey.Account{}, err
		}
		return s.adm.RemoveMember(r.Context(), in)
	})(w, r, rq)
}
