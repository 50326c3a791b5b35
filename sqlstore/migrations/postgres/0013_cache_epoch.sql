-- Tells every node's in-process cache of workspaces and sessions that something it may hold
-- changed: a NOTIFY on channel latchkey_cache whose payload is the workspace id, sent when the
-- changing transaction commits (a workspace's policy, an account's status, role, password or
-- factors, a session ended). Each node LISTENs and drops what it cached for that workspace.
-- (SQLite keeps a change counter instead: cache_epoch.)
CREATE FUNCTION latchkey_cache_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'workspaces' THEN
        PERFORM pg_notify('latchkey_cache', OLD.id);
    ELSE
        PERFORM pg_notify('latchkey_cache', OLD.workspace_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER cache_notify_workspace AFTER UPDATE ON workspaces
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_notify();

CREATE TRIGGER cache_notify_account AFTER UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_notify();

CREATE TRIGGER cache_notify_session AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_notify();
