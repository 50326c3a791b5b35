package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
)

// The inventory: hardware, software with its seats, and requests with their comments.

const hardwareColumns = `workspace_id, id, name, asset_tag, hw_type, serial, status, assigned_to, notes, created_at, updated_at`

func scanHardware(s scanner) (latchkey.Hardware, error) {
	var h latchkey.Hardware
	err := s.Scan(&h.WorkspaceID, &h.ID, &h.Name, &h.AssetTag, &h.Type, &h.Serial, &h.Status, &h.AssignedTo,
		&h.Notes, timeDest(&h.CreatedAt), timeDest(&h.UpdatedAt))
	return h, err
}

func insertHardware(ctx context.Context, q querier, h latchkey.Hardware) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO hardware (`+hardwareColumns+`, asset_tag_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		h.WorkspaceID, h.ID, h.Name, h.AssetTag, string(h.Type), h.Serial, string(h.Status), h.AssignedTo, h.Notes,
		timeValue(h.CreatedAt), timeValue(h.UpdatedAt), latchkey.NormalizeAssetTag(h.AssetTag))
	return err
}

// writeHardware overwrites every field of the item with h.ID but its ID, workspace and CreatedAt.
func writeHardware(ctx context.Context, q querier, h latchkey.Hardware) error {
	_, err := q.ExecContext(ctx,
		`UPDATE hardware SET name = $3, asset_tag = $4, asset_tag_key = $5, hw_type = $6, serial = $7, status = $8,
			assigned_to = $9, notes = $10, updated_at = $11
		WHERE workspace_id = $1 AND id = $2`,
		h.WorkspaceID, h.ID, h.Name, h.AssetTag, latchkey.NormalizeAssetTag(h.AssetTag), string(h.Type), h.Serial,
		string(h.Status), h.AssignedTo, h.Notes, timeValue(h.UpdatedAt))
	return err
}

// checkAccount returns ErrNotFound (as sql.ErrNoRows) unless id is "" or an account of ws. In a
// PostgreSQL transaction it locks the account's row, so that DeleteAccount, which clears
// assignments after deleting the row, either runs wholly before (and this fails) or after (and
// clears what this wrote).
func (db *DB) checkAccount(ctx context.Context, q querier, ws, id string) error {
	if id == "" {
		return nil
	}
	var one int
	return q.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE workspace_id = $1 AND id = $2`+db.d.forUpdate, ws, id).Scan(&one)
}

// CreateHardware stores h. Returns ErrConflict if h.WorkspaceID has an item with the same
// normalised asset tag, ErrNotFound if the workspace, or the account h is assigned to, is not
// there.
func (db *DB) CreateHardware(ctx context.Context, h latchkey.Hardware) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.checkAccount(ctx, tx, h.WorkspaceID, h.AssignedTo); err != nil {
			return err
		}
		return insertHardware(ctx, tx, h)
	})
	if err != nil {
		return fmt.Errorf("create hardware: %w", storeError(err))
	}
	return nil
}

// Hardware returns the item with this ID in workspace ws, or ErrNotFound.
func (db *DB) Hardware(ctx context.Context, ws, id string) (latchkey.Hardware, error) {
	h, err := scanHardware(db.ro.QueryRowContext(ctx,
		`SELECT `+hardwareColumns+` FROM hardware WHERE workspace_id = $1 AND id = $2`, ws, id))
	if err != nil {
		return latchkey.Hardware{}, fmt.Errorf("read hardware: %w", storeError(err))
	}
	return h, nil
}

// UpdateHardware runs fn on the item and writes the result in one transaction holding the row.
// If fn returns an error nothing is written and that error is returned unchanged. Returns
// ErrNotFound if the item is not in ws (fn is then not called) or the new assignee is not an
// account of ws, ErrConflict if the new asset tag is taken, and an error if fn changed ID,
// WorkspaceID or CreatedAt. fn must not call the store.
func (db *DB) UpdateHardware(ctx context.Context, ws, id string, fn func(*latchkey.Hardware) error) error {
	var fnErr error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		h, err := scanHardware(tx.QueryRowContext(ctx,
			`SELECT `+hardwareColumns+` FROM hardware WHERE workspace_id = $1 AND id = $2`+db.d.forUpdate, ws, id))
		if err != nil {
			return err
		}
		created := h.CreatedAt
		if fnErr = fn(&h); fnErr != nil {
			return fnErr
		}
		if h.ID != id || h.WorkspaceID != ws || !h.CreatedAt.Equal(created) {
			return errors.New("the update changed the item's ID, workspace or creation time")
		}
		if err := db.checkAccount(ctx, tx, ws, h.AssignedTo); err != nil {
			return err
		}
		return writeHardware(ctx, tx, h)
	})
	switch {
	case fnErr != nil:
		return fnErr
	case err != nil:
		return fmt.Errorf("update hardware: %w", storeError(err))
	}
	return nil
}

// args collects query arguments and returns their $n placeholders.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// page returns the LIMIT and OFFSET clause of p.
func (a *args) page(p latchkey.Page) string {
	limit := p.Limit
	if limit <= 0 {
		limit = latchkey.DefaultPageLength
	}
	return ` LIMIT ` + a.add(limit) + ` OFFSET ` + a.add(max(p.Offset, 0))
}

// contains returns a condition that any of the columns, lower-cased, contains q lower-cased.
func (db *DB) contains(a *args, q string, columns ...string) string {
	n := a.add(likePattern(strings.ToLower(q)))
	var conds []string
	for _, c := range columns {
		conds = append(conds, db.d.lower+`(`+c+`) LIKE `+n+` ESCAPE '\'`)
	}
	return ` AND (` + strings.Join(conds, ` OR `) + `)`
}

