package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey"
)

const connectionColumns = `workspace_id, id, kind, name, position, enabled, jit, issuer, client_id,
	client_secret, tenants, idp_entity_id, idp_sso_url, idp_certs, metadata_url, metadata_xml,
	metadata_fetched_at, idp_initiated, allow_sha1, created_at, updated_at`

// stringList is a []string stored as a JSON array: '[]' for none.
type stringList []string

func (l stringList) value() (string, error) {
	if l == nil {
		l = stringList{}
	}
	b, err := json.Marshal([]string(l))
	return string(b), err
}

func (l *stringList) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("scan string list: unexpected %T", src)
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return fmt.Errorf("scan string list: %w", err)
	}
	if len(ss) == 0 {
		ss = nil
	}
	*l = ss
	return nil
}

func scanConnection(s scanner) (latchkey.Connection, error) {
	var c latchkey.Connection
	err := s.Scan(&c.WorkspaceID, &c.ID, &c.Kind, &c.Name, &c.Position, &c.Enabled, &c.JIT, &c.Issuer,
		&c.ClientID, &c.ClientSecret, (*stringList)(&c.Tenants), &c.IdPEntityID, &c.IdPSSOURL,
		(*stringList)(&c.IdPCerts), &c.MetadataURL, &c.MetadataXML, timeDest(&c.MetadataFetchedAt),
		&c.IdPInitiated, &c.AllowSHA1, timeDest(&c.CreatedAt), timeDest(&c.UpdatedAt))
	return c, err
}

// connectionArgs are c's values for connectionColumns.
func connectionArgs(c latchkey.Connection) ([]any, error) {
	tenants, err := stringList(c.Tenants).value()
	if err != nil {
		return nil, err
	}
	certs, err := stringList(c.IdPCerts).value()
	if err != nil {
		return nil, err
	}
	return []any{c.WorkspaceID, c.ID, string(c.Kind), c.Name, c.Position, c.Enabled, c.JIT, c.Issuer,
		c.ClientID, c.ClientSecret, tenants, c.IdPEntityID, c.IdPSSOURL, certs, c.MetadataURL,
		c.MetadataXML, timeValue(c.MetadataFetchedAt), c.IdPInitiated, c.AllowSHA1,
		timeValue(c.CreatedAt), timeValue(c.UpdatedAt)}, nil
}

func insertConnection(ctx context.Context, q querier, c latchkey.Connection) error {
	args, err := connectionArgs(c)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO sso_connections (`+connectionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`, args...)
	return err
}

// CreateConnection stores c as given (ClientSecret is sealed by the caller). Returns
// ErrNotFound if the workspace does not exist and ErrConflict if it has a connection with c.ID.
func (db *DB) CreateConnection(ctx context.Context, c latchkey.Connection) error {
	if err := insertConnection(ctx, db.rw, c); err != nil {
		return fmt.Errorf("create connection: %w", storeError(err))
	}
	return nil
}

// Connection returns the connection with this ID in workspace ws, or ErrNotFound.
func (db *DB) Connection(ctx context.Context, ws, id string) (latchkey.Connection, error) {
	c, err := scanConnection(db.ro.QueryRowContext(ctx,
		`SELECT `+connectionColumns+` FROM sso_connections WHERE workspace_id = $1 AND id = $2`, ws, id))
	if err != nil {
		return latchkey.Connection{}, fmt.Errorf("read connection: %w", storeError(err))
	}
	return c, nil
}

// Connections lists the connections of ws ordered by position, then creation, then ID.
func (db *DB) Connections(ctx context.Context, ws string) ([]latchkey.Connection, error) {
	cs, err := listConnections(ctx, db.ro, ws)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	return cs, nil
}

func listConnections(ctx context.Context, q querier, ws string) ([]latchkey.Connection, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+connectionColumns+` FROM sso_connections
		WHERE workspace_id = $1 ORDER BY position, created_at, id`, ws)
	return collect(rows, err, scanConnection)
}

