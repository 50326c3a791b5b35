-- A workspace's own absolute session lifetime (ASVS 7.1.1): microseconds, as session_idle; 0
-- means the operator's.
ALTER TABLE workspaces ADD COLUMN session_max INTEGER NOT NULL DEFAULT 0;
