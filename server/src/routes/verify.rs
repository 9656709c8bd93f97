//! `GET /auth/verify`: the check a reverse proxy (nginx `auth_request`, Traefik ForwardAuth,
//! Caddy `forward_auth`) makes before forwarding a request. 200 with who the token is in
//! `X-Steward-*` headers for a valid Bearer token; 401 otherwise; 403 when the token lacks what
//! the query asks: `?scope=write`, `?permission=deploy:production&workspace=prod`. The
//! middleware has already verified the token (and counted the use, and limited guessing).

use super::principal::Principal;
use crate::middleware::authenticate::json_error;
use app::domain::ApiError;
use app::services::introspection::{check_requirement, Requirement};
use app::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The query: every part optional.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct VerifyParams {
    /// A scope the token must have: `read` or `write`.
    scope: Option<String>,
    /// A permission the token must hold (Steward's own or a declared application permission).
    permission: Option<String>,
    /// The workspace (by name) the permission must be held in; needs `permission`.
    workspace: Option<String>,
}

fn unauthenticated() -> Response {
    let mut res = json_error(&ApiError::unauthenticated());
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"steward\""),
    );
    res
}

pub async fn verify(
    State(state): State<AppState>,
    Principal(authenticated): Principal,
    params: Result<Query<VerifyParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    // Only API tokens: a proxy forwards an automation's Bearer token, never a browser session.
    let Some(auth) = authenticated.filter(|a| a.principal.token.is_some()) else {
        return unauthenticated();
    };
    let Ok(Query(params)) = params else {
        return json_error(&ApiError::bad_request(
            "The query parameters are not valid for this operation.",
        ));
    };
    let requirement = Requirement {
        scope: params.scope,
        permission: params.permission,
        workspace: params.workspace,
    };
    if let Err(e) = check_requirement(&state, &auth, &requirement).await {
        return json_error(&e);
    }
    let p = &auth.principal;
    let token_id = p.token.as_ref().map(|t| t.id.as_str()).unwrap_or_default();
    let scopes = p
        .scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let headers = [
        ("x-steward-service-account", p.name.as_str()),
        ("x-steward-service-account-id", p.id.as_str()),
        ("x-steward-organization", p.organization.slug.as_str()),
        ("x-steward-role", p.role.as_str()),
        ("x-steward-scopes", scopes.as_str()),
        ("x-steward-token-id", token_id),
    ];
    let mut res = StatusCode::OK.into_response();
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            res.headers_mut().insert(HeaderName::from_static(name), v);
        }
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
