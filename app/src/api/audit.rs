//! `audit/list`: the audit log, for admins. (`audit/export` streams a file, so it is a plain
//! axum handler in the server crate.)

use crate::domain::{ApiError, AuditEvent, Page};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Lists audit events, filtered by actor, action, target and time range.
#[server(endpoint = "v1/audit/list", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_audit(
    /// Only events by this actor (its name or id).
    actor: Option<String>,
    /// Only events with this action, e.g. `token.created`.
    action: Option<String>,
    /// Only events on this target (its name or id).
    target: Option<String>,
    /// Only events at or after this time (RFC 3339).
    since: Option<String>,
    /// Only events before this time (RFC 3339).
    until: Option<String>,
    /// From 1; default 1.
    page: Option<i64>,
    /// 1–200; default 50.
    per_page: Option<i64>,
) -> Result<Page<AuditEvent>, ApiError> {
    use crate::api::prelude::*;
    use crate::services::audit::{list, AuditQuery};
    let (state, caller) = authorized(Permission::AuditRead)?;
    let q = AuditQuery {
        actor,
        action,
        target,
        since,
        until,
        page,
        per_page,
    };
    list(&state, &caller, q).await
}
