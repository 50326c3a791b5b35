-- Workspace policy, two-factor sign-in, audit look-up by email, and the mail queue. Times are
-- BIGINT unix microseconds in UTC, as in 0001; so is session_idle, a duration.

ALTER TABLE workspaces
    ADD COLUMN require_2fa          BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN password_min_length  INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN password_sign_in_off BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN session_idle         BIGINT  NOT NULL DEFAULT 0;

-- totp_secret is sealed by the server keyring, '' when two-factor authentication is off.
-- totp_last_step is the last accepted TOTP time step: a code of that step or an earlier one is
-- a replay (AdvanceTOTPStep).
ALTER TABLE accounts
    ADD COLUMN totp_secret     TEXT   NOT NULL DEFAULT '',
    ADD COLUMN totp_enabled_at BIGINT,
    ADD COLUMN totp_last_step  BIGINT NOT NULL DEFAULT 0;

-- email_key is latchkey.NormalizeEmail(email), written by the store; for the events recorded
-- before this migration lower(btrim()) gives the same for ASCII addresses without tabs around them.
ALTER TABLE audit_events ADD COLUMN email_key TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE audit_events SET email_key = lower(btrim(email));
CREATE INDEX audit_events_email ON audit_events (workspace_id, email_key, at DESC, seq DESC);

-- Only hashes are stored. The primary key starts with (workspace_id, account_id), so it is also
-- the index of the account's codes.
CREATE TABLE recovery_codes (
    workspace_id TEXT   NOT NULL,
    account_id   TEXT   NOT NULL,
    id           TEXT   NOT NULL,
    hash         TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, account_id, id),
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
);

CREATE TABLE challenges (
    id           TEXT    NOT NULL PRIMARY KEY,
    workspace_id TEXT    NOT NULL,
    account_id   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    attempts     INTEGER NOT NULL,
    remember     BOOLEAN NOT NULL,
    client_addr  TEXT    NOT NULL,
    user_agent   TEXT    NOT NULL,
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX challenges_account ON challenges (workspace_id, account_id);
CREATE INDEX challenges_expires_at ON challenges (expires_at);

-- workspace_id has no foreign key on purpose: mail about a workspace that has since been
-- deleted (its last notice, say) still goes out. '' is mail about no workspace.
CREATE TABLE mail_queue (
    id              TEXT    NOT NULL PRIMARY KEY,
    workspace_id    TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    next_attempt_at BIGINT  NOT NULL,
    attempts        INTEGER NOT NULL,
    last_error      TEXT    NOT NULL,
    failed          BOOLEAN NOT NULL
);

CREATE INDEX mail_queue_due ON mail_queue (failed, next_attempt_at);
CREATE INDEX mail_queue_created_at ON mail_queue (created_at);
