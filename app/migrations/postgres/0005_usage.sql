-- Requests per token per day (UTC), counted in memory and added up here with each flush of the
-- last-used batch, so authentication never writes per request. Kept for 90 days.
DROP TABLE usage_daily;
CREATE TABLE token_usage_daily (
    token_id TEXT NOT NULL,
    service_account_id TEXT NOT NULL REFERENCES service_accounts(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (token_id, day)
);
CREATE INDEX token_usage_daily_account_day ON token_usage_daily(service_account_id, day);
CREATE INDEX token_usage_daily_day ON token_usage_daily(day);
