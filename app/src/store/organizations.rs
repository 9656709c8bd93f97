//! Organizations: the boundary nothing crosses.

use super::changes::Change;
use super::{on_pool, on_tx, Db, Lock, StoreResult, Tx};

/// An organization as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrganizationRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub max_token_lifetime_days: Option<i64>,
    pub webhook_url: Option<String>,
    /// The webhook's signing secret, sealed with the server's key.
    pub webhook_secret: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str =
    "id, slug, name, max_token_lifetime_days, webhook_url, webhook_secret, created_at";

impl Tx {
    pub async fn insert_organization(
        &mut self,
        id: &str,
        slug: &str,
        name: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO organizations (id, slug, name, created_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(id)
        .bind(slug)
        .bind(name)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn organization_by_slug(
        &mut self,
        slug: &str,
    ) -> StoreResult<Option<OrganizationRow>> {
        let sql = by_slug_sql();
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(slug)
            .fetch_optional(c)
            .await)?)
    }
}

impl Db {
    /// The ids of at most `limit` organizations: enough to tell one from several.
    pub async fn organization_ids(&self, limit: i64) -> StoreResult<Vec<String>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT id FROM organizations ORDER BY created_at, id LIMIT $1"
        )
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }

    pub async fn organization_by_slug(&self, slug: &str) -> StoreResult<Option<OrganizationRow>> {
        let sql = by_slug_sql();
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(slug)
            .fetch_optional(p)
            .await)?)
    }

    pub async fn organization(&self, id: &str) -> StoreResult<Option<OrganizationRow>> {
        let sql = format!("SELECT {COLUMNS} FROM organizations WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// Every organization's sealed webhook signing secret, by organization id.
    pub async fn sealed_webhook_secrets(&self) -> StoreResult<Vec<(String, String)>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, webhook_secret FROM organizations WHERE webhook_secret IS NOT NULL ORDER BY id"
        )
        .fetch_all(p)
        .await
        })?)
    }

    /// How many people exist at all: zero means the first administrator is still to be created.
    pub async fn count_users(&self) -> StoreResult<i64> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM users"
        )
        .fetch_one(p)
        .await)?)
    }
}

impl Tx {
    /// The organization, locked as `lock` says until the transaction ends: a token issued
    /// under the lifetime policy read here cannot race a change of that policy.
    pub async fn organization(
        &mut self,
        id: &str,
        lock: Lock,
    ) -> StoreResult<Option<OrganizationRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM organizations WHERE id = $1{}",
            self.lock_suffix(lock)
        );
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(c)
            .await)?)
    }

    /// Replaces a sealed webhook secret, if it is still `current` (re-sealing it).
    pub async fn replace_webhook_secret(
        &mut self,
        id: &str,
        current: &str,
        sealed: &str,
    ) -> StoreResult<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE organizations SET webhook_secret = $3 WHERE id = $1 AND webhook_secret = $2"
        )
        .bind(id)
        .bind(current)
        .bind(sealed)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// Writes the settings; `webhook_secret` is already sealed.
    pub async fn update_organization_settings(
        &mut self,
        id: &str,
        max_token_lifetime_days: Option<i64>,
        webhook_url: Option<&str>,
        webhook_secret: Option<&str>,
    ) -> StoreResult<()> {
        self.changed(Change::Organization(id.to_string()));
        on_tx!(self, |c| {
            sqlx::query(
            "UPDATE organizations SET max_token_lifetime_days = $2, webhook_url = $3, webhook_secret = $4 WHERE id = $1"
        )
        .bind(id)
        .bind(max_token_lifetime_days)
        .bind(webhook_url)
        .bind(webhook_secret)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}

/// The one query that finds an organization by slug, in or out of a transaction.
fn by_slug_sql() -> String {
    format!("SELECT {COLUMNS} FROM organizations WHERE slug = $1")
}
