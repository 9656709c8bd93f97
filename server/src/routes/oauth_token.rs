//! `POST /oauth/token`: OAuth 2.0 Token Exchange (RFC 8693) for keyless automation. A CI job
//! or workload sends the identity token its platform gave it (`subject_token`, a JWT) and the
//! service account it acts as (`audience`, the account's id); a trust policy of that account
//! decides (`services::trust::exchange`). Form-encoded as RFC 6749 requires; the answer is RFC
//! 8693's, and errors are RFC 6749 5.2's `{"error", "error_description"}`, which never say
//! which check failed (the audit log does). Unrecognised parameters are ignored, as RFC 6749
//! 3.2 requires of a token endpoint; a parameter given twice is refused.

use app::services::trust::exchange::{exchange, ExchangeError, ExchangeRequest};
use app::services::RequestMeta;
use app::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

/// Where the token endpoint is served.
pub const PATH: &str = "/oauth/token";
/// RFC 8693's grant type.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The subject token types accepted: a JWT, or an OpenID Connect ID token (also a JWT).
pub const SUBJECT_TYPES: [&str; 2] = [
    "urn:ietf:params:oauth:token-type:jwt",
    "urn:ietf:params:oauth:token-type:id_token",
];
/// What is issued: an access token (a `stw_` token).
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// The parameters read (others are ignored).
const KNOWN: [&str; 8] = [
    "grant_type",
    "subject_token",
    "subject_token_type",
    "audience",
    "scope",
    "requested_token_type",
    "actor_token",
    "actor_token_type",
];

pub async fn token(
    State(state): State<AppState>,
    meta: Option<Extension<RequestMeta>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let meta = meta.map(|m| m.0).unwrap_or_default();
    let mut res = match parse(&headers, &body) {
        Err(e) => e.into_response(),
        Ok(req) => match exchange(&state, &meta, req).await {
            Ok(done) => {
                let scope: Vec<&str> = done.scopes.iter().map(|s| s.as_str()).collect();
                Json(json!({
                    "access_token": done.access_token,
                    "issued_token_type": ACCESS_TOKEN_TYPE,
                    "token_type": "Bearer",
                    "expires_in": done.expires_in,
                    "scope": scope.join(" "),
                }))
                .into_response()
            }
            Err(e) => {
                let counted = e == ExchangeError::Refused;
                let mut res = refusal(e).into_response();
                if counted {
                    res.extensions_mut().insert(RefusedExchange);
                }
                res
            }
        },
    };
    // RFC 6749 5.1: an answer carrying a token is never stored.
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

/// Marks an answer refusing an identity token that named a service account (its refusal was
/// audited), for the per-address limit on them (`middleware::rate_limits`).
#[derive(Debug, Clone, Copy)]
pub struct RefusedExchange;

/// The answer to an address that has had too many identity tokens refused: RFC 6749 5.2's
/// shape with 429, and when to come back.
pub fn too_many_refusals(retry_after_secs: u64) -> Response {
    let mut res = OAuthError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "temporarily_unavailable",
        "Too many identity tokens from your address were refused. Wait a moment and try again.",
    )
    .into_response();
    let h = res.headers_mut();
    h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// An RFC 6749 5.2 error: `{"error", "error_description"}` with its status.
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: &str) -> Self {
        OAuthError {
            status,
            error,
            description: description.to_string(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response();
        // The issuer or the database is away for a moment: say when to come back.
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
        }
        res
    }
}

fn invalid_request(description: &str) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn refusal(e: ExchangeError) -> OAuthError {
    match e {
        ExchangeError::InvalidRequest(d) => invalid_request(&d),
        ExchangeError::InvalidGrant | ExchangeError::Refused => OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The subject token is not accepted for this service account.",
        ),
        ExchangeError::InvalidScope => OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The scope asks for more than the trust policy gives.",
        ),
        ExchangeError::Unavailable(d) => OAuthError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            &d,
        ),
        ExchangeError::Internal => OAuthError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Something went wrong; nothing was issued.",
        ),
    }
}

/// The form, checked as RFC 8693 2.1 asks.
fn parse(headers: &HeaderMap, body: &[u8]) -> Result<ExchangeRequest, OAuthError> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form {
        return Err(invalid_request(
            "Send the parameters form-encoded (application/x-www-form-urlencoded).",
        ));
    }
    let mut values: std::collections::HashMap<&'static str, String> = Default::default();
    for (name, value) in form_urlencoded::parse(body) {
        let Some(known) = KNOWN.iter().find(|k| **k == name) else {
            continue;
        };
        if values.insert(known, value.into_owned()).is_some() {
            return Err(invalid_request(&format!(
                "The parameter {known} is given twice."
            )));
        }
    }
    let mut take = |name: &str| values.remove(name).filter(|v| !v.is_empty());
    let grant_type = take("grant_type").ok_or_else(|| invalid_request("grant_type is missing."))?;
    if grant_type != TOKEN_EXCHANGE {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only urn:ietf:params:oauth:grant-type:token-exchange is supported.",
        ));
    }
    let subject_token =
        take("subject_token").ok_or_else(|| invalid_request("subject_token is missing."))?;
    let subject_type = take("subject_token_type")
        .ok_or_else(|| invalid_request("subject_token_type is missing."))?;
    if !SUBJECT_TYPES.contains(&subject_type.as_str()) {
        return Err(invalid_request(
            "subject_token_type must be urn:ietf:params:oauth:token-type:jwt or urn:ietf:params:oauth:token-type:id_token.",
        ));
    }
    let audience = take("audience").ok_or_else(|| {
        invalid_request("audience is missing: name the service account's id (sa_…).")
    })?;
    if let Some(wanted) = take("requested_token_type") {
        if wanted != ACCESS_TOKEN_TYPE {
            return Err(invalid_request(
                "requested_token_type must be urn:ietf:params:oauth:token-type:access_token.",
            ));
        }
    }
    if take("actor_token").is_some() || take("actor_token_type").is_some() {
        return Err(invalid_request(
            "Delegation (actor_token) is not supported.",
        ));
    }
    Ok(ExchangeRequest {
        subject_token,
        service_account_id: audience,
        scope: take("scope"),
    })
}
