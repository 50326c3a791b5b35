package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/latchkey/latchkey"
)

// ExportVersion is the version of latchkey.WorkspaceExport that ExportWorkspace writes and
// the only one that ImportWorkspace reads.
const ExportVersion = 1

// ExportWorkspace reads the workspace with this slug, its accounts (ordered as Accounts orders
// them), the last accepted TOTP step of each account that has one, the recovery codes of each
// account that has some, its audit events oldest first, its passkeys, known devices and the
// accounts with new-device alerts off, its SSO connections (in button order), approved
// domains and identity links, its inventory (exportInventory), and its SCIM tokens, profiles,
// groups and settings, all in one read transaction that
// sees one snapshot of the database (see dialect.snapshot): writes committed meanwhile are
// either wholly in the export or wholly out of it. Returns ErrNotFound if no workspace has
// this slug.
func (db *DB) ExportWorkspace(ctx context.Context, slug string) (latchkey.WorkspaceExport, error) {
	x, err := db.exportWorkspace(ctx, slug)
	if err != nil {
		return latchkey.WorkspaceExport{}, fmt.Errorf("export workspace: %w", storeError(err))
	}
	return x, nil
}

func (db *DB) exportWorkspace(ctx context.Context, slug string) (latchkey.WorkspaceExport, error) {
	tx, err := db.ro.BeginTx(ctx, db.d.snapshot)
	if err != nil {
		return latchkey.WorkspaceExport{}, err
	}
	defer tx.Rollback()
	w, err := scanWorkspace(tx.QueryRowContext(ctx,
		`SELECT `+workspaceSelect+` FROM workspaces WHERE slug = $1`, slug))
	if err != nil {
		return latchkey.WorkspaceExport{}, err
	}
	x := latchkey.WorkspaceExport{
		Version:       ExportVersion,
		Workspace:     w,
		TOTPSteps:     map[string]int64{},
		RecoveryCodes: map[string][]latchkey.RecoveryCode{},
	}

	rows, err := tx.QueryContext(ctx,
		`SELECT `+accountColumns+`, totp_last_step FROM accounts WHERE workspace_id = $1 ORDER BY email_key, id`, w.ID)
	x.Accounts, err = collect(rows, err, func(s scanner) (latchkey.Account, error) {
		var a latchkey.Account
		var step int64
		if err := s.Scan(append(accountDest(&a), &step)...); err != nil {
			return a, err
		}
		if step != 0 {
			x.TOTPSteps[a.ID] = step
		}
		return a, nil
	})
	if err != nil {
		return latchkey.WorkspaceExport{}, fmt.Errorf("read accounts: %w", err)
	}

	rows, err = tx.QueryContext(ctx,
		`SELECT account_id, id, hash, created_at FROM recovery_codes WHERE workspace_id = $1
		ORDER BY account_id, created_at, id`, w.ID)
	_, err = collect(rows, err, func(s scanner) (struct{}, error) {
		var accountID string
		var c latchkey.RecoveryCode
		if err := s.Scan(&accountID, &c.ID, &c.Hash, timeDest(&c.CreatedAt)); err != nil {
			return struct{}{}, err
		}
		x.RecoveryCodes[accountID] = append(x.RecoveryCodes[accountID], c)
		return struct{}{}, nil
	})
	if err != nil {
		return latchkey.WorkspaceExport{}, fmt.Errorf("read recovery codes: %w", err)
	}

	rows, err = tx.QueryContext(ctx,
		`SELECT `+eventColumns+` FROM audit_events WHERE workspace_id = $1 ORDER BY at, seq`, w.ID)
	x.Events, err = collect(rows, err, scanEvent)
	if err != nil {
		return latchkey.WorkspaceExport{}, fmt.Errorf("read events: %w", err)
	}

	rows, err = tx.QueryContext(ctx,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE workspace_id = $1 ORDER BY account_id, created_at, id`, w.ID)
	x.Passkeys, err = collect(rows, err, scanPasskey)
	if err != nil {
		return latchkey.WorkspaceExport{}, fmt.Errorf("read passkeys: %w", err)
	}
	rows, err = tx.QueryContext(ctx,
		`SELECT workspace_id, account_id, device_hash, first_seen, last_seen FROM known_devices
		WHERE workspace_id = $1 ORDER BY account_id, device_hash`, w.ID)
	x.Devices, err = collect(rows, err, func(s scanner) (latchkey.Device, error) {
		var d latchkey.Device
		err := s.Scan(&d.WorkspaceID, &d.AccountID, &d.DeviceHash, timeDest(&d.FirstSeen), timeDest(&d.LastSeen))
		return d, err
	})
	if err != nil {
		return latchkey.WorkspaceExport{}, fmt.Errorf("read devices: %w", err)
	}
	rows, err = tx.QueryContext(ctx,
		`SELECT account_id FROM account_alert_settings WHERE workspace_id = $1 AND new_device_alerts_off
		ORDER BY account_id`, w.ID)
	x.AlertsOff, err = collect(rows, err, func(s scanner) (string, error) {
		var id string
		err := s.Scan(&id)
		return id, err
	})
	if err != nil {
		return latchkey.WorkspaceExport{}, fmt.Errorf("read alert settings: %w", err)
	}
	if x.Connections, err = listConnections(ctx, tx, w.ID); err != nil {
		return latchkey.WorkspaceExport{}, fmt.Errorf("read connections: %w", err)
	}
	if x.Domains, err = listDomains(ctx, tx, w.ID); err != nil {
		return latchkey.WorkspaceExport{}, fmt.Errorf("read domains: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT `+linkColumns+` FROM identity_links WHERE workspace_id = $1
		ORDER BY account_id, created_at, connection_id, subject`, w.ID)
	if x.IdentityLinks, err = collect(rows, err, scanLink); err != nil {
		return latchkey.WorkspaceExport{}, fmt.Errorf("read identity links: %w", err)
	}
	if err := exportInventory(ctx, tx, &x); err != nil {
		return latchkey.WorkspaceExport{}, err
	}
	if err := exportSCIM(ctx, tx, &x); err != nil {
		return latchkey.WorkspaceExport{}, err
	}
	rows, err = tx.QueryContext(ctx,
		`SELECT `+apiTokenColumns+` FROM api_tokens WHERE workspace_id = $1 ORDER BY created_at, id`, w.ID)
	if x.APITokens, err = collect(rows, err, scanAPIToken); err != nil {
		return latchkey.WorkspaceExport{}, fmt.Errorf("read api tokens: %w", err)
	}
	return x, tx.Commit()
}

