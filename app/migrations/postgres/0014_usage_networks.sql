-- Which networks each token was used from, per day (IPv4 /24, IPv6 /64), added up with each
-- usage flush; `*` stands for more addresses in one flush than are counted one by one. The
-- Stale view suggests an allow-list for tokens without one that are used from a few networks.
-- Kept as long as the daily counts (90 days).
CREATE TABLE token_usage_networks (
    token_id TEXT NOT NULL,
    service_account_id TEXT NOT NULL REFERENCES service_accounts(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    network TEXT NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (token_id, day, network)
);
CREATE INDEX token_usage_networks_day ON token_usage_networks(day);
