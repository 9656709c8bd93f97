//! People (members) and their one-time setup links.

use super::{on_pool, on_tx, Db, Lock, StoreResult, Tx};
use crate::domain::Role;

/// A person as stored, with their organization for building a principal.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub role: Role,
    pub disabled: bool,
    pub created_at: i64,
}

const COLUMNS: &str = "id, organization_id, email, name, password_hash, role, disabled, created_at";

/// A person to insert; the service has validated every field and hashed any password.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub organization_id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: Option<&'a str>,
    pub role: &'a str,
    pub now: i64,
}

impl Tx {
    /// Fails with `UniqueViolation` when the organization already has a person with this email.
    pub async fn insert_user(&mut self, u: &NewUser<'_>) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO users (id, organization_id, email, name, password_hash, role, disabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $7)"
        )
        .bind(u.id)
        .bind(u.organization_id)
        .bind(u.email)
        .bind(u.name)
        .bind(u.password_hash)
        .bind(u.role)
        .bind(u.now)
        .execute(c)
        .await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    pub async fn count_users(&mut self) -> StoreResult<i64> {
        Ok(on_tx!(self, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM users"
        )
        .fetch_one(c)
        .await)?)
    }

    pub async fn insert_setup_link(
        &mut self,
        id_hash: &str,
        purpose: &str,
        user_id: Option<&str>,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO setup_links (id_hash, purpose, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(id_hash)
        .bind(purpose)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(c)
        .await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Marks an unused, unexpired link as used; returns false when there was none, so two
    /// concurrent uses of one link cannot both succeed.
    pub async fn consume_setup_link(
        &mut self,
        id_hash: &str,
        purpose: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let done = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE setup_links SET used_at = $3 WHERE id_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3"
        )
        .bind(id_hash)
        .bind(purpose)
        .bind(now)
        .execute(c)
        .await.map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }
}

impl Db {
    /// Everyone with this email address: one per organization at most.
    pub async fn users_by_email(&self, email: &str) -> StoreResult<Vec<UserRow>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1 ORDER BY created_at, id");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(email)
            .fetch_all(p)
            .await)?)
    }

    pub async fn user(&self, id: &str) -> StoreResult<Option<UserRow>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// Whether an unused, unexpired link with this hash exists (the setup page asks before
    /// showing its form).
    pub async fn setup_link_is_valid(
        &self,
        id_hash: &str,
        purpose: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let n: i64 = on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM setup_links WHERE id_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3"
        )
        .bind(id_hash)
        .bind(purpose)
        .bind(now)
        .fetch_one(p)
        .await
        })?;
        Ok(n > 0)
    }
}

impl Db {
    /// One page of an organization's people, by name.
    pub async fn list_members(
        &self,
        organization_id: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<UserRow>, i64)> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE organization_id = $1 ORDER BY name, email LIMIT $2 OFFSET $3");
        let rows = on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await)?;
        let total = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE organization_id = $1"
        )
        .bind(organization_id)
        .fetch_one(p)
        .await)?;
        Ok((rows, total))
    }

    /// The person an unused, unexpired invitation link is for.
    pub async fn invited_user(&self, id_hash: &str, now: i64) -> StoreResult<Option<UserRow>> {
        let sql = format!(
            "SELECT {} FROM users u JOIN setup_links l ON l.user_id = u.id \
             WHERE l.id_hash = $1 AND l.purpose = 'invite' AND l.used_at IS NULL AND l.expires_at > $2",
            COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id_hash)
            .bind(now)
            .fetch_optional(p)
            .await)?)
    }
}

impl Tx {
    /// A person of this organization, locked until the transaction ends (the change that
    /// follows is computed from what was read here).
    pub async fn member(
        &mut self,
        organization_id: &str,
        id: &str,
    ) -> StoreResult<Option<UserRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM users WHERE organization_id = $1 AND id = $2{}",
            self.lock_suffix(Lock::ForUpdate)
        );
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(id)
            .fetch_optional(c)
            .await)?)
    }

    pub async fn update_member(
        &mut self,
        id: &str,
        role: &str,
        disabled: bool,
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE users SET role = $2, disabled = $3, updated_at = $4 WHERE id = $1"
        )
        .bind(id)
        .bind(role)
        .bind(disabled)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Admins who can still sign in, locked until the transaction ends: two admins demoting
    /// each other at once are then counted one after the other, and the last one stays.
    pub async fn count_active_admins(&mut self, organization_id: &str) -> StoreResult<i64> {
        let sql = format!(
            "SELECT id FROM users WHERE organization_id = $1 AND role = 'admin' AND disabled = FALSE ORDER BY id{}",
            self.lock_suffix(Lock::ForUpdate)
        );
        let ids: Vec<String> = on_tx!(self, |c| sqlx::query_scalar(&sql)
            .bind(organization_id)
            .fetch_all(c)
            .await)?;
        Ok(ids.len() as i64)
    }

    /// Ends every session of a person at once.
    pub async fn delete_user_sessions(&mut self, user_id: &str) -> StoreResult<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1"
        )
        .bind(user_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_password(
        &mut self,
        user_id: &str,
        password_hash: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1"
        )
        .bind(user_id)
        .bind(password_hash)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
