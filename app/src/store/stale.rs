//! The Stale view's reads: enabled accounts nothing has used for a while, live tokens that are
//! unused, never expire or expire soon, tokens usable from anywhere though used from a few
//! networks, and static tokens that keyless exchanges replaced. Each is one query with a limit.

use super::tokens::SELECT as TOKEN_SELECT;
use super::{on_pool, Db, StoreResult, TokenRow};
use crate::domain::Role;

/// An enabled account that is listed as stale.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaleAccountRow {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A live token that is listed as stale, with its account's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaleTokenRow {
    #[sqlx(flatten)]
    pub token: TokenRow,
    pub account_name: String,
}

impl Db {
    /// Enabled accounts never used, or last used before `unused_before`; never used first,
    /// then the longest unused. Up to `limit` rows.
    pub async fn stale_accounts(
        &self,
        organization_id: &str,
        unused_before: i64,
        limit: i64,
    ) -> StoreResult<Vec<StaleAccountRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, name, role, created_at, last_used_at FROM service_accounts \
             WHERE organization_id = $1 AND disabled = FALSE \
             AND (last_used_at IS NULL OR last_used_at < $2) \
             ORDER BY COALESCE(last_used_at, 0), created_at, name LIMIT $3"
        )
        .bind(organization_id)
        .bind(unused_before)
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }

    /// Live tokens of enabled accounts that are unused since `unused_before` (or never used),
    /// never expire, or expire before `expiring_before`. Up to `limit` rows.
    pub async fn stale_tokens(
        &self,
        organization_id: &str,
        now: i64,
        unused_before: i64,
        expiring_before: i64,
        limit: i64,
    ) -> StoreResult<Vec<StaleTokenRow>> {
        let sql = format!(
            "SELECT s.*, a.name AS account_name FROM ({TOKEN_SELECT} \
             WHERE t.organization_id = $1 AND t.revoked_at IS NULL AND sa.disabled = FALSE \
             AND (t.expires_at IS NULL OR t.expires_at > $2) \
             AND (t.last_used_at IS NULL OR t.last_used_at < $3 OR t.expires_at IS NULL OR t.expires_at <= $4)) s \
             JOIN service_accounts a ON a.id = s.service_account_id \
             ORDER BY COALESCE(s.last_used_at, 0), s.created_at, s.name LIMIT $5"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(now)
            .bind(unused_before)
            .bind(expiring_before)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }
}

impl Db {
    /// Live tokens without allowed networks, of enabled accounts, used since `since_day` from
    /// at least one and at most `max_networks` networks (and never from "many"), with their
    /// account's name. Up to `limit` rows, oldest token first.
    pub async fn unguarded_tokens(
        &self,
        organization_id: &str,
        since_day: &str,
        max_networks: i64,
        limit: i64,
    ) -> StoreResult<Vec<StaleTokenRow>> {
        let sql = format!(
            "SELECT s.*, a.name AS account_name FROM ({TOKEN_SELECT} \
             WHERE t.organization_id = $1 AND t.revoked_at IS NULL AND sa.disabled = FALSE \
             AND t.allowed_networks IS NULL AND t.id IN ({FEW_NETWORKS_SINCE})) s \
             JOIN service_accounts a ON a.id = s.service_account_id \
             ORDER BY s.created_at, s.name LIMIT $4"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(since_day)
            .bind(max_networks)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// The networks the tokens `unguarded_tokens` finds were used from since `since_day`, with
    /// their requests: `(token_id, network, requests)`, most used first.
    pub async fn token_networks(
        &self,
        organization_id: &str,
        since_day: &str,
        max_networks: i64,
    ) -> StoreResult<Vec<(String, String, i64)>> {
        let sql = format!(
            "SELECT u.token_id, u.network, CAST(SUM(u.requests) AS BIGINT) AS n FROM token_usage_networks u \
             JOIN tokens t ON t.id = u.token_id \
             WHERE t.organization_id = $1 AND t.revoked_at IS NULL AND t.allowed_networks IS NULL \
             AND u.day >= $2 AND u.token_id IN ({FEW_NETWORKS_SINCE}) \
             GROUP BY u.token_id, u.network ORDER BY n DESC, u.network"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(since_day)
            .bind(max_networks)
            .fetch_all(p)
            .await)?)
    }
}

/// A static token of an account that went keyless, with when it did.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeylessStaticRow {
    #[sqlx(flatten)]
    pub token: TokenRow,
    pub account_name: String,
    /// The account's first exchange through any of its trust policies.
    pub keyless_since: i64,
}

impl Db {
    /// Live static tokens (not made by an exchange) of enabled accounts that have exchanged
    /// identity tokens since at least `keyless_before` and still did after it, and that have not
    /// been used since the account's first exchange. Up to `limit` rows, oldest token first.
    pub async fn keyless_static_tokens(
        &self,
        organization_id: &str,
        keyless_before: i64,
        limit: i64,
    ) -> StoreResult<Vec<KeylessStaticRow>> {
        let sql = format!(
            "SELECT s.*, a.name AS account_name, k.keyless_since FROM ({TOKEN_SELECT} \
             WHERE t.organization_id = $1 AND t.revoked_at IS NULL AND t.trust_policy_id IS NULL \
             AND sa.disabled = FALSE) s \
             JOIN (SELECT service_account_id, MIN(first_exchange_at) AS keyless_since \
                   FROM trust_policies WHERE organization_id = $1 \
                   GROUP BY service_account_id \
                   HAVING MIN(first_exchange_at) <= $2 AND MAX(last_exchange_at) > $2) k \
               ON k.service_account_id = s.service_account_id \
             JOIN service_accounts a ON a.id = s.service_account_id \
             WHERE s.last_used_at IS NULL OR s.last_used_at < k.keyless_since \
             ORDER BY s.created_at, s.name LIMIT $3"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(keyless_before)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }
}

/// Tokens used since day `$2` from at least one and at most `$3` networks, never from "many".
const FEW_NETWORKS_SINCE: &str = "SELECT token_id FROM token_usage_networks WHERE day >= $2 \
     GROUP BY token_id HAVING COUNT(DISTINCT network) <= $3 \
     AND SUM(CASE WHEN network = '*' THEN 1 ELSE 0 END) = 0";
