//! Trust policies, the identity tokens already exchanged (shared by every replica through the
//! database, so a replay is refused wherever it lands) and the marks an exchanged token keeps.

use super::typed::Scopes;
use super::{on_pool, on_tx, values_rows, Db, StoreResult, Tx};
use crate::domain::Role;

/// A trust policy as stored; `conditions` is JSON.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TrustPolicyRow {
    pub id: String,
    pub organization_id: String,
    pub service_account_id: String,
    pub issuer: String,
    pub audience: String,
    pub conditions: String,
    pub scopes: Scopes,
    pub role_cap: Role,
    pub cap_permissions: Option<String>,
    pub narrow_permissions: Option<String>,
    pub narrow_workspaces: Option<String>,
    pub lifetime_seconds: i64,
    pub created_by: String,
    pub created_at: i64,
    pub last_exchange_at: Option<i64>,
}

const SELECT: &str = "SELECT id, organization_id, service_account_id, issuer, audience, conditions, scopes, \
     role_cap, cap_permissions, narrow_permissions, narrow_workspaces, lifetime_seconds, created_by, \
     created_at, last_exchange_at FROM trust_policies";

/// A policy to insert (the service validated it and took the creator's cap).
pub type NewTrustPolicy = TrustPolicyRow;

/// The marks of a token made by an exchange, written with it.
#[derive(Debug, Clone)]
pub struct ExchangeMark<'a> {
    pub policy_id: &'a str,
    pub issuer: &'a str,
    /// JSON object of the claims that matched.
    pub claims: &'a str,
}

/// How stale a policy's `last_exchange_at` may grow before an exchange writes it again: so
/// exchanges at once through one policy do not wait for each other's commits.
pub const POLICY_USE_RESOLUTION_MS: i64 = 60_000;

impl Tx {
    pub async fn insert_trust_policy(&mut self, p: &NewTrustPolicy) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO trust_policies (id, organization_id, service_account_id, issuer, audience, conditions, \
             scopes, role_cap, cap_permissions, narrow_permissions, narrow_workspaces, lifetime_seconds, \
             created_by, created_at, last_exchange_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        )
        .bind(&p.id)
        .bind(&p.organization_id)
        .bind(&p.service_account_id)
        .bind(&p.issuer)
        .bind(&p.audience)
        .bind(&p.conditions)
        .bind(Scopes::to_text(&p.scopes))
        .bind(p.role_cap.as_str())
        .bind(&p.cap_permissions)
        .bind(&p.narrow_permissions)
        .bind(&p.narrow_workspaces)
        .bind(p.lifetime_seconds)
        .bind(&p.created_by)
        .bind(p.created_at)
        .bind(p.last_exchange_at)
        .execute(c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// A policy of this organization.
    pub async fn trust_policy(
        &mut self,
        organization_id: &str,
        id: &str,
    ) -> StoreResult<Option<TrustPolicyRow>> {
        let sql = format!("{SELECT} WHERE organization_id = $1 AND id = $2");
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(id)
            .fetch_optional(c)
            .await)?)
    }

    pub async fn delete_trust_policy(&mut self, id: &str) -> StoreResult<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM trust_policies WHERE id = $1"
        )
        .bind(id)
        .execute(c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// The live tokens a policy issued (so removing the trust revokes them).
    pub async fn tokens_of_trust_policy(&mut self, policy_id: &str) -> StoreResult<Vec<String>> {
        Ok(on_tx!(self, |c| sqlx::query_scalar(
            "SELECT id FROM tokens WHERE trust_policy_id = $1 AND revoked_at IS NULL"
        )
        .bind(policy_id)
        .fetch_all(c)
        .await)?)
    }

    /// Remembers identity tokens (key, until when) as exchanged, and returns the keys that
    /// were not already: the others are replays (on this replica or another). On PostgreSQL a
    /// concurrent first use waits for the other transaction and then finds the row; keys are
    /// written in order, so two such writes cannot wait for each other.
    pub async fn claim_identity_tokens(
        &mut self,
        claims: &[(&str, i64)],
    ) -> StoreResult<Vec<String>> {
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        let mut claims = claims.to_vec();
        claims.sort_unstable();
        let sql = format!(
            "INSERT INTO used_identity_tokens (key, expires_at) VALUES {} \
             ON CONFLICT (key) DO NOTHING RETURNING key",
            values_rows(claims.len(), 2)
        );
        Ok(on_tx!(self, |c| {
            let mut q = sqlx::query_scalar(&sql).persistent(claims.len() == 1);
            for (key, until) in &claims {
                q = q.bind(*key).bind(*until);
            }
            q.fetch_all(c).await
        })?)
    }

    /// Records that a policy was used now (and first used, once). Written at most once a
    /// [`POLICY_USE_RESOLUTION_MS`], which the caller checks against the row it read first.
    pub async fn note_policy_used(&mut self, policy_id: &str, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE trust_policies SET last_exchange_at = $2, \
             first_exchange_at = COALESCE(first_exchange_at, $2) \
             WHERE id = $1 AND (last_exchange_at IS NULL OR last_exchange_at < $2 - $3)"
        )
        .bind(policy_id)
        .bind(now)
        .bind(POLICY_USE_RESOLUTION_MS)
        .execute(c)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}

