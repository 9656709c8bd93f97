-- When a refused use of a known token (expired, revoked, suspended) was last audited, so that
-- such uses are recorded at most once a minute per token.
ALTER TABLE tokens ADD COLUMN refused_logged_at BIGINT;
