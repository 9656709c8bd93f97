-- Report-only restrictions: guards, a narrowing (scopes, permissions, workspaces) or an earlier
-- expiry proposed for a token that refuse nothing yet. Requests they would refuse still succeed
-- and are counted per day, address, reason and operation, so an admin sees what enforcing them
-- would break before enforcing (or discarding) them. `report_only_since` is set while a token
-- has them; `report_only_uses` counts its uses against a proposed max uses; lists are
-- comma-separated as on the token itself.
ALTER TABLE tokens ADD COLUMN report_only_networks TEXT;
ALTER TABLE tokens ADD COLUMN report_only_rate_limit_per_minute BIGINT;
ALTER TABLE tokens ADD COLUMN report_only_max_uses BIGINT;
ALTER TABLE tokens ADD COLUMN report_only_scopes TEXT;
ALTER TABLE tokens ADD COLUMN report_only_permissions TEXT;
ALTER TABLE tokens ADD COLUMN report_only_workspaces TEXT;
ALTER TABLE tokens ADD COLUMN report_only_expires_at BIGINT;
ALTER TABLE tokens ADD COLUMN report_only_since BIGINT;
ALTER TABLE tokens ADD COLUMN report_only_uses BIGINT NOT NULL DEFAULT 0;

CREATE TABLE report_only_refusals (
    token_id TEXT NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    address TEXT NOT NULL,
    reason TEXT NOT NULL,
    operation TEXT NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (token_id, day, address, reason, operation)
);
