package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/latchkey/latchkey"
)

const sessionColumns = `id, workspace_id, account_id, created_at, last_seen_at, expires_at, persistent, client_addr, user_agent, sso`

// sessionColumnsS names the same columns of the sessions table aliased as s, for joins.
const sessionColumnsS = `s.id, s.workspace_id, s.account_id, s.created_at, s.last_seen_at, s.expires_at, s.persistent, s.client_addr, s.user_agent, s.sso`

// sessionDest returns the Scan destinations for sessionColumns.
func sessionDest(s *latchkey.Session) []any {
	return []any{&s.ID, &s.WorkspaceID, &s.AccountID, timeDest(&s.CreatedAt), timeDest(&s.LastSeenAt),
		timeDest(&s.ExpiresAt), &s.Persistent, &s.ClientAddr, &s.UserAgent, &s.SSO}
}

// sessionValues are the query arguments for sessionColumns.
func sessionValues(s latchkey.Session) []any {
	return []any{s.ID, s.WorkspaceID, s.AccountID, timeValue(s.CreatedAt), timeValue(s.LastSeenAt),
		timeValue(s.ExpiresAt), s.Persistent, s.ClientAddr, s.UserAgent, s.SSO}
}

// CreateSession stores s. Returns ErrNotFound if the account does not exist in
// s.WorkspaceID (the foreign key is on the pair), and ErrConflict if the ID is taken.
func (db *DB) CreateSession(ctx context.Context, s latchkey.Session) error {
	_, err := db.rw.ExecContext(ctx,
		`INSERT INTO sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		sessionValues(s)...)
	if err != nil {
		return fmt.Errorf("create session: %w", storeError(err))
	}
	return nil
}

// StartSession writes a sign-in in one transaction, as latchkey.SessionStore promises: on
// SQLite one commit instead of one per write.
func (db *DB) StartSession(ctx context.Context, st latchkey.SessionStart) (latchkey.DeviceSighting, error) {
	s := st.Session
	defer db.forget(s.WorkspaceID)
	var seen latchkey.DeviceSighting
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if st.Replaces != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1 AND workspace_id = $2`, st.Replaces, s.WorkspaceID); err != nil {
				return fmt.Errorf("end replaced session: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			sessionValues(s)...); err != nil {
			return fmt.Errorf("create session: %w", storeError(err))
		}
		if !st.Rotate {
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET last_sign_in_at = $3 WHERE workspace_id = $1 AND id = $2`,
				s.WorkspaceID, s.AccountID, timeValue(s.CreatedAt)); err != nil {
				return fmt.Errorf("record sign-in time: %w", err)
			}
		}
		if err := undoFailures(ctx, tx, st.UndoCounters); err != nil {
			return err
		}
		if err := resetCounters(ctx, tx, st.ResetCounters); err != nil {
			return err
		}
		if st.Device != "" {
			var err error
			if seen, err = db.seeDevice(ctx, tx, s.WorkspaceID, s.AccountID, st.Device, s.CreatedAt); err != nil {
				return fmt.Errorf("see device: %w", err)
			}
		}
		for _, e := range st.Events {
			if err := insertEvent(ctx, tx, e); err != nil {
				return fmt.Errorf("record event: %w", storeError(err))
			}
		}
		return nil
	})
	if err != nil {
		return latchkey.DeviceSighting{}, fmt.Errorf("start session: %w", storeError(err))
	}
	return seen, nil
}

var sessionQuery = `SELECT ` + sessionColumnsS + `, ` + accountColumnsA + `
		FROM sessions s JOIN accounts a ON a.workspace_id = s.workspace_id AND a.id = s.account_id
		WHERE s.id = $1 AND s.workspace_id = $2`

// Session returns the session with this ID in workspace ws and its account, or ErrNotFound.
// It runs on every signed-in request, so it is one query: a join on both primary keys.
// It is read through the cache (cache.go).
func (db *DB) Session(ctx context.Context, ws, id string) (latchkey.Session, latchkey.Account, error) {
	if !db.checkCache(ctx) {
		return db.readSession(ctx, ws, id)
	}
	if s, a, ok := db.cache.session(ws, id); ok {
		return s, a, nil
	}
	seq, at := db.cache.snapshot()
	s, a, err := db.readSession(ctx, ws, id)
	if err == nil {
		db.cache.storeSession(s, a, seq, at)
	}
	return s, a, err
}

func (db *DB) readSession(ctx context.Context, ws, id string) (latchkey.Session, latchkey.Account, error) {
	var s latchkey.Session
	var a latchkey.Account
	err := db.queryRow(ctx, db.hot.session, sessionQuery, id, ws).
		Scan(append(sessionDest(&s), accountDest(&a)...)...)
	if err != nil {
		return latchkey.Session{}, latchkey.Account{}, fmt.Errorf("read session: %w", storeError(err))
	}
	return s, a, nil
}

// TouchSession sets the session's LastSeenAt to now. Returns ErrNotFound if it is gone.
func (db *DB) TouchSession(ctx context.Context, ws, id string, now time.Time) error {
	res, err := db.rw.ExecContext(ctx,
		`UPDATE sessions SET last_seen_at = $3 WHERE id = $1 AND workspace_id = $2`, id, ws, timeValue(now))
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	n, err := affected(res)
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("touch session: %w", latchkey.ErrNotFound)
	}
	if db.cache != nil {
		db.cache.touched(ws, id, time.UnixMicro(now.UnixMicro()).UTC())
	}
	return nil
}

// DeleteSession removes one session. Deleting a missing session is not an error.
func (db *DB) DeleteSession(ctx context.Context, ws, id string) error {
	defer db.forget(ws)
	if _, err := db.rw.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1 AND workspace_id = $2`, id, ws); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteAccountSessions removes every session of the account except the one with ID except
// ("" removes all) and returns how many it removed.
func (db *DB) DeleteAccountSessions(ctx context.Context, ws, accountID, except string) (int, error) {
	defer db.forget(ws)
	res, err := db.rw.ExecContext(ctx,
		`DELETE FROM sessions WHERE workspace_id = $1 AND account_id = $2 AND id <> $3`, ws, accountID, except)
	if err != nil {
		return 0, fmt.Errorf("delete account sessions: %w", err)
	}
	n, err := affected(res)
	if err != nil {
		return 0, fmt.Errorf("delete account sessions: %w", err)
	}
	return n, nil
}

// DeleteWorkspaceSessions removes every session of ws but except, as
// latchkey.SessionStore promises.
func (db *DB) DeleteWorkspaceSessions(ctx context.Context, ws, except string) (int, error) {
	defer db.forget(ws)
	res, err := db.rw.ExecContext(ctx, `DELETE FROM sessions WHERE workspace_id = $1 AND id <> $2`, ws, except)
	if err != nil {
		return 0, fmt.Errorf("delete workspace sessions: %w", err)
	}
	n, err := affected(res)
	if err != nil {
		return 0, fmt.Errorf("delete workspace sessions: %w", err)
	}
	return n, nil
}

// AccountSessions lists the account's sessions, newest (by CreatedAt) first.
func (db *DB) AccountSessions(ctx context.Context, ws, accountID string) ([]latchkey.Session, error) {
	rows, err := db.ro.QueryContext(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE workspace_id = $1 AND account_id = $2
		ORDER BY created_at DESC, id`, ws, accountID)
	if err != nil {
		return nil, fmt.Errorf("list account sessions: %w", err)
	}
	defer rows.Close()
	var ss []latchkey.Session
	for rows.Next() {
		var s latchkey.Session
		if err := rows.Scan(sessionDest(&s)...); err != nil {
			return nil, fmt.Errorf("list account sessions: %w", err)
		}
		ss = append(ss, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list account sessions: %w", err)
	}
	return ss, nil
}

// DeleteExpiredSessions removes, across all workspaces, the sessions whose ExpiresAt is not
// after now or whose LastSeenAt is before idleBefore, and returns how many. It deletes in
// batches of expiredBatch, each its own statement, so that a large sweep (a million sessions
// expiring together) never holds SQLite's write lock, or PostgreSQL's row locks, for long:
// sign-ins and touches get their turn between batches.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int, error) {
	total := 0
	for {
		res, err := db.rw.ExecContext(ctx,
			`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions
				WHERE expires_at <= $1 OR last_seen_at < $2 LIMIT `+strconv.Itoa(expiredBatch)+`)`,
			timeValue(now), timeValue(idleBefore))
		if err != nil {
			return total, fmt.Errorf("delete expired sessions: %w", err)
		}
		n, err := affected(res)
		if err != nil {
			return total, fmt.Errorf("delete expired sessions: %w", err)
		}
		total += n
		if n > 0 && db.cache != nil {
			db.cache.forgetAll()
		}
		if n < expiredBatch {
			return total, nil
		}
	}
}

// expiredBatch is how many expired sessions one statement of DeleteExpiredSessions deletes.
const expiredBatch = 500

// forget drops what the cache holds for workspace ws, after a change to it through db.
func (db *DB) forget(ws string) {
	if db.cache != nil {
		db.cache.forget(ws)
	}
}
