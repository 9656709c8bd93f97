//! Report-only guards: guards proposed for a token that refuse nothing yet, and the requests
//! they would have refused, counted per day, address, reason and operation.

use super::changes::Change;
use super::{on_pool, on_tx, Db, GuardColumns, StoreResult, Tx};

/// A token's report-only restrictions as stored; `report_only_since` is `None` when it has none.
/// Lists are comma-separated, as the token's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportOnlyColumns {
    pub report_only_networks: Option<String>,
    pub report_only_rate_limit_per_minute: Option<i64>,
    pub report_only_max_uses: Option<i64>,
    pub report_only_scopes: Option<String>,
    pub report_only_permissions: Option<String>,
    pub report_only_workspaces: Option<String>,
    pub report_only_expires_at: Option<i64>,
    pub report_only_since: Option<i64>,
}

impl ReportOnlyColumns {
    /// The proposed guards, when guards are proposed.
    pub fn guards(&self) -> Option<GuardColumns> {
        let guards = GuardColumns {
            allowed_networks: self.report_only_networks.clone(),
            rate_limit_per_minute: self.report_only_rate_limit_per_minute,
            max_uses: self.report_only_max_uses,
        };
        (self.report_only_since.is_some() && guards != GuardColumns::default()).then_some(guards)
    }

    /// The proposed narrowing, when scopes, permissions or workspaces are narrowed.
    pub fn narrows(&self) -> bool {
        self.report_only_since.is_some()
            && (self.report_only_scopes.is_some()
                || self.report_only_permissions.is_some()
                || self.report_only_workspaces.is_some())
    }
}

/// A token's scopes, narrowing and expiry once report-only restrictions are enforced.
#[derive(Debug, Clone)]
pub struct Narrowed<'a> {
    pub id: &'a str,
    pub scopes: &'a str,
    pub permissions: Option<&'a str>,
    pub workspaces: Option<&'a str>,
    pub expires_at: Option<i64>,
}

/// Requests of one token that a report-only guard would have refused, as one flush adds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WouldRefuse {
    pub token_id: String,
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub address: String,
    pub reason: String,
    pub operation: String,
    pub requests: i64,
}

/// What a token's report-only guards would have refused since they were added.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportOnlyTotals {
    pub token_id: String,
    pub requests: i64,
    pub addresses: i64,
}

/// One address a token's report-only guards would have refused, with how often and why.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Offender {
    pub token_id: String,
    pub address: String,
    pub reason: String,
    pub operation: String,
    pub requests: i64,
}

/// A token whose report-only guards have refused nothing for a while: safe to enforce.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuietReportOnly {
    pub token_id: String,
    pub token_name: String,
    pub account_id: String,
    pub account_name: String,
    pub organization_id: String,
    pub organization_slug: String,
    pub report_only_since: i64,
}

