//! Deleting what has expired: sessions, used or expired one-time links, and old failure
//! counts. Run periodically by the server; safe on several replicas at once.

use super::{on_pool, Db, StoreResult};

/// How many rows one purge removed, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub links: u64,
    pub auth_failures: u64,
    pub credential_changes: u64,
}

/// How long a change to what credentials depend on stays readable by other processes: far
/// longer than any of them takes to read it.
const CREDENTIAL_CHANGES_KEPT_MS: i64 = 10 * 60 * 1000;

impl Db {
    /// Removes sessions past their idle or absolute end, links that are used or expired, and
    /// failure records older than `failures_before`.
    pub async fn purge_expired(&self, now: i64, failures_before: i64) -> StoreResult<Purged> {
        let sessions = on_pool!(self, |p| sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1 OR absolute_expires_at <= $1"
        )
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        let links = on_pool!(self, |p| sqlx::query(
            "DELETE FROM setup_links WHERE expires_at <= $1 OR used_at IS NOT NULL"
        )
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        let auth_failures = on_pool!(self, |p| sqlx::query(
            "DELETE FROM auth_failures WHERE at <= $1"
        )
        .bind(failures_before)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        let credential_changes = on_pool!(self, |p| sqlx::query(
            "DELETE FROM credential_changes WHERE at <= $1"
        )
        .bind(now - CREDENTIAL_CHANGES_KEPT_MS)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(Purged {
            sessions,
            links,
            auth_failures,
            credential_changes,
        })
    }
}
