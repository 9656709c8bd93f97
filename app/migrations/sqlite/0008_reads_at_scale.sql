-- Reads at scale (50,000 accounts in one organization; docs/benchmarks.md "Reads at scale").
-- Counting the accounts of one role reads this index instead of every account.
CREATE INDEX service_accounts_org_role ON service_accounts(organization_id, role);
-- "Recently used" walks accounts newest use first (SQLite sorts never-used ones last when
-- descending), then by name, without sorting.
CREATE INDEX service_accounts_org_recently_used ON service_accounts(organization_id, last_used_at DESC, name);
