//! API tokens. Only the SHA-256 of a secret is stored, under a unique index.
//!
//! Longer than most files: every statement on the tokens table is here, beside the columns
//! and indexes it relies on, so a change to the table is reviewed in one place.

use super::changes::Change;
use super::report_only::ReportOnlyColumns;
use super::trust::ExchangeMark;
use super::typed::Scopes;
use super::{on_pool, on_tx, values_rows, Db, StoreResult, Tx};
use crate::domain::Role;
use std::sync::LazyLock;

/// A token's metadata as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: String,
    pub organization_id: String,
    pub service_account_id: String,
    pub name: String,
    pub description: String,
    pub scopes: Scopes,
    pub hint: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub role_cap: Role,
    pub cap_permissions: Option<String>,
    pub narrow_permissions: Option<String>,
    pub narrow_workspaces: Option<String>,
    pub account_role: Role,
    pub account_disabled: bool,
    /// Set on a token made by an exchange: the identity token's issuer, the matched claims (JSON).
    pub exchanged_from: Option<String>,
    pub exchanged_claims: Option<String>,
    #[sqlx(flatten)]
    pub guards: GuardColumns,
    /// Accepted uses, counted for a token with `max_uses`.
    pub uses: i64,
    /// Set while it is suspended as reported leaked, with where it was found and by whom.
    pub leaked_at: Option<i64>,
    pub leak_url: Option<String>,
    pub leak_source: Option<String>,
    /// Guards proposed for it that refuse nothing yet, and their count of uses.
    #[sqlx(flatten)]
    pub report_only: ReportOnlyColumns,
    pub report_only_uses: i64,
}

/// A token's guards as stored (also an account's defaults for its new tokens): networks
/// comma-separated in canonical form.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct GuardColumns {
    pub allowed_networks: Option<String>,
    pub rate_limit_per_minute: Option<i64>,
    pub max_uses: Option<i64>,
}

pub(super) const SELECT: &str = "SELECT t.id, t.organization_id, t.service_account_id, t.name, t.description, t.scopes, t.hint, \
     t.created_by, t.created_at, t.expires_at, t.revoked_at, t.last_used_at, t.last_used_ip, t.role_cap, \
     t.cap_permissions, t.narrow_permissions, t.narrow_workspaces, t.exchanged_from, t.exchanged_claims, \
     t.allowed_networks, t.rate_limit_per_minute, t.max_uses, t.uses, t.leaked_at, t.leak_url, t.leak_source, \
     t.report_only_networks, t.report_only_rate_limit_per_minute, t.report_only_max_uses, t.report_only_scopes, \
     t.report_only_permissions, t.report_only_workspaces, t.report_only_expires_at, t.report_only_since, \
     t.report_only_uses, sa.role AS account_role, sa.disabled AS account_disabled \
     FROM tokens t JOIN service_accounts sa ON sa.id = t.service_account_id";

/// Everything authentication needs about a presented secret, from one indexed lookup.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CredentialRow {
    pub token_id: String,
    pub token_name: String,
    pub token_created_at: i64,
    pub scopes: Scopes,
    pub secret_hash: String,
    pub previous_secret_hash: Option<String>,
    pub previous_valid_until: Option<i64>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub account_id: String,
    pub account_name: String,
    pub role: Role,
    pub role_cap: Role,
    pub cap_permissions: Option<String>,
    pub narrow_permissions: Option<String>,
    pub narrow_workspaces: Option<String>,
    pub disabled: bool,
    pub org_id: String,
    pub org_slug: String,
    pub org_name: String,
    pub access_version: i64,
    #[sqlx(flatten)]
    pub guards: GuardColumns,
    /// Set while the token is suspended as reported leaked.
    pub leaked_at: Option<i64>,
    #[sqlx(flatten)]
    pub report_only: ReportOnlyColumns,
}

/// A token to insert; the service has generated its id and hashed its secret.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub id: &'a str,
    pub organization_id: &'a str,
    pub service_account_id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub scopes: &'a str,
    pub secret_hash: &'a str,
    pub hint: &'a str,
    pub created_by: &'a str,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    /// The minter's role: the token never acts above it.
    pub role_cap: &'a str,
    /// What the minter held beyond that role (comma-separated).
    pub cap_permissions: Option<&'a str>,
    /// What the token was narrowed to at creation (comma-separated; `None`: not narrowed).
    pub narrow_permissions: Option<&'a str>,
    pub narrow_workspaces: Option<&'a str>,
    pub guards: &'a GuardColumns,
    /// Set when a keyless exchange made the token: the policy and what matched.
    pub exchanged: Option<ExchangeMark<'a>>,
}