// UpdateConnection reads the connection, runs fn on it and writes the result in one
// transaction that holds the row (PostgreSQL: FOR UPDATE; SQLite: the write lock). If fn
// returns an error nothing is written and that error is returned unchanged. Returns
// ErrNotFound if ws has no such connection, and an error if fn changed ID, WorkspaceID or
// Kind. fn must be quick and must not call the store.
func (db *DB) UpdateConnection(ctx context.Context, ws, id string, fn func(*latchkey.Connection) error) error {
	var fnErr error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		c, err := scanConnection(tx.QueryRowContext(ctx, `SELECT `+connectionColumns+` FROM sso_connections
			WHERE workspace_id = $1 AND id = $2`+db.d.forUpdate, ws, id))
		if err != nil {
			return err
		}
		kind := c.Kind
		if fnErr = fn(&c); fnErr != nil {
			return fnErr
		}
		if c.ID != id || c.WorkspaceID != ws || c.Kind != kind {
			return errors.New("the update changed the connection's ID, workspace or kind")
		}
		args, err := connectionArgs(c)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE sso_connections SET kind = $3, name = $4, position = $5,
			enabled = $6, jit = $7, issuer = $8, client_id = $9, client_secret = $10, tenants = $11,
			idp_entity_id = $12, idp_sso_url = $13, idp_certs = $14, metadata_url = $15,
			metadata_xml = $16, metadata_fetched_at = $17, idp_initiated = $18, allow_sha1 = $19,
			created_at = $20, updated_at = $21
			WHERE workspace_id = $1 AND id = $2`, args...)
		return err
	})
	switch {
	case fnErr != nil:
		return fnErr
	case err != nil:
		return fmt.Errorf("update connection: %w", storeError(err))
	}
	return nil
}

// DeleteConnection removes the connection; its identity links and flows go with it (ON DELETE
// CASCADE). Returns ErrNotFound if ws has no such connection.
func (db *DB) DeleteConnection(ctx context.Context, ws, id string) error {
	res, err := db.rw.ExecContext(ctx, `DELETE FROM sso_connections WHERE workspace_id = $1 AND id = $2`, ws, id)
	if err != nil {
		return fmt.Errorf("delete connection: %w", err)
	}
	return oneRow("delete connection", res)
}

// oneRow returns ErrNotFound, wrapped in what, unless res changed a row.
func oneRow(what string, res sql.Result) error {
	n, err := affected(res)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, latchkey.ErrNotFound)
	}
	return nil
}

// Domains lists the approved domains of ws, sorted bytewise.
func (db *DB) Domains(ctx context.Context, ws string) ([]string, error) {
	ds, err := listDomains(ctx, db.ro, ws)
	if err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	return ds, nil
}

func listDomains(ctx context.Context, q querier, ws string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT domain FROM sso_domains WHERE workspace_id = $1 ORDER BY domain`, ws)
	return collect(rows, err, func(s scanner) (string, error) {
		var d string
		err := s.Scan(&d)
		return d, err
	})
}

// AddDomain approves latchkey.NormalizeDomain(domain) for ws. Returns its *Error for a
// malformed domain, ErrConflict if ws has approved it already and ErrNotFound if ws does not
// exist.
func (db *DB) AddDomain(ctx context.Context, ws, domain string) error {
	d, err := latchkey.NormalizeDomain(domain)
	if err != nil {
		return fmt.Errorf("add domain: %w", err)
	}
	if _, err := db.rw.ExecContext(ctx, `INSERT INTO sso_domains (workspace_id, domain) VALUES ($1, $2)`, ws, d); err != nil {
		return fmt.Errorf("add domain: %w", storeError(err))
	}
	return nil
}

