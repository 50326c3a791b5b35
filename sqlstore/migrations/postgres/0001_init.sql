-- The first schema. Times are BIGINT unix microseconds in UTC, as on SQLite (see
-- sqlstore/dialect.go); NULL only where the zero time means "never". Read one in psql with
-- to_timestamp(created_at / 1e6).
--
-- slug and email_key use the "C" collation so that ORDER BY sorts bytewise, as SQLite does,
-- whatever the database's locale.

CREATE TABLE workspaces (
    id         TEXT   NOT NULL PRIMARY KEY,
    slug       TEXT   COLLATE "C" NOT NULL UNIQUE,
    name       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

-- email is kept as typed; email_key (latchkey.NormalizeEmail of it) is what uniqueness and
-- look-ups use, so that Bob@X.test and bob@x.test are one address.
CREATE TABLE accounts (
    workspace_id    TEXT   NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id              TEXT   NOT NULL,
    email           TEXT   NOT NULL,
    email_key       TEXT   COLLATE "C" NOT NULL,
    name            TEXT   NOT NULL,
    role            TEXT   NOT NULL,
    status          TEXT   NOT NULL,
    password_hash   TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    last_sign_in_at BIGINT,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, email_key)
);

-- A session or token names its account by (workspace_id, account_id), so the foreign key
-- itself refuses an account of another workspace.
CREATE TABLE sessions (
    id           TEXT    NOT NULL PRIMARY KEY,
    workspace_id TEXT    NOT NULL,
    account_id   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    persistent   BOOLEAN NOT NULL,
    client_addr  TEXT    NOT NULL,
    user_agent   TEXT    NOT NULL,
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX sessions_account ON sessions (workspace_id, account_id, created_at);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_last_seen_at ON sessions (last_seen_at);

CREATE TABLE tokens (
    purpose      TEXT   NOT NULL,
    hash         TEXT   NOT NULL,
    workspace_id TEXT   NOT NULL,
    account_id   TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (purpose, hash),
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX tokens_account ON tokens (workspace_id, account_id, purpose);
CREATE INDEX tokens_expires_at ON tokens (expires_at);

CREATE TABLE throttle_counters (
    throttle_key TEXT    NOT NULL PRIMARY KEY,
    failures     INTEGER NOT NULL,
    first_at     BIGINT  NOT NULL,
    last_at      BIGINT  NOT NULL
);

CREATE INDEX throttle_counters_last_at ON throttle_counters (last_at);

-- seq orders events recorded in the same microsecond: newest first stays well defined.
CREATE TABLE audit_events (
    seq          BIGINT NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT   NOT NULL UNIQUE,
    workspace_id TEXT   NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    account_id   TEXT   NOT NULL,
    actor_id     TEXT   NOT NULL,
    event_type   TEXT   NOT NULL,
    email        TEXT   NOT NULL,
    client_addr  TEXT   NOT NULL,
    user_agent   TEXT   NOT NULL,
    detail       TEXT   NOT NULL,
    at           BIGINT NOT NULL
);

CREATE INDEX audit_events_time ON audit_events (workspace_id, at DESC, seq DESC);
CREATE INDEX audit_events_account ON audit_events (workspace_id, account_id, at DESC, seq DESC);
CREATE INDEX audit_events_type ON audit_events (workspace_id, event_type, at DESC, seq DESC);
