-- Guards on a token: the networks it may be used from (comma-separated CIDR ranges), requests
-- per calendar minute, uses in all. `uses` counts accepted uses of a token with max_uses, one
-- conditional UPDATE per use, so the total holds exactly across replicas. An account's
-- default_* columns are copied onto each token made for it without guards of its own.
ALTER TABLE tokens ADD COLUMN allowed_networks TEXT;
ALTER TABLE tokens ADD COLUMN rate_limit_per_minute BIGINT;
ALTER TABLE tokens ADD COLUMN max_uses BIGINT;
ALTER TABLE tokens ADD COLUMN uses BIGINT NOT NULL DEFAULT 0;
ALTER TABLE service_accounts ADD COLUMN default_allowed_networks TEXT;
ALTER TABLE service_accounts ADD COLUMN default_rate_limit_per_minute BIGINT;
ALTER TABLE service_accounts ADD COLUMN default_max_uses BIGINT;

-- Requests admitted per rate-limited token and minute, in blocks each replica reserves (so a
-- replica writes once per block, not per request). Rows older than an hour are deleted by
-- the housekeeping task.
CREATE TABLE token_rate_windows (
    token_id TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    reserved BIGINT NOT NULL,
    PRIMARY KEY (token_id, window_start)
);

-- Refused uses of a known token (a guard, expiry, revocation), per day beside its requests.
ALTER TABLE token_usage_daily ADD COLUMN refused BIGINT NOT NULL DEFAULT 0;
