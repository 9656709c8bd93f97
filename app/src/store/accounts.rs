//! Service accounts.

use super::changes::Change;
use super::{on_pool, on_tx, Db, Lock, StoreResult, Tx};
use crate::domain::Role;

/// A service account as listed: with its live token count and last use.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub description: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_used_at: Option<i64>,
    pub token_count: i64,
    /// Requests in the last seven days; only the list reads it.
    #[sqlx(default)]
    pub requests_7d: i64,
    /// How many trust policies it has (keyless automation).
    #[sqlx(default)]
    pub trust_policies: i64,
    /// The guards its new tokens get unless they are made with their own.
    #[sqlx(flatten)]
    pub default_guards: super::GuardColumns,
}

/// What issuing a token for an account needs of it, without the counts an `AccountRow` reads
/// (they grow with the account's tokens, and an account that exchanges identity tokens makes
/// many).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountBasics {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// The guards its new tokens get unless they are made with their own.
    #[sqlx(flatten)]
    pub default_guards: super::GuardColumns,
}

const BASICS: &str = "SELECT sa.id, sa.organization_id, sa.name, sa.role, sa.disabled, \
     sa.default_allowed_networks AS allowed_networks, sa.default_rate_limit_per_minute AS rate_limit_per_minute, \
     sa.default_max_uses AS max_uses FROM service_accounts sa";

/// An account's columns and live token count, without the FROM.
macro_rules! account_columns {
    () => {
        "SELECT sa.id, sa.organization_id, sa.name, sa.description, sa.role, sa.disabled, \
         sa.created_at, sa.updated_at, sa.last_used_at, \
         sa.default_allowed_networks AS allowed_networks, sa.default_rate_limit_per_minute AS rate_limit_per_minute, \
         sa.default_max_uses AS max_uses, \
         (SELECT COUNT(*) FROM tokens t WHERE t.service_account_id = sa.id AND t.revoked_at IS NULL) AS token_count, \
         (SELECT COUNT(*) FROM trust_policies p WHERE p.service_account_id = sa.id) AS trust_policies"
    };
}
/// The columns alone, for the list's own FROM.
pub(super) const COLUMNS: &str = account_columns!();
const SELECT: &str = concat!(account_columns!(), " FROM service_accounts sa");

/// A service account to insert; the service has validated every field.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub id: &'a str,
    pub organization_id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub role: Role,
    /// Who created it, as the audit log names them.
    pub created_by: &'a str,
    pub now: i64,
}

impl Db {
    /// An account by id alone, whatever its organization (a token exchange names only the
    /// account): what issuing a token for it needs.
    pub async fn account_basics(&self, id: &str) -> StoreResult<Option<AccountBasics>> {
        let sql = format!("{BASICS} WHERE sa.id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }
}

impl Db {
    /// An account of this organization; another organization's id finds nothing.
    pub async fn account(
        &self,
        organization_id: &str,
        id: &str,
    ) -> StoreResult<Option<AccountRow>> {
        let sql = format!("{SELECT} WHERE sa.organization_id = $1 AND sa.id = $2");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }
}

impl Tx {
    /// An account of this organization, locked until the transaction ends: every change in a
    /// transaction is computed from this read, so a concurrent edit waits instead of being
    /// silently reverted.
    pub async fn account(
        &mut self,
        organization_id: &str,
        id: &str,
    ) -> StoreResult<Option<AccountRow>> {
        let sql = format!(
            "{SELECT} WHERE sa.organization_id = $1 AND sa.id = $2{}",
            self.lock_suffix(Lock::ForUpdate)
        );
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(id)
            .fetch_optional(c)
            .await)?)
    }

    /// An account of this organization that must stay as it is until the transaction ends,
    /// read without keeping other such readers waiting: a token issued for the account (an
    /// exchange) while a concurrent disable waits for it, and many exchanges at once.
    pub async fn account_unchanged(
        &mut self,
        organization_id: &str,
        id: &str,
    ) -> StoreResult<Option<AccountBasics>> {
        let sql = format!(
            "{BASICS} WHERE sa.organization_id = $1 AND sa.id = $2{}",
            self.lock_suffix(Lock::ForShare)
        );
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(id)
            .fetch_optional(c)
            .await)?)
    }

    /// Fails with `UniqueViolation` when the organization already has an account of that name.
    pub async fn insert_account(&mut self, a: &NewAccount<'_>) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO service_accounts (id, organization_id, name, description, role, disabled, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, FALSE, $6, $7, $7)"
        )
        .bind(a.id)
        .bind(a.organization_id)
        .bind(a.name)
        .bind(a.description)
        .bind(a.role.as_str())
        .bind(a.created_by)
        .bind(a.now)
        .execute(c)
        .await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}

impl Tx {
    /// Writes the editable fields of an account.
    pub async fn update_account(
        &mut self,
        id: &str,
        name: &str,
        description: &str,
        role: &str,
        now: i64,
    ) -> StoreResult<()> {
        self.changed(Change::Account(id.to_string()));
        on_tx!(self, |c| {
            sqlx::query("UPDATE service_accounts SET name = $2, description = $3, role = $4, updated_at = $5 WHERE id = $1")
            .bind(id)
            .bind(name)
            .bind(description)
            .bind(role)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Replaces the guards an account's new tokens get by default (its existing tokens keep
    /// theirs, so no credential changes).
    pub async fn set_account_default_guards(
        &mut self,
        id: &str,
        guards: &super::GuardColumns,
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "UPDATE service_accounts SET default_allowed_networks = $2, default_rate_limit_per_minute = $3, \
             default_max_uses = $4, updated_at = $5 WHERE id = $1"
        )
        .bind(id)
        .bind(&guards.allowed_networks)
        .bind(guards.rate_limit_per_minute)
        .bind(guards.max_uses)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    pub async fn set_account_disabled(
        &mut self,
        id: &str,
        disabled: bool,
        now: i64,
    ) -> StoreResult<()> {
        self.changed(Change::Account(id.to_string()));
        on_tx!(self, |c| sqlx::query(
            "UPDATE service_accounts SET disabled = $2, updated_at = $3 WHERE id = $1"
        )
        .bind(id)
        .bind(disabled)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Deletes an account; its tokens go with it (foreign key cascade).
    pub async fn delete_account(&mut self, id: &str) -> StoreResult<()> {
        self.changed(Change::Account(id.to_string()));
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM tokens WHERE service_account_id = $1"
        )
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM service_accounts WHERE id = $1"
        )
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
