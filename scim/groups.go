package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey"
)

// groupReadOnly are the Group attributes a PATCH may not change; groupMulti the multi-valued.
var (
	groupReadOnly = map[string]bool{"id": true, "meta": true}
	groupMulti    = map[string]bool{"members": true}
)

// maxGroupMembers bounds a group, so that one request cannot make the server hold an
// unbounded membership; beyond it a write is refused with tooMany.
const maxGroupMembers = 50000

// record writes one audit event about accountID (may be "").
type record func(t latchkey.EventType, accountID, email, detail string)

func (rq *request) recorder() record { return rq.audit }

func groupVersion(g latchkey.SCIMGroup) string {
	return `W/"` + strconv.FormatInt(g.Version, 10) + "-" + strconv.FormatInt(g.UpdatedAt.UnixMicro(), 36) + `"`
}

// groupResource renders g; emails names each member account for its display.
func (rq *request) groupResource(g latchkey.SCIMGroup, emails map[string]string) resource {
	members := []any{}
	for _, m := range g.Members {
		members = append(members, map[string]any{"value": m, "display": emails[m], "$ref": rq.base + "/Users/" + m, "type": "User"})
	}
	r := resource{
		"schemas":     []any{schemaGroup},
		"id":          g.ID,
		"displayName": g.DisplayName,
		"members":     members,
		"meta": map[string]any{
			"resourceType": "Group",
			"created":      rfc3339(g.CreatedAt),
			"lastModified": rfc3339(g.UpdatedAt),
			"location":     rq.base + "/Groups/" + g.ID,
			"version":      groupVersion(g),
		},
	}
	if g.ExternalID != "" {
		r["externalId"] = g.ExternalID
	}
	return r
}

// visibleUsers maps the ID of every user SCIM shows to its email.
func (rq *request) visibleUsers() (map[string]string, error) {
	us, err := rq.h.cfg.Store.SCIMUsers(rq.r.Context(), rq.ws.ID)
	if err != nil {
		return nil, err
	}
	emails := map[string]string{}
	for _, u := range us {
		if visible(u) {
			emails[u.Account.ID] = u.Account.Email
		}
	}
	return emails, nil
}

func (rq *request) groupResources() ([]resource, error) {
	gs, err := rq.h.cfg.Store.SCIMGroups(rq.r.Context(), rq.ws.ID)
	if err != nil {
		return nil, err
	}
	emails, err := rq.visibleUsers()
	if err != nil {
		return nil, err
	}
	var rs []resource
	for _, g := range gs {
		rs = append(rs, rq.groupResource(g, emails))
	}
	return rs, nil
}

func (rq *request) group(id string) (latchkey.SCIMGroup, error) {
	g, err := rq.h.cfg.Store.SCIMGroup(rq.r.Context(), rq.ws.ID, id)
	if errors.Is(err, latchkey.ErrNotFound) {
		return latchkey.SCIMGroup{}, errorf(404, "", "no group %s", id)
	}
	return g, err
}

func (rq *request) respondGroup(status int, id string) error {
	g, err := rq.group(id)
	if err != nil {
		return err
	}
	emails, err := rq.visibleUsers()
	if err != nil {
		return err
	}
	return rq.respondProjected(status, rq.groupResource(g, emails))
}

func (rq *request) getGroup(id string) error {
	return getResource(rq, id, rq.group, groupVersion, rq.respondGroup)
}

// groupInput is what a POST, PUT or patched Group says.
type groupInput struct {
	displayName, externalID string
	members                 []string
}

// readGroup reads a Group body; every member must be a user of the workspace.
func readGroup(m resource, users map[string]string) (groupInput, error) {
	var in groupInput
	name, ok := get(m, "displayName").(string)
	if !ok || strings.TrimSpace(name) == "" {
		return in, errorf(400, "invalidValue", "displayName is required and must be a string")
	}
	if len(name) > 200 {
		return in, errorf(400, "invalidValue", "displayName is longer than 200 bytes")
	}
	in.displayName, in.externalID = strings.TrimSpace(name), str(get(m, "externalId"))
	for _, e := range elements(get(m, "members")) {
		em, ok := e.(map[string]any)
		if !ok {
			return in, errorf(400, "invalidValue", "members must be a list of objects with a value")
		}
		id := str(get(em, "value"))
		if _, ok := users[id]; !ok {
			return in, errorf(400, "invalidValue", "member %q is not a user of this workspace", id)
		}
		in.members = append(in.members, id)
	}
	slices.Sort(in.members)
	in.members = slices.Compact(in.members)
	if len(in.members) > maxGroupMembers {
		return in, errorf(400, "tooMany", "a group holds at most %d members", maxGroupMembers)
	}
	return in, nil
}

