-- Expiry notices: a signed JSON post to the organization's webhook 7 days and 1 day before a
-- token expires and when it has expired. Each notice is a row claimed once (the unique index),
-- so it is sent once however many replicas run and however often they restart; delivery is
-- retried with backoff. The signing secret is stored sealed with the server's key.
ALTER TABLE organizations ADD COLUMN webhook_secret TEXT;

CREATE TABLE expiry_notices (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    token_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    last_status BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE UNIQUE INDEX expiry_notices_token_kind ON expiry_notices(token_id, kind) WHERE kind <> 'test';
CREATE INDEX expiry_notices_due ON expiry_notices(status, next_attempt_at);
CREATE INDEX expiry_notices_org ON expiry_notices(organization_id, created_at);
CREATE INDEX tokens_expires ON tokens(expires_at);
