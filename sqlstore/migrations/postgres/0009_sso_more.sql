-- A session started by single sign-on: the provider did the second factor, so a workspace that
-- requires two-factor authentication does not send it to set up latchkey's.
ALTER TABLE sessions ADD COLUMN sso BOOLEAN NOT NULL DEFAULT FALSE;
