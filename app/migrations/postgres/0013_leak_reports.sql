-- A token reported leaked (by a secret scanner or anyone holding it) is suspended, not
-- revoked: an admin can restore it after checking the report. The report's URL and source are
-- kept for the person who looks into it.
ALTER TABLE tokens ADD COLUMN leaked_at BIGINT;
ALTER TABLE tokens ADD COLUMN leak_url TEXT;
ALTER TABLE tokens ADD COLUMN leak_source TEXT;
