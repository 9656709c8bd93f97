//! Turns a Bearer token or a session cookie into a `Principal` in the request's extensions,
//! guards cookie-side mutations (and the sign-in forms) against cross-site requests, and sends
//! signed-out visitors of a page to the sign-in page.

use app::domain::{percent_encode, ApiError};
use app::services::people::sessions::{principal_from_session, SessionCheck, SessionCookie};
use app::services::tokens::verification::principal_from_token;
use app::services::{Authenticated, RequestMeta};
use app::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Paths served without looking at credentials at all.
const NO_AUTH_PREFIXES: &[&str] = &[
    "/pkg/",
    "/favicon",
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v1/openapi.json",
    "/api/reference",
    // Leak reports: holding the token is the proof, and GitLab's revocation calls carry a
    // pre-shared value in `Authorization` that is not a Steward credential.
    "/api/v1/tokens/report-leak",
    "/api/v1/leaks/",
];

/// Whether `path` is served without looking at credentials (static files, health checks, the
/// API document): no token is looked up there, so no limit on tokens applies either.
pub fn needs_no_credentials(path: &str) -> bool {
    NO_AUTH_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// Paths a signed-out visitor may open.
const PUBLIC_PREFIXES: &[&str] = &[
    "/api/", "/auth/", "/pkg/", "/login", "/setup", "/healthz", "/readyz", "/favicon",
];

/// Posts that create a session from a form: a cross-site page must not be able to sign a
/// visitor in to an account of the attacker's choosing (login CSRF), so they get the same
/// origin check as cookie-side mutations even though they carry no cookie yet. The API's
/// operations, and the sign-in and setup pages' own forms (`routes::forms`).
const SESSION_FORMS: &[&str] = &[
    "/api/v1/auth/login",
    "/api/v1/setup/complete",
    "/api/v1/setup/accept-invite",
    "/login",
    "/setup",
];

pub async fn authenticate(
    State(state): State<AppState>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    // Static files and health checks need no principal: skip the session or token lookup.
    if needs_no_credentials(req.uri().path()) {
        return next.run(req).await;
    }
    let bearer = presented_token(req.headers(), req.uri().path());
    let session = session_cookie(req.headers(), state.config.session_cookie_name());

    // A browser attaches the cookie to cross-site requests too; only our own pages may mutate.
    let cookie_side =
        bearer.is_none() && (session.is_some() || SESSION_FORMS.contains(&req.uri().path()));
    if cookie_side
        && !is_safe_method(req.method())
        && !same_origin(req.headers(), &state.config.public_url)
    {
        return json_error(&ApiError::forbidden("Cross-site request refused."));
    }

    // Introspection reads its caller's token together with the one it asks about (one lookup
    // for both), so this route's Bearer token goes on unverified; the handler verifies it.
    if req.method() == Method::POST && req.uri().path() == INTROSPECTION_PATH {
        if let Some(token) = bearer {
            req.extensions_mut().insert(DeferredBearer(token));
            return next.run(req).await;
        }
    }

    let meta = req
        .extensions()
        .get::<RequestMeta>()
        .cloned()
        .unwrap_or_default();

    let checked = match (&bearer, &session) {
        (Some(token), _) => principal_from_token(&state, token, &meta).await.map(|a| {
            a.map(|authenticated| SessionCheck {
                authenticated,
                renewed_cookie: None,
            })
        }),
        (None, Some(id)) => principal_from_session(&state, id).await,
        (None, None) => Ok(None),
    };
    // The database did not answer: that says nothing about the credential, so no 401.
    let checked = match checked {
        Ok(c) => c,
        Err(unavailable) => return json_error(&unavailable),
    };
    let (principal, renewed_cookie): (Option<Authenticated>, Option<String>) = match checked {
        Some(c) => (Some(c.authenticated), c.renewed_cookie),
        None => (None, None),
    };
    let rejected_bearer = bearer.is_some() && principal.is_none();
    let accepted_bearer = bearer.is_some() && principal.is_some();

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
        return Redirect::to(&format!("/login?next={}", percent_encode(wanted))).into_response();
    }

    if let Some(id) = session {
        req.extensions_mut().insert(SessionCookie(id));
    }
    if let Some(p) = principal {
        req.extensions_mut().insert(p);
    }
    let mut res = next.run(req).await;
    if rejected_bearer {
        res.extensions_mut().insert(RejectedBearer);
    }
    if accepted_bearer {
        res.extensions_mut().insert(AcceptedBearer);
    }
    // The idle window slid: the browser's cookie slides with it, unless the request itself set
    // a cookie (sign-out clears it, a password change replaces it).
    if let Some(cookie) = renewed_cookie {
        if !res.headers().contains_key(header::SET_COOKIE) {
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
    res
}

/// The route whose Bearer token the handler verifies itself.
pub const INTROSPECTION_PATH: &str = "/api/v1/tokens/introspect";

/// A Bearer token handed on unverified to the introspection handler.
#[derive(Debug, Clone)]
pub struct DeferredBearer(pub String);

/// Marks a response to a request whose Bearer token did not authenticate, for the per-address
/// limit on guessing.
#[derive(Debug, Clone, Copy)]
pub struct RejectedBearer;

/// Marks a response to a request whose Bearer token authenticated, so the per-address limit
/// remembers the token as good (a good token is served even from an address that is blocked).
#[derive(Debug, Clone, Copy)]
pub struct AcceptedBearer;

/// The API token a request presents: `Authorization: Bearer <token>` on every path, and on
/// introspection also HTTP Basic with the token as the password (any user name), which is what
/// RFC 7662 clients configured for `client_secret_basic` send.
pub fn presented_token(headers: &HeaderMap, path: &str) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.trim().split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(credentials.trim().to_string());
    }
    if scheme.eq_ignore_ascii_case("basic") && path == INTROSPECTION_PATH {
        return basic_password(credentials.trim());
    }
    None
}

