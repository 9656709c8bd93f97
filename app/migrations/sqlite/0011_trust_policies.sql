-- Keyless automation: a service account trusts identity tokens (OpenID Connect JWTs) of an
-- issuer whose claims meet conditions, and exchanges them for short-lived tokens (RFC 8693).
-- role_cap and cap_permissions are what the policy's creator could mint, as on a token: an
-- exchanged token never holds more than whoever set up the trust.
CREATE TABLE trust_policies (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    service_account_id TEXT NOT NULL REFERENCES service_accounts(id) ON DELETE CASCADE,
    issuer TEXT NOT NULL,
    audience TEXT NOT NULL,
    conditions TEXT NOT NULL,
    scopes TEXT NOT NULL,
    role_cap TEXT NOT NULL,
    cap_permissions TEXT,
    narrow_permissions TEXT,
    narrow_workspaces TEXT,
    lifetime_seconds BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_exchange_at BIGINT
);
CREATE INDEX trust_policies_account ON trust_policies(service_account_id, issuer);

-- Each identity token is exchanged once: its key (the SHA-256 of issuer and jti, or of the
-- whole token when it has no jti) is kept until the token expires. A second INSERT of the
-- same key, from any replica, is a replay.
CREATE TABLE used_identity_tokens (
    key TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX used_identity_tokens_expires ON used_identity_tokens(expires_at);

-- A token made by an exchange: the policy, the issuer and the claims that matched (JSON).
ALTER TABLE tokens ADD COLUMN trust_policy_id TEXT;
ALTER TABLE tokens ADD COLUMN exchanged_from TEXT;
ALTER TABLE tokens ADD COLUMN exchanged_claims TEXT;