/// A token's new secret, and its new expiry and cap.
#[derive(Debug, Clone)]
pub struct ReplacedSecret<'a> {
    pub id: &'a str,
    pub secret_hash: &'a str,
    pub hint: &'a str,
    pub expires_at: Option<i64>,
    /// With a value, the current secret stays valid until then (the grace period).
    pub previous_valid_until: Option<i64>,
    pub role_cap: &'a str,
    pub cap_permissions: Option<&'a str>,
}

impl Tx {
    pub async fn insert_token(&mut self, t: &NewToken<'_>) -> StoreResult<()> {
        self.insert_tokens(std::slice::from_ref(t)).await
    }

    /// Inserts several tokens in one statement (exchanges written together).
    pub async fn insert_tokens(&mut self, tokens: &[NewToken<'_>]) -> StoreResult<()> {
        if tokens.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO tokens (id, organization_id, service_account_id, name, description, scopes, secret_hash, hint, \
                                 created_by, created_at, expires_at, role_cap, cap_permissions, narrow_permissions, narrow_workspaces, \
                                 allowed_networks, rate_limit_per_minute, max_uses, \
                                 trust_policy_id, exchanged_from, exchanged_claims) \
             VALUES {}",
            values_rows(tokens.len(), 21)
        );
        on_tx!(self, |c| {
            let mut q = sqlx::query(&sql).persistent(tokens.len() == 1);
            for t in tokens {
                q = q
                    .bind(t.id)
                    .bind(t.organization_id)
                    .bind(t.service_account_id)
                    .bind(t.name)
                    .bind(t.description)
                    .bind(t.scopes)
                    .bind(t.secret_hash)
                    .bind(t.hint)
                    .bind(t.created_by)
                    .bind(t.created_at)
                    .bind(t.expires_at)
                    .bind(t.role_cap)
                    .bind(t.cap_permissions)
                    .bind(t.narrow_permissions)
                    .bind(t.narrow_workspaces)
                    .bind(&t.guards.allowed_networks)
                    .bind(t.guards.rate_limit_per_minute)
                    .bind(t.guards.max_uses)
                    .bind(t.exchanged.as_ref().map(|m| m.policy_id))
                    .bind(t.exchanged.as_ref().map(|m| m.issuer))
                    .bind(t.exchanged.as_ref().map(|m| m.claims));
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// A live (not revoked) token of this organization.
    pub async fn token(
        &mut self,
        organization_id: &str,
        id: &str,
    ) -> StoreResult<Option<TokenRow>> {
        let sql =
            format!("{SELECT} WHERE t.organization_id = $1 AND t.id = $2 AND t.revoked_at IS NULL");
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(id)
            .fetch_optional(c)
            .await)?)
    }

    /// Revokes for good: the row stays (so a later use is recognised and audited) but the
    /// secret no longer authenticates and the name is free again.
    pub async fn revoke_token(&mut self, id: &str, now: i64) -> StoreResult<()> {
        self.changed(Change::Token(id.to_string()));
        on_tx!(self, |c| {
            sqlx::query(
            "UPDATE tokens SET revoked_at = $2, previous_secret_hash = NULL WHERE id = $1 AND revoked_at IS NULL"
        )
        .bind(id)
        .bind(now)
        .execute(c)
        .await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}

impl Db {
    /// A live (not revoked) token of this organization.
    pub async fn token(&self, organization_id: &str, id: &str) -> StoreResult<Option<TokenRow>> {
        let sql =
            format!("{SELECT} WHERE t.organization_id = $1 AND t.id = $2 AND t.revoked_at IS NULL");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// How many live tokens of each organization expire in `[now, until)`, by slug; an
    /// organization with none is not listed.
    pub async fn tokens_expiring_by_organization(
        &self,
        now: i64,
        until: i64,
    ) -> StoreResult<Vec<(String, i64)>> {
        let sql = "SELECT o.slug, COUNT(*) FROM tokens t JOIN organizations o ON o.id = t.organization_id \
                   WHERE t.revoked_at IS NULL AND t.expires_at >= $1 AND t.expires_at < $2 \
                   GROUP BY o.slug ORDER BY o.slug";
        Ok(on_pool!(self, |p| sqlx::query_as(sql)
            .bind(now)
            .bind(until)
            .fetch_all(p)
            .await)?)
    }

    /// The live tokens of one account, oldest first.
    pub async fn list_tokens(&self, service_account_id: &str) -> StoreResult<Vec<TokenRow>> {
        let sql = format!("{SELECT} WHERE t.service_account_id = $1 AND t.revoked_at IS NULL ORDER BY t.created_at, t.name");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(service_account_id)
            .fetch_all(p)
            .await)?)
    }

    /// Finds the token whose current (or, during a refresh's grace period, previous) secret has
    /// this hash. Both columns are indexed.
    pub async fn credential(&self, secret_hash: &str) -> StoreResult<Option<CredentialRow>> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!("{CREDENTIAL_SELECT} WHERE t.secret_hash = $1 OR t.previous_secret_hash = $1")
        });
        Ok(on_pool!(self, |p| sqlx::query_as(&SQL)
            .bind(secret_hash)
            .fetch_optional(p)
            .await)?)
    }

    /// The tokens of two hashes in one round trip (introspection verifies the caller's token and
    /// the one it asks about); at most one row per hash, in no particular order.
    pub async fn credential_pair(
        &self,
        first: &str,
        second: &str,
    ) -> StoreResult<Vec<CredentialRow>> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "{CREDENTIAL_SELECT} WHERE t.secret_hash IN ($1, $2) OR t.previous_secret_hash IN ($1, $2)"
            )
        });
        Ok(on_pool!(self, |p| sqlx::query_as(&SQL)
            .bind(first)
            .bind(second)
            .fetch_all(p)
            .await)?)
    }
}

