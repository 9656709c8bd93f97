//! Failed credential checks, counted per subject (an email being signed in to, a person
//! changing their password) in the database, so that every replica sees the same count.

use super::{on_pool, Db, StoreResult};

impl Db {
    /// Records one failure of `subject` at `at`.
    pub async fn record_auth_failure(&self, subject: &str, at: i64) -> StoreResult<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO auth_failures (subject, at) VALUES ($1, $2)"
        )
        .bind(subject)
        .bind(at)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// How many failures `subject` had after `since`, and when the oldest of them was.
    pub async fn auth_failures_since(
        &self,
        subject: &str,
        since: i64,
    ) -> StoreResult<(i64, Option<i64>)> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT COUNT(*), MIN(at) FROM auth_failures WHERE subject = $1 AND at > $2"
        )
        .bind(subject)
        .bind(since)
        .fetch_one(p)
        .await)?)
    }

    /// Forgets a subject's failures once it has proven itself (a successful sign-in).
    pub async fn clear_auth_failures(&self, subject: &str) -> StoreResult<()> {
        on_pool!(self, |p| sqlx::query(
            "DELETE FROM auth_failures WHERE subject = $1"
        )
        .bind(subject)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
