//! The service-account list: one page of an organization's accounts under a filter and an
//! order, and how many match. Written to stay fast with tens of thousands of accounts
//! (docs/benchmarks.md "Reads at scale"): only the filters asked for reach the SQL, the page
//! is chosen from an index before its rows are read, and a page past the middle is read from
//! the other end.

use super::accounts::{AccountRow, COLUMNS};
use super::{on_pool, Db, StoreResult};
use crate::domain::AccountSort;

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

/// The ORDER BY of each order the list offers, and its exact reverse (for reading from the
/// end): a closed set, so it is never built from input.
fn order_by(sort: AccountSort) -> (&'static str, &'static str) {
    match sort {
        AccountSort::NameAsc => ("sa.name ASC", "sa.name DESC"),
        AccountSort::NameDesc => ("sa.name DESC", "sa.name ASC"),
        AccountSort::CreatedAsc => (
            "sa.created_at ASC, sa.name ASC",
            "sa.created_at DESC, sa.name DESC",
        ),
        AccountSort::CreatedDesc => (
            "sa.created_at DESC, sa.name ASC",
            "sa.created_at ASC, sa.name DESC",
        ),
        AccountSort::RequestsDesc => (
            "requests_7d DESC, sa.name ASC",
            "requests_7d ASC, sa.name DESC",
        ),
        // Both databases put never-used accounts last (SQLite's NULLs sort low already).
        AccountSort::LastUsedDesc => (
            "sa.last_used_at DESC NULLS LAST, sa.name ASC",
            "sa.last_used_at ASC NULLS FIRST, sa.name DESC",
        ),
    }
}

/// Offsets from which a page is worth counting first, to read it from the nearer end.
const FROM_THE_END_AFTER: i64 = 1_000;

/// An account's requests since the day bound to placeholder `$day`.
fn requests_7d(day: usize) -> String {
    format!(
        "(SELECT CAST(COALESCE(SUM(u.requests), 0) AS BIGINT) FROM token_usage_daily u \
         WHERE u.service_account_id = sa.id AND u.day >= ${day})"
    )
}

/// Escapes LIKE wildcards so a search for `ci_bot` matches only that text.
fn like_pattern(query: &str) -> String {
    let escaped = query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The list's WHERE clause with only the filters the request has, `$1` being the organization
/// and the filters numbered on in the order `bind_filter` binds them; and the next free
/// placeholder. Why not `($2 IS NULL OR …)`: a prepared plan cannot know `$2` is null, so it
/// scans every account instead of using the name or trigram index.
fn where_clause(f: &AccountFilter) -> (String, usize) {
    let mut sql = String::from(" WHERE sa.organization_id = $1");
    let mut next = 2;
    for (present, clause) in [
        (f.query.is_some(), "sa.name LIKE $ ESCAPE '\\'"),
        (f.role.is_some(), "sa.role = $"),
        (f.disabled.is_some(), "sa.disabled = $"),
    ] {
        if present {
            sql += " AND ";
            sql += &clause.replace('$', &format!("${next}"));
            next += 1;
        }
    }
    (sql, next)
}

/// Binds the organization and the filters `where_clause` wrote, in its order.
macro_rules! bind_filter {
    ($query:expr, $org:expr, $pattern:expr, $f:expr) => {{
        let mut q = $query.bind($org);
        if let Some(pattern) = $pattern {
            q = q.bind(pattern);
        }
        if let Some(role) = &$f.role {
            q = q.bind(role);
        }
        if let Some(disabled) = $f.disabled {
            q = q.bind(disabled);
        }
        q
    }};
}

/// One list query's parts, shared by the page and the count.
struct ListQuery<'a> {
    organization_id: &'a str,
    filter: &'a AccountFilter,
    pattern: Option<String>,
    where_sql: String,
    next: usize,
}

