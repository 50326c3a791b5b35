package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
)

const scimTokenColumns = `workspace_id, id, name, hash, created_at, last_used_at, revoked_at`

func scanSCIMToken(s scanner) (latchkey.SCIMToken, error) {
	var t latchkey.SCIMToken
	err := s.Scan(&t.WorkspaceID, &t.ID, &t.Name, &t.Hash, timeDest(&t.CreatedAt),
		timeDest(&t.LastUsedAt), timeDest(&t.RevokedAt))
	return t, err
}

// CreateSCIMToken stores t. Returns ErrNotFound if the workspace does not exist and
// ErrConflict if a token with this ID or hash exists.
func (db *DB) CreateSCIMToken(ctx context.Context, t latchkey.SCIMToken) error {
	_, err := db.rw.ExecContext(ctx,
		`INSERT INTO scim_tokens (`+scimTokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.WorkspaceID, t.ID, t.Name, t.Hash, timeValue(t.CreatedAt), timeValue(t.LastUsedAt), timeValue(t.RevokedAt))
	if err != nil {
		return fmt.Errorf("create scim token: %w", storeError(err))
	}
	return nil
}

// SCIMTokenByHash returns the live token of ws with this hash, or ErrNotFound. The query
// names the workspace, so a token of another workspace is not found.
func (db *DB) SCIMTokenByHash(ctx context.Context, ws, hash string) (latchkey.SCIMToken, error) {
	t, err := scanSCIMToken(db.ro.QueryRowContext(ctx,
		`SELECT `+scimTokenColumns+` FROM scim_tokens WHERE workspace_id = $1 AND hash = $2 AND revoked_at IS NULL`,
		ws, hash))
	if err != nil {
		return latchkey.SCIMToken{}, fmt.Errorf("read scim token: %w", storeError(err))
	}
	return t, nil
}

// SCIMTokens lists every token of ws, revoked ones included, newest first.
func (db *DB) SCIMTokens(ctx context.Context, ws string) ([]latchkey.SCIMToken, error) {
	rows, err := db.ro.QueryContext(ctx,
		`SELECT `+scimTokenColumns+` FROM scim_tokens WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC`, ws)
	if err != nil {
		return nil, fmt.Errorf("list scim tokens: %w", err)
	}
	defer rows.Close()
	var ts []latchkey.SCIMToken
	for rows.Next() {
		t, err := scanSCIMToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list scim tokens: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list scim tokens: %w", err)
	}
	return ts, nil
}

// RevokeSCIMToken sets the live token's RevokedAt to now, or returns ErrNotFound.
func (db *DB) RevokeSCIMToken(ctx context.Context, ws, id string, now time.Time) error {
	return db.execOne(ctx, "revoke scim token",
		`UPDATE scim_tokens SET revoked_at = $3 WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL`,
		ws, id, timeValue(now))
}

// TouchSCIMToken sets the token's LastUsedAt to now, or returns ErrNotFound.
func (db *DB) TouchSCIMToken(ctx context.Context, ws, id string, now time.Time) error {
	return db.execOne(ctx, "touch scim token",
		`UPDATE scim_tokens SET last_used_at = $3 WHERE workspace_id = $1 AND id = $2`,
		ws, id, timeValue(now))
}

// execOne runs a statement that must change at least one row, and returns ErrNotFound
// (wrapped in what) if it changed none.
func (db *DB) execOne(ctx context.Context, what, query string, args ...any) error {
	res, err := db.rw.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, storeError(err))
	}
	n, err := affected(res)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, latchkey.ErrNotFound)
	}
	return nil
}

const scimProfileColumns = `workspace_id, account_id, managed, external_id, given_name, family_name,
	formatted, display_name, admin_by_group, deleted_at, version, created_at, updated_at`

// scimUserSelect reads every account with its profile, if any (the p columns are NULL when not).
var scimUserSelect = `SELECT ` + accountColumnsA + `, p.managed, p.external_id, p.given_name, p.family_name,
	p.formatted, p.display_name, p.admin_by_group, p.deleted_at, p.version, p.created_at, p.updated_at
	FROM accounts a LEFT JOIN scim_profiles p ON p.workspace_id = a.workspace_id AND p.account_id = a.id`