func (rq *request) createGroup(body resource) error {
	users, err := rq.visibleUsers()
	if err != nil {
		return err
	}
	in, err := readGroup(body, users)
	if err != nil {
		return err
	}
	now := rq.h.cfg.Now()
	g := latchkey.SCIMGroup{ID: latchkey.NewID(), WorkspaceID: rq.ws.ID, DisplayName: in.displayName,
		ExternalID: in.externalID, Members: in.members, CreatedAt: now, UpdatedAt: now}
	err = rq.h.cfg.Store.CreateSCIMGroup(rq.r.Context(), g)
	if errors.Is(err, latchkey.ErrConflict) {
		return errorf(409, "uniqueness", "a group named %s exists", in.displayName)
	}
	if err != nil {
		return err
	}
	rq.audit(latchkey.EventSCIMGroupCreate, "", "", "group "+strconv.Quote(g.DisplayName)+" with "+strconv.Itoa(len(g.Members))+" member(s)")
	return rq.respondGroup(http.StatusCreated, g.ID)
}

func (rq *request) updateGroup(id string, body resource, patch bool) error {
	ctx := rq.r.Context()
	if _, err := rq.group(id); err != nil {
		return err
	}
	var ops []patchOp
	var err error
	if patch {
		if ops, err = parsePatch(body); err != nil {
			return err
		}
	} else if bid := str(get(body, "id")); bid != "" && bid != id {
		return errorf(400, "mutability", "id is read-only")
	}
	users, err := rq.visibleUsers()
	if err != nil {
		return err
	}
	var before latchkey.SCIMGroup
	var in groupInput
	now := rq.h.cfg.Now()
	// The PATCH applies to the group as the transaction reads it, so that concurrent member
	// additions (Okta pushes them in parallel) all count.
	err = rq.h.cfg.Store.UpdateSCIMGroup(ctx, rq.ws.ID, id, func(v *latchkey.SCIMGroup) error {
		if err := rq.checkIfMatch(groupVersion(*v)); err != nil {
			return err
		}
		before = *v
		r := body
		if patch {
			r = rq.groupResource(*v, users)
			if err := applyPatch(r, ops, groupReadOnly, groupMulti); err != nil {
				return err
			}
			// A member whose user SCIM no longer shows is dropped rather than refused.
			var kept []any
			for _, m := range elements(get(r, "members")) {
				if mm, ok := m.(map[string]any); ok {
					mid := str(get(mm, "value"))
					if _, known := users[mid]; !known && slices.Contains(v.Members, mid) {
						continue
					}
				}
				kept = append(kept, m)
			}
			set(r, "members", kept)
		}
		var err error
		if in, err = readGroup(r, users); err != nil {
			return err
		}
		v.DisplayName, v.ExternalID, v.Members, v.UpdatedAt = in.displayName, in.externalID, in.members, now
		return nil
	})
	if errors.Is(err, latchkey.ErrConflict) {
		return errorf(409, "uniqueness", "a group named %s exists", in.displayName)
	}
	if err != nil {
		return err
	}
	added, removed := diff(before.Members, in.members)
	detail := "group " + strconv.Quote(in.displayName) + ": " + strconv.Itoa(len(added)) + " member(s) added, " + strconv.Itoa(len(removed)) + " removed"
	if before.DisplayName != in.displayName {
		detail += ", renamed from " + strconv.Quote(before.DisplayName)
	}
	rq.audit(latchkey.EventSCIMGroupUpdate, "", "", detail)
	if before.AdminRole {
		if err := rq.h.syncRoles(ctx, rq.ws.ID, append(added, removed...), rq.recorder()); err != nil {
			return err
		}
	}
	return rq.respondGroup(http.StatusOK, id)
}

