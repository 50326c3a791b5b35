-- The first schema. Times are INTEGER unix microseconds in UTC (see sqlstore/dialect.go);
-- NULL only where the zero time means "never". Tables are STRICT so that a value of the wrong
-- type is refused instead of silently stored.

CREATE TABLE workspaces (
    id         TEXT    NOT NULL PRIMARY KEY,
    slug       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- email is kept as typed; email_key (latchkey.NormalizeEmail of it) is what uniqueness and
-- look-ups use, so that Bob@X.test and bob@x.test are one address.
CREATE TABLE accounts (
    workspace_id    TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id              TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    email_key       TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    role            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_sign_in_at INTEGER,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, email_key)
) STRICT;

-- A session or token names its account by (workspace_id, account_id), so the foreign key
-- itself refuses an account of another workspace.
CREATE TABLE sessions (
    id           TEXT    NOT NULL PRIMARY KEY,
    workspace_id TEXT    NOT NULL,
    account_id   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    persistent   INTEGER NOT NULL,
    client_addr  TEXT    NOT NULL,
    user_agent   TEXT    NOT NULL,
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX sessions_account ON sessions (workspace_id, account_id, created_at);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_last_seen_at ON sessions (last_seen_at);

CREATE TABLE tokens (
    purpose      TEXT    NOT NULL,
    hash         TEXT    NOT NULL,
    workspace_id TEXT    NOT NULL,
    account_id   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (purpose, hash),
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX tokens_account ON tokens (workspace_id, account_id, purpose);
CREATE INDEX tokens_expires_at ON tokens (expires_at);

CREATE TABLE throttle_counters (
    throttle_key TEXT    NOT NULL PRIMARY KEY,
    failures     INTEGER NOT NULL,
    first_at     INTEGER NOT NULL,
    last_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX throttle_counters_last_at ON throttle_counters (last_at);

-- seq orders events recorded in the same microsecond: newest first stays well defined.
CREATE TABLE audit_events (
    seq          INTEGER NOT NULL PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    workspace_id TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    account_id   TEXT    NOT NULL,
    actor_id     TEXT    NOT NULL,
    event_type   TEXT    NOT NULL,
    email        TEXT    NOT NULL,
    client_addr  TEXT    NOT NULL,
    user_agent   TEXT    NOT NULL,
    detail       TEXT    NOT NULL,
    at           INTEGER NOT NULL
) STRICT;

CREATE INDEX audit_events_time ON audit_events (workspace_id, at DESC, seq DESC);
CREATE INDEX audit_events_account ON audit_events (workspace_id, account_id, at DESC, seq DESC);
CREATE INDEX audit_events_type ON audit_events (workspace_id, event_type, at DESC, seq DESC);