func scanSCIMUser(s scanner) (latchkey.SCIMUser, error) {
	var u latchkey.SCIMUser
	var managed, adminByGroup sql.NullBool
	var externalID, given, family, formatted, display sql.NullString
	var version sql.NullInt64
	dest := append(accountDest(&u.Account), &managed, &externalID, &given, &family, &formatted, &display,
		&adminByGroup, timeDest(&u.Profile.DeletedAt), &version, timeDest(&u.Profile.CreatedAt),
		timeDest(&u.Profile.UpdatedAt))
	if err := s.Scan(dest...); err != nil {
		return latchkey.SCIMUser{}, err
	}
	u.Profile.WorkspaceID, u.Profile.AccountID = u.Account.WorkspaceID, u.Account.ID
	u.Profile.Managed, u.Profile.AdminByGroup = managed.Bool, adminByGroup.Bool
	u.Profile.ExternalID, u.Profile.GivenName, u.Profile.FamilyName = externalID.String, given.String, family.String
	u.Profile.Formatted, u.Profile.DisplayName, u.Profile.Version = formatted.String, display.String, version.Int64
	return u, nil
}

// upsertSCIMProfile writes p, replacing the account's profile if it has one.
func upsertSCIMProfile(ctx context.Context, q querier, p latchkey.SCIMProfile) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO scim_profiles (`+scimProfileColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (workspace_id, account_id) DO UPDATE SET managed = excluded.managed,
			external_id = excluded.external_id, given_name = excluded.given_name,
			family_name = excluded.family_name, formatted = excluded.formatted,
			display_name = excluded.display_name, admin_by_group = excluded.admin_by_group,
			deleted_at = excluded.deleted_at, version = excluded.version,
			created_at = excluded.created_at, updated_at = excluded.updated_at`,
		p.WorkspaceID, p.AccountID, p.Managed, p.ExternalID, p.GivenName, p.FamilyName, p.Formatted,
		p.DisplayName, p.AdminByGroup, timeValue(p.DeletedAt), p.Version, timeValue(p.CreatedAt),
		timeValue(p.UpdatedAt))
	return err
}

// CreateSCIMUser stores the account and its profile (Version 1) in one transaction. Returns
// ErrConflict if the email is taken in the workspace, ErrNotFound if the workspace does not
// exist.
func (db *DB) CreateSCIMUser(ctx context.Context, u latchkey.SCIMUser) error {
	p := u.Profile
	p.WorkspaceID, p.AccountID, p.Version = u.Account.WorkspaceID, u.Account.ID, 1
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := insertAccount(ctx, tx, u.Account); err != nil {
			return err
		}
		return upsertSCIMProfile(ctx, tx, p)
	})
	if err != nil {
		return fmt.Errorf("create scim user: %w", storeError(err))
	}
	return nil
}

// SCIMUser returns the account and its profile (zero when the provider never wrote it), or
// ErrNotFound.
func (db *DB) SCIMUser(ctx context.Context, ws, accountID string) (latchkey.SCIMUser, error) {
	u, err := scanSCIMUser(db.ro.QueryRowContext(ctx, scimUserSelect+` WHERE a.workspace_id = $1 AND a.id = $2`, ws, accountID))
	if err != nil {
		return latchkey.SCIMUser{}, fmt.Errorf("read scim user: %w", storeError(err))
	}
	return u, nil
}

// SCIMUsers lists every account of ws with its profile, by creation time and then ID.
func (db *DB) SCIMUsers(ctx context.Context, ws string) ([]latchkey.SCIMUser, error) {
	rows, err := db.ro.QueryContext(ctx, scimUserSelect+` WHERE a.workspace_id = $1 ORDER BY a.created_at, a.id`, ws)
	if err != nil {
		return nil, fmt.Errorf("list scim users: %w", err)
	}
	defer rows.Close()
	var us []latchkey.SCIMUser
	for rows.Next() {
		u, err := scanSCIMUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list scim users: %w", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list scim users: %w", err)
	}
	return us, nil
}

