package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/latchkey/latchkey"
)

const mailColumns = `id, workspace_id, recipient, subject, text_body, html_body, created_at, next_attempt_at, attempts, last_error, failed, kind`

func scanMail(s scanner) (latchkey.OutgoingMail, error) {
	var m latchkey.OutgoingMail
	err := s.Scan(&m.ID, &m.WorkspaceID, &m.To, &m.Subject, &m.Text, &m.HTML, timeDest(&m.CreatedAt),
		timeDest(&m.NextAttemptAt), &m.Attempts, &m.LastError, &m.Failed, &m.Kind)
	return m, err
}

// EnqueueMail stores m. An empty m.ID is given a new random one. m.CreatedAt and
// m.NextAttemptAt must be set. Returns ErrConflict if the ID is taken.
func (db *DB) EnqueueMail(ctx context.Context, m latchkey.OutgoingMail) error {
	if m.ID == "" {
		m.ID = latchkey.NewID()
	}
	_, err := db.rw.ExecContext(ctx,
		`INSERT INTO mail_queue (`+mailColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		m.ID, m.WorkspaceID, m.To, m.Subject, m.Text, m.HTML, timeValue(m.CreatedAt),
		timeValue(m.NextAttemptAt), m.Attempts, m.LastError, m.Failed, m.Kind)
	if err != nil {
		return fmt.Errorf("enqueue mail: %w", storeError(err))
	}
	return nil
}

// ClaimMail takes up to limit messages that are not failed and whose NextAttemptAt is not
// after now, those due longest first, sets their NextAttemptAt to now+lease, counts the
// attempt, and returns them as they are now, ordered by CreatedAt (then ID). A limit of 0 or
// less claims nothing.
//
// It is one UPDATE … WHERE id IN (SELECT … LIMIT limit) RETURNING. On PostgreSQL the
// sub-SELECT ends FOR UPDATE SKIP LOCKED: it locks what it picks and passes over what another
// claim has locked, and a row that another claim changed since this statement began is
// checked again and, no longer due, left out; so concurrent claims, on one node or many, get
// disjoint sets. On SQLite the statement runs under the single writer's lock.
func (db *DB) ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]latchkey.OutgoingMail, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.rw.QueryContext(ctx,
		`UPDATE mail_queue SET next_attempt_at = $2, attempts = attempts + 1
		WHERE id IN (
			SELECT id FROM mail_queue WHERE failed = $4 AND next_attempt_at <= $1
			ORDER BY next_attempt_at, id LIMIT $3`+db.d.skipLocked+`
		)
		RETURNING `+mailColumns,
		timeValue(now), timeValue(now.Add(lease)), limit, false)
	ms, err := collect(rows, err, scanMail)
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	// RETURNING promises no order.
	slices.SortFunc(ms, func(a, b latchkey.OutgoingMail) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return ms, nil
}

// DeleteMail removes a message. Deleting a missing one is not an error.
func (db *DB) DeleteMail(ctx context.Context, id string) error {
	if _, err := db.rw.ExecContext(ctx, `DELETE FROM mail_queue WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete mail: %w", err)
	}
	return nil
}

// RetryMail records a failed try: NextAttemptAt becomes next (a zero next leaves it as it
// is, which is useful with failed), LastError lastErr, and Failed failed. A failed message
// is never claimed again. Returns ErrNotFound if the message is gone.
func (db *DB) RetryMail(ctx context.Context, id string, next time.Time, lastErr string, failed bool) error {
	res, err := db.rw.ExecContext(ctx,
		`UPDATE mail_queue SET next_attempt_at = coalesce($2, next_attempt_at), last_error = $3, failed = $4
		WHERE id = $1`,
		id, timeValue(next), lastErr, failed)
	if err != nil {
		return fmt.Errorf("retry mail: %w", err)
	}
	n, err := affected(res)
	if err != nil {
		return fmt.Errorf("retry mail: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("retry mail: %w", latchkey.ErrNotFound)
	}
	return nil
}

// PendingMail lists queued messages, failed ones too, oldest (by CreatedAt, then ID) first,
// at most limit. A limit of 0 or less lists nothing.
func (db *DB) PendingMail(ctx context.Context, limit int) ([]latchkey.OutgoingMail, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.ro.QueryContext(ctx,
		`SELECT `+mailColumns+` FROM mail_queue ORDER BY created_at, id LIMIT $1`, limit)
	ms, err := collect(rows, err, scanMail)
	if err != nil {
		return nil, fmt.Errorf("list pending mail: %w", err)
	}
	return ms, nil
}

// PurgeFailedMail empties the bodies of the messages that failed for good and were queued
// before before.
func (db *DB) PurgeFailedMail(ctx context.Context, before time.Time) (int, error) {
	res, err := db.rw.ExecContext(ctx,
		`UPDATE mail_queue SET text_body = '', html_body = '' WHERE failed = $1 AND created_at < $2 AND (text_body <> '' OR html_body <> '')`,
		true, timeValue(before))
	if err != nil {
		return 0, fmt.Errorf("purge failed mail: %w", err)
	}
	return affected(res)
}