// ListHardware lists the items of ws matching f, ordered by normalised asset tag. f.Query
// matches name, asset tag or serial (lower-cased, as Accounts does); % and _ are plain
// characters.
func (db *DB) ListHardware(ctx context.Context, ws string, f latchkey.HardwareFilter) ([]latchkey.Hardware, error) {
	var a args
	query := `SELECT ` + hardwareColumns + ` FROM hardware WHERE workspace_id = ` + a.add(ws)
	if f.Status != "" {
		query += ` AND status = ` + a.add(string(f.Status))
	}
	if f.Type != "" {
		query += ` AND hw_type = ` + a.add(string(f.Type))
	}
	if f.AssignedTo != "" {
		query += ` AND assigned_to = ` + a.add(f.AssignedTo)
	}
	if f.Query != "" {
		query += db.contains(&a, f.Query, "name", "asset_tag", "serial")
	}
	query += ` ORDER BY asset_tag_key, id` + a.page(f.Page)
	rows, err := db.ro.QueryContext(ctx, query, a...)
	if err != nil {
		return nil, fmt.Errorf("list hardware: %w", err)
	}
	defer rows.Close()
	var hs []latchkey.Hardware
	for rows.Next() {
		h, err := scanHardware(rows)
		if err != nil {
			return nil, fmt.Errorf("list hardware: %w", err)
		}
		hs = append(hs, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list hardware: %w", err)
	}
	return hs, nil
}

// countBy runs a "SELECT key, count(*) … GROUP BY key" query into a map.
func countBy[K ~string](ctx context.Context, q querier, query string, args ...any) (map[K]int, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[K]int{}
	for rows.Next() {
		var k K
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		counts[k] = n
	}
	return counts, rows.Err()
}

// CountHardware returns how many items of ws have each status; a status no item has is absent.
func (db *DB) CountHardware(ctx context.Context, ws string) (map[latchkey.HardwareStatus]int, error) {
	counts, err := countBy[latchkey.HardwareStatus](ctx, db.ro,
		`SELECT status, count(*) FROM hardware WHERE workspace_id = $1 GROUP BY status`, ws)
	if err != nil {
		return nil, fmt.Errorf("count hardware: %w", err)
	}
	return counts, nil
}

// ImportHardware creates or updates (by normalised asset tag) every item in one transaction.
// An item's WorkspaceID is set to ws. Any failure rolls the whole import back and is returned
// as an *latchkey.ImportRowError wrapping the store error: ErrConflict if two items share a
// tag, ErrNotFound for an unknown assignee.
func (db *DB) ImportHardware(ctx context.Context, ws string, items []latchkey.Hardware) (created, updated int, err error) {
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		seen := map[string]bool{}
		for i, h := range items {
			h.WorkspaceID = ws
			rowErr := func() error {
				key := latchkey.NormalizeAssetTag(h.AssetTag)
				if seen[key] {
					return latchkey.ErrConflict
				}
				seen[key] = true
				if err := db.checkAccount(ctx, tx, ws, h.AssignedTo); err != nil {
					return storeError(err)
				}
				var id string
				var createdAt time.Time
				err := tx.QueryRowContext(ctx, `SELECT id, created_at FROM hardware WHERE workspace_id = $1 AND asset_tag_key = $2`+db.d.forUpdate,
					ws, key).Scan(&id, timeDest(&createdAt))
				switch {
				case errors.Is(err, sql.ErrNoRows):
					created++
					return storeError(insertHardware(ctx, tx, h))
				case err != nil:
					return err
				}
				h.ID, h.CreatedAt = id, createdAt
				updated++
				return storeError(writeHardware(ctx, tx, h))
			}()
			if rowErr != nil {
				return &latchkey.ImportRowError{Index: i, Err: rowErr}
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("import hardware: %w", err)
	}
	return created, updated, nil
}

const softwareColumns = `workspace_id, id, name, vendor, licence_key, seats, created_at, updated_at`

func scanSoftware(s scanner) (latchkey.Software, error) {
	var sw latchkey.Software
	err := s.Scan(&sw.WorkspaceID, &sw.ID, &sw.Name, &sw.Vendor, &sw.LicenceKey, &sw.Seats,
		timeDest(&sw.CreatedAt), timeDest(&sw.UpdatedAt))
	return sw, err
}

// insertSeats gives each account a seat of the software, refusing more than seats in all.
func insertSeats(ctx context.Context, q querier, sw latchkey.Software, now time.Time) error {
	accounts := slices.Clone(sw.Assignees)
	slices.Sort(accounts)
	accounts = slices.Compact(accounts)
	if len(accounts) > sw.Seats {
		return latchkey.ErrSeatsInUse
	}
	for _, a := range accounts {
		if _, err := q.ExecContext(ctx,
			`INSERT INTO software_seats (workspace_id, software_id, account_id, assigned_at) VALUES ($1, $2, $3, $4)`,
			sw.WorkspaceID, sw.ID, a, timeValue(now)); err != nil {
			return storeError(err)
		}
	}
	return nil
}

func insertSoftware(ctx context.Context, q querier, sw latchkey.Software) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO software (`+softwareColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		sw.WorkspaceID, sw.ID, sw.Name, sw.Vendor, sw.LicenceKey, sw.Seats, timeValue(sw.CreatedAt), timeValue(sw.UpdatedAt))
	if err != nil {
		return storeError(err)
	}
	return insertSeats(ctx, q, sw, sw.CreatedAt)
}

func writeSoftware(ctx context.Context, q querier, sw latchkey.Software) error {
	_, err := q.ExecContext(ctx,
		`UPDATE software SET name = $3, vendor = $4, licence_key = $5, seats = $6, updated_at = $7
		WHERE workspace_id = $1 AND id = $2`,
		sw.WorkspaceID, sw.ID, sw.Name, sw.Vendor, sw.LicenceKey, sw.Seats, timeValue(sw.UpdatedAt))
	return err
}

// CreateSoftware stores sw with a seat for each of its assignees, in one transaction. Returns
// ErrSeatsInUse if there are more (distinct) assignees than seats, ErrNotFound if the workspace
// or an assignee is not there, ErrConflict if the ID is taken.
func (db *DB) CreateSoftware(ctx context.Context, sw latchkey.Software) error {
	if err := db.inTx(ctx, func(tx *sql.Tx) error { return insertSoftware(ctx, tx, sw) }); err != nil {
		return fmt.Errorf("create software: %w", storeError(err))
	}
	return nil
}

// withAssignees fills in the assignees of every software in sws, all of workspace ws.
func withAssignees(ctx context.Context, q querier, ws string, sws []latchkey.Software) error {
	if len(sws) == 0 {
		return nil
	}
	var a args
	ph := make([]string, len(sws))
	wsArg := a.add(ws)
	for i, sw := range sws {
		ph[i] = a.add(sw.ID)
	}
	rows, err := q.QueryContext(ctx, `SELECT software_id, account_id FROM software_seats
		WHERE workspace_id = `+wsArg+` AND software_id IN (`+strings.Join(ph, ", ")+`) ORDER BY account_id`, a...)
	if err != nil {
		return err
	}
	defer rows.Close()
	index := map[string]int{}
	for i, sw := range sws {
		index[sw.ID] = i
	}
	for rows.Next() {
		var sid, aid string
		if err := rows.Scan(&sid, &aid); err != nil {
			return err
		}
		i := index[sid]
		sws[i].Assignees = append(sws[i].Assignees, aid)
	}
	return rows.Err()
}

// Software returns the software with this ID in workspace ws with its assignees, or ErrNotFound.
func (db *DB) Software(ctx context.Context, ws, id string) (latchkey.Software, error) {
	sws := make([]latchkey.Software, 1)
	err := func() error {
		var err error
		sws[0], err = scanSoftware(db.ro.QueryRowContext(ctx,
			`SELECT `+softwareColumns+` FROM software WHERE workspace_id = $1 AND id = $2`, ws, id))
		if err != nil {
			return err
		}
		return withAssignees(ctx, db.ro, ws, sws)
	}()
	if err != nil {
		return latchkey.Software{}, fmt.Errorf("read software: %w", storeError(err))
	}
	return sws[0], nil
}

func countSeats(ctx context.Context, q querier, ws, id string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM software_seats WHERE workspace_id = $1 AND software_id = $2`, ws, id).Scan(&n)
	return n, err
}

// UpdateSoftware runs fn on the software (with its assignees) and writes its name, vendor,
// licence key, seats and UpdatedAt in one transaction holding the row. If fn returns an error
// nothing is written and that error is returned unchanged. Returns ErrNotFound if the software
// is not in ws, ErrSeatsInUse if the new seats are fewer than the seats taken, and an error if
// fn changed ID or WorkspaceID. fn must not call the store.
func (db *DB) UpdateSoftware(ctx context.Context, ws, id string, fn func(*latchkey.Software) error) error {
	var fnErr error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		sws := make([]latchkey.Software, 1)
		var err error
		sws[0], err = scanSoftware(tx.QueryRowContext(ctx,
			`SELECT `+softwareColumns+` FROM software WHERE workspace_id = $1 AND id = $2`+db.d.forUpdate, ws, id))
		if err != nil {
			return err
		}
		if err := withAssignees(ctx, tx, ws, sws); err != nil {
			return err
		}
		sw := sws[0]
		if fnErr = fn(&sw); fnErr != nil {
			return fnErr
		}
		if sw.ID != id || sw.WorkspaceID != ws {
			return errors.New("the update changed the software's ID or workspace")
		}
		// The row lock (PostgreSQL) or the write lock (SQLite) is held, and AssignSeat takes
		// the same lock, so this count cannot go stale before the write.
		used, err := countSeats(ctx, tx, ws, id)
		if err != nil {
			return err
		}
		if sw.Seats < used {
			return latchkey.ErrSeatsInUse
		}
		return writeSoftware(ctx, tx, sw)
	})
	switch {
	case fnErr != nil:
		return fnErr
	case err != nil:
		return fmt.Errorf("update software: %w", storeError(err))
	}
	return nil
}

