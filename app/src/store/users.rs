//! People (members) and their one-time setup links.

use super::{on_pool, on_tx, Db, StoreResult, Tx};

/// A person as stored, with their organization for building a principal.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub role: String,
    pub disabled: bool,
    pub created_at: i64,
}

const COLUMNS: &str = "id, organization_id, email, name, password_hash, role, disabled, created_at";

impl Tx {
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_user(
        &mut self,
        id: &str,
        organization_id: &str,
        email: &str,
        name: &str,
        password_hash: Option<&str>,
        role: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO users (id, organization_id, email, name, password_hash, role, disabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $7)"
        )
        .bind(id)
        .bind(organization_id)
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(role)
        .bind(now)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn count_users(&mut self) -> StoreResult<i64> {
        Ok(on_tx!(self, |c| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(c).await)?)
    }

    pub async fn insert_setup_link(&mut self, id_hash: &str, purpose: &str, user_id: Option<&str>, now: i64, expires_at: i64) -> StoreResult<()> {
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO setup_links (id_hash, purpose, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(id_hash)
        .bind(purpose)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Marks an unused, unexpired link as used; returns false when there was none, so two
    /// concurrent uses of one link cannot both succeed.
    pub async fn consume_setup_link(&mut self, id_hash: &str, purpose: &str, now: i64) -> StoreResult<bool> {
        let done = on_tx!(self, |c| sqlx::query(
            "UPDATE setup_links SET used_at = $3 WHERE id_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3"
        )
        .bind(id_hash)
        .bind(purpose)
        .bind(now)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }
}

impl Db {
    pub async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRow>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql).bind(email).fetch_optional(p).await)?)
    }

    pub async fn user(&self, id: &str) -> StoreResult<Option<UserRow>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?)
    }

    /// Whether an unused, unexpired link with this hash exists (the setup page asks before
    /// showing its form).
    pub async fn setup_link_is_valid(&self, id_hash: &str, purpose: &str, now: i64) -> StoreResult<bool> {
        let n: i64 = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM setup_links WHERE id_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3"
        )
        .bind(id_hash)
        .bind(purpose)
        .bind(now)
        .fetch_one(p)
        .await)?;
        Ok(n > 0)
    }
}