func (rq *request) deleteGroup(id string) error {
	ctx := rq.r.Context()
	g, err := rq.group(id)
	if err != nil {
		return err
	}
	if err := rq.checkIfMatch(groupVersion(g)); err != nil {
		return err
	}
	if err := rq.h.cfg.Store.DeleteSCIMGroup(ctx, rq.ws.ID, id); err != nil {
		return err
	}
	rq.audit(latchkey.EventSCIMGroupDelete, "", "", "group "+strconv.Quote(g.DisplayName))
	if g.AdminRole {
		if err := rq.h.syncRoles(ctx, rq.ws.ID, g.Members, rq.recorder()); err != nil {
			return err
		}
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

// diff returns what is in b and not in a, and what is in a and not in b (both sorted).
func diff(a, b []string) (added, removed []string) {
	for _, x := range b {
		if _, ok := slices.BinarySearch(a, x); !ok {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			removed = append(removed, x)
		}
	}
	return added, removed
}

// SetGroupAdminRole maps group id of workspace ws to the admin role (admin true) or unmaps it,
// as an administrator (actorID) does in the console, and brings its members' roles in line:
// mapping promotes every member to admin; unmapping demotes those that SCIM promoted and that
// no other mapped group keeps admin. Returns ErrNotFound if ws has no such group.
func (h *Handler) SetGroupAdminRole(ctx context.Context, ws, id string, admin bool, actorID string) error {
	var g latchkey.SCIMGroup
	err := h.cfg.Store.UpdateSCIMGroup(ctx, ws, id, func(v *latchkey.SCIMGroup) error {
		v.AdminRole, v.UpdatedAt = admin, h.cfg.Now()
		g = *v
		return nil
	})
	if err != nil {
		return fmt.Errorf("map scim group to the admin role: %w", err)
	}
	rec := func(t latchkey.EventType, accountID, email, detail string) {
		h.audit(ctx, latchkey.Event{WorkspaceID: ws, AccountID: accountID, ActorID: actorID, Type: t, Email: email, Detail: detail})
	}
	what := "mapped to the admin role"
	if !admin {
		what = "no longer mapped to the admin role"
	}
	rec(latchkey.EventSCIMGroupUpdate, "", "", "group "+strconv.Quote(g.DisplayName)+" "+what)
	return h.syncRoles(ctx, ws, g.Members, rec)
}

// syncRoles gives each account in ids the role its groups call for. A member of a group
// mapped to the admin role becomes an administrator (AdminByGroup). An account that is in no
// such group any more goes back to member, but only if SCIM made it an administrator (one
// promoted by hand stays) and it is not the workspace's last active administrator (which
// stays admin, and the event says so).
func (h *Handler) syncRoles(ctx context.Context, ws string, ids []string, rec record) error {
	if len(ids) == 0 {
		return nil
	}
	gs, err := h.cfg.Store.SCIMGroups(ctx, ws)
	if err != nil {
		return fmt.Errorf("sync roles: %w", err)
	}
	for _, id := range ids {
		wantAdmin := false
		for _, g := range gs {
			if _, in := slices.BinarySearch(g.Members, id); in && g.AdminRole {
				wantAdmin = true
			}
		}
		u, err := h.cfg.Store.SCIMUser(ctx, ws, id)
		if errors.Is(err, latchkey.ErrNotFound) {
			continue // deleted since
		}
		if err != nil {
			return fmt.Errorf("sync roles: %w", err)
		}
		a := u.Account
		switch {
		case wantAdmin && a.Role != latchkey.RoleAdmin:
			err = h.cfg.Store.UpdateSCIMUser(ctx, ws, id, func(v *latchkey.SCIMUser) error {
				v.Account.Role, v.Profile.AdminByGroup, v.Account.UpdatedAt = latchkey.RoleAdmin, true, h.cfg.Now()
				return nil
			})
			if err == nil {
				rec(latchkey.EventSCIMUserRole, id, a.Email, "member → admin: in a group mapped to the admin role")
			}
		case !wantAdmin && a.Role == latchkey.RoleAdmin && u.Profile.AdminByGroup:
			last, lerr := h.lastAdmin(ctx, a)
			if lerr != nil {
				return lerr
			}
			if last {
				rec(latchkey.EventSCIMUserRole, id, a.Email, "kept admin: the workspace's last active administrator")
				continue
			}
			err = h.cfg.Store.UpdateSCIMUser(ctx, ws, id, func(v *latchkey.SCIMUser) error {
				v.Account.Role, v.Profile.AdminByGroup, v.Account.UpdatedAt = latchkey.RoleMember, false, h.cfg.Now()
				return nil
			})
			if err == nil {
				rec(latchkey.EventSCIMUserRole, id, a.Email, "admin → member: in no group mapped to the admin role")
			}
		}
		if err != nil {
			return fmt.Errorf("sync roles: %w", err)
		}
	}
	return nil
}

// removeFromGroups takes account id out of every group of ws and syncs its role.
func (h *Handler) removeFromGroups(ctx context.Context, ws, id string, rec record) error {
	gs, err := h.cfg.Store.SCIMGroups(ctx, ws)
	if err != nil {
		return fmt.Errorf("remove from groups: %w", err)
	}
	for _, g := range gs {
		if _, in := slices.BinarySearch(g.Members, id); !in {
			continue
		}
		err := h.cfg.Store.UpdateSCIMGroup(ctx, ws, g.ID, func(v *latchkey.SCIMGroup) error {
			v.Members = slices.DeleteFunc(v.Members, func(m string) bool { return m == id })
			v.UpdatedAt = h.cfg.Now()
			return nil
		})
		if err != nil {
			return fmt.Errorf("remove from groups: %w", err)
		}
		rec(latchkey.EventSCIMGroupUpdate, id, "", "group "+strconv.Quote(g.DisplayName)+": member removed with its user")
	}
	return h.syncRoles(ctx, ws, []string{id}, rec)
}
