package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
)

// userReadOnly are the User attributes a PATCH may not change; userMulti the multi-valued ones.
var (
	userReadOnly = map[string]bool{"id": true, "meta": true, "groups": true}
	userMulti    = map[string]bool{"emails": true, "phonenumbers": true, "addresses": true, "groups": true,
		"ims": true, "photos": true, "entitlements": true, "roles": true, "x509certificates": true}
)

// userVersion is a user's meta.version: the provider's write count and the account's last
// change, so that a change made in the console changes the ETag too.
func userVersion(u latchkey.SCIMUser) string {
	return `W/"` + strconv.FormatInt(u.Profile.Version, 10) + "-" + strconv.FormatInt(u.Account.UpdatedAt.UnixMicro(), 36) + `"`
}

// userResource renders u as a SCIM User. groups are the workspace's groups, for the
// read-only groups attribute.
func (rq *request) userResource(u latchkey.SCIMUser, groups []latchkey.SCIMGroup) resource {
	a, p := u.Account, u.Profile
	name := resource{}
	for k, v := range map[string]string{"givenName": p.GivenName, "familyName": p.FamilyName, "formatted": p.Formatted} {
		if v != "" {
			name[k] = v
		}
	}
	if len(name) == 0 && a.Name != "" {
		name["formatted"] = a.Name
	}
	display := p.DisplayName
	if display == "" {
		display = a.Name
	}
	created, modified := a.CreatedAt, a.UpdatedAt
	if p.UpdatedAt.After(modified) {
		modified = p.UpdatedAt
	}
	r := resource{
		"schemas":  []any{schemaUser},
		"id":       a.ID,
		"userName": a.Email,
		"active":   a.Status == latchkey.StatusActive,
		"emails":   []any{map[string]any{"value": a.Email, "type": "work", "primary": true}},
		"meta": map[string]any{
			"resourceType": "User",
			"created":      rfc3339(created),
			"lastModified": rfc3339(modified),
			"location":     rq.base + "/Users/" + a.ID,
			"version":      userVersion(u),
		},
	}
	if p.ExternalID != "" {
		r["externalId"] = p.ExternalID
	}
	if len(name) > 0 {
		r["name"] = name
	}
	if display != "" {
		r["displayName"] = display
	}
	var gs []any
	for _, g := range groups {
		if _, in := slices.BinarySearch(g.Members, a.ID); in {
			gs = append(gs, map[string]any{"value": g.ID, "display": g.DisplayName, "$ref": rq.base + "/Groups/" + g.ID, "type": "direct"})
		}
	}
	if gs != nil {
		r["groups"] = gs
	}
	return r
}

// visible reports whether SCIM shows u: a user deleted under "DELETE only suspends" is gone
// as far as the provider is concerned.
func visible(u latchkey.SCIMUser) bool { return u.Profile.DeletedAt.IsZero() }

// userResources renders every visible user of the workspace.
func (rq *request) userResources() ([]resource, error) {
	ctx := rq.r.Context()
	us, err := rq.h.cfg.Store.SCIMUsers(ctx, rq.ws.ID)
	if err != nil {
		return nil, err
	}
	gs, err := rq.h.cfg.Store.SCIMGroups(ctx, rq.ws.ID)
	if err != nil {
		return nil, err
	}
	var rs []resource
	for _, u := range us {
		if visible(u) {
			rs = append(rs, rq.userResource(u, gs))
		}
	}
	return rs, nil
}