impl Db {
    /// One page of an organization's accounts and the total that match the filter.
    pub async fn list_accounts(
        &self,
        organization_id: &str,
        f: &AccountFilter,
    ) -> StoreResult<(Vec<AccountRow>, i64)> {
        let (where_sql, next) = where_clause(f);
        let q = ListQuery {
            organization_id,
            filter: f,
            pattern: f.query.as_deref().map(like_pattern),
            where_sql,
            next,
        };
        let (forward, backward) = order_by(f.sort);
        if f.offset < FROM_THE_END_AFTER {
            // The page and the total on two connections at once: the answer waits for the slower.
            return futures::try_join!(
                self.account_page(&q, forward, f.limit, f.offset),
                self.count_accounts(&q)
            );
        }
        // A deep page: an offset is walked row by row, so the last page would walk them all.
        // Knowing the total, a page past the middle is read in the reverse order instead.
        let total = self.count_accounts(&q).await?;
        let rows = if f.offset * 2 > total {
            let remaining = (total - f.offset).clamp(0, f.limit);
            let from_end = (total - f.offset - f.limit).max(0);
            self.account_page(&q, backward, remaining, from_end).await?
        } else {
            self.account_page(&q, forward, f.limit, f.offset).await?
        };
        Ok((rows, total))
    }

    /// The rows of one page, in the list's own order whichever way `choose` walked to them.
    async fn account_page(
        &self,
        q: &ListQuery<'_>,
        choose: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<AccountRow>> {
        let f = q.filter;
        let (limit_at, offset_at, day_at) = (q.next, q.next + 1, q.next + 2);
        let requests = requests_7d(day_at);
        let (order, _) = order_by(f.sort);
        // The page is chosen from the indexes alone (ids only, so PostgreSQL walks a covering
        // index even to the last page), then joined back to its rows; tokens and requests are
        // counted for those rows only. Requests are computed while choosing only when they
        // are the order.
        let (chosen, counted) = if f.sort == AccountSort::RequestsDesc {
            (
                format!(", {requests} AS requests_7d"),
                "page.requests_7d".to_string(),
            )
        } else {
            (String::new(), requests)
        };
        let sql = format!(
            "{COLUMNS}, {counted} AS requests_7d FROM service_accounts sa \
             JOIN (SELECT sa.id{chosen} FROM service_accounts sa{} ORDER BY {choose} \
             LIMIT ${limit_at} OFFSET ${offset_at}) page ON page.id = sa.id ORDER BY {order}",
            q.where_sql
        );
        Ok(on_pool!(self, |p| bind_filter!(
            sqlx::query_as(&sql),
            q.organization_id,
            &q.pattern,
            f
        )
        .bind(limit)
        .bind(offset)
        .bind(&f.usage_since)
        .fetch_all(p)
        .await)?)
    }

    /// How many accounts match the filter.
    async fn count_accounts(&self, q: &ListQuery<'_>) -> StoreResult<i64> {
        let sql = format!("SELECT COUNT(*) FROM service_accounts sa{}", q.where_sql);
        Ok(on_pool!(self, |p| bind_filter!(
            sqlx::query_scalar(&sql),
            q.organization_id,
            &q.pattern,
            q.filter
        )
        .fetch_one(p)
        .await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_filters_asked_for_reach_the_sql_numbered_in_order() {
        let none = AccountFilter::default();
        assert_eq!(
            where_clause(&none),
            (" WHERE sa.organization_id = $1".to_string(), 2)
        );
        let role_and_status = AccountFilter {
            role: Some("editor".into()),
            disabled: Some(false),
            ..Default::default()
        };
        assert_eq!(
            where_clause(&role_and_status),
            (
                " WHERE sa.organization_id = $1 AND sa.role = $2 AND sa.disabled = $3".to_string(),
                4
            )
        );
    }

    #[test]
    fn wildcards_in_a_search_are_plain_text() {
        assert_eq!(like_pattern("ci_bot"), "%ci\\_bot%");
        assert_eq!(like_pattern("100%"), "%100\\%%");
        assert_eq!(like_pattern("a\\b"), "%a\\\\b%");
    }
}
