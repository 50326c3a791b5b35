package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
)

const passkeyColumns = `workspace_id, account_id, id, credential_id, public_key, sign_count, aaguid, name,
	backup_eligible, backup_state, transports, created_at, last_used_at`

// CreatePasskey stores p. Returns ErrConflict if the workspace has a passkey with this ID or
// credential id (the UNIQUE is on the pair with the workspace, so another workspace may hold
// the same credential id), and ErrNotFound if p.WorkspaceID has no account p.AccountID.
func (db *DB) CreatePasskey(ctx context.Context, p latchkey.Passkey) error {
	if err := insertPasskey(ctx, db.rw, p); err != nil {
		return fmt.Errorf("create passkey: %w", storeError(err))
	}
	return nil
}

func insertPasskey(ctx context.Context, q querier, p latchkey.Passkey) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO passkeys (`+passkeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		p.WorkspaceID, p.AccountID, p.ID, nonNil(p.CredentialID), nonNil(p.PublicKey), int64(p.SignCount),
		nonNil(p.AAGUID), p.Name, p.BackupEligible, p.BackupState, strings.Join(p.Transports, " "),
		timeValue(p.CreatedAt), timeValue(p.LastUsedAt))
	return err
}

// nonNil returns b, or an empty slice for nil, for NOT NULL byte columns: database/sql sends a
// nil []byte as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func scanPasskey(row scanner) (latchkey.Passkey, error) {
	var p latchkey.Passkey
	var count int64
	var transports string
	err := row.Scan(&p.WorkspaceID, &p.AccountID, &p.ID, &p.CredentialID, &p.PublicKey, &count, &p.AAGUID,
		&p.Name, &p.BackupEligible, &p.BackupState, &transports, timeDest(&p.CreatedAt), timeDest(&p.LastUsedAt))
	if err != nil {
		return latchkey.Passkey{}, err
	}
	p.SignCount = uint32(count)
	p.Transports = strings.Fields(transports)
	return p, nil
}

// Passkey returns the passkey with this ID in workspace ws, or ErrNotFound.
func (db *DB) Passkey(ctx context.Context, ws, id string) (latchkey.Passkey, error) {
	p, err := scanPasskey(db.ro.QueryRowContext(ctx,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE workspace_id = $1 AND id = $2`, ws, id))
	if err != nil {
		return latchkey.Passkey{}, fmt.Errorf("read passkey: %w", storeError(err))
	}
	return p, nil
}