// UpdateSCIMUser runs fn on the account and its profile and writes both in one transaction
// that holds the account's row (as UpdateAccount does). The profile's Version becomes the
// previous one plus one. If fn returns an error nothing is written and that error is returned
// unchanged. Returns ErrNotFound, ErrConflict if the new email is taken, and an error if fn
// changed an ID or the workspace.
func (db *DB) UpdateSCIMUser(ctx context.Context, ws, accountID string, fn func(*latchkey.SCIMUser) error) error {
	defer db.forget(ws)
	var fnErr error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if db.d.forUpdate != "" {
			// Lock the account row first, in a statement of its own: a SELECT … FOR UPDATE OF a
			// over the join would, after waiting for the lock, re-read the account but keep
			// the profile row of its old snapshot (READ COMMITTED), and lose an update.
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE workspace_id = $1 AND id = $2`+db.d.forUpdate,
				ws, accountID).Scan(&one); err != nil {
				return err
			}
		}
		u, err := scanSCIMUser(tx.QueryRowContext(ctx, scimUserSelect+` WHERE a.workspace_id = $1 AND a.id = $2`, ws, accountID))
		if err != nil {
			return err
		}
		version := u.Profile.Version
		if fnErr = fn(&u); fnErr != nil {
			return fnErr
		}
		a, p := u.Account, u.Profile
		if a.ID != accountID || a.WorkspaceID != ws || p.AccountID != accountID || p.WorkspaceID != ws {
			return errors.New("the update changed the account's ID or workspace")
		}
		p.Version = version + 1
		if _, err := tx.ExecContext(ctx,
			`UPDATE accounts SET email = $3, email_key = $4, name = $5, role = $6, status = $7,
				password_hash = $8, totp_secret = $9, totp_enabled_at = $10, created_at = $11,
				updated_at = $12, last_sign_in_at = $13
			WHERE workspace_id = $1 AND id = $2`,
			ws, accountID, a.Email, latchkey.NormalizeEmail(a.Email), a.Name, string(a.Role), string(a.Status),
			a.PasswordHash, a.TOTPSecret, timeValue(a.TOTPEnabledAt), timeValue(a.CreatedAt),
			timeValue(a.UpdatedAt), timeValue(a.LastSignInAt)); err != nil {
			return err
		}
		return upsertSCIMProfile(ctx, tx, p)
	})
	switch {
	case fnErr != nil:
		return fnErr
	case err != nil:
		return fmt.Errorf("update scim user: %w", storeError(err))
	}
	return nil
}

const scimGroupColumns = `workspace_id, id, display_name, external_id, admin_role, version, created_at, updated_at`

func scanSCIMGroup(s scanner) (latchkey.SCIMGroup, error) {
	var g latchkey.SCIMGroup
	err := s.Scan(&g.WorkspaceID, &g.ID, &g.DisplayName, &g.ExternalID, &g.AdminRole, &g.Version,
		timeDest(&g.CreatedAt), timeDest(&g.UpdatedAt))
	return g, err
}

// groupDisplayKey is the form of a group's displayName that uniqueness uses.
func groupDisplayKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// writeSCIMMembers changes the members of group id from old (sorted, as stored) to members:
// only the difference is written, so that adding one person to a large group is one INSERT.
func writeSCIMMembers(ctx context.Context, tx *sql.Tx, ws, id string, old, members []string) error {
	members = uniqueSorted(members)
	for _, m := range old {
		if _, in := slices.BinarySearch(members, m); in {
			continue
		}
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM scim_group_members WHERE workspace_id = $1 AND group_id = $2 AND account_id = $3`, ws, id, m); err != nil {
			return err
		}
	}
	for _, m := range members {
		if _, in := slices.BinarySearch(old, m); in {
			continue
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO scim_group_members (workspace_id, group_id, account_id) VALUES ($1, $2, $3)`, ws, id, m); err != nil {
			return err
		}
	}
	return nil
}

// uniqueSorted returns a sorted copy of ss without duplicates.
func uniqueSorted(ss []string) []string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	return slices.Compact(ss)
}

// CreateSCIMGroup stores g (Version 1) and its members in one transaction. Returns
// ErrConflict if the ID or displayName (case-insensitively) is taken in ws, ErrNotFound if the
// workspace or a member does not exist in it.
func (db *DB) CreateSCIMGroup(ctx context.Context, g latchkey.SCIMGroup) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO scim_groups (`+scimGroupColumns+`, display_key) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8)`,
			g.WorkspaceID, g.ID, g.DisplayName, g.ExternalID, g.AdminRole, timeValue(g.CreatedAt),
			timeValue(g.UpdatedAt), groupDisplayKey(g.DisplayName)); err != nil {
			return err
		}
		return writeSCIMMembers(ctx, tx, g.WorkspaceID, g.ID, nil, g.Members)
	})
	if err != nil {
		return fmt.Errorf("create scim group: %w", storeError(err))
	}
	return nil
}

