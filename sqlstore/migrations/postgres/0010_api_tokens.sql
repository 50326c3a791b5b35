-- API tokens for the JSON API (/api/v1). Only the SHA-256 of a token is stored; the hash is
-- unique across workspaces (it is random), and look-ups always name the workspace too, so a
-- token of one workspace is not found in another. account_id is whose rights the token acts
-- with; it has no foreign key, so that the token's row (and its audit trail) outlives the
-- account, and the token is refused once its account is gone. Times are BIGINT unix
-- microseconds in UTC.
CREATE TABLE api_tokens (
    workspace_id TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id           TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    scope        TEXT    NOT NULL,
    account_id   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    hash         TEXT    NOT NULL UNIQUE,
    hint         TEXT    NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    last_used_ip TEXT    NOT NULL,
    revoked_at   BIGINT,
    PRIMARY KEY (workspace_id, id)
);
