-- A queued entry is a message (kind '') or a job that a worker runs instead of sending (kind names
-- the job, such as 'reset_request': the look-up and link of a password reset, kept off the
-- request path). Bodies and job payloads are sealed by the server keyring from this version on;
-- rows queued before it stay plaintext and are sent as they are.
ALTER TABLE mail_queue ADD COLUMN kind TEXT NOT NULL DEFAULT '';
