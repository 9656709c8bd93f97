-- Changes to what credentials depend on, for other processes that keep credentials in memory:
-- on SQLite each process reads the rows another wrote (PostgreSQL uses NOTIFY and leaves the
-- table empty). Rows are deleted after ten minutes by the housekeeping task.
CREATE TABLE credential_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