/// A token an exchange issued, as a policy's listing shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExchangeRow {
    pub id: String,
    pub trust_policy_id: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub exchanged_claims: Option<String>,
}

impl Db {
    /// The latest `per_policy` tokens each policy of an account issued, newest first.
    pub async fn recent_exchanges(
        &self,
        service_account_id: &str,
        per_policy: i64,
    ) -> StoreResult<Vec<ExchangeRow>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, trust_policy_id, created_at, expires_at, revoked_at, exchanged_claims FROM \
             (SELECT id, trust_policy_id, created_at, expires_at, revoked_at, exchanged_claims, \
              ROW_NUMBER() OVER (PARTITION BY trust_policy_id ORDER BY created_at DESC, id DESC) AS n \
              FROM tokens WHERE service_account_id = $1 AND trust_policy_id IS NOT NULL) latest \
             WHERE n <= $2 ORDER BY created_at DESC, id DESC"
        )
        .bind(service_account_id)
        .bind(per_policy)
        .fetch_all(p)
        .await
        })?)
    }

    /// An account's policies, oldest first.
    pub async fn trust_policies(
        &self,
        service_account_id: &str,
    ) -> StoreResult<Vec<TrustPolicyRow>> {
        let sql = format!("{SELECT} WHERE service_account_id = $1 ORDER BY created_at, id");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(service_account_id)
            .fetch_all(p)
            .await)?)
    }

    /// An account's policies for one issuer, oldest first: the candidates of an exchange.
    pub async fn trust_policies_for(
        &self,
        service_account_id: &str,
        issuer: &str,
    ) -> StoreResult<Vec<TrustPolicyRow>> {
        let sql = format!(
            "{SELECT} WHERE service_account_id = $1 AND issuer = $2 ORDER BY created_at, id"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(service_account_id)
            .bind(issuer)
            .fetch_all(p)
            .await)?)
    }

    /// Forgets exchanged identity tokens that have expired (they can no longer be presented),
    /// and deletes exchanged tokens that expired more than a day ago: unlike a static token
    /// nobody looks back at them, and there are many.
    pub async fn purge_exchanges(&self, now: i64) -> StoreResult<(u64, u64)> {
        let used = on_pool!(self, |p| sqlx::query(
            "DELETE FROM used_identity_tokens WHERE expires_at <= $1"
        )
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        let tokens = on_pool!(self, |p| sqlx::query(
            "DELETE FROM tokens WHERE trust_policy_id IS NOT NULL AND expires_at <= $1"
        )
        .bind(now - 86_400_000)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok((used, tokens))
    }
}
