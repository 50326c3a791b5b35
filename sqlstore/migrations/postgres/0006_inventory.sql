-- Hardware, software with seat assignments, and requests with comments. Times are BIGINT
-- unix microseconds in UTC, as in 0001. Text that lists are ordered by is COLLATE "C", bytewise as on SQLite.

-- asset_tag_key is latchkey.NormalizeAssetTag(asset_tag), written by the store. assigned_to is
-- '' or an account ID of the same workspace; the store checks it and DeleteAccount clears it,
-- as a foreign key could not (its ON DELETE SET NULL would null workspace_id too).
CREATE TABLE hardware (
    workspace_id  TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id            TEXT    NOT NULL,
    name          TEXT    COLLATE "C" NOT NULL,
    asset_tag     TEXT    NOT NULL,
    asset_tag_key TEXT    COLLATE "C" NOT NULL,
    hw_type       TEXT    NOT NULL,
    serial        TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    assigned_to   TEXT    NOT NULL,
    notes         TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, asset_tag_key)
);

CREATE INDEX hardware_assigned_to ON hardware (workspace_id, assigned_to);

-- licence_key is sealed by the server keyring (latchkey.SoftwareKeyAAD), '' for none.
CREATE TABLE software (
    workspace_id TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id           TEXT    NOT NULL,
    name         TEXT    COLLATE "C" NOT NULL,
    vendor       TEXT    NOT NULL,
    licence_key  TEXT    NOT NULL,
    seats        INTEGER NOT NULL CHECK (seats >= 0),
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

-- A seat names its account by (workspace_id, account_id): removing the account frees it.
CREATE TABLE software_seats (
    workspace_id TEXT    NOT NULL,
    software_id  TEXT    NOT NULL,
    account_id   TEXT    NOT NULL,
    assigned_at  BIGINT  NOT NULL,
    PRIMARY KEY (workspace_id, software_id, account_id),
    FOREIGN KEY (workspace_id, software_id) REFERENCES software (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX software_seats_account ON software_seats (workspace_id, account_id);

-- requester_id has no foreign key on purpose: a removed member's requests stay, with their
-- history. assignee_id is cleared by DeleteAccount.
CREATE TABLE requests (
    workspace_id TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id           TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    requester_id TEXT    NOT NULL,
    assignee_id  TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

CREATE INDEX requests_requester ON requests (workspace_id, requester_id, created_at);
CREATE INDEX requests_created_at ON requests (workspace_id, created_at);

-- seq orders comments of the same microsecond.
CREATE TABLE request_comments (
    seq          BIGINT  NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id TEXT    NOT NULL,
    request_id   TEXT    NOT NULL,
    id           TEXT    NOT NULL UNIQUE,
    author_id    TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    FOREIGN KEY (workspace_id, request_id) REFERENCES requests (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX request_comments_request ON request_comments (workspace_id, request_id, created_at);
