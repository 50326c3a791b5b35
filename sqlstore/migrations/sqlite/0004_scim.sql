-- SCIM 2.0 provisioning: bearer tokens, the identity provider's profile of each account,
-- groups and their members, and per-workspace SCIM settings. Kept in tables of their own
-- rather than columns on accounts and workspaces. Times are INTEGER unix microseconds in UTC.

-- Only the SHA-256 of a token is stored. The hash is unique across workspaces (it is random);
-- look-ups always name the workspace too, so a token of one workspace is not found in another.
CREATE TABLE scim_tokens (
    workspace_id TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id           TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    hash         TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER,
    PRIMARY KEY (workspace_id, id)
) STRICT;

-- One row per account the identity provider has written; it goes with the account.
CREATE TABLE scim_profiles (
    workspace_id   TEXT    NOT NULL,
    account_id     TEXT    NOT NULL,
    managed        INTEGER NOT NULL,
    external_id    TEXT    NOT NULL,
    given_name     TEXT    NOT NULL,
    family_name    TEXT    NOT NULL,
    formatted      TEXT    NOT NULL,
    display_name   TEXT    NOT NULL,
    admin_by_group INTEGER NOT NULL,
    deleted_at     INTEGER,
    version        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, account_id),
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX scim_profiles_external_id ON scim_profiles (workspace_id, external_id);

-- display_key is the lower-cased displayName: a group name is unique per workspace,
-- case-insensitively.
CREATE TABLE scim_groups (
    workspace_id TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id           TEXT    NOT NULL,
    display_name TEXT    NOT NULL,
    display_key  TEXT    NOT NULL,
    external_id  TEXT    NOT NULL,
    admin_role   INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, display_key)
) STRICT;

CREATE TABLE scim_group_members (
    workspace_id TEXT NOT NULL,
    group_id     TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, group_id, account_id),
    FOREIGN KEY (workspace_id, group_id) REFERENCES scim_groups (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX scim_group_members_account ON scim_group_members (workspace_id, account_id);

CREATE TABLE scim_settings (
    workspace_id    TEXT    NOT NULL PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    delete_suspends INTEGER NOT NULL
) STRICT;
