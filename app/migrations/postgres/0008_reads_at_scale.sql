-- Reads at scale (50,000 accounts in one organization; docs/benchmarks.md "Reads at scale").
-- Searching by a fragment of the name (`LIKE '%deploy-01%'`) cannot use a b-tree; a trigram
-- index serves it. pg_trgm ships with PostgreSQL and is a trusted extension (13+): the
-- database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX service_accounts_name_trgm ON service_accounts USING gin (name gin_trgm_ops);
-- A list page is chosen from an index alone (ids in order), so even the last page walks only
-- the index: by name (the default order, with what the filters read) and by recent use.
CREATE INDEX service_accounts_org_name_page ON service_accounts(organization_id, name) INCLUDE (id, role, disabled);
CREATE INDEX service_accounts_org_recently_used ON service_accounts(organization_id, last_used_at DESC NULLS LAST, name) INCLUDE (id);
-- Counting the accounts of one role reads this instead of every account.
CREATE INDEX service_accounts_org_role ON service_accounts(organization_id, role);
