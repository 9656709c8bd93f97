//! Usage: the newest use of each token, and requests per token per day.

use super::{on_pool, on_tx, Db, StoreResult};

/// One flush of what authentication noted in memory.
#[derive(Debug, Clone, Default)]
pub struct UsageBatch {
    /// `(token_id, at, ip)`: the newest use of each token.
    pub last_used: Vec<(String, i64, String)>,
    /// Requests to add, per token and day.
    pub counts: Vec<DayUsage>,
    /// Requests to add per token, day and network it came from.
    pub networks: Vec<NetworkUsage>,
}

/// Accepted requests of one token on one day from one network (`203.0.113.0/24`, or `*` for
/// more addresses than were counted one by one), to add.
#[derive(Debug, Clone, Default)]
pub struct NetworkUsage {
    pub token_id: String,
    pub service_account_id: String,
    pub day: String,
    pub network: String,
    pub requests: i64,
}

/// Accepted and refused requests of one token on one day (`YYYY-MM-DD`), to add.
#[derive(Debug, Clone, Default)]
pub struct DayUsage {
    pub token_id: String,
    pub service_account_id: String,
    pub day: String,
    pub requests: i64,
    pub refused: i64,
}

impl Db {
    /// Writes a batch in one transaction: the batching is what keeps authentication free of a
    /// write per request.
    pub async fn record_usage(&self, batch: &UsageBatch) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for (token_id, at, ip) in &batch.last_used {
            on_tx!(&mut tx, |c| {
                sqlx::query(
                "UPDATE tokens SET last_used_at = $2, last_used_ip = $3 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)"
            )
            .bind(token_id)
            .bind(at)
            .bind(ip)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
            on_tx!(&mut tx, |c| {
                sqlx::query(
                "UPDATE service_accounts SET last_used_at = $2 \
                 WHERE id = (SELECT service_account_id FROM tokens WHERE id = $1) AND (last_used_at IS NULL OR last_used_at < $2)"
            )
            .bind(token_id)
            .bind(at)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
        }
        for d in &batch.counts {
            // An account deleted since the use leaves nothing to count against: skipped.
            on_tx!(&mut tx, |c| {
                sqlx::query(
                "INSERT INTO token_usage_daily (token_id, service_account_id, day, requests, refused) \
                 SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM service_accounts WHERE id = $2) \
                 ON CONFLICT (token_id, day) DO UPDATE SET requests = token_usage_daily.requests + excluded.requests, \
                 refused = token_usage_daily.refused + excluded.refused"
            )
            .bind(&d.token_id)
            .bind(&d.service_account_id)
            .bind(&d.day)
            .bind(d.requests)
            .bind(d.refused)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
        }
        for n in &batch.networks {
            on_tx!(&mut tx, |c| {
                sqlx::query(
                    "INSERT INTO token_usage_networks (token_id, service_account_id, day, network, requests) \
                     SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM service_accounts WHERE id = $2) \
                     ON CONFLICT (token_id, day, network) DO UPDATE SET requests = token_usage_networks.requests + excluded.requests",
                )
                .bind(&n.token_id)
                .bind(&n.service_account_id)
                .bind(&n.day)
                .bind(&n.network)
                .bind(n.requests)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
            })?;
        }
        tx.commit().await
    }

    /// An account's requests per day since `since` (a `YYYY-MM-DD` day), for days with any:
    /// `(day, accepted, refused)`.
    pub async fn usage_by_day(
        &self,
        service_account_id: &str,
        since: &str,
    ) -> StoreResult<Vec<(String, i64, i64)>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT day, CAST(SUM(requests) AS BIGINT), CAST(SUM(refused) AS BIGINT) FROM token_usage_daily \
             WHERE service_account_id = $1 AND day >= $2 GROUP BY day ORDER BY day"
        )
        .bind(service_account_id)
        .bind(since)
        .fetch_all(p)
        .await
        })?)
    }

    /// An account's requests per token since `since`, busiest first: `(id, name, requests)`.
    pub async fn usage_by_token(
        &self,
        service_account_id: &str,
        since: &str,
    ) -> StoreResult<Vec<(String, String, i64)>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT t.id, t.name, CAST(SUM(u.requests) AS BIGINT) AS n FROM token_usage_daily u \
             JOIN tokens t ON t.id = u.token_id \
             WHERE u.service_account_id = $1 AND u.day >= $2 GROUP BY t.id, t.name ORDER BY n DESC, t.name"
        )
        .bind(service_account_id)
        .bind(since)
        .fetch_all(p)
        .await
        })?)
    }

    /// Forgets counts of days before `before`.
    pub async fn purge_usage(&self, before: &str) -> StoreResult<u64> {
        let daily = on_pool!(self, |p| sqlx::query(
            "DELETE FROM token_usage_daily WHERE day < $1"
        )
        .bind(before)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        let networks = on_pool!(self, |p| sqlx::query(
            "DELETE FROM token_usage_networks WHERE day < $1"
        )
        .bind(before)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(daily + networks)
    }
}
