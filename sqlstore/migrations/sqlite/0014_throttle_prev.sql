-- The time of the failure before the latest (NULL for a counter of one), so that counting a
-- guess and reading the counter as it stood before it are one statement (CountGuess).
ALTER TABLE throttle_counters ADD COLUMN prev_at INTEGER;
