//! Turns a Bearer token or a session cookie into a `Principal` in the request's extensions,
//! guards cookie-authenticated mutations against cross-site requests, and sends signed-out
//! visitors of a page to the sign-in page.

use app::domain::{ApiError, Principal};
use app::services::authentication::{
    principal_from_session, principal_from_token, SessionCookie, SESSION_COOKIE,
};
use app::services::RequestMeta;
use app::state::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

/// Paths served without looking at credentials at all.
const NO_AUTH_PREFIXES: &[&str] = &["/pkg/", "/favicon", "/healthz", "/readyz"];

/// Paths a signed-out visitor may open.
const PUBLIC_PREFIXES: &[&str] = &[
    "/api/", "/pkg/", "/login", "/setup", "/healthz", "/readyz", "/favicon",
];

pub async fn authenticate(
    State(state): State<AppState>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    // Static files and health checks need no principal: skip the session or token lookup.
    if NO_AUTH_PREFIXES
        .iter()
        .any(|p| req.uri().path().starts_with(p))
    {
        return next.run(req).await;
    }
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(300).collect());
    let meta = RequestMeta {
        ip: ip.clone(),
        user_agent,
    };

    let bearer = bearer_token(req.headers());
    let session = session_cookie(req.headers());
    let principal: Option<Principal> = match (&bearer, &session) {
        (Some(token), _) => principal_from_token(&state, token, &meta).await,
        (None, Some(id)) => principal_from_session(&state, id).await,
        (None, None) => None,
    };

    // A browser attaches the cookie to cross-site requests too; only our own pages may mutate.
    let cookie_auth = bearer.is_none() && session.is_some();
    if cookie_auth
        && !is_safe_method(req.method())
        && !same_origin(req.headers(), &state.config.public_url)
    {
        return json_error(&ApiError::forbidden("Cross-site request refused."));
    }

    if bearer.is_some() && principal.is_none() {
        req.extensions_mut().insert(RejectedBearer);
    }

    let path = req.uri().path();
    if principal.is_none()
        && req.method() == Method::GET
        && !PUBLIC_PREFIXES.iter().any(|p| path.starts_with(p))
    {
        let wanted = req
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/");
        return Redirect::to(&format!("/login?next={}", encode_component(wanted))).into_response();
    }

    req.extensions_mut().insert(meta);
    if let Some(id) = session {
        req.extensions_mut().insert(SessionCookie(id));
    }
    if let Some(p) = principal {
        req.extensions_mut().insert(p);
    }
    next.run(req).await
}

/// Marks a request whose Bearer token did not authenticate, for the per-IP limit on guessing.
#[derive(Debug, Clone, Copy)]
pub struct RejectedBearer;

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, v)| *k == SESSION_COOKIE && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

fn is_safe_method(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `Sec-Fetch-Site: same-origin`, or an `Origin` equal to the public URL.
fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("same-origin") {
        return true;
    }
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|o| o.trim_end_matches('/') == public_url)
}

/// Percent-encodes everything but unreserved characters and `/`.
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An API error response with its contract status and JSON body.
pub fn json_error(err: &ApiError) -> Response {
    let status =
        StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(err).unwrap_or_default(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_case_insensitively() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "bearer stw_abc".parse().unwrap());
        assert_eq!(bearer_token(&h).as_deref(), Some("stw_abc"));
        h.insert(header::AUTHORIZATION, "Basic dXNlcg==".parse().unwrap());
        assert_eq!(bearer_token(&h), None);
    }

    #[test]
    fn origin_check() {
        let mut h = HeaderMap::new();
        assert!(!same_origin(&h, "http://localhost:3000"));
        h.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(!same_origin(&h, "http://localhost:3000"));
        h.insert(header::ORIGIN, "http://localhost:3000".parse().unwrap());
        assert!(same_origin(&h, "http://localhost:3000"));
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(!same_origin(&h, "http://localhost:3000"));
        h.insert("sec-fetch-site", "same-origin".parse().unwrap());
        assert!(same_origin(&h, "http://localhost:3000"));
    }

    #[test]
    fn encodes_next_parameter() {
        assert_eq!(encode_component("/a/b?x=1&y=2"), "/a/b%3Fx%3D1%26y%3D2");
    }
}
