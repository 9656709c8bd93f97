//! The audit log: append-only records of every mutation and sign-in.

use super::{on_pool, on_tx, values_rows, Db, StoreResult, Tx};
use std::sync::LazyLock;

/// One record to append. Never holds a secret: services build it from ids and names only.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEvent {
    pub id: String,
    pub organization_id: Option<String>,
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub token_id: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub outcome: String,
    pub details: Option<String>,
}

/// A stored record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: String,
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub token_id: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub outcome: String,
}

/// Which records to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

const COLUMNS: &str = "INSERT INTO audit_events (id, organization_id, at, actor_kind, actor_id, actor_name, token_id, action, \
     target_kind, target_id, target_name, ip, user_agent, outcome, details)";
static INSERT: LazyLock<String> =
    LazyLock::new(|| format!("{COLUMNS} VALUES {}", values_rows(1, 15)));

macro_rules! bind_event {
    ($q:expr, $e:expr) => {
        $q.bind(&$e.id)
            .bind(&$e.organization_id)
            .bind($e.at)
            .bind(&$e.actor_kind)
            .bind(&$e.actor_id)
            .bind(&$e.actor_name)
            .bind(&$e.token_id)
            .bind(&$e.action)
            .bind(&$e.target_kind)
            .bind(&$e.target_id)
            .bind(&$e.target_name)
            .bind(&$e.ip)
            .bind(&$e.user_agent)
            .bind(&$e.outcome)
            .bind(&$e.details)
    };
}

const WHERE: &str = " WHERE organization_id = $1 \
     AND ($2 IS NULL OR actor_name = $2 OR actor_id = $2) \
     AND ($3 IS NULL OR action = $3) \
     AND ($4 IS NULL OR target_name = $4 OR target_id = $4) \
     AND ($5 IS NULL OR at >= $5) \
     AND ($6 IS NULL OR at < $6)";

impl Tx {
    /// Appends within the mutation's own transaction, so the record and the change agree.
    pub async fn insert_audit(&mut self, e: &NewAuditEvent) -> StoreResult<()> {
        on_tx!(self, |c| bind_event!(sqlx::query(&INSERT), e)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Appends several records in one statement (exchanges written together).
    pub async fn insert_audits(&mut self, events: &[NewAuditEvent]) -> StoreResult<()> {
        let sql = match events {
            [] => return Ok(()),
            [one] => return self.insert_audit(one).await,
            _ => format!("{COLUMNS} VALUES {}", values_rows(events.len(), 15)),
        };
        on_tx!(self, |c| {
            let mut q = sqlx::query(&sql).persistent(false);
            for e in events {
                q = bind_event!(q, e);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}

/// Where the previous batch of an export ended: the last row's time and id.
pub type AuditCursor = (i64, String);

/// The columns an `AuditRow` is read from, for the page and the export alike.
const ROW_COLUMNS: &str =
    "id, at, actor_kind, actor_id, actor_name, token_id, action, target_kind, \
     target_id, target_name, ip, user_agent, outcome";

impl Db {
    /// Appends on its own, for events with no mutation to join (sign-in attempts).
    pub async fn insert_audit(&self, e: &NewAuditEvent) -> StoreResult<()> {
        on_pool!(self, |p| bind_event!(sqlx::query(&INSERT), e)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn list_audit(
        &self,
        organization_id: &str,
        f: &AuditFilter,
    ) -> StoreResult<(Vec<AuditRow>, i64)> {
        let page_sql = format!(
            "SELECT {ROW_COLUMNS} FROM audit_events{WHERE} ORDER BY at DESC, id DESC LIMIT $7 OFFSET $8"
        );
        let count_sql = format!("SELECT COUNT(*) FROM audit_events{WHERE}");
        let rows = on_pool!(self, |p| sqlx::query_as(&page_sql)
            .bind(organization_id)
            .bind(&f.actor)
            .bind(&f.action)
            .bind(&f.target)
            .bind(f.since)
            .bind(f.until)
            .bind(f.limit)
            .bind(f.offset)
            .fetch_all(p)
            .await)?;
        let total = on_pool!(self, |p| sqlx::query_scalar(&count_sql)
            .bind(organization_id)
            .bind(&f.actor)
            .bind(&f.action)
            .bind(&f.target)
            .bind(f.since)
            .bind(f.until)
            .fetch_one(p)
            .await)?;
        Ok((rows, total))
    }

    /// Up to `limit` records after `cursor` (newest first), for streaming an export in
    /// batches: a keyset query, so each batch costs the same however deep the export is.
    pub async fn audit_batch(
        &self,
        organization_id: &str,
        f: &AuditFilter,
        cursor: Option<&AuditCursor>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRow>> {
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM audit_events{WHERE} \
             AND ($7 IS NULL OR at < $7 OR (at = $7 AND id < $8)) ORDER BY at DESC, id DESC LIMIT $9"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(&f.actor)
            .bind(&f.action)
            .bind(&f.target)
            .bind(f.since)
            .bind(f.until)
            .bind(cursor.map(|c| c.0))
            .bind(cursor.map(|c| c.1.as_str()))
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }
}
