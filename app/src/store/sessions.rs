//! Browser sessions. Only the SHA-256 of a session id is stored.

use super::{on_pool, on_tx, Db, StoreResult, Tx};
use crate::domain::Role;

/// A live session joined with its person and organization: everything a principal needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: String,
    pub user_name: String,
    pub role: Role,
    pub disabled: bool,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub absolute_expires_at: i64,
    pub org_id: String,
    pub org_slug: String,
    pub org_name: String,
    pub access_version: i64,
}

/// A session to open: its idle end and its absolute end.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: &'a str,
    pub now: i64,
    pub expires_at: i64,
    pub absolute_expires_at: i64,
}

const INSERT: &str = "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at) \
     VALUES ($1, $2, $3, $3, $4, $5)";

/// Ends one session, in or out of a transaction.
const DELETE_SESSION: &str = "DELETE FROM sessions WHERE id_hash = $1";

impl Db {
    /// One indexed lookup by the session hash.
    pub async fn session(&self, id_hash: &str) -> StoreResult<Option<SessionRow>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT u.id AS user_id, u.name AS user_name, u.role, u.disabled, s.last_seen_at, s.expires_at, \
                    s.absolute_expires_at, o.id AS org_id, o.slug AS org_slug, o.name AS org_name, o.access_version \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN organizations o ON o.id = u.organization_id \
             WHERE s.id_hash = $1"
        )
        .bind(id_hash)
        .fetch_optional(p)
        .await
        })?)
    }

    /// Extends an idle session; callers throttle this so it is not a write per request.
    pub async fn touch_session(&self, id_hash: &str, now: i64, expires_at: i64) -> StoreResult<()> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1"
        )
        .bind(id_hash)
        .bind(now)
        .bind(expires_at)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        on_pool!(self, |p| sqlx::query(DELETE_SESSION)
            .bind(id_hash)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl Tx {
    pub async fn delete_session(&mut self, id_hash: &str) -> StoreResult<()> {
        on_tx!(self, |c| sqlx::query(DELETE_SESSION)
            .bind(id_hash)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Opens a session inside a transaction, e.g. the one that also ended the person's others.
    pub async fn insert_session(&mut self, s: &NewSession<'_>) -> StoreResult<()> {
        on_tx!(self, |c| sqlx::query(INSERT)
            .bind(s.id_hash)
            .bind(s.user_id)
            .bind(s.now)
            .bind(s.expires_at)
            .bind(s.absolute_expires_at)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
