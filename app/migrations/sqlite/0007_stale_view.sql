-- The Stale view reads an organization's accounts and tokens by when they were last used.
CREATE INDEX service_accounts_org_last_used ON service_accounts(organization_id, last_used_at);
CREATE INDEX tokens_org_last_used ON tokens(organization_id, last_used_at);
