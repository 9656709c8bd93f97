-- Only tokens in a refresh's grace period have a previous secret. Indexed whole, the column is
-- almost all NULL, and once the planner has statistics (ANALYZE, run at start) it judged the
-- index useless and looked a presented token up by scanning every account's tokens. Indexing
-- only the rows that have one keeps the lookup of a credential two index searches at any size.
DROP INDEX tokens_previous_secret_hash;
CREATE INDEX tokens_previous_secret_hash ON tokens(previous_secret_hash) WHERE previous_secret_hash IS NOT NULL;
