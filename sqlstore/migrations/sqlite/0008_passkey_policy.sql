-- Workspace settings of passkeys, kept apart from the workspaces table. A row means that the
-- workspace turned passkey sign-in (passwordless) off; no row, the default, means it is on.
-- Passkeys as a second factor are not affected.
CREATE TABLE passkey_policy (
    workspace_id TEXT    NOT NULL PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    updated_at   INTEGER NOT NULL
) STRICT;
