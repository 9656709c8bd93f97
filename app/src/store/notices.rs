//! Expiry notices: which are due, claiming one for delivery, and what happened to each.

use super::{on_pool, Db, StoreResult};

/// A token that has reached a notice's window, with what the notice says about it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExpiringToken {
    pub organization_id: String,
    pub organization_slug: String,
    pub token_id: String,
    pub token_name: String,
    pub hint: String,
    pub expires_at: i64,
    pub account_id: String,
    pub account_name: String,
}

/// A notice as stored: for delivery and for the delivery log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: String,
    pub organization_id: String,
    pub token_id: String,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// A notice to record.
#[derive(Debug, Clone)]
pub struct NewNotice<'a> {
    pub id: &'a str,
    pub organization_id: &'a str,
    pub token_id: &'a str,
    pub kind: &'a str,
    pub payload: &'a str,
    pub now: i64,
}

/// The result of one delivery attempt.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    pub id: &'a str,
    pub delivered: bool,
    pub http_status: Option<i64>,
    pub error: Option<&'a str>,
    /// When to try again; `None` with `delivered: false` gives up.
    pub retry_at: Option<i64>,
    pub now: i64,
}

const COLUMNS: &str =
    "id, organization_id, token_id, kind, payload, status, attempts, next_attempt_at, \
     last_status, last_error, created_at, delivered_at";

impl Db {
    /// The organizations whose notices have somewhere to go.
    pub async fn organizations_with_webhook(&self) -> StoreResult<Vec<String>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT id FROM organizations WHERE webhook_url IS NOT NULL ORDER BY id"
        )
        .fetch_all(p)
        .await)?)
    }

    /// At most `limit` live tokens of one organization whose expiry falls in `[from, to)` and
    /// that have no `kind` notice yet, soonest first.
    pub async fn tokens_needing_notice(
        &self,
        organization_id: &str,
        kind: &str,
        from: i64,
        to: i64,
        limit: i64,
    ) -> StoreResult<Vec<ExpiringToken>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT o.id AS organization_id, o.slug AS organization_slug, t.id AS token_id, \
                    t.name AS token_name, t.hint, t.expires_at, sa.id AS account_id, sa.name AS account_name \
             FROM tokens t JOIN service_accounts sa ON sa.id = t.service_account_id \
             JOIN organizations o ON o.id = t.organization_id \
             WHERE t.organization_id = $1 AND t.revoked_at IS NULL \
               AND t.expires_at >= $3 AND t.expires_at < $4 \
               AND NOT EXISTS (SELECT 1 FROM expiry_notices n \
                               WHERE n.token_id = t.id AND n.kind = $2 AND n.kind <> 'test') \
             ORDER BY t.expires_at, t.id LIMIT $5"
        )
        .bind(organization_id)
        .bind(kind)
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(p)
        .await
        })?)
    }

    /// Records a notice unless one of its kind exists for the token already: the claim that
    /// makes each notice happen once. Returns whether it was new.
    pub async fn insert_notice(&self, n: &NewNotice<'_>) -> StoreResult<bool> {
        let done = on_pool!(self, |p| {
            sqlx::query(INSERT_NOTICE)
                .bind(n.id)
                .bind(n.organization_id)
                .bind(n.token_id)
                .bind(n.kind)
                .bind(n.payload)
                .bind(n.now)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }

    /// Pending notices whose next attempt is due and that nobody holds: at most `per_organization`
    /// of each organization's, oldest due first.
    pub async fn due_notices(
        &self,
        now: i64,
        per_organization: i64,
    ) -> StoreResult<Vec<NoticeRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM (SELECT {COLUMNS}, ROW_NUMBER() OVER \
               (PARTITION BY organization_id ORDER BY next_attempt_at, id) AS place \
             FROM expiry_notices WHERE status = 'pending' AND next_attempt_at <= $1 \
               AND (lease_until IS NULL OR lease_until < $1)) due \
             WHERE place <= $2 ORDER BY next_attempt_at, id"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(now)
            .bind(per_organization)
            .fetch_all(p)
            .await)?)
    }

    /// Takes a notice for delivery until `until`; false when another process has it.
    pub async fn lease_notice(&self, id: &str, now: i64, until: i64) -> StoreResult<bool> {
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE expiry_notices SET lease_until = $3 WHERE id = $1 AND status = 'pending' \
             AND (lease_until IS NULL OR lease_until < $2)"
        )
        .bind(id)
        .bind(now)
        .bind(until)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Records how an attempt went and releases the lease.
    pub async fn record_attempt(&self, a: &Attempt<'_>) -> StoreResult<()> {
        let status = match (a.delivered, a.retry_at) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        on_pool!(self, |p| {
            sqlx::query(
            "UPDATE expiry_notices SET status = $2, attempts = attempts + 1, last_status = $3, last_error = $4, \
             next_attempt_at = COALESCE($5, next_attempt_at), lease_until = NULL, \
             delivered_at = CASE WHEN $2 = 'delivered' THEN $6 ELSE delivered_at END WHERE id = $1"
        )
        .bind(a.id)
        .bind(status)
        .bind(a.http_status)
        .bind(a.error)
        .bind(a.retry_at)
        .bind(a.now)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// The organization's newest notices, for the delivery log.
    pub async fn recent_notices(
        &self,
        organization_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<NoticeRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM expiry_notices WHERE organization_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// One notice by id, while it is still to be delivered.
    pub async fn due_notice(&self, id: &str) -> StoreResult<Option<NoticeRow>> {
        let sql =
            format!("SELECT {COLUMNS} FROM expiry_notices WHERE id = $1 AND status = 'pending'");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// Where and how an organization's notices go: its webhook URL and sealed secret.
    pub async fn webhook(
        &self,
        organization_id: &str,
    ) -> StoreResult<Option<(String, Option<String>)>> {
        let row: Option<(Option<String>, Option<String>)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT webhook_url, webhook_secret FROM organizations WHERE id = $1"
        )
        .bind(organization_id)
        .fetch_optional(p)
        .await)?;
        Ok(row.and_then(|(url, secret)| url.map(|u| (u, secret))))
    }
}

const INSERT_NOTICE: &str = "INSERT INTO expiry_notices (id, organization_id, token_id, kind, payload, status, attempts, next_attempt_at, created_at) \
     VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) \
     ON CONFLICT (token_id, kind) WHERE kind <> 'test' DO NOTHING";

impl super::Tx {
    /// As `Db::insert_notice`, with the change that calls for it (a leak report's notice is
    /// queued in the transaction that suspends the token).
    pub async fn insert_notice(&mut self, n: &NewNotice<'_>) -> StoreResult<bool> {
        let done = super::on_tx!(self, |c| {
            sqlx::query(INSERT_NOTICE)
                .bind(n.id)
                .bind(n.organization_id)
                .bind(n.token_id)
                .bind(n.kind)
                .bind(n.payload)
                .bind(n.now)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }
}
