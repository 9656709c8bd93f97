//! `audit/list`: the audit log, for admins. (`audit/export` streams a file, so it is a plain
//! axum handler in the server crate.)

use crate::domain::{ApiError, AuditEvent};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// A page of audit events, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Lists audit events, filtered by actor, action, target and time range.
#[server(endpoint = "v1/audit/list", input = Json, output = Json)]
pub async fn list_audit(
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    since: Option<String>,
    until: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<AuditPage, ApiError> {
    use crate::services::audit::{list, AuditQuery};
    let caller = crate::api::context::caller(crate::domain::Permission::AuditRead)?;
    let q = AuditQuery {
        actor,
        action,
        target,
        since,
        until,
        page,
        per_page,
    };
    let (items, total, page, per_page) = list(&crate::api::context::state(), &caller, q).await?;
    Ok(AuditPage {
        items,
        total,
        page,
        per_page,
    })
}