// userResourcesByEmail renders the visible user whose email is email, if there is one.
func (rq *request) userResourcesByEmail(email string) ([]resource, error) {
	ctx := rq.r.Context()
	a, err := rq.h.cfg.Store.AccountByEmail(ctx, rq.ws.ID, email)
	if errors.Is(err, latchkey.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	u, err := rq.h.cfg.Store.SCIMUser(ctx, rq.ws.ID, a.ID)
	if errors.Is(err, latchkey.ErrNotFound) || err == nil && !visible(u) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	gs, err := rq.h.cfg.Store.SCIMGroups(ctx, rq.ws.ID)
	if err != nil {
		return nil, err
	}
	return []resource{rq.userResource(u, gs)}, nil
}

// user reads a visible user, or returns a 404.
func (rq *request) user(id string) (latchkey.SCIMUser, error) {
	u, err := rq.h.cfg.Store.SCIMUser(rq.r.Context(), rq.ws.ID, id)
	if err == nil && !visible(u) {
		err = latchkey.ErrNotFound
	}
	if errors.Is(err, latchkey.ErrNotFound) {
		return latchkey.SCIMUser{}, errorf(404, "", "no user %s", id)
	}
	return u, err
}

// respondUser writes the current state of user id.
func (rq *request) respondUser(status int, id string) error {
	u, err := rq.user(id)
	if err != nil {
		return err
	}
	gs, err := rq.h.cfg.Store.SCIMGroups(rq.r.Context(), rq.ws.ID)
	if err != nil {
		return err
	}
	return rq.respondProjected(status, rq.userResource(u, gs))
}

func (rq *request) getUser(id string) error {
	return getResource(rq, id, rq.user, userVersion, rq.respondUser)
}

// userInput is what a POST, PUT or patched User says.
type userInput struct {
	userName, email                                       string // email: the primary (or work, or first) email
	externalID, givenName, familyName, formatted, display string
	active                                                *bool
}

// readUser reads a User body. Attribute names are case-insensitive; unknown attributes
// (the enterprise extension, phone numbers…) are accepted and not kept.
func readUser(m resource) (userInput, error) {
	var in userInput
	userName, ok := get(m, "userName").(string)
	if !ok || strings.TrimSpace(userName) == "" {
		return in, errorf(400, "invalidValue", "userName is required and must be a string")
	}
	in.userName = strings.TrimSpace(userName)
	in.externalID = str(get(m, "externalId"))
	in.display = str(get(m, "displayName"))
	if n, ok := get(m, "name").(map[string]any); ok {
		in.givenName, in.familyName, in.formatted = str(get(n, "givenName")), str(get(n, "familyName")), str(get(n, "formatted"))
	}
	var first, work string
	for _, e := range elements(get(m, "emails")) {
		em, ok := e.(map[string]any)
		if !ok {
			return in, errorf(400, "invalidValue", "emails must be a list of objects")
		}
		v := strings.TrimSpace(str(get(em, "value")))
		if v == "" {
			continue
		}
		if p, _ := boolean(get(em, "primary")); p && in.email == "" {
			in.email = v
		}
		if strings.EqualFold(str(get(em, "type")), "work") && work == "" {
			work = v
		}
		if first == "" {
			first = v
		}
	}
	if in.email == "" {
		in.email = work
	}
	if in.email == "" {
		in.email = first
	}
	if v := get(m, "active"); v != nil {
		b, ok := boolean(v)
		if !ok {
			return in, errorf(400, "invalidValue", "active must be true or false")
		}
		in.active = &b
	}
	return in, nil
}

// newEmail is the account email that in gives an account whose email is now current ("" when
// creating). In latchkey the userName is the email: a change to either changes it. If only
// the primary email changed (Entra replaces emails[type eq "work"].value on its own), that is
// the new address; if userName changed, it wins.
func newEmail(current string, in userInput) string {
	if current != "" && strings.EqualFold(in.userName, current) && in.email != "" && !strings.EqualFold(in.email, current) {
		return in.email
	}
	return in.userName
}

// checkEmail refuses an address that is not valid or whose domain the workspace has not
// approved.
func checkEmail(email string, domains []string) error {
	if latchkey.ValidateEmail(email) != nil {
		return errorf(400, "invalidValue", "userName must be an email address")
	}
	domain := strings.ToLower(email[strings.LastIndexByte(email, '@')+1:])
	for _, d := range domains {
		if strings.EqualFold(strings.TrimSpace(d), domain) {
			return nil
		}
	}
	return errorf(400, "invalidValue", "the domain %s is not an approved domain of this workspace", domain)
}

// domains reads the workspace's approved domains.
func (rq *request) domains() ([]string, error) {
	ds, err := rq.h.cfg.Domains.Domains(rq.r.Context(), rq.ws.ID)
	if err != nil {
		return nil, fmt.Errorf("read approved domains: %w", err)
	}
	return ds, nil
}

// applyUser writes in onto u: profile fields, email, name and status. Role is left alone.
func (rq *request) applyUser(u *latchkey.SCIMUser, in userInput, email string) {
	now := rq.h.cfg.Now()
	p := &u.Profile
	p.Managed, p.ExternalID = true, in.externalID
	p.GivenName, p.FamilyName, p.Formatted, p.DisplayName = in.givenName, in.familyName, in.formatted, in.display
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.UpdatedAt = now
	a := &u.Account
	a.Email = email
	switch {
	case in.display != "":
		a.Name = in.display
	case in.formatted != "":
		a.Name = in.formatted
	case strings.TrimSpace(in.givenName+" "+in.familyName) != "":
		a.Name = strings.TrimSpace(in.givenName + " " + in.familyName)
	}
	if len(a.Name) > 100 {
		a.Name = a.Name[:100]
	}
	if in.active != nil {
		if *in.active {
			a.Status = latchkey.StatusActive
		} else {
			a.Status = latchkey.StatusSuspended
		}
	}
	a.UpdatedAt = now
}

// lastAdmin reports whether a is the workspace's only active administrator: SCIM never
// suspends, deletes or demotes it, so that a workspace always keeps someone who can reach
// its console.
func (h *Handler) lastAdmin(ctx context.Context, a latchkey.Account) (bool, error) {
	if a.Role != latchkey.RoleAdmin || a.Status != latchkey.StatusActive {
		return false, nil
	}
	admins, err := h.cfg.Store.Accounts(ctx, a.WorkspaceID, latchkey.AccountFilter{Role: latchkey.RoleAdmin, Status: latchkey.StatusActive, Limit: 2})
	if err != nil {
		return false, fmt.Errorf("count administrators: %w", err)
	}
	return len(admins) <= 1, nil
}

func (rq *request) createUser(body resource) error {
	ctx := rq.r.Context()
	in, err := readUser(body)
	if err != nil {
		return err
	}
	ds, err := rq.domains()
	if err != nil {
		return err
	}
	email := in.userName
	if err := checkEmail(email, ds); err != nil {
		return err
	}
	now := rq.h.cfg.Now()
	u := latchkey.SCIMUser{Account: latchkey.Account{ID: latchkey.NewID(), WorkspaceID: rq.ws.ID,
		Role: latchkey.RoleMember, Status: latchkey.StatusActive, CreatedAt: now}}
	rq.applyUser(&u, in, email)
	err = rq.h.cfg.Store.CreateSCIMUser(ctx, u)
	if errors.Is(err, latchkey.ErrConflict) {
		return rq.reviveUser(in, email)
	}
	if err != nil {
		return err
	}
	detail := ""
	if u.Account.Status != latchkey.StatusActive {
		detail = "created suspended"
	}
	rq.audit(latchkey.EventSCIMUserCreate, u.Account.ID, email, detail)
	return rq.respondUser(http.StatusCreated, u.Account.ID)
}

// reviveUser handles a create whose email is taken. If the account was deleted under
// "DELETE only suspends", the provider is creating it again: it comes back with the new
// data, active unless the body says otherwise. Any other account makes it a 409.
func (rq *request) reviveUser(in userInput, email string) error {
	ctx := rq.r.Context()
	existing, err := rq.h.cfg.Store.SCIMUsers(ctx, rq.ws.ID)
	if err != nil {
		return err
	}
	key := latchkey.NormalizeEmail(email)
	for _, u := range existing {
		if latchkey.NormalizeEmail(u.Account.Email) != key {
			continue
		}
		if visible(u) {
			break
		}
		if in.active == nil {
			t := true
			in.active = &t
		}
		err := rq.h.cfg.Store.UpdateSCIMUser(ctx, rq.ws.ID, u.Account.ID, func(v *latchkey.SCIMUser) error {
			rq.applyUser(v, in, email)
			v.Profile.DeletedAt = time.Time{}
			return nil
		})
		if err != nil {
			return err
		}
		rq.audit(latchkey.EventSCIMUserCreate, u.Account.ID, email, "restored the account that a DELETE had suspended")
		return rq.respondUser(http.StatusCreated, u.Account.ID)
	}
	return errorf(409, "uniqueness", "a user with userName %s exists", email)
}

func (rq *request) updateUser(id string, body resource, patch bool) error {
	ctx := rq.r.Context()
	u, err := rq.user(id)
	if err != nil {
		return err
	}
	var ops []patchOp
	if patch {
		if ops, err = parsePatch(body); err != nil {
			return err
		}
	} else if bid := str(get(body, "id")); bid != "" && bid != id {
		return errorf(400, "mutability", "id is read-only")
	}
	// What the updater needs from the store is read first: it must not call the store.
	ds, err := rq.domains()
	if err != nil {
		return err
	}
	gs, err := rq.h.cfg.Store.SCIMGroups(ctx, rq.ws.ID)
	if err != nil {
		return err
	}
	last, err := rq.h.lastAdmin(ctx, u.Account)
	if err != nil {
		return err
	}
	var before latchkey.SCIMUser
	var in userInput
	var email string
	// The PATCH applies to the account as the transaction reads it, so that two PATCHes in
	// flight for one user both count.
	err = rq.h.cfg.Store.UpdateSCIMUser(ctx, rq.ws.ID, id, func(v *latchkey.SCIMUser) error {
		if !visible(*v) {
			return errorf(404, "", "no user %s", id)
		}
		if err := rq.checkIfMatch(userVersion(*v)); err != nil {
			return err
		}
		before = *v
		var err error
		if patch {
			r := rq.userResource(*v, gs)
			if err := applyPatch(r, ops, userReadOnly, userMulti); err != nil {
				return err
			}
			in, err = readUser(r)
		} else {
			in, err = readUser(body)
		}
		if err != nil {
			return err
		}
		email = newEmail(v.Account.Email, in)
		if !strings.EqualFold(email, v.Account.Email) {
			if err := checkEmail(email, ds); err != nil {
				return err
			}
		}
		if in.active != nil && !*in.active && v.Account.Status == latchkey.StatusActive && v.Account.Role == latchkey.RoleAdmin && last {
			return errorf(400, "mutability", "this user is the workspace's last active administrator and cannot be deactivated")
		}
		rq.applyUser(v, in, email)
		return nil
	})
	if err != nil {
		return err
	}
	if err := rq.afterUserChange(before, in, email); err != nil {
		return err
	}
	return rq.respondUser(http.StatusOK, id)
}

// afterUserChange ends the sessions of an account that was just suspended and audits what
// changed.
func (rq *request) afterUserChange(before latchkey.SCIMUser, in userInput, email string) error {
	ctx := rq.r.Context()
	a := before.Account
	var changes []string
	if !strings.EqualFold(a.Email, email) {
		changes = append(changes, "email "+a.Email+" → "+email)
	}
	if in.externalID != before.Profile.ExternalID {
		changes = append(changes, "externalId")
	}
	p := before.Profile
	if in.display != p.DisplayName || in.givenName != p.GivenName || in.familyName != p.FamilyName || in.formatted != p.Formatted {
		changes = append(changes, "name")
	}
	if len(changes) > 0 {
		rq.audit(latchkey.EventSCIMUserUpdate, a.ID, email, strings.Join(changes, ", "))
	}
	if in.active == nil {
		return nil
	}
	switch {
	case !*in.active && a.Status != latchkey.StatusSuspended:
		n, err := rq.h.cfg.Store.DeleteAccountSessions(ctx, rq.ws.ID, a.ID, "")
		if err != nil {
			return fmt.Errorf("end sessions of a suspended account: %w", err)
		}
		rq.audit(latchkey.EventSCIMUserSuspend, a.ID, email, "active: false; ended "+strconv.Itoa(n)+" session(s)")
	case *in.active && a.Status != latchkey.StatusActive:
		rq.audit(latchkey.EventSCIMUserActivate, a.ID, email, "active: true")
	}
	return nil
}

func (rq *request) deleteUser(id string) error {
	ctx := rq.r.Context()
	u, err := rq.user(id)
	if err != nil {
		return err
	}
	if err := rq.checkIfMatch(userVersion(u)); err != nil {
		return err
	}
	last, err := rq.h.lastAdmin(ctx, u.Account)
	if err != nil {
		return err
	}
	if last {
		return errorf(400, "mutability", "this user is the workspace's last active administrator and cannot be deleted")
	}
	settings, err := rq.h.cfg.Store.SCIMSettings(ctx, rq.ws.ID)
	if err != nil {
		return err
	}
	if !settings.DeleteSuspends {
		gs, err := rq.h.cfg.Store.SCIMGroups(ctx, rq.ws.ID)
		if err != nil {
			return err
		}
		if err := rq.h.cfg.Store.DeleteAccount(ctx, rq.ws.ID, id); err != nil {
			return err
		}
		for _, g := range gs {
			if _, in := slices.BinarySearch(g.Members, id); in {
				rq.audit(latchkey.EventSCIMGroupUpdate, id, u.Account.Email, "group "+strconv.Quote(g.DisplayName)+": member removed with its account")
			}
		}
		rq.audit(latchkey.EventSCIMUserDelete, id, u.Account.Email, "account removed")
		rq.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	now := rq.h.cfg.Now()
	err = rq.h.cfg.Store.UpdateSCIMUser(ctx, rq.ws.ID, id, func(v *latchkey.SCIMUser) error {
		v.Account.Status, v.Account.UpdatedAt = latchkey.StatusSuspended, now
		v.Profile.DeletedAt, v.Profile.UpdatedAt = now, now
		return nil
	})
	if err != nil {
		return err
	}
	n, err := rq.h.cfg.Store.DeleteAccountSessions(ctx, rq.ws.ID, id, "")
	if err != nil {
		return fmt.Errorf("end sessions of a deleted account: %w", err)
	}
	if err := rq.h.removeFromGroups(ctx, rq.ws.ID, id, rq.recorder()); err != nil {
		return err
	}
	rq.audit(latchkey.EventSCIMUserDelete, id, u.Account.Email, "suspended, as the workspace keeps deleted users; ended "+strconv.Itoa(n)+" session(s)")
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}
