-- The change counter behind the server's in-process cache of workspaces and sessions. Every
-- change that could make a cached workspace, session or account wrong (a workspace's policy,
-- an account's status, role, password or factors, a session ended) adds one, whichever process
-- made it (the CLI beside a running server), and a cached entry is used only while the count it
-- was read under is still the count in the database.
CREATE TABLE cache_epoch (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
) STRICT;

INSERT INTO cache_epoch (id, n) VALUES (1, 0);

CREATE TRIGGER cache_epoch_workspace_update AFTER UPDATE ON workspaces
BEGIN
    UPDATE cache_epoch SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER cache_epoch_account_update AFTER UPDATE ON accounts
BEGIN
    UPDATE cache_epoch SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER cache_epoch_account_delete AFTER DELETE ON accounts
BEGIN
    UPDATE cache_epoch SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER cache_epoch_session_delete AFTER DELETE ON sessions
BEGIN
    UPDATE cache_epoch SET n = n + 1 WHERE id = 1;
END;