// RemoveDomain withdraws the approval of domain. Returns ErrNotFound if ws has not approved it
// (a malformed domain never is).
func (db *DB) RemoveDomain(ctx context.Context, ws, domain string) error {
	d, err := latchkey.NormalizeDomain(domain)
	if err != nil {
		return fmt.Errorf("remove domain: %w", latchkey.ErrNotFound)
	}
	res, err := db.rw.ExecContext(ctx, `DELETE FROM sso_domains WHERE workspace_id = $1 AND domain = $2`, ws, d)
	if err != nil {
		return fmt.Errorf("remove domain: %w", err)
	}
	return oneRow("remove domain", res)
}

const linkColumns = `workspace_id, account_id, connection_id, subject, email, created_at, last_used_at`

func scanLink(s scanner) (latchkey.IdentityLink, error) {
	var l latchkey.IdentityLink
	err := s.Scan(&l.WorkspaceID, &l.AccountID, &l.ConnectionID, &l.Subject, &l.Email,
		timeDest(&l.CreatedAt), timeDest(&l.LastUsedAt))
	return l, err
}

func insertLink(ctx context.Context, q querier, l latchkey.IdentityLink) error {
	_, err := q.ExecContext(ctx, `INSERT INTO identity_links (`+linkColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		l.WorkspaceID, l.AccountID, l.ConnectionID, l.Subject, l.Email, timeValue(l.CreatedAt), timeValue(l.LastUsedAt))
	return err
}

// LinkIdentity stores l. Returns ErrConflict if the connection links l.Subject already, and
// ErrNotFound if l.WorkspaceID has no such account or connection (the foreign keys are on the
// pairs, so an account or connection of another workspace is not found).
func (db *DB) LinkIdentity(ctx context.Context, l latchkey.IdentityLink) error {
	if err := insertLink(ctx, db.rw, l); err != nil {
		return fmt.Errorf("link identity: %w", storeError(err))
	}
	return nil
}

// IdentityBySubject returns the link of subject at connection connID in ws, or ErrNotFound.
func (db *DB) IdentityBySubject(ctx context.Context, ws, connID, subject string) (latchkey.IdentityLink, error) {
	l, err := scanLink(db.ro.QueryRowContext(ctx, `SELECT `+linkColumns+` FROM identity_links
		WHERE workspace_id = $1 AND connection_id = $2 AND subject = $3`, ws, connID, subject))
	if err != nil {
		return latchkey.IdentityLink{}, fmt.Errorf("read identity link: %w", storeError(err))
	}
	return l, nil
}