// PasskeyByCredentialID returns the passkey of workspace ws with this credential id, or
// ErrNotFound.
func (db *DB) PasskeyByCredentialID(ctx context.Context, ws string, credentialID []byte) (latchkey.Passkey, error) {
	p, err := scanPasskey(db.ro.QueryRowContext(ctx,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE workspace_id = $1 AND credential_id = $2`, ws, nonNil(credentialID)))
	if err != nil {
		return latchkey.Passkey{}, fmt.Errorf("read passkey by credential id: %w", storeError(err))
	}
	return p, nil
}

// Passkeys lists the account's passkeys, oldest first (by CreatedAt, then ID).
// PasskeyCounts returns how many passkeys each account of ws has, in one grouped read.
func (db *DB) PasskeyCounts(ctx context.Context, ws string) (map[string]int, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT account_id, COUNT(*) FROM passkeys WHERE workspace_id = $1 GROUP BY account_id`, ws)
	if err != nil {
		return nil, fmt.Errorf("count passkeys: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("count passkeys: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// Passkeys lists the passkeys of the account, oldest first.
func (db *DB) Passkeys(ctx context.Context, ws, accountID string) ([]latchkey.Passkey, error) {
	rows, err := db.ro.QueryContext(ctx,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE workspace_id = $1 AND account_id = $2 ORDER BY created_at, id`,
		ws, accountID)
	if err != nil {
		return nil, fmt.Errorf("list passkeys: %w", err)
	}
	defer rows.Close()
	var ps []latchkey.Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, fmt.Errorf("list passkeys: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list passkeys: %w", err)
	}
	return ps, nil
}

// UsePasskey records an accepted assertion in one conditional UPDATE (… AND (sign_count < new
// OR both zero)), so that of concurrent calls with one counter value the database lets exactly
// one change the row, as AdvanceTOTPStep does. When no row changed, a second look tells a
// counter that did not go forward (ErrConflict) from a missing passkey (ErrNotFound).
func (db *DB) UsePasskey(ctx context.Context, ws, id string, signCount uint32, backupState bool, now time.Time) error {
	res, err := db.rw.ExecContext(ctx,
		`UPDATE passkeys SET sign_count = $3, backup_state = $4, last_used_at = $5
		WHERE workspace_id = $1 AND id = $2 AND (sign_count < $3 OR (sign_count = 0 AND $3 = 0))`,
		ws, id, int64(signCount), backupState, timeValue(now))
	if err != nil {
		return fmt.Errorf("use passkey: %w", err)
	}
	n, err := affected(res)
	if err != nil {
		return fmt.Errorf("use passkey: %w", err)
	}
	if n == 1 {
		return nil
	}
	var one int
	err = db.rw.QueryRowContext(ctx, `SELECT 1 FROM passkeys WHERE workspace_id = $1 AND id = $2`, ws, id).Scan(&one)
	if err != nil {
		return fmt.Errorf("use passkey: %w", storeError(err))
	}
	return fmt.Errorf("use passkey: signature counter %d is not after the stored one: %w", signCount, latchkey.ErrConflict)
}

// RenamePasskey sets the name of the account's passkey, or returns ErrNotFound.
func (db *DB) RenamePasskey(ctx context.Context, ws, accountID, id, name string) error {
	res, err := db.rw.ExecContext(ctx,
		`UPDATE passkeys SET name = $4 WHERE workspace_id = $1 AND account_id = $2 AND id = $3`, ws, accountID, id, name)
	if err != nil {
		return fmt.Errorf("rename passkey: %w", err)
	}
	if n, err := affected(res); err != nil || n == 0 {
		return fmt.Errorf("rename passkey: %w", storeError(orNoRows(err)))
	}
	return nil
}

// DeletePasskey removes the account's passkey, or returns ErrNotFound.
func (db *DB) DeletePasskey(ctx context.Context, ws, accountID, id string) error {
	res, err := db.rw.ExecContext(ctx,
		`DELETE FROM passkeys WHERE workspace_id = $1 AND account_id = $2 AND id = $3`, ws, accountID, id)
	if err != nil {
		return fmt.Errorf("delete passkey: %w", err)
	}
	if n, err := affected(res); err != nil || n == 0 {
		return fmt.Errorf("delete passkey: %w", storeError(orNoRows(err)))
	}
	return nil
}

// orNoRows returns err, or sql.ErrNoRows for nil: what a statement that changed no row means.
func orNoRows(err error) error {
	if err != nil {
		return err
	}
	return sql.ErrNoRows
}

// nullString returns s as a query argument, NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateCeremony stores c. A passwordless ceremony's empty AccountID is stored as NULL, which
// the foreign key to accounts lets through. Returns ErrNotFound if the workspace, or a named
// account of it, does not exist, and ErrConflict if the ID is taken.
func (db *DB) CreateCeremony(ctx context.Context, c latchkey.Ceremony) error {
	_, err := db.rw.ExecContext(ctx,
		`INSERT INTO webauthn_ceremonies (id, workspace_id, account_id, kind, session_data, browser_hash, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.ID, c.WorkspaceID, nullString(c.AccountID), string(c.Kind), nonNil(c.SessionData), c.BrowserHash,
		timeValue(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create ceremony: %w", storeError(err))
	}
	return nil
}

// ConsumeCeremony is one DELETE … RETURNING with every condition in its WHERE: the database
// deletes the row once, so of concurrent calls exactly one gets it back and the others find
// nothing (ErrNotFound), on either engine.
func (db *DB) ConsumeCeremony(ctx context.Context, ws, id string, kind latchkey.CeremonyKind, now time.Time) (latchkey.Ceremony, error) {
	var c latchkey.Ceremony
	var account sql.NullString
	var k string
	err := db.rw.QueryRowContext(ctx,
		`DELETE FROM webauthn_ceremonies WHERE id = $1 AND workspace_id = $2 AND kind = $3 AND expires_at > $4
		RETURNING id, workspace_id, account_id, kind, session_data, browser_hash, expires_at`,
		id, ws, string(kind), timeValue(now)).
		Scan(&c.ID, &c.WorkspaceID, &account, &k, &c.SessionData, &c.BrowserHash, timeDest(&c.ExpiresAt))
	if err != nil {
		return latchkey.Ceremony{}, fmt.Errorf("consume ceremony: %w", storeError(err))
	}
	c.AccountID = account.String
	c.Kind = latchkey.CeremonyKind(k)
	return c, nil
}

// DeleteExpiredCeremonies removes, across all workspaces, the ceremonies whose ExpiresAt is not
// after now, and returns how many.
func (db *DB) DeleteExpiredCeremonies(ctx context.Context, now time.Time) (int, error) {
	res, err := db.rw.ExecContext(ctx, `DELETE FROM webauthn_ceremonies WHERE expires_at <= $1`, timeValue(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired ceremonies: %w", err)
	}
	n, err := affected(res)
	if err != nil {
		return 0, fmt.Errorf("delete expired ceremonies: %w", err)
	}
	return n, nil
}

// SeeDevice first tries INSERT … ON CONFLICT DO NOTHING: the primary key lets exactly one of
// concurrent inserts of one device store the row, and that one reports New. Otherwise the
// device is known and its LastSeen moves to now. The count of other devices is read in the
// same transaction, after the account's row is locked (PostgreSQL) or the database is
// (SQLite), so that it is exact.
func (db *DB) SeeDevice(ctx context.Context, ws, accountID, deviceHash string, now time.Time) (latchkey.DeviceSighting, error) {
	var s latchkey.DeviceSighting
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		s, err = db.seeDevice(ctx, tx, ws, accountID, deviceHash, now)
		return err
	})
	if err != nil {
		return latchkey.DeviceSighting{}, fmt.Errorf("see device: %w", storeError(err))
	}
	return s, nil
}

// seeDevice is SeeDevice inside tx.
func (db *DB) seeDevice(ctx context.Context, tx *sql.Tx, ws, accountID, deviceHash string, now time.Time) (latchkey.DeviceSighting, error) {
	var s latchkey.DeviceSighting
	if err := db.lockAccount(ctx, tx, ws, accountID); err != nil {
		return s, err
	}
	res, err := tx.ExecContext(ctx,
		`INSERT INTO known_devices (workspace_id, account_id, device_hash, first_seen, last_seen)
		VALUES ($1, $2, $3, $4, $4) ON CONFLICT DO NOTHING`,
		ws, accountID, deviceHash, timeValue(now))
	if err != nil {
		return s, err
	}
	n, err := affected(res)
	if err != nil {
		return s, err
	}
	s.New = n == 1
	if !s.New {
		if _, err := tx.ExecContext(ctx,
			`UPDATE known_devices SET last_seen = $4
			WHERE workspace_id = $1 AND account_id = $2 AND device_hash = $3 AND last_seen < $4`,
			ws, accountID, deviceHash, timeValue(now)); err != nil {
			return s, err
		}
	}
	err = tx.QueryRowContext(ctx,
		`SELECT count(*) FROM known_devices WHERE workspace_id = $1 AND account_id = $2 AND device_hash <> $3`,
		ws, accountID, deviceHash).Scan(&s.Others)
	return s, err
}

// Devices lists the account's known devices, most recently seen first (then by hash).
func (db *DB) Devices(ctx context.Context, ws, accountID string) ([]latchkey.Device, error) {
	rows, err := db.ro.QueryContext(ctx,
		`SELECT workspace_id, account_id, device_hash, first_seen, last_seen FROM known_devices
		WHERE workspace_id = $1 AND account_id = $2 ORDER BY last_seen DESC, device_hash`, ws, accountID)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	defer rows.Close()
	var ds []latchkey.Device
	for rows.Next() {
		var d latchkey.Device
		if err := rows.Scan(&d.WorkspaceID, &d.AccountID, &d.DeviceHash, timeDest(&d.FirstSeen), timeDest(&d.LastSeen)); err != nil {
			return nil, fmt.Errorf("list devices: %w", err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	return ds, nil
}

// ForgetDevices removes the account's known devices and returns how many.
func (db *DB) ForgetDevices(ctx context.Context, ws, accountID string) (int, error) {
	res, err := db.rw.ExecContext(ctx, `DELETE FROM known_devices WHERE workspace_id = $1 AND account_id = $2`, ws, accountID)
	if err != nil {
		return 0, fmt.Errorf("forget devices: %w", err)
	}
	n, err := affected(res)
	if err != nil {
		return 0, fmt.Errorf("forget devices: %w", err)
	}
	return n, nil
}

// SetNewDeviceAlerts upserts the account's setting; the foreign key refuses an account that
// ws does not have (ErrNotFound).
func (db *DB) SetNewDeviceAlerts(ctx context.Context, ws, accountID string, on bool, now time.Time) error {
	_, err := db.rw.ExecContext(ctx,
		`INSERT INTO account_alert_settings (workspace_id, account_id, new_device_alerts_off, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (workspace_id, account_id) DO UPDATE SET new_device_alerts_off = $3, updated_at = $4`,
		ws, accountID, !on, timeValue(now))
	if err != nil {
		return fmt.Errorf("set new-device alerts: %w", storeError(err))
	}
	return nil
}

// NewDeviceAlerts reads the account's setting in one query that also tells a missing account
// (ErrNotFound) from one that never changed the default (on).
func (db *DB) NewDeviceAlerts(ctx context.Context, ws, accountID string) (bool, error) {
	var off sql.NullBool
	err := db.ro.QueryRowContext(ctx,
		`SELECT s.new_device_alerts_off FROM accounts a
		LEFT JOIN account_alert_settings s ON s.workspace_id = a.workspace_id AND s.account_id = a.id
		WHERE a.workspace_id = $1 AND a.id = $2`, ws, accountID).Scan(&off)
	if err != nil {
		return false, fmt.Errorf("read new-device alerts: %w", storeError(err))
	}
	return !off.Bool, nil
}

// NewDeviceAlertsOff lists the accounts of ws that turned new-device alerts off, by ID.
func (db *DB) NewDeviceAlertsOff(ctx context.Context, ws string) ([]string, error) {
	rows, err := db.ro.QueryContext(ctx,
		`SELECT account_id FROM account_alert_settings WHERE workspace_id = $1 AND new_device_alerts_off ORDER BY account_id`, ws)
	if err != nil {
		return nil, fmt.Errorf("list new-device alerts off: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list new-device alerts off: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list new-device alerts off: %w", err)
	}
	return ids, nil
}
