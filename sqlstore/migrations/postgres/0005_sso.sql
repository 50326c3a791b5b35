-- Single sign-on: connections, approved domains, identity links, sign-in flows at providers and
-- the once-only record of SAML assertion IDs. Times are BIGINT unix microseconds in UTC, as in
-- 0001. Keys that lists are ordered by are COLLATE "C", bytewise as on SQLite. A list (tenants,
-- IdP certificates) is a JSON array of strings.

-- client_secret is sealed by the server keyring before it reaches the store.
CREATE TABLE sso_connections (
    workspace_id        TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id                  TEXT    COLLATE "C" NOT NULL,
    kind                TEXT    NOT NULL,
    name                TEXT    NOT NULL,
    position            INTEGER NOT NULL,
    enabled             BOOLEAN NOT NULL,
    jit                 BOOLEAN NOT NULL,
    issuer              TEXT    NOT NULL,
    client_id           TEXT    NOT NULL,
    client_secret       TEXT    NOT NULL,
    tenants             TEXT    NOT NULL,
    idp_entity_id       TEXT    NOT NULL,
    idp_sso_url         TEXT    NOT NULL,
    idp_certs           TEXT    NOT NULL,
    metadata_url        TEXT    NOT NULL,
    metadata_xml        TEXT    NOT NULL,
    metadata_fetched_at BIGINT,
    idp_initiated       BOOLEAN NOT NULL,
    allow_sha1          BOOLEAN NOT NULL,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

-- domain is latchkey.NormalizeDomain's form, written by the store.
CREATE TABLE sso_domains (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    domain       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (workspace_id, domain)
);

-- A (connection, subject) pair links one account; the primary key is also the index of
-- IdentityBySubject, and identity_links_account that of IdentityLinks.
CREATE TABLE identity_links (
    workspace_id  TEXT    NOT NULL,
    connection_id TEXT    COLLATE "C" NOT NULL,
    subject       TEXT    COLLATE "C" NOT NULL,
    account_id    TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    last_used_at  BIGINT,
    PRIMARY KEY (workspace_id, connection_id, subject),
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, connection_id) REFERENCES sso_connections (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX identity_links_account ON identity_links (workspace_id, account_id, created_at);
CREATE INDEX identity_links_connection ON identity_links (workspace_id, connection_id);

-- id and browser_hash are hashes; secret is the connector's (nonce and PKCE verifier, or the
-- SAML request ID), which is worthless without the state that only the browser holds.
CREATE TABLE sso_flows (
    id            TEXT    NOT NULL PRIMARY KEY,
    workspace_id  TEXT    NOT NULL,
    connection_id TEXT    COLLATE "C" NOT NULL,
    browser_hash  TEXT    NOT NULL,
    secret        BYTEA   NOT NULL,
    remember      BOOLEAN NOT NULL,
    test          BOOLEAN NOT NULL,
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL,
    FOREIGN KEY (workspace_id, connection_id) REFERENCES sso_connections (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX sso_flows_connection ON sso_flows (workspace_id, connection_id);
CREATE INDEX sso_flows_expires_at ON sso_flows (expires_at);

CREATE TABLE once_keys (
    once_key   TEXT    NOT NULL PRIMARY KEY,
    expires_at BIGINT  NOT NULL
);

CREATE INDEX once_keys_expires_at ON once_keys (expires_at);
