//! Building audit records. Every mutation calls `event` and inserts the result in its own
//! transaction; the record holds names and ids, never a secret.

use super::clock::now_ms;
use super::Caller;
use crate::auth::random::new_id;
use crate::domain::PrincipalKind;
use crate::store::NewAuditEvent;

/// The object an action was done to.
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: &'a str,
    pub name: &'a str,
}

/// A successful action by `caller` on `target`.
pub fn event(caller: &Caller, action: &str, target: Option<Target<'_>>) -> NewAuditEvent {
    let p = &caller.principal;
    NewAuditEvent {
        id: new_id("aud"),
        organization_id: Some(p.organization.id.clone()),
        at: now_ms(),
        actor_kind: match p.kind {
            PrincipalKind::User => "user".into(),
            PrincipalKind::ServiceAccount => "service_account".into(),
        },
        actor_id: Some(p.id.clone()),
        actor_name: p.name.clone(),
        token_id: p.token.as_ref().map(|t| t.id.clone()),
        action: action.to_string(),
        target_kind: target.as_ref().map(|t| t.kind.to_string()),
        target_id: target.as_ref().map(|t| t.id.to_string()),
        target_name: target.as_ref().map(|t| t.name.to_string()),
        ip: Some(caller.meta.ip.clone()),
        user_agent: caller.meta.user_agent.clone(),
        outcome: "success".into(),
        details: None,
    }
}

/// The audit list request as the API receives it.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Most records one export returns; narrow the filter for more.
pub const MAX_EXPORT_ROWS: i64 = 100_000;

fn to_api(row: crate::store::AuditRow) -> crate::domain::AuditEvent {
    crate::domain::AuditEvent {
        id: row.id,
        at: super::clock::rfc3339(row.at),
        actor_kind: row.actor_kind,
        actor_id: row.actor_id,
        actor_name: row.actor_name,
        token_id: row.token_id,
        action: row.action,
        target_kind: row.target_kind,
        target_id: row.target_id,
        target_name: row.target_name,
        ip: row.ip,
        user_agent: row.user_agent,
        outcome: row.outcome,
    }
}

fn parse_time(field: &str, value: Option<&str>) -> Result<Option<i64>, crate::domain::ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => super::clock::parse_rfc3339(v).map(Some).ok_or_else(|| {
            crate::domain::ApiError::invalid(
                field,
                "Use an RFC 3339 time such as 2026-11-22T09:30:00Z.",
            )
        }),
    }
}

fn filter(
    q: &AuditQuery,
    limit: i64,
    offset: i64,
) -> Result<crate::store::AuditFilter, crate::domain::ApiError> {
    let clean = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Ok(crate::store::AuditFilter {
        actor: clean(&q.actor),
        action: clean(&q.action),
        target: clean(&q.target),
        since: parse_time("since", q.since.as_deref())?,
        until: parse_time("until", q.until.as_deref())?,
        limit,
        offset,
    })
}

/// One page of the caller's organization's audit log, newest first.
pub async fn list(
    state: &crate::state::AppState,
    caller: &Caller,
    q: AuditQuery,
) -> Result<(Vec<crate::domain::AuditEvent>, i64, i64, i64), crate::domain::ApiError> {
    let (page, per_page) = super::service_accounts::parse_paging(q.page, q.per_page)?;
    let f = filter(&q, per_page, (page - 1) * per_page)?;
    let (rows, total) = state
        .db
        .list_audit(&caller.principal.organization.id, &f)
        .await?;
    Ok((
        rows.into_iter().map(to_api).collect(),
        total,
        page,
        per_page,
    ))
}

/// Everything the filter selects (up to `MAX_EXPORT_ROWS`), as JSON Lines or CSV text.
pub async fn export(
    state: &crate::state::AppState,
    caller: &Caller,
    q: AuditQuery,
    format: &str,
) -> Result<String, crate::domain::ApiError> {
    let f = filter(&q, MAX_EXPORT_ROWS, 0)?;
    let (rows, _) = state
        .db
        .list_audit(&caller.principal.organization.id, &f)
        .await?;
    let events: Vec<_> = rows.into_iter().map(to_api).collect();
    match format {
        "jsonl" => Ok(events
            .iter()
            .map(|e| serde_json::to_string(e).unwrap_or_default() + "\n")
            .collect()),
        "csv" => {
            let mut out = String::from("id,at,actor_kind,actor_id,actor_name,token_id,action,target_kind,target_id,target_name,ip,user_agent,outcome\n");
            for e in &events {
                let cells = [
                    Some(e.id.as_str()),
                    Some(e.at.as_str()),
                    Some(e.actor_kind.as_str()),
                    e.actor_id.as_deref(),
                    Some(e.actor_name.as_str()),
                    e.token_id.as_deref(),
                    Some(e.action.as_str()),
                    e.target_kind.as_deref(),
                    e.target_id.as_deref(),
                    e.target_name.as_deref(),
                    e.ip.as_deref(),
                    e.user_agent.as_deref(),
                    Some(e.outcome.as_str()),
                ];
                out.push_str(
                    &cells
                        .iter()
                        .map(|c| csv_cell(c.unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join(","),
                );
                out.push('\n');
            }
            Ok(out)
        }
        _ => Err(crate::domain::ApiError::invalid(
            "format",
            "Format must be jsonl or csv.",
        )),
    }
}

/// Quotes a CSV cell when needed, and defuses leading formula characters for spreadsheets.
fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(super::csv_cell("plain"), "plain");
        assert_eq!(super::csv_cell("a,b"), "\"a,b\"");
        assert_eq!(super::csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::csv_cell("=SUM(A1)"), "'=SUM(A1)");
    }
}