// AssignSeat gives the account a seat, in one transaction that first locks the software's row
// (PostgreSQL: SELECT … FOR UPDATE; SQLite: BEGIN IMMEDIATE), so that concurrent assignments
// of one software count the seats one after the other and never exceed them. Returns
// ErrNoSeats if none is free, ErrNotFound if the software or the account is not in ws; an
// account that already holds a seat keeps it and nil is returned.
func (db *DB) AssignSeat(ctx context.Context, ws, softwareID, accountID string, now time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var seats int
		if err := tx.QueryRowContext(ctx, `SELECT seats FROM software WHERE workspace_id = $1 AND id = $2`+db.d.forUpdate,
			ws, softwareID).Scan(&seats); err != nil {
			return err
		}
		var held int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM software_seats WHERE workspace_id = $1 AND software_id = $2 AND account_id = $3`,
			ws, softwareID, accountID).Scan(&held); err != nil {
			return err
		}
		if held > 0 {
			return nil
		}
		used, err := countSeats(ctx, tx, ws, softwareID)
		if err != nil {
			return err
		}
		if used >= seats {
			return latchkey.ErrNoSeats
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO software_seats (workspace_id, software_id, account_id, assigned_at) VALUES ($1, $2, $3, $4)`,
			ws, softwareID, accountID, timeValue(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("assign seat: %w", storeError(err))
	}
	return nil
}