/// The password of HTTP Basic credentials. RFC 6749 (2.3.1) has clients form-encode the client
/// id and secret before base64, so the password is decoded once more (a Steward token has
/// nothing to decode, so either way it comes out the same).
fn basic_password(encoded: &str) -> Option<String> {
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (_user, password) = text.split_once(':')?;
    let password = password.replace('+', " ");
    percent_encoding::percent_decode_str(&password)
        .decode_utf8()
        .ok()
        .map(|p| p.into_owned())
}

fn session_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
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

/// An API error response with its contract status, JSON body, `Cache-Control: no-store` and,
/// for 429 and 503, the `Retry-After` header.
pub fn json_error(err: &ApiError) -> Response {
    let status =
        StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(err).unwrap_or_default(),
    )
        .into_response();
    if let Some(secs) = err.retry_after() {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_case_insensitively() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "bearer stw_abc".parse().unwrap());
        assert_eq!(presented_token(&h, "/api/v1/x").as_deref(), Some("stw_abc"));
        h.insert(header::AUTHORIZATION, "Basic dXNlcg==".parse().unwrap());
        assert_eq!(presented_token(&h, "/api/v1/x"), None);
    }

    #[test]
    fn basic_credentials_count_on_introspection_only() {
        let mut h = HeaderMap::new();
        // "gateway:stw_abc", and the same with the password form-encoded ("stw%5Fabc").
        for encoded in ["Z2F0ZXdheTpzdHdfYWJj", "Z2F0ZXdheTpzdHclNUZhYmM="] {
            h.insert(
                header::AUTHORIZATION,
                format!("Basic {encoded}").parse().unwrap(),
            );
            assert_eq!(
                presented_token(&h, INTROSPECTION_PATH).as_deref(),
                Some("stw_abc")
            );
            assert_eq!(presented_token(&h, "/api/v1/auth/whoami"), None);
        }
        for junk in ["Basic !!!", "Basic dXNlcg==", "Basic"] {
            h.insert(header::AUTHORIZATION, junk.parse().unwrap());
            assert_eq!(presented_token(&h, INTROSPECTION_PATH), None, "{junk}");
        }
    }

    #[test]
    fn reads_only_the_configured_cookie() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "steward_session=plain; __Host-steward_session=hosted"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            session_cookie(&h, "__Host-steward_session").as_deref(),
            Some("hosted")
        );
        assert_eq!(
            session_cookie(&h, "steward_session").as_deref(),
            Some("plain")
        );
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
}
