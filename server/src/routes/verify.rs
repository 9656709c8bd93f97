//! `GET /auth/verify`: the check a reverse proxy (nginx `auth_request`, Traefik ForwardAuth,
//! Caddy `forward_auth`) makes before forwarding a request. 200 with who the token is in
//! `X-Steward-*` headers for a valid Bearer token; 401 otherwise; 403 when the token lacks what
//! the query asks: `?scope=write`, `?permission=deploy:production&workspace=prod`. The
//! middleware has already verified the token (and counted the use, and limited guessing).

use super::principal::Principal;
use crate::middleware::authenticate::json_error;
use app::domain::ApiError;
use app::metrics::METRICS;
use app::services::tokens::introspection::{check_requirement, Requirement};
use app::services::RequestMeta;
use app::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;

/// The query: every part optional, each at most once, nothing else. Only its schema is used
/// (the OpenAPI document, `openapi::plain`); [`parse_query`] reads the query itself.
#[derive(Debug, Default, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct VerifyParams {
    /// The organization (slug) whose tokens pass; needed when the server holds several.
    organization: Option<String>,
    /// A scope the token must have: `read` or `write`.
    scope: Option<String>,
    /// A permission the token must hold (Steward's own or a declared application permission).
    permission: Option<String>,
    /// The workspace (by name) the permission must be held in; needs `permission`.
    workspace: Option<String>,
    /// The workspace (by id, which never changes) the permission must be held in.
    workspace_id: Option<String>,
}

/// The requirement a query states. A parameter this endpoint does not know, or one given twice,
/// is refused naming it: a typo such as `permision=` must not let every token through unchecked.
pub fn parse_query(query: Option<&str>) -> Result<Requirement, ApiError> {
    let mut req = Requirement::default();
    for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let slot = match name.as_ref() {
            "organization" => &mut req.organization,
            "scope" => &mut req.scope,
            "permission" => &mut req.permission,
            "workspace" => &mut req.workspace,
            "workspace_id" => &mut req.workspace_id,
            other => {
                return Err(ApiError::bad_parameter(
                    other,
                    format!(
                        "'{other}' is not a parameter of /auth/verify: it takes organization, \
                         scope, permission, workspace and workspace_id."
                    ),
                ))
            }
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(ApiError::bad_parameter(
                &name,
                format!("'{name}' is given more than once."),
            ));
        }
    }
    Ok(req)
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
    meta: Option<Extension<RequestMeta>>,
    RawQuery(query): RawQuery,
) -> Response {
    // Only API tokens: a proxy forwards an automation's Bearer token, never a browser session.
    let Some(auth) = authenticated.filter(|a| a.principal.token.is_some()) else {
        return unauthenticated();
    };
    let requirement = match parse_query(query.as_deref()) {
        Ok(r) => r,
        Err(e) => return json_error(&e),
    };
    if let Err(e) = check_requirement(&state, &auth, &requirement).await {
        if e.status_code() == 403 {
            METRICS.refused("requirement_not_met");
        }
        return json_error(&e);
    }
    // A report-only narrowing is tried against the same requirement, and noted if it would fail.
    if let Some(proposed) = &auth.report_only {
        if check_requirement(&state, proposed, &requirement)
            .await
            .is_err()
        {
            let meta = meta.map(|Extension(m)| m).unwrap_or_default();
            app::services::tokens::report_only::note_narrowed(&state, &auth, &meta);
        }
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

#[cfg(test)]
mod tests {
    use super::parse_query;

    #[test]
    fn reads_each_known_parameter_once_and_refuses_anything_else() {
        let req = parse_query(Some(
            "organization=acme&scope=write&permission=deploy%3Aproduction&workspace_id=wsp_1",
        ))
        .unwrap();
        assert_eq!(req.organization.as_deref(), Some("acme"));
        assert_eq!(req.permission.as_deref(), Some("deploy:production"));
        assert_eq!(req.workspace_id.as_deref(), Some("wsp_1"));
        assert_eq!(parse_query(None).unwrap(), Default::default());
        for (query, field) in [
            ("permision=deploy:production", "permision"),
            ("scope=read&scope=write", "scope"),
            ("permission=a:b&workspace=prod&workspace=dev", "workspace"),
            ("organization=acme&Organization=globex", "Organization"),
        ] {
            let e = parse_query(Some(query)).unwrap_err();
            assert_eq!((e.status_code(), e.field()), (400, Some(field)), "{query}");
        }
    }
}