// UnassignSeat frees the account's seat of the software. Returns ErrNotFound if it holds none
// (or the software is not in ws).
func (db *DB) UnassignSeat(ctx context.Context, ws, softwareID, accountID string) error {
	res, err := db.rw.ExecContext(ctx, `DELETE FROM software_seats WHERE workspace_id = $1 AND software_id = $2 AND account_id = $3`,
		ws, softwareID, accountID)
	if err != nil {
		return fmt.Errorf("unassign seat: %w", err)
	}
	if n, err := affected(res); err != nil {
		return fmt.Errorf("unassign seat: %w", err)
	} else if n == 0 {
		return fmt.Errorf("unassign seat: %w", latchkey.ErrNotFound)
	}
	return nil
}

// ListSoftware lists the software of ws matching f, ordered by name (bytewise), with assignees.
func (db *DB) ListSoftware(ctx context.Context, ws string, f latchkey.SoftwareFilter) ([]latchkey.Software, error) {
	var a args
	query := `SELECT ` + softwareColumns + ` FROM software WHERE workspace_id = ` + a.add(ws)
	if f.Assignee != "" {
		query += ` AND id IN (SELECT software_id FROM software_seats WHERE workspace_id = $1 AND account_id = ` + a.add(f.Assignee) + `)`
	}
	if f.Query != "" {
		query += db.contains(&a, f.Query, "name", "vendor")
	}
	query += ` ORDER BY name, id` + a.page(f.Page)
	sws, err := func() ([]latchkey.Software, error) {
		rows, err := db.ro.QueryContext(ctx, query, a...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var sws []latchkey.Software
		for rows.Next() {
			sw, err := scanSoftware(rows)
			if err != nil {
				return nil, err
			}
			sws = append(sws, sw)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return sws, withAssignees(ctx, db.ro, ws, sws)
	}()
	if err != nil {
		return nil, fmt.Errorf("list software: %w", err)
	}
	return sws, nil
}

// CountSeats returns the seats of all software of ws and how many of them are assigned.
func (db *DB) CountSeats(ctx context.Context, ws string) (total, used int, err error) {
	err = db.ro.QueryRowContext(ctx, `SELECT
		(SELECT coalesce(sum(seats), 0) FROM software WHERE workspace_id = $1),
		(SELECT count(*) FROM software_seats WHERE workspace_id = $1)`, ws).Scan(&total, &used)
	if err != nil {
		return 0, 0, fmt.Errorf("count seats: %w", err)
	}
	return total, used, nil
}

// ImportSoftware creates or updates (by ID in ws) every software in one transaction, replacing
// the assignees of those it updates; an empty LicenceKey keeps the stored one. Any failure rolls
// the whole import back and is returned as an *latchkey.ImportRowError wrapping ErrSeatsInUse,
// ErrNotFound (an unknown assignee) or ErrConflict (an ID twice).
func (db *DB) ImportSoftware(ctx context.Context, ws string, items []latchkey.Software) (created, updated int, err error) {
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		seen := map[string]bool{}
		for i, sw := range items {
			sw.WorkspaceID = ws
			rowErr := func() error {
				if seen[sw.ID] {
					return latchkey.ErrConflict
				}
				seen[sw.ID] = true
				var key string
				var createdAt time.Time
				err := tx.QueryRowContext(ctx, `SELECT licence_key, created_at FROM software WHERE workspace_id = $1 AND id = $2`+db.d.forUpdate,
					ws, sw.ID).Scan(&key, timeDest(&createdAt))
				switch {
				case errors.Is(err, sql.ErrNoRows):
					created++
					return insertSoftware(ctx, tx, sw)
				case err != nil:
					return err
				}
				updated++
				if sw.LicenceKey == "" {
					sw.LicenceKey = key
				}
				sw.CreatedAt = createdAt
				if err := writeSoftware(ctx, tx, sw); err != nil {
					return storeError(err)
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM software_seats WHERE workspace_id = $1 AND software_id = $2`, ws, sw.ID); err != nil {
					return err
				}
				return insertSeats(ctx, tx, sw, sw.UpdatedAt)
			}()
			if rowErr != nil {
				return &latchkey.ImportRowError{Index: i, Err: rowErr}
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("import software: %w", err)
	}
	return created, updated, nil
}

const requestColumns = `workspace_id, id, title, description, category, status, requester_id, assignee_id, created_at, updated_at`

func scanRequest(s scanner) (latchkey.Request, error) {
	var r latchkey.Request
	err := s.Scan(&r.WorkspaceID, &r.ID, &r.Title, &r.Description, &r.Category, &r.Status, &r.RequesterID,
		&r.AssigneeID, timeDest(&r.CreatedAt), timeDest(&r.UpdatedAt))
	return r, err
}

// CreateRequest stores r. Returns ErrNotFound if the workspace does not exist, ErrConflict if
// the ID is taken.
func (db *DB) CreateRequest(ctx context.Context, r latchkey.Request) error {
	_, err := db.rw.ExecContext(ctx, `INSERT INTO requests (`+requestColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		r.WorkspaceID, r.ID, r.Title, r.Description, string(r.Category), string(r.Status), r.RequesterID, r.AssigneeID,
		timeValue(r.CreatedAt), timeValue(r.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create request: %w", storeError(err))
	}
	return nil
}

// Request returns the request with this ID in workspace ws, or ErrNotFound.
func (db *DB) Request(ctx context.Context, ws, id string) (latchkey.Request, error) {
	r, err := scanRequest(db.ro.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE workspace_id = $1 AND id = $2`, ws, id))
	if err != nil {
		return latchkey.Request{}, fmt.Errorf("read request: %w", storeError(err))
	}
	return r, nil
}

// UpdateRequest runs fn on the request and writes its title, description, category, status,
// assignee and UpdatedAt in one transaction holding the row. If fn returns an error nothing is
// written and that error is returned unchanged. Returns ErrNotFound if the request is not in ws,
// and an error if fn changed ID, WorkspaceID, RequesterID or CreatedAt. fn must not call the store.
func (db *DB) UpdateRequest(ctx context.Context, ws, id string, fn func(*latchkey.Request) error) error {
	var fnErr error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		r, err := scanRequest(tx.QueryRowContext(ctx,
			`SELECT `+requestColumns+` FROM requests WHERE workspace_id = $1 AND id = $2`+db.d.forUpdate, ws, id))
		if err != nil {
			return err
		}
		before := r
		if fnErr = fn(&r); fnErr != nil {
			return fnErr
		}
		if r.ID != id || r.WorkspaceID != ws || r.RequesterID != before.RequesterID || !r.CreatedAt.Equal(before.CreatedAt) {
			return errors.New("the update changed the request's ID, workspace, requester or creation time")
		}
		_, err = tx.ExecContext(ctx, `UPDATE requests SET title = $3, description = $4, category = $5, status = $6,
			assignee_id = $7, updated_at = $8 WHERE workspace_id = $1 AND id = $2`,
			ws, id, r.Title, r.Description, string(r.Category), string(r.Status), r.AssigneeID, timeValue(r.UpdatedAt))
		return err
	})
	switch {
	case fnErr != nil:
		return fnErr
	case err != nil:
		return fmt.Errorf("update request: %w", storeError(err))
	}
	return nil
}

// ListRequests lists the requests of ws matching f, newest first (by CreatedAt, then ID).
func (db *DB) ListRequests(ctx context.Context, ws string, f latchkey.RequestFilter) ([]latchkey.Request, error) {
	var a args
	query := `SELECT ` + requestColumns + ` FROM requests WHERE workspace_id = ` + a.add(ws)
	if f.Status != "" {
		query += ` AND status = ` + a.add(string(f.Status))
	}
	if f.Category != "" {
		query += ` AND category = ` + a.add(string(f.Category))
	}
	if f.RequesterID != "" {
		query += ` AND requester_id = ` + a.add(f.RequesterID)
	}
	if f.AssigneeID != "" {
		query += ` AND assignee_id = ` + a.add(f.AssigneeID)
	}
	if f.Query != "" {
		query += db.contains(&a, f.Query, "title")
	}
	query += ` ORDER BY created_at DESC, id DESC` + a.page(f.Page)
	rows, err := db.ro.QueryContext(ctx, query, a...)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	defer rows.Close()
	var rs []latchkey.Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("list requests: %w", err)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return rs, nil
}

// CountRequests returns how many requests of ws have each status; a status none has is absent.
func (db *DB) CountRequests(ctx context.Context, ws string) (map[latchkey.RequestStatus]int, error) {
	counts, err := countBy[latchkey.RequestStatus](ctx, db.ro,
		`SELECT status, count(*) FROM requests WHERE workspace_id = $1 GROUP BY status`, ws)
	if err != nil {
		return nil, fmt.Errorf("count requests: %w", err)
	}
	return counts, nil
}

// AddComment stores c. Returns ErrNotFound if its request is not in c.WorkspaceID.
func (db *DB) AddComment(ctx context.Context, c latchkey.RequestComment) error {
	_, err := db.rw.ExecContext(ctx,
		`INSERT INTO request_comments (workspace_id, request_id, id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.WorkspaceID, c.RequestID, c.ID, c.AuthorID, c.Body, timeValue(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("add comment: %w", storeError(err))
	}
	return nil
}

// Comments lists the comments of the request, oldest first (comments of one microsecond in the
// order they were added). Returns ErrNotFound if the request is not in ws.
func (db *DB) Comments(ctx context.Context, ws, requestID string) ([]latchkey.RequestComment, error) {
	cs, err := func() ([]latchkey.RequestComment, error) {
		var one int
		if err := db.ro.QueryRowContext(ctx, `SELECT 1 FROM requests WHERE workspace_id = $1 AND id = $2`, ws, requestID).Scan(&one); err != nil {
			return nil, storeError(err)
		}
		rows, err := db.ro.QueryContext(ctx, `SELECT workspace_id, request_id, id, author_id, body, created_at
			FROM request_comments WHERE workspace_id = $1 AND request_id = $2 ORDER BY created_at, seq`, ws, requestID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var cs []latchkey.RequestComment
		for rows.Next() {
			var c latchkey.RequestComment
			if err := rows.Scan(&c.WorkspaceID, &c.RequestID, &c.ID, &c.AuthorID, &c.Body, timeDest(&c.CreatedAt)); err != nil {
				return nil, err
			}
			cs = append(cs, c)
		}
		return cs, rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	return cs, nil
}

// releaseAccountItems runs inside DeleteAccount, after the account's row is gone: its hardware
// goes back in stock, with a line in the notes saying whose it was, so that an administrator
// knows to recover it; requests assigned to it lose their assignee. Its seats go by ON DELETE
// CASCADE, and the requests it opened stay (requester_id has no foreign key).
func releaseAccountItems(ctx context.Context, tx *sql.Tx, ws, id, email string) error {
	note := "Unassigned when the account of " + email + " was removed."
	if _, err := tx.ExecContext(ctx, `UPDATE hardware SET assigned_to = '', status = $3,
			notes = CASE WHEN notes = '' THEN CAST($4 AS TEXT) ELSE notes || CAST($5 AS TEXT) || CAST($4 AS TEXT) END
		WHERE workspace_id = $1 AND assigned_to = $2`, ws, id, string(latchkey.HardwareInStock), note, "\n"); err != nil {
		return fmt.Errorf("release hardware: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE requests SET assignee_id = '' WHERE workspace_id = $1 AND assignee_id = $2`, ws, id); err != nil {
		return fmt.Errorf("release requests: %w", err)
	}
	return nil
}

// exportInventory adds the workspace's hardware, software (with assignees), requests and
// comments to x, read in tx.
func exportInventory(ctx context.Context, tx *sql.Tx, x *latchkey.WorkspaceExport) error {
	ws := x.Workspace.ID
	var err error
	rows, err := tx.QueryContext(ctx, `SELECT `+hardwareColumns+` FROM hardware WHERE workspace_id = $1 ORDER BY asset_tag_key, id`, ws)
	if x.Hardware, err = collect(rows, err, scanHardware); err != nil {
		return fmt.Errorf("read hardware: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT `+softwareColumns+` FROM software WHERE workspace_id = $1 ORDER BY name, id`, ws)
	if x.Software, err = collect(rows, err, scanSoftware); err != nil {
		return fmt.Errorf("read software: %w", err)
	}
	if err := withAssignees(ctx, tx, ws, x.Software); err != nil {
		return fmt.Errorf("read seats: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE workspace_id = $1 ORDER BY created_at, id`, ws)
	if x.Requests, err = collect(rows, err, scanRequest); err != nil {
		return fmt.Errorf("read requests: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT workspace_id, request_id, id, author_id, body, created_at
		FROM request_comments WHERE workspace_id = $1 ORDER BY created_at, seq`, ws)
	x.RequestComments, err = collect(rows, err, func(s scanner) (latchkey.RequestComment, error) {
		var c latchkey.RequestComment
		err := s.Scan(&c.WorkspaceID, &c.RequestID, &c.ID, &c.AuthorID, &c.Body, timeDest(&c.CreatedAt))
		return c, err
	})
	if err != nil {
		return fmt.Errorf("read comments: %w", err)
	}
	return nil
}

// checkInventory refuses an export whose inventory names another workspace or assigns items
// to accounts that are not in it.
func checkInventory(x latchkey.WorkspaceExport, accounts map[string]bool) error {
	ws := x.Workspace.ID
	for _, h := range x.Hardware {
		if h.WorkspaceID != "" && h.WorkspaceID != ws || h.AssignedTo != "" && !accounts[h.AssignedTo] {
			return fmt.Errorf("hardware %q belongs to another workspace or to an account not in the export", h.ID)
		}
	}
	for _, sw := range x.Software {
		if sw.WorkspaceID != "" && sw.WorkspaceID != ws {
			return fmt.Errorf("software %q belongs to workspace %q", sw.ID, sw.WorkspaceID)
		}
		for _, a := range sw.Assignees {
			if !accounts[a] {
				return fmt.Errorf("software %q has a seat of account %q, which is not in the export", sw.ID, a)
			}
		}
	}
	for _, r := range x.Requests {
		if r.WorkspaceID != "" && r.WorkspaceID != ws {
			return fmt.Errorf("request %q belongs to workspace %q", r.ID, r.WorkspaceID)
		}
	}
	for _, c := range x.RequestComments {
		if c.WorkspaceID != "" && c.WorkspaceID != ws {
			return fmt.Errorf("comment %q belongs to workspace %q", c.ID, c.WorkspaceID)
		}
	}
	return nil
}

// importInventory writes x's inventory in tx, after its accounts. Comments keep the export's
// order (oldest first), so that Comments lists them as the exporting store did.
func importInventory(ctx context.Context, tx *sql.Tx, x latchkey.WorkspaceExport) error {
	ws := x.Workspace.ID
	for _, h := range x.Hardware {
		h.WorkspaceID = ws
		if err := insertHardware(ctx, tx, h); err != nil {
			return err
		}
	}
	for _, sw := range x.Software {
		sw.WorkspaceID = ws
		if err := insertSoftware(ctx, tx, sw); err != nil {
			return err
		}
	}
	for _, r := range x.Requests {
		if _, err := tx.ExecContext(ctx, `INSERT INTO requests (`+requestColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			ws, r.ID, r.Title, r.Description, string(r.Category), string(r.Status), r.RequesterID, r.AssigneeID,
			timeValue(r.CreatedAt), timeValue(r.UpdatedAt)); err != nil {
			return err
		}
	}
	comments := slices.Clone(x.RequestComments)
	slices.SortStableFunc(comments, func(a, b latchkey.RequestComment) int { return a.CreatedAt.Compare(b.CreatedAt) })
	for _, c := range comments {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO request_comments (workspace_id, request_id, id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			ws, c.RequestID, c.ID, c.AuthorID, c.Body, timeValue(c.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}
