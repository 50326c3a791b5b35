-- Placeholder on the api branch only, so that 0009_api_tokens applies without a gap here:
-- the numbers 0007 and 0008 belong to other branches. Drop this file when merging.
SELECT 1;
