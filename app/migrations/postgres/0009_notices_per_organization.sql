-- Expiry notices are scheduled per organization: each asks for its own tokens in a window.
CREATE INDEX tokens_org_expires ON tokens(organization_id, expires_at);
