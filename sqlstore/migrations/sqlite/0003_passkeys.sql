-- Passkeys (WebAuthn credentials), begun WebAuthn ceremonies, the devices accounts sign in from
-- and each account's choice about new-device alerts. Times are INTEGER unix microseconds in
-- UTC, as in 0001.

-- credential_id is unique per workspace only: the relying party is the workspace host, so the
-- same bytes in another workspace are another credential. transports is space-separated.
CREATE TABLE passkeys (
    workspace_id    TEXT    NOT NULL,
    account_id      TEXT    NOT NULL,
    id              TEXT    NOT NULL,
    credential_id   BLOB    NOT NULL,
    public_key      BLOB    NOT NULL,
    sign_count      INTEGER NOT NULL,
    aaguid          BLOB    NOT NULL,
    name            TEXT    NOT NULL,
    backup_eligible INTEGER NOT NULL,
    backup_state    INTEGER NOT NULL,
    transports      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, credential_id),
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX passkeys_account ON passkeys (workspace_id, account_id, created_at);

-- account_id is NULL for a passwordless ceremony, which names no account until it is finished;
-- the composite foreign key is then not checked, and the workspace's own one still is.
CREATE TABLE webauthn_ceremonies (
    id           TEXT    NOT NULL PRIMARY KEY,
    workspace_id TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    account_id   TEXT,
    kind         TEXT    NOT NULL,
    session_data BLOB    NOT NULL,
    browser_hash TEXT    NOT NULL,
    expires_at   INTEGER NOT NULL,
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX webauthn_ceremonies_account ON webauthn_ceremonies (workspace_id, account_id);
CREATE INDEX webauthn_ceremonies_expires_at ON webauthn_ceremonies (expires_at);

CREATE TABLE known_devices (
    workspace_id TEXT    NOT NULL,
    account_id   TEXT    NOT NULL,
    device_hash  TEXT    NOT NULL,
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, account_id, device_hash),
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
) STRICT;

-- A row exists only for accounts that changed the default (alerts on).
CREATE TABLE account_alert_settings (
    workspace_id          TEXT    NOT NULL,
    account_id            TEXT    NOT NULL,
    new_device_alerts_off INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, account_id),
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
) STRICT;