// IdentityLinks lists the account's links, oldest first, then by connection and subject.
func (db *DB) IdentityLinks(ctx context.Context, ws, accountID string) ([]latchkey.IdentityLink, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT `+linkColumns+` FROM identity_links
		WHERE workspace_id = $1 AND account_id = $2 ORDER BY created_at, connection_id, subject`, ws, accountID)
	ls, err := collect(rows, err, scanLink)
	if err != nil {
		return nil, fmt.Errorf("list identity links: %w", err)
	}
	return ls, nil
}

// TouchIdentity sets the link's LastUsedAt to now and Email to email. Returns ErrNotFound if
// ws has no such link.
func (db *DB) TouchIdentity(ctx context.Context, ws, connID, subject, email string, now time.Time) error {
	res, err := db.rw.ExecContext(ctx, `UPDATE identity_links SET last_used_at = $4, email = $5
		WHERE workspace_id = $1 AND connection_id = $2 AND subject = $3`, ws, connID, subject, timeValue(now), email)
	if err != nil {
		return fmt.Errorf("touch identity link: %w", err)
	}
	return oneRow("touch identity link", res)
}

// Unlink removes the account's link of subject at connection connID. Returns ErrNotFound if
// ws has no such link of that account.
func (db *DB) Unlink(ctx context.Context, ws, accountID, connID, subject string) error {
	res, err := db.rw.ExecContext(ctx, `DELETE FROM identity_links
		WHERE workspace_id = $1 AND account_id = $2 AND connection_id = $3 AND subject = $4`, ws, accountID, connID, subject)
	if err != nil {
		return fmt.Errorf("unlink identity: %w", err)
	}
	return oneRow("unlink identity", res)
}

const flowColumns = `id, workspace_id, connection_id, browser_hash, secret, remember, test, created_at, expires_at, return_to`

// CreateFlow stores f. Returns ErrNotFound if f.WorkspaceID has no connection f.ConnectionID
// and ErrConflict if a flow has f.ID.
func (db *DB) CreateFlow(ctx context.Context, f latchkey.SSOFlow) error {
	secret := f.Secret
	if secret == nil {
		secret = []byte{}
	}
	_, err := db.rw.ExecContext(ctx, `INSERT INTO sso_flows (`+flowColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		f.ID, f.WorkspaceID, f.ConnectionID, f.BrowserHash, secret, f.Remember, f.Test,
		timeValue(f.CreatedAt), timeValue(f.ExpiresAt), f.ReturnTo)
	if err != nil {
		return fmt.Errorf("create flow: %w", storeError(err))
	}
	return nil
}

// ConsumeFlow is one DELETE … WHERE expires_at > now RETURNING: of concurrent consumers,
// exactly one deletes the row and gets it; the others, and any later call, get ErrNotFound.
func (db *DB) ConsumeFlow(ctx context.Context, ws, id string, now time.Time) (latchkey.SSOFlow, error) {
	var f latchkey.SSOFlow
	err := db.rw.QueryRowContext(ctx, `DELETE FROM sso_flows WHERE id = $1 AND workspace_id = $2 AND expires_at > $3
		RETURNING `+flowColumns, id, ws, timeValue(now)).
		Scan(&f.ID, &f.WorkspaceID, &f.ConnectionID, &f.BrowserHash, &f.Secret, &f.Remember, &f.Test,
			timeDest(&f.CreatedAt), timeDest(&f.ExpiresAt), &f.ReturnTo)
	if err != nil {
		return latchkey.SSOFlow{}, fmt.Errorf("consume flow: %w", storeError(err))
	}
	return f, nil
}

// DeleteExpiredFlows removes the flows whose ExpiresAt is not after now and returns how many.
func (db *DB) DeleteExpiredFlows(ctx context.Context, now time.Time) (int, error) {
	res, err := db.rw.ExecContext(ctx, `DELETE FROM sso_flows WHERE expires_at <= $1`, timeValue(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired flows: %w", err)
	}
	n, err := affected(res)
	if err != nil {
		return 0, fmt.Errorf("delete expired flows: %w", err)
	}
	return n, nil
}

// UseOnce is one INSERT … ON CONFLICT DO UPDATE … WHERE the old record has expired: it writes
// a row (inserted, or an expired one replaced) or, for a key in use, none, and the row lock of
// the conflict makes concurrent calls with one key take turns, so exactly one writes. Expired
// records are then deleted.
func (db *DB) UseOnce(ctx context.Context, key string, until, now time.Time) error {
	if !until.After(now) {
		return fmt.Errorf("use once: until %v is not after now %v", until, now)
	}
	res, err := db.rw.ExecContext(ctx, `INSERT INTO once_keys (once_key, expires_at) VALUES ($1, $2)
		ON CONFLICT (once_key) DO UPDATE SET expires_at = excluded.expires_at
		WHERE once_keys.expires_at <= $3`, key, timeValue(until), timeValue(now))
	if err != nil {
		return fmt.Errorf("use once: %w", storeError(err))
	}
	n, err := affected(res)
	if err != nil {
		return fmt.Errorf("use once: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("use once: %w", latchkey.ErrConflict)
	}
	if _, err := db.rw.ExecContext(ctx, `DELETE FROM once_keys WHERE expires_at <= $1`, timeValue(now)); err != nil {
		return fmt.Errorf("use once: delete expired: %w", err)
	}
	return nil
}
