-- Hardening (SQLite dialect; keep in step with ../postgres/0003_hardening.sql):
-- * email addresses are unique per organization, not globally, so inviting a person never
--   reveals that the address is in use elsewhere. SQLite cannot drop a column's UNIQUE
--   constraint, so the users table is rebuilt. Migrations run inside a transaction, where
--   foreign keys cannot be switched off, so dropping the old table cascades into sessions and
--   setup links: their rows are kept aside and put back once the new table has the old name.
-- * sessions get an absolute end on top of the idle one;
-- * each token stores the role of whoever minted it (its cap); existing tokens are capped at
--   their account's current role, which keeps every token's power exactly as it was;
-- * failed credential checks are counted per email or person, across replicas.
CREATE TABLE users_rebuilt (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT,
    role TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO users_rebuilt (id, organization_id, email, name, password_hash, role, disabled, created_at, updated_at)
    SELECT id, organization_id, email, name, password_hash, role, disabled, created_at, updated_at FROM users;
CREATE TEMP TABLE sessions_kept AS
    SELECT id_hash, user_id, created_at, last_seen_at, expires_at FROM sessions;
CREATE TEMP TABLE setup_links_kept AS
    SELECT id_hash, purpose, user_id, created_at, expires_at, used_at FROM setup_links;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at)
    SELECT id_hash, user_id, created_at, last_seen_at, expires_at FROM sessions_kept;
INSERT INTO setup_links (id_hash, purpose, user_id, created_at, expires_at, used_at)
    SELECT id_hash, purpose, user_id, created_at, expires_at, used_at FROM setup_links_kept;
DROP TABLE sessions_kept;
DROP TABLE setup_links_kept;
CREATE INDEX users_org ON users(organization_id);
CREATE UNIQUE INDEX users_org_email ON users(organization_id, email);
CREATE INDEX users_email ON users(email);

ALTER TABLE sessions ADD COLUMN absolute_expires_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET absolute_expires_at = created_at + 604800000;
CREATE INDEX sessions_expires ON sessions(expires_at);

ALTER TABLE tokens ADD COLUMN role_cap TEXT NOT NULL DEFAULT 'viewer';
UPDATE tokens SET role_cap = (SELECT sa.role FROM service_accounts sa WHERE sa.id = tokens.service_account_id);

CREATE TABLE auth_failures (
    subject TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX auth_failures_subject_at ON auth_failures(subject, at);