// ImportWorkspace writes x in one transaction: the workspace, its accounts, their TOTP steps,
// recovery codes, passkeys, devices and alert settings, its inventory (importInventory), its
// events, recorded in time order so that Events lists them as the exporting store did, its SSO
// connections, approved domains and identity links, its SCIM tokens, profiles, groups (with
// their members) and settings, and its API tokens. An empty
// WorkspaceID in an account, event, connection or link means x's workspace. Returns an error,
// writing nothing, if x.Version is not ExportVersion or x does not hold together (an account,
// event, connection or link of another workspace, a step, codes or a link of an account that
// is not in x, a link of a connection that is not in x, a malformed domain). Returns
// ErrConflict, writing nothing, if the store has a workspace with x's ID or slug, or an event
// or recovery code with one of x's IDs.
func (db *DB) ImportWorkspace(ctx context.Context, x latchkey.WorkspaceExport) error {
	if x.Version != ExportVersion {
		return fmt.Errorf("import workspace: the export is version %d; this latchkey reads version %d", x.Version, ExportVersion)
	}
	w := x.Workspace
	if w.ID == "" || w.Slug == "" {
		return fmt.Errorf("import workspace: the export has no workspace ID or slug")
	}
	accounts := map[string]bool{}
	defer db.forget(w.ID)
	for _, a := range x.Accounts {
		if a.WorkspaceID != "" && a.WorkspaceID != w.ID {
			return fmt.Errorf("import workspace: account %q belongs to workspace %q, not %q", a.ID, a.WorkspaceID, w.ID)
		}
		accounts[a.ID] = true
	}
	for _, id := range slices.Concat(slices.Collect(maps.Keys(x.TOTPSteps)), slices.Collect(maps.Keys(x.RecoveryCodes))) {
		if !accounts[id] {
			return fmt.Errorf("import workspace: TOTP step or recovery codes of account %q, which is not in the export", id)
		}
	}
	for _, p := range x.Passkeys {
		if (p.WorkspaceID != "" && p.WorkspaceID != w.ID) || !accounts[p.AccountID] {
			return fmt.Errorf("import workspace: passkey %q is not of an account in the export", p.ID)
		}
	}
	for _, d := range x.Devices {
		if (d.WorkspaceID != "" && d.WorkspaceID != w.ID) || !accounts[d.AccountID] {
			return fmt.Errorf("import workspace: a device is not of an account in the export")
		}
	}
	for _, id := range x.AlertsOff {
		if !accounts[id] {
			return fmt.Errorf("import workspace: alert setting of account %q, which is not in the export", id)
		}
	}
	events := slices.Clone(x.Events)
	for _, e := range events {
		if e.WorkspaceID != "" && e.WorkspaceID != w.ID {
			return fmt.Errorf("import workspace: event %q belongs to workspace %q, not %q", e.ID, e.WorkspaceID, w.ID)
		}
	}
	connections := map[string]bool{}
	for _, c := range x.Connections {
		if c.WorkspaceID != "" && c.WorkspaceID != w.ID {
			return fmt.Errorf("import workspace: connection %q belongs to workspace %q, not %q", c.ID, c.WorkspaceID, w.ID)
		}
		connections[c.ID] = true
	}
	for _, l := range x.IdentityLinks {
		if l.WorkspaceID != "" && l.WorkspaceID != w.ID {
			return fmt.Errorf("import workspace: identity link %q belongs to workspace %q, not %q", l.Subject, l.WorkspaceID, w.ID)
		}
		if !accounts[l.AccountID] || !connections[l.ConnectionID] {
			return fmt.Errorf("import workspace: identity link %q of account %q and connection %q, which are not both in the export",
				l.Subject, l.AccountID, l.ConnectionID)
		}
	}
	if err := checkSCIM(w.ID, accounts, x); err != nil {
		return fmt.Errorf("import workspace: %w", err)
	}
	for _, t := range x.APITokens {
		if t.WorkspaceID != "" && t.WorkspaceID != w.ID {
			return fmt.Errorf("import workspace: api token %q belongs to workspace %q, not %q", t.ID, t.WorkspaceID, w.ID)
		}
	}
	domains := make([]string, 0, len(x.Domains))
	for _, d := range x.Domains {
		nd, err := latchkey.NormalizeDomain(d)
		if err != nil {
			return fmt.Errorf("import workspace: domain %q: %w", d, err)
		}
		domains = append(domains, nd)
	}
	if err := checkInventory(x, accounts); err != nil {
		return fmt.Errorf("import workspace: %w", err)
	}
	// Events of one microsecond keep the export's order: seq, which orders them, counts up.
	slices.SortStableFunc(events, func(a, b latchkey.Event) int { return a.Time.Compare(b.Time) })

	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := insertWorkspace(ctx, tx, w); err != nil {
			return err
		}
		for _, a := range x.Accounts {
			a.WorkspaceID = w.ID
			if err := insertAccount(ctx, tx, a); err != nil {
				return err
			}
		}
		for _, id := range slices.Sorted(maps.Keys(x.TOTPSteps)) {
			if _, err := tx.ExecContext(ctx,
				`UPDATE accounts SET totp_last_step = $3 WHERE workspace_id = $1 AND id = $2`,
				w.ID, id, x.TOTPSteps[id]); err != nil {
				return err
			}
		}
		for _, id := range slices.Sorted(maps.Keys(x.RecoveryCodes)) {
			for _, c := range x.RecoveryCodes[id] {
				if err := insertRecoveryCode(ctx, tx, w.ID, id, c); err != nil {
					return err
				}
			}
		}
		for _, e := range events {
			e.WorkspaceID = w.ID
			if err := insertEvent(ctx, tx, e); err != nil {
				return err
			}
		}
		for _, p := range x.Passkeys {
			p.WorkspaceID = w.ID
			if err := insertPasskey(ctx, tx, p); err != nil {
				return err
			}
		}
		for _, d := range x.Devices {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO known_devices (workspace_id, account_id, device_hash, first_seen, last_seen)
				VALUES ($1, $2, $3, $4, $5)`,
				w.ID, d.AccountID, d.DeviceHash, timeValue(d.FirstSeen), timeValue(d.LastSeen)); err != nil {
				return err
			}
		}
		for _, id := range x.AlertsOff {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO account_alert_settings (workspace_id, account_id, new_device_alerts_off, updated_at)
				VALUES ($1, $2, $3, $4)`, w.ID, id, true, timeValue(w.CreatedAt)); err != nil {
				return err
			}
		}
		for _, c := range x.Connections {
			c.WorkspaceID = w.ID
			if err := insertConnection(ctx, tx, c); err != nil {
				return err
			}
		}
		for _, d := range domains {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sso_domains (workspace_id, domain) VALUES ($1, $2)`, w.ID, d); err != nil {
				return err
			}
		}
		for _, l := range x.IdentityLinks {
			l.WorkspaceID = w.ID
			if err := insertLink(ctx, tx, l); err != nil {
				return err
			}
		}
		if err := importInventory(ctx, tx, x); err != nil {
			return err
		}
		// A token whose account is not in the export is kept, as the store keeps one whose
		// account was removed: it is refused at use, and its row stays the audit trail.
		for _, t := range x.APITokens {
			t.WorkspaceID = w.ID
			if err := insertAPIToken(ctx, tx, t); err != nil {
				return err
			}
		}
		return importSCIM(ctx, tx, w.ID, x)
	})
	if err != nil {
		return fmt.Errorf("import workspace: %w", storeError(err))
	}
	return nil
}

// collect scans every row of rows with scan and closes rows. err is the error of the query
// that returned rows: collect returns it when it is not nil, so that a query and its scan
// read as one step.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ts []T
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// exportSCIM reads the workspace's SCIM tokens (oldest first), profiles (by account), groups
// with their members (oldest first) and settings into x, in the export's transaction.
func exportSCIM(ctx context.Context, tx *sql.Tx, x *latchkey.WorkspaceExport) error {
	ws := x.Workspace.ID
	rows, err := tx.QueryContext(ctx,
		`SELECT `+scimTokenColumns+` FROM scim_tokens WHERE workspace_id = $1 ORDER BY created_at, id`, ws)
	if x.SCIMTokens, err = collect(rows, err, scanSCIMToken); err != nil {
		return fmt.Errorf("read scim tokens: %w", err)
	}
	rows, err = tx.QueryContext(ctx,
		`SELECT `+scimProfileColumns+` FROM scim_profiles WHERE workspace_id = $1 ORDER BY account_id`, ws)
	x.SCIMProfiles, err = collect(rows, err, func(s scanner) (latchkey.SCIMProfile, error) {
		var p latchkey.SCIMProfile
		err := s.Scan(&p.WorkspaceID, &p.AccountID, &p.Managed, &p.ExternalID, &p.GivenName, &p.FamilyName,
			&p.Formatted, &p.DisplayName, &p.AdminByGroup, timeDest(&p.DeletedAt), &p.Version,
			timeDest(&p.CreatedAt), timeDest(&p.UpdatedAt))
		return p, err
	})
	if err != nil {
		return fmt.Errorf("read scim profiles: %w", err)
	}
	rows, err = tx.QueryContext(ctx,
		`SELECT `+scimGroupColumns+` FROM scim_groups WHERE workspace_id = $1 ORDER BY created_at, id`, ws)
	if x.SCIMGroups, err = collect(rows, err, scanSCIMGroup); err != nil {
		return fmt.Errorf("read scim groups: %w", err)
	}
	members, err := readSCIMMembers(ctx, tx, ws, "")
	if err != nil {
		return fmt.Errorf("read scim group members: %w", err)
	}
	for i := range x.SCIMGroups {
		x.SCIMGroups[i].Members = members[x.SCIMGroups[i].ID]
	}
	err = tx.QueryRowContext(ctx, `SELECT delete_suspends FROM scim_settings WHERE workspace_id = $1`, ws).
		Scan(&x.SCIMSettings.DeleteSuspends)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read scim settings: %w", err)
	}
	return nil
}

// checkSCIM refuses SCIM rows of x that do not hold together: of another workspace, or of
// (or with members that are) accounts not in the export.
func checkSCIM(ws string, accounts map[string]bool, x latchkey.WorkspaceExport) error {
	for _, t := range x.SCIMTokens {
		if t.WorkspaceID != "" && t.WorkspaceID != ws {
			return fmt.Errorf("scim token %q belongs to workspace %q, not %q", t.ID, t.WorkspaceID, ws)
		}
	}
	for _, p := range x.SCIMProfiles {
		if (p.WorkspaceID != "" && p.WorkspaceID != ws) || !accounts[p.AccountID] {
			return fmt.Errorf("the scim profile of account %q is not of an account in the export", p.AccountID)
		}
	}
	for _, g := range x.SCIMGroups {
		if g.WorkspaceID != "" && g.WorkspaceID != ws {
			return fmt.Errorf("scim group %q belongs to workspace %q, not %q", g.ID, g.WorkspaceID, ws)
		}
		for _, m := range g.Members {
			if !accounts[m] {
				return fmt.Errorf("scim group %q has member %q, which is not in the export", g.ID, m)
			}
		}
	}
	return nil
}

// importSCIM writes the SCIM rows of x into workspace ws, versions and times as exported.
func importSCIM(ctx context.Context, tx *sql.Tx, ws string, x latchkey.WorkspaceExport) error {
	for _, t := range x.SCIMTokens {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO scim_tokens (`+scimTokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			ws, t.ID, t.Name, t.Hash, timeValue(t.CreatedAt), timeValue(t.LastUsedAt), timeValue(t.RevokedAt)); err != nil {
			return err
		}
	}
	for _, p := range x.SCIMProfiles {
		p.WorkspaceID = ws
		if err := upsertSCIMProfile(ctx, tx, p); err != nil {
			return err
		}
	}
	for _, g := range x.SCIMGroups {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO scim_groups (`+scimGroupColumns+`, display_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			ws, g.ID, g.DisplayName, g.ExternalID, g.AdminRole, g.Version, timeValue(g.CreatedAt),
			timeValue(g.UpdatedAt), groupDisplayKey(g.DisplayName)); err != nil {
			return err
		}
		if err := writeSCIMMembers(ctx, tx, ws, g.ID, nil, g.Members); err != nil {
			return err
		}
	}
	if x.SCIMSettings != (latchkey.SCIMSettings{}) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO scim_settings (workspace_id, delete_suspends) VALUES ($1, $2)`,
			ws, x.SCIMSettings.DeleteSuspends); err != nil {
			return err
		}
	}
	return nil
}
