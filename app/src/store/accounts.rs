//! Service accounts.

use super::{on_pool, on_tx, Db, Lock, StoreResult, Tx};
use crate::domain::{AccountSort, Role};

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
}

const SELECT: &str = "SELECT sa.id, sa.organization_id, sa.name, sa.description, sa.role, sa.disabled, \
     sa.created_at, sa.updated_at, sa.last_used_at, \
     (SELECT COUNT(*) FROM tokens t WHERE t.service_account_id = sa.id AND t.revoked_at IS NULL) AS token_count \
     FROM service_accounts sa";

/// The ORDER BY of each order the list offers: a closed set, so it is never built from input.
fn order_by(sort: AccountSort) -> &'static str {
    match sort {
        AccountSort::NameAsc => "sa.name ASC",
        AccountSort::NameDesc => "sa.name DESC",
        AccountSort::CreatedAsc => "sa.created_at ASC, sa.name ASC",
        AccountSort::CreatedDesc => "sa.created_at DESC, sa.name ASC",
        AccountSort::RequestsDesc => "requests_7d DESC, sa.name ASC",
    }
}

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

/// The list page's filter, already validated by the service.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// Substring of the name (plain text, not a pattern).
    pub query: Option<String>,
    pub role: Option<String>,
    pub disabled: Option<bool>,
    pub sort: AccountSort,
    pub limit: i64,
    pub offset: i64,
    /// The first day (`YYYY-MM-DD`) counted in `requests_7d`.
    pub usage_since: String,
}

/// An account's requests since day `$7`.
const REQUESTS_7D: &str =
    "(SELECT CAST(COALESCE(SUM(u.requests), 0) AS BIGINT) FROM token_usage_daily u \
     WHERE u.service_account_id = sa.id AND u.day >= $7)";

/// Escapes LIKE wildcards so a search for `ci_bot` matches only that text.
fn like_pattern(query: &str) -> String {
    let escaped = query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

const WHERE: &str = " WHERE sa.organization_id = $1 \
     AND ($2 IS NULL OR sa.name LIKE $2 ESCAPE '\\') \
     AND ($3 IS NULL OR sa.role = $3) \
     AND ($4 IS NULL OR sa.disabled = $4)";

impl Db {
    /// One page of an organization's accounts and the total that match the filter.
    pub async fn list_accounts(
        &self,
        organization_id: &str,
        f: &AccountFilter,
    ) -> StoreResult<(Vec<AccountRow>, i64)> {
        let pattern = f.query.as_deref().map(like_pattern);
        // Pick the page first, then count tokens for its rows only: with the count in the same
        // scan, PostgreSQL would run it for every row skipped by the offset.
        // Requests are counted for the page's rows only, unless the page is chosen by them.
        let order = order_by(f.sort);
        let (inner, outer) = if f.sort == AccountSort::RequestsDesc {
            (
                format!("sa.*, {REQUESTS_7D} AS requests_7d"),
                "sa.requests_7d".to_string(),
            )
        } else {
            ("sa.*".to_string(), format!("{REQUESTS_7D} AS requests_7d"))
        };
        let page_sql = SELECT
            .replace(
                "FROM service_accounts sa",
                &format!("FROM (SELECT {inner} FROM service_accounts sa{WHERE} ORDER BY {order} LIMIT $5 OFFSET $6) sa ORDER BY {order}"),
            )
            .replace(" AS token_count", &format!(" AS token_count, {outer}"));
        let count_sql = format!("SELECT COUNT(*) FROM service_accounts sa{WHERE}");
        let rows = on_pool!(self, |p| sqlx::query_as(&page_sql)
            .bind(organization_id)
            .bind(&pattern)
            .bind(&f.role)
            .bind(f.disabled)
            .bind(f.limit)
            .bind(f.offset)
            .bind(&f.usage_since)
            .fetch_all(p)
            .await)?;
        let total = on_pool!(self, |p| sqlx::query_scalar(&count_sql)
            .bind(organization_id)
            .bind(&pattern)
            .bind(&f.role)
            .bind(f.disabled)
            .fetch_one(p)
            .await)?;
        Ok((rows, total))
    }

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

    pub async fn set_account_disabled(
        &mut self,
        id: &str,
        disabled: bool,
        now: i64,
    ) -> StoreResult<()> {
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

#[cfg(test)]
mod tests {
    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(super::like_pattern("ci_bot"), "%ci\\_bot%");
        assert_eq!(super::like_pattern("100%"), "%100\\%%");
    }
}