/// Everything authentication needs about a token, its account and its organization.
const CREDENTIAL_SELECT: &str = "SELECT t.id AS token_id, t.name AS token_name, t.created_at AS token_created_at, t.scopes, \
     t.secret_hash, t.previous_secret_hash, t.previous_valid_until, \
     t.expires_at, t.revoked_at, t.role_cap, t.cap_permissions, t.narrow_permissions, t.narrow_workspaces, \
     t.allowed_networks, t.rate_limit_per_minute, t.max_uses, t.leaked_at, \
     t.report_only_networks, t.report_only_rate_limit_per_minute, t.report_only_max_uses, t.report_only_scopes, \
     t.report_only_permissions, t.report_only_workspaces, t.report_only_expires_at, t.report_only_since, \
     sa.id AS account_id, sa.name AS account_name, sa.role, sa.disabled, \
     o.id AS org_id, o.slug AS org_slug, o.name AS org_name, o.access_version \
     FROM tokens t JOIN service_accounts sa ON sa.id = t.service_account_id \
     JOIN organizations o ON o.id = t.organization_id";

impl Tx {
    /// Revokes every live token of an account; returns how many.
    pub async fn revoke_account_tokens(
        &mut self,
        service_account_id: &str,
        now: i64,
    ) -> StoreResult<u64> {
        self.changed(Change::Account(service_account_id.to_string()));
        Ok(on_tx!(self, |c| {
            sqlx::query(
            "UPDATE tokens SET revoked_at = $2, previous_secret_hash = NULL WHERE service_account_id = $1 AND revoked_at IS NULL"
        )
        .bind(service_account_id)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?)
    }

    /// Gives a token a new secret. With `previous_valid_until` the current secret stays valid
    /// until then (the grace period); without it, it stops at once. The right-hand sides read
    /// the row as it was, so the old hash moves over in the same statement.
    pub async fn replace_token_secret(&mut self, r: &ReplacedSecret<'_>) -> StoreResult<()> {
        self.changed(Change::Token(r.id.to_string()));
        on_tx!(self, |c| {
            sqlx::query(
            "UPDATE tokens SET secret_hash = $2, hint = $3, expires_at = $4, \
             previous_secret_hash = CASE WHEN $5 IS NULL THEN NULL ELSE secret_hash END, previous_valid_until = $5, \
             role_cap = $6, cap_permissions = $7 WHERE id = $1"
        )
        .bind(r.id)
        .bind(r.secret_hash)
        .bind(r.hint)
        .bind(r.expires_at)
        .bind(r.previous_valid_until)
        .bind(r.role_cap)
        .bind(r.cap_permissions)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}

impl Tx {
    /// Replaces a token's guards.
    pub async fn set_token_guards(&mut self, id: &str, guards: &GuardColumns) -> StoreResult<()> {
        self.changed(Change::Token(id.to_string()));
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE tokens SET allowed_networks = $2, rate_limit_per_minute = $3, max_uses = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(&guards.allowed_networks)
            .bind(guards.rate_limit_per_minute)
            .bind(guards.max_uses)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}

impl Tx {
    /// Suspends a live token reported leaked: false when it is revoked or already suspended so
    /// (the first report is the one kept).
    pub async fn mark_token_leaked(
        &mut self,
        id: &str,
        now: i64,
        url: Option<&str>,
        source: Option<&str>,
    ) -> StoreResult<bool> {
        self.changed(Change::Token(id.to_string()));
        let n = on_tx!(self, |c| {
            sqlx::query(
                "UPDATE tokens SET leaked_at = $2, leak_url = $3, leak_source = $4 \
                 WHERE id = $1 AND revoked_at IS NULL AND leaked_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .bind(url)
            .bind(source)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// Lifts a leak suspension.
    pub async fn restore_token(&mut self, id: &str) -> StoreResult<()> {
        self.changed(Change::Token(id.to_string()));
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE tokens SET leaked_at = NULL, leak_url = NULL, leak_source = NULL WHERE id = $1",
            )
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}

impl Db {
    /// Counts one use of a token with `max_uses`, if one is left: false once they are spent. One
    /// conditional UPDATE, so the total holds exactly however many replicas count.
    pub async fn spend_token_use(&self, token_id: &str) -> StoreResult<bool> {
        let n = on_pool!(self, |p| {
            sqlx::query(
                "UPDATE tokens SET uses = uses + 1 WHERE id = $1 AND (max_uses IS NULL OR uses < max_uses)",
            )
            .bind(token_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// Reserves `block` more requests of a token's minute starting at `window_start`; returns
    /// how many were reserved in that minute before this block (by every replica).
    pub async fn reserve_rate_block(
        &self,
        token_id: &str,
        window_start: i64,
        block: i64,
    ) -> StoreResult<i64> {
        let after: i64 = on_pool!(self, |p| {
            sqlx::query_scalar(
                "INSERT INTO token_rate_windows (token_id, window_start, reserved) VALUES ($1, $2, $3) \
                 ON CONFLICT (token_id, window_start) DO UPDATE SET reserved = token_rate_windows.reserved + excluded.reserved \
                 RETURNING reserved",
            )
            .bind(token_id)
            .bind(window_start)
            .bind(block)
            .fetch_one(p)
            .await
        })?;
        Ok(after - block)
    }

    /// Forgets the rate windows that started before `before`.
    pub async fn purge_rate_windows(&self, before: i64) -> StoreResult<u64> {
        Ok(on_pool!(self, |p| sqlx::query(
            "DELETE FROM token_rate_windows WHERE window_start < $1"
        )
        .bind(before)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
    }

    /// Claims the right to audit a refused use of this token: true at most once a minute.
    pub async fn claim_refused_audit(&self, token_id: &str, now: i64) -> StoreResult<bool> {
        let n = on_pool!(self, |p| {
            sqlx::query(
            "UPDATE tokens SET refused_logged_at = $2 WHERE id = $1 AND (refused_logged_at IS NULL OR refused_logged_at <= $2 - 60000)"
        )
        .bind(token_id)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A presented token is found with the secret indexes however many tokens there are, also
    /// after `ANALYZE` has taught the planner that almost no token has a previous secret (it
    /// then chose to scan every account's tokens).
    #[tokio::test]
    async fn a_credential_is_two_index_searches_with_statistics() {
        let (db, path, pool) = crate::store::temporary_sqlite("plan").await;
        let pool = &pool;
        for sql in [
            "INSERT INTO organizations (id, slug, name, created_at) VALUES ('org_a', 'a', 'A', 0)",
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199) \
             INSERT INTO service_accounts (id, organization_id, name, role, created_by, created_at, updated_at) \
             SELECT 'sa_' || i, 'org_a', 'sa-' || i, 'viewer', 'test', 0, 0 FROM n",
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999) \
             INSERT INTO tokens (id, organization_id, service_account_id, name, scopes, secret_hash, hint, created_by, created_at) \
             SELECT 'tok_' || i, 'org_a', 'sa_' || (i % 200), 't-' || i, 'read', 'hash-' || i, 'h', 'test', 0 FROM n",
        ] {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
        db.refresh_statistics().await.unwrap();
        for sql in [
            format!("EXPLAIN QUERY PLAN {CREDENTIAL_SELECT} WHERE t.secret_hash = $1 OR t.previous_secret_hash = $1"),
            format!("EXPLAIN QUERY PLAN {CREDENTIAL_SELECT} WHERE t.secret_hash IN ($1, $2) OR t.previous_secret_hash IN ($1, $2)"),
        ] {
            let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(&sql)
                .bind("hash-7")
                .bind("hash-8")
                .fetch_all(pool)
                .await
                .unwrap();
            let steps: Vec<&str> = plan.iter().map(|p| p.3.as_str()).collect();
            assert!(
                steps.iter().any(|s| s.contains("USING INDEX tokens_secret_hash"))
                    && steps
                        .iter()
                        .any(|s| s.contains("USING INDEX tokens_previous_secret_hash"))
                    // The one organization's table may be read whole; tokens and accounts never.
                    && !steps
                        .iter()
                        .any(|s| s.starts_with("SCAN t") || s.starts_with("SCAN sa")),
                "{steps:?}"
            );
        }
        // Counts per index, no sampled values: a plan never depends on a bound value, so a
        // prepared lookup is not prepared again on each execution.
        let stats: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%' ORDER BY name",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        assert_eq!(stats, ["sqlite_stat1"]);
        let _ = std::fs::remove_file(&path);
    }
}