// readSCIMMembers returns the members of every group of ws, by group ID, sorted.
func readSCIMMembers(ctx context.Context, q querier, ws, groupID string) (map[string][]string, error) {
	query := `SELECT group_id, account_id FROM scim_group_members WHERE workspace_id = $1`
	args := []any{ws}
	if groupID != "" {
		query += ` AND group_id = $2`
		args = append(args, groupID)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	members := map[string][]string{}
	for rows.Next() {
		var g, a string
		if err := rows.Scan(&g, &a); err != nil {
			return nil, err
		}
		members[g] = append(members[g], a)
	}
	// Sorted here rather than by ORDER BY, so that the order is bytewise whatever the
	// PostgreSQL collation.
	for _, m := range members {
		slices.Sort(m)
	}
	return members, rows.Err()
}

// SCIMGroup returns the group with its members, or ErrNotFound.
func (db *DB) SCIMGroup(ctx context.Context, ws, id string) (latchkey.SCIMGroup, error) {
	g, err := db.scimGroup(ctx, db.ro, ws, id, "")
	if err != nil {
		return latchkey.SCIMGroup{}, fmt.Errorf("read scim group: %w", storeError(err))
	}
	return g, nil
}

func (db *DB) scimGroup(ctx context.Context, q querier, ws, id, lock string) (latchkey.SCIMGroup, error) {
	g, err := scanSCIMGroup(q.QueryRowContext(ctx,
		`SELECT `+scimGroupColumns+` FROM scim_groups WHERE workspace_id = $1 AND id = $2`+lock, ws, id))
	if err != nil {
		return latchkey.SCIMGroup{}, err
	}
	members, err := readSCIMMembers(ctx, q, ws, id)
	if err != nil {
		return latchkey.SCIMGroup{}, err
	}
	g.Members = members[id]
	return g, nil
}

// SCIMGroups lists the groups of ws with their members, by creation time and then ID.
func (db *DB) SCIMGroups(ctx context.Context, ws string) ([]latchkey.SCIMGroup, error) {
	var gs []latchkey.SCIMGroup
	// One read transaction, so that the members match the groups.
	err := func() error {
		tx, err := db.ro.BeginTx(ctx, db.d.snapshot)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		rows, err := tx.QueryContext(ctx,
			`SELECT `+scimGroupColumns+` FROM scim_groups WHERE workspace_id = $1 ORDER BY created_at, id`, ws)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			g, err := scanSCIMGroup(rows)
			if err != nil {
				return err
			}
			gs = append(gs, g)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		members, err := readSCIMMembers(ctx, tx, ws, "")
		if err != nil {
			return err
		}
		for i := range gs {
			gs[i].Members = members[gs[i].ID]
		}
		return nil
	}()
	if err != nil {
		return nil, fmt.Errorf("list scim groups: %w", err)
	}
	return gs, nil
}

// UpdateSCIMGroup runs fn on the group and writes it and its members in one transaction that
// holds the group's row. Version becomes the previous one plus one. If fn returns an error
// nothing is written and that error is returned unchanged. Returns ErrNotFound if there is no
// such group or a new member is not an account of ws, ErrConflict if the new displayName is
// taken.
func (db *DB) UpdateSCIMGroup(ctx context.Context, ws, id string, fn func(*latchkey.SCIMGroup) error) error {
	var fnErr error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		g, err := db.scimGroup(ctx, tx, ws, id, db.d.forUpdate)
		if err != nil {
			return err
		}
		version, old := g.Version, slices.Clone(g.Members)
		if fnErr = fn(&g); fnErr != nil {
			return fnErr
		}
		if g.ID != id || g.WorkspaceID != ws {
			return errors.New("the update changed the group's ID or workspace")
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE scim_groups SET display_name = $3, display_key = $4, external_id = $5, admin_role = $6,
				version = $7, created_at = $8, updated_at = $9
			WHERE workspace_id = $1 AND id = $2`,
			ws, id, g.DisplayName, groupDisplayKey(g.DisplayName), g.ExternalID, g.AdminRole, version+1,
			timeValue(g.CreatedAt), timeValue(g.UpdatedAt)); err != nil {
			return err
		}
		return writeSCIMMembers(ctx, tx, ws, id, old, g.Members)
	})
	switch {
	case fnErr != nil:
		return fnErr
	case err != nil:
		return fmt.Errorf("update scim group: %w", storeError(err))
	}
	return nil
}

// DeleteSCIMGroup removes the group; its memberships go with it (ON DELETE CASCADE). Returns
// ErrNotFound if ws has no such group.
func (db *DB) DeleteSCIMGroup(ctx context.Context, ws, id string) error {
	return db.execOne(ctx, "delete scim group", `DELETE FROM scim_groups WHERE workspace_id = $1 AND id = $2`, ws, id)
}

// SCIMSettings returns the settings of ws, zero if none were set.
func (db *DB) SCIMSettings(ctx context.Context, ws string) (latchkey.SCIMSettings, error) {
	var s latchkey.SCIMSettings
	err := db.ro.QueryRowContext(ctx, `SELECT delete_suspends FROM scim_settings WHERE workspace_id = $1`, ws).Scan(&s.DeleteSuspends)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return latchkey.SCIMSettings{}, fmt.Errorf("read scim settings: %w", err)
	}
	return s, nil
}

// SetSCIMSettings stores the settings of ws. Returns ErrNotFound if the workspace does not
// exist.
func (db *DB) SetSCIMSettings(ctx context.Context, ws string, s latchkey.SCIMSettings) error {
	_, err := db.rw.ExecContext(ctx,
		`INSERT INTO scim_settings (workspace_id, delete_suspends) VALUES ($1, $2)
		ON CONFLICT (workspace_id) DO UPDATE SET delete_suspends = excluded.delete_suspends`, ws, s.DeleteSuspends)
	if err != nil {
		return fmt.Errorf("set scim settings: %w", storeError(err))
	}
	return nil
}
