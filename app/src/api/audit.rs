//! `audit/*`: the audit log, for admins.

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

/// An export: the file's name, media type and text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditExport {
    pub filename: String,
    pub content_type: String,
    pub content: String,
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
    let caller = crate::api::context::caller(crate::domain::Permission::Administer)?;
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

/// Everything the filter selects as JSON Lines (`jsonl`) or CSV (`csv`).
#[server(endpoint = "v1/audit/export", input = Json, output = Json)]
pub async fn export_audit(
    format: String,
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    since: Option<String>,
    until: Option<String>,
) -> Result<AuditExport, ApiError> {
    use crate::services::audit::{export, AuditQuery};
    let caller = crate::api::context::caller(crate::domain::Permission::Administer)?;
    let q = AuditQuery {
        actor,
        action,
        target,
        since,
        until,
        page: None,
        per_page: None,
    };
    let content = export(&crate::api::context::state(), &caller, q, &format).await?;
    let (ext, content_type) = if format == "csv" {
        ("csv", "text/csv")
    } else {
        ("jsonl", "application/x-ndjson")
    };
    Ok(AuditExport {
        filename: format!("steward-audit.{ext}"),
        content_type: content_type.into(),
        content,
    })
}
