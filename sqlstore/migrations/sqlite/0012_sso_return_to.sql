-- The page a sign-in started from (a same-workspace path, already sanitised), where the browser
-- lands once single sign-on succeeds.
ALTER TABLE sso_flows ADD COLUMN return_to TEXT NOT NULL DEFAULT '';