impl Tx {
    /// Gives a token report-only restrictions (`None` removes them), forgetting what earlier
    /// ones recorded and their quiet notice: the report always describes what it is shown with.
    pub async fn set_report_only(
        &mut self,
        token_id: &str,
        proposed: Option<&ReportOnlyColumns>,
    ) -> StoreResult<()> {
        self.changed(Change::Token(token_id.to_string()));
        let none = ReportOnlyColumns::default();
        let r = proposed.unwrap_or(&none);
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE tokens SET report_only_networks = $2, report_only_rate_limit_per_minute = $3, \
                 report_only_max_uses = $4, report_only_scopes = $5, report_only_permissions = $6, \
                 report_only_workspaces = $7, report_only_expires_at = $8, report_only_since = $9, \
                 report_only_uses = 0 WHERE id = $1",
            )
            .bind(token_id)
            .bind(&r.report_only_networks)
            .bind(r.report_only_rate_limit_per_minute)
            .bind(r.report_only_max_uses)
            .bind(&r.report_only_scopes)
            .bind(&r.report_only_permissions)
            .bind(&r.report_only_workspaces)
            .bind(r.report_only_expires_at)
            .bind(r.report_only_since)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM report_only_refusals WHERE token_id = $1")
                .bind(token_id)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        })?;
        // The notice that earlier ones were quiet no longer says anything true.
        on_tx!(self, |c| {
            sqlx::query(
                "DELETE FROM expiry_notices WHERE token_id = $1 AND kind = 'report_only_quiet'",
            )
            .bind(token_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Narrows a token: its scopes, permissions and workspaces (lists as stored) and expiry
    /// become these.
    pub async fn narrow_token(&mut self, n: &Narrowed<'_>) -> StoreResult<()> {
        self.changed(Change::Token(n.id.to_string()));
        on_tx!(self, |c| sqlx::query(
            "UPDATE tokens SET scopes = $2, narrow_permissions = $3, narrow_workspaces = $4, \
             expires_at = $5 WHERE id = $1"
        )
        .bind(n.id)
        .bind(n.scopes)
        .bind(n.permissions)
        .bind(n.workspaces)
        .bind(n.expires_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// A token's uses counted against its report-only max uses, read in the transaction that
    /// enforces them.
    pub async fn report_only_uses(&mut self, token_id: &str) -> StoreResult<i64> {
        Ok(on_tx!(self, |c| sqlx::query_scalar(
            "SELECT report_only_uses FROM tokens WHERE id = $1"
        )
        .bind(token_id)
        .fetch_one(c)
        .await)?)
    }

    /// Sets a token's count of uses (when enforced max uses take over from report-only ones).
    pub async fn set_token_uses(&mut self, token_id: &str, uses: i64) -> StoreResult<()> {
        self.changed(Change::Token(token_id.to_string()));
        on_tx!(self, |c| sqlx::query(
            "UPDATE tokens SET uses = $2 WHERE id = $1"
        )
        .bind(token_id)
        .bind(uses)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl Db {
    /// Counts a use against a token's report-only max uses: false when they are spent (the
    /// request would have been refused).
    pub async fn spend_report_only_use(&self, token_id: &str) -> StoreResult<bool> {
        let n = on_pool!(self, |p| {
            sqlx::query(
            "UPDATE tokens SET report_only_uses = report_only_uses + 1 \
             WHERE id = $1 AND (report_only_max_uses IS NULL OR report_only_uses < report_only_max_uses)"
        )
        .bind(token_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// Adds what report-only guards would have refused, in one transaction. Counts of a token
    /// whose report-only guards ended meanwhile are dropped: they describe guards no longer shown.
    pub async fn record_would_refuse(&self, batch: &[WouldRefuse]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for w in batch {
            on_tx!(&mut tx, |c| {
                sqlx::query(
                "INSERT INTO report_only_refusals (token_id, day, address, reason, operation, requests) \
                 SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS \
                 (SELECT 1 FROM tokens WHERE id = $1 AND report_only_since IS NOT NULL) \
                 ON CONFLICT (token_id, day, address, reason, operation) \
                 DO UPDATE SET requests = report_only_refusals.requests + excluded.requests"
            )
            .bind(&w.token_id)
            .bind(&w.day)
            .bind(&w.address)
            .bind(&w.reason)
            .bind(&w.operation)
            .bind(w.requests)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// For each token of the account with report-only guards, what they would have refused.
    pub async fn report_only_totals(&self, account_id: &str) -> StoreResult<Vec<ReportOnlyTotals>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT r.token_id, CAST(SUM(r.requests) AS BIGINT) AS requests, COUNT(DISTINCT r.address) AS addresses \
             FROM report_only_refusals r JOIN tokens t ON t.id = r.token_id \
             WHERE t.service_account_id = $1 GROUP BY r.token_id"
        )
        .bind(account_id)
        .fetch_all(p)
        .await
        })?)
    }

    /// The addresses the account's tokens' report-only guards would have refused most, by
    /// token, reason and operation, most requests first (`per_token` at most each).
    pub async fn report_only_offenders(
        &self,
        account_id: &str,
        per_token: i64,
    ) -> StoreResult<Vec<Offender>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT token_id, address, reason, operation, requests FROM ( \
               SELECT r.token_id, r.address, r.reason, r.operation, CAST(SUM(r.requests) AS BIGINT) AS requests, \
                 ROW_NUMBER() OVER (PARTITION BY r.token_id ORDER BY SUM(r.requests) DESC, r.address) AS n \
               FROM report_only_refusals r JOIN tokens t ON t.id = r.token_id \
               WHERE t.service_account_id = $1 GROUP BY r.token_id, r.address, r.reason, r.operation) o \
             WHERE n <= $2 ORDER BY token_id, requests DESC, address"
        )
        .bind(account_id)
        .bind(per_token)
        .fetch_all(p)
        .await
        })?)
    }

    /// Live tokens of the organization whose report-only guards were added before
    /// `added_before` and have refused nothing on `quiet_from_day` or since.
    pub async fn quiet_report_only(
        &self,
        organization_id: &str,
        added_before: i64,
        quiet_from_day: &str,
        limit: i64,
    ) -> StoreResult<Vec<QuietReportOnly>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT t.id AS token_id, t.name AS token_name, sa.id AS account_id, sa.name AS account_name, \
               o.id AS organization_id, o.slug AS organization_slug, t.report_only_since \
             FROM tokens t JOIN service_accounts sa ON sa.id = t.service_account_id \
             JOIN organizations o ON o.id = t.organization_id \
             WHERE t.organization_id = $1 AND t.revoked_at IS NULL \
               AND t.report_only_since IS NOT NULL AND t.report_only_since <= $2 \
               AND NOT EXISTS (SELECT 1 FROM report_only_refusals r WHERE r.token_id = t.id AND r.day >= $3) \
             ORDER BY t.report_only_since LIMIT $4"
        )
        .bind(organization_id)
        .bind(added_before)
        .bind(quiet_from_day)
        .bind(limit)
        .fetch_all(p)
        .await
        })?)
    }
}
