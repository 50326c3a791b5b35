// Package sqlstore keeps latchkey's data in SQLite or PostgreSQL, through database/sql. It
// implements latchkey.Store; storetest.Run is its contract, and sqlstore_test.go runs that
// suite on both engines.
//
// # Engines
//
// Open picks the engine from its argument: a postgres:// or postgresql:// URL means PostgreSQL
// (github.com/jackc/pgx/v5 through its database/sql driver); anything else is a SQLite file
// (modernc.org/sqlite, pure Go, so the binary needs no C toolchain). Both drivers take $1-style
// parameters, and both engines have INSERT … ON CONFLICT and DELETE … RETURNING, so every query
// is written once. What differs lives in dialect.go: the row lock of a read-modify-write, the
// migration lock, error codes.
//
// SQLite runs in WAL mode with two pools: one writer connection, whose transactions begin
// IMMEDIATE (so a transaction that reads then writes never fails on upgrade), and a pool of
// read-only connections beside it. PostgreSQL uses one pool for both, with a statement timeout.
//
// # Times
//
// Every time is an integer count of microseconds since the Unix epoch, in UTC, on both engines.
// A time comes back in UTC truncated to the microsecond; comparisons with a caller's now
// (expiry, windows) happen at that precision. The zero time is NULL and comes back zero. See
// dialect.go for why.
//
// # Atomicity
//
//   - ConsumeToken is one DELETE … WHERE expires_at > now RETURNING: of concurrent consumers,
//     the database lets exactly one delete the row.
//   - AddFailure is one INSERT … ON CONFLICT DO UPDATE … RETURNING, restarting the count with a
//     CASE when the window has passed.
//   - UpdateAccount, UpdateWorkspace and CreateWorkspace are transactions (the updaters lock
//     the row with SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction locks the
//     database).
//   - AdvanceTOTPStep is one UPDATE … WHERE totp_last_step < step: of concurrent calls with
//     one step, one changes the row and the others find the condition false (a replay).
//   - ReplaceRecoveryCodes and ConsumeRecoveryCode are transactions that lock the account row
//     first, so that one account's codes change one transaction at a time; ConsumeRecoveryCode
//     deletes by ID and fails with ErrNotFound when it deleted nothing.
//   - UseChallengeAttempt is one conditional UPDATE … RETURNING.
//   - ConsumeCeremony is one DELETE … WHERE kind = … AND expires_at > now RETURNING, like
//     ConsumeToken. UsePasskey is one UPDATE … WHERE sign_count < new (or both zero), like
//     AdvanceTOTPStep. SeeDevice locks the account, then INSERT … ON CONFLICT DO NOTHING tells
//     a new device (one row inserted) from a known one.
//   - ClaimMail is one UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING; on PostgreSQL the
//     sub-SELECT is FOR UPDATE SKIP LOCKED, so workers on several nodes claim disjoint sets.
//   - ConsumeFlow is one DELETE … WHERE expires_at > now RETURNING, as ConsumeToken.
//   - UseOnce is one INSERT … ON CONFLICT DO UPDATE … WHERE the old record has expired: the
//     conflict's row lock makes concurrent calls with one key take turns, and exactly one
//     writes a row.
//   - UpdateConnection is a transaction, as UpdateAccount.
//   - ExportWorkspace reads in one snapshot (a read-only transaction: deferred on SQLite,
//     REPEATABLE READ on PostgreSQL); ImportWorkspace writes in one transaction.
//
// Email uniqueness is a UNIQUE (workspace_id, email_key) constraint, where email_key is
// latchkey.NormalizeEmail of the email as typed; audit events keep an email_key too, for
// EventFilter.Email. Sessions, tokens, recovery codes, challenges, passkeys, known devices and
// alert settings reference their account by (workspace_id, account_id), so the schema itself
// refuses a cross-workspace reference, and DeleteAccount's cascade removes them; so do
// WebAuthn ceremonies, whose account_id is NULL for a passwordless one (the key is then not
// checked, and the ceremony's own workspace key still is). Passkey credential ids are UNIQUE
// per workspace, not globally: the same bytes in another workspace are another credential. Queued mail has no foreign key: mail about a deleted
// workspace still goes out.
//
// # Search
//
// AccountFilter.Query is a LIKE '%…%' on the normalised email and the lower-cased name, with
// %, _ and \ escaped. SQLite's lower() knows only ASCII, so on SQLite the name goes through
// latchkey_lower, a function the package registers with the driver (Go's strings.ToLower);
// PostgreSQL's lower() follows the database's LC_CTYPE.
// Driver errors become latchkey.ErrConflict or latchkey.ErrNotFound by error code, in one
// function (storeError).
//
// # Migrations
//
// migrations/<engine>/NNNN_name.sql are embedded and applied in order by Open (or Migrate),
// all pending ones in one transaction, recorded in schema_migrations. On PostgreSQL the
// transaction takes an advisory lock first, so nodes that start together migrate once; on
// SQLite the IMMEDIATE transaction serialises them. A database whose version is newer than the
// binary's migrations is refused with ErrSchemaTooNew.
package sqlstore
