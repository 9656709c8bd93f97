//! `audit/export`: the audit log as a file (CSV or JSON Lines), streamed as it is read. `GET`
//! with query parameters, so a browser link downloads it natively (with the browser's own
//! progress bar); `POST` with a JSON body, like every other operation, for scripts.

use crate::middleware::authenticate::json_error;
use app::api::context::authorize;
use app::domain::{ApiError, ExportFormat, Permission};
use app::services::audit::AuditQuery;
use app::services::{Authenticated, Caller, RequestMeta};
use app::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::TryStreamExt;
use serde::Deserialize;

/// The export's filter and format; every field optional so a missing one is a clear 422. A
/// parameter it does not name is refused (a mistyped filter would export more than asked).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// `csv` or `jsonl` (required).
    format: Option<String>,
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
}

pub async fn export_get(
    State(state): State<AppState>,
    authenticated: Option<Extension<Authenticated>>,
    meta: Option<Extension<RequestMeta>>,
    params: Result<Query<ExportParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let params = match params {
        Ok(Query(params)) => params,
        Err(rejection) => return json_error(&query_error(&rejection.body_text())),
    };
    export(state, authenticated, meta, params).await
}

/// A 400 for query parameters that do not decode, naming the parameter when serde does (an
/// unknown or repeated one).
fn query_error(text: &str) -> ApiError {
    let named = ["unknown field `", "duplicate field `"]
        .iter()
        .find_map(|marker| text.split(marker).nth(1))
        .and_then(|rest| rest.split('`').next())
        .filter(|name| !name.is_empty());
    match named {
        Some(name) => {
            let mut e = ApiError::bad_request(format!(
                "The parameter '{name}' is unknown or given twice: this export takes format, \
                 actor, action, target, since and until, once each."
            ));
            e.error.field = Some(name.to_string());
            e
        }
        None => ApiError::bad_request("The query parameters are not valid for this operation."),
    }
}

pub async fn export_post(
    State(state): State<AppState>,
    authenticated: Option<Extension<Authenticated>>,
    meta: Option<Extension<RequestMeta>>,
    body: Bytes,
) -> Response {
    let params = if body.iter().all(u8::is_ascii_whitespace) {
        ExportParams::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(p) => p,
            Err(_) => return json_error(&ApiError::body_not_json()),
        }
    };
    export(state, authenticated, meta, params).await
}

async fn export(
    state: AppState,
    authenticated: Option<Extension<Authenticated>>,
    meta: Option<Extension<RequestMeta>>,
    p: ExportParams,
) -> Response {
    let caller = match authorize(authenticated.map(|e| e.0), Permission::AuditRead) {
        Ok(auth) => Caller {
            principal: auth.principal,
            access: auth.access,
            meta: meta.map(|e| e.0).unwrap_or_default(),
        },
        Err(e) => return json_error(&e),
    };
    let format = match ExportFormat::parse("format", p.format.as_deref().unwrap_or("")) {
        Ok(f) => f,
        Err(e) => return json_error(&e),
    };
    let query = AuditQuery {
        actor: p.actor,
        action: p.action,
        target: p.target,
        since: p.since,
        until: p.until,
        page: None,
        per_page: None,
    };
    let stream = match app::services::audit::export::export(state, &caller, query, format) {
        Ok(s) => s,
        Err(e) => return json_error(&e),
    };
    let disposition = format!("attachment; filename=\"{}\"", format.filename());
    let mut res = Body::from_stream(stream.map_err(|e| {
        tracing::error!(error = %e, "audit export stopped");
        e
    }))
    .into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
