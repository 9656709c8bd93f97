-- Hardening (PostgreSQL dialect; keep in step with ../sqlite/0003_hardening.sql):
-- * email addresses are unique per organization, not globally, so inviting a person never
--   reveals that the address is in use elsewhere;
-- * sessions get an absolute end on top of the idle one;
-- * each token stores the role of whoever minted it (its cap); existing tokens are capped at
--   their account's current role, which keeps every token's power exactly as it was;
-- * failed credential checks are counted per email or person, across replicas.
ALTER TABLE users DROP CONSTRAINT users_email_key;
CREATE UNIQUE INDEX users_org_email ON users(organization_id, email);
CREATE INDEX users_email ON users(email);

ALTER TABLE sessions ADD COLUMN absolute_expires_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET absolute_expires_at = created_at + 604800000;
CREATE INDEX sessions_expires ON sessions(expires_at);

ALTER TABLE tokens ADD COLUMN role_cap TEXT NOT NULL DEFAULT 'viewer';
UPDATE tokens SET role_cap = sa.role FROM service_accounts sa WHERE sa.id = tokens.service_account_id;

CREATE TABLE auth_failures (
    subject TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX auth_failures_subject_at ON auth_failures(subject, at);
