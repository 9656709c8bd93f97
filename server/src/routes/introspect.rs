//! `POST /api/v1/tokens/introspect`: whether a token is good and whose it is (RFC 7662 style),
//! for services that accept Steward's tokens. A plain handler rather than a server function so
//! that a gateway's own Bearer token and the token it asks about are read with one lookup: the
//! middleware hands this route's Bearer token on unverified (`DeferredBearer`).

use crate::middleware::authenticate::{json_error, DeferredBearer, RejectedBearer};
use app::domain::{ApiError, IntrospectionRequest};
use app::services::introspection::{introspect_as, introspect_pair};
use app::services::token_verification::look_up_pair;
use app::services::{Authenticated, RequestMeta};
use app::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

pub async fn introspect(
    State(state): State<AppState>,
    session: Option<Extension<Authenticated>>,
    bearer: Option<Extension<DeferredBearer>>,
    meta: Option<Extension<RequestMeta>>,
    body: Bytes,
) -> Response {
    let meta = meta.map(|m| m.0).unwrap_or_default();
    let request = match parse(&body) {
        Ok(r) => r,
        Err(e) => return json_error(&e),
    };
    let answer = match (bearer, session) {
        (Some(Extension(DeferredBearer(secret))), _) => {
            let presented = match look_up_pair(&state, [&secret, request.token.trim()]).await {
                Ok(p) => p,
                Err(e) => return json_error(&e),
            };
            let [caller, target] = presented;
            match introspect_pair(&state, caller, target, &meta).await {
                Ok(answer) => Ok(answer),
                Err((e, refused_bearer)) => {
                    let mut res = json_error(&e);
                    if refused_bearer {
                        res.extensions_mut().insert(RejectedBearer);
                    }
                    return res;
                }
            }
        }
        (None, Some(Extension(auth))) => introspect_as(&state, auth, &request.token, &meta).await,
        (None, None) => Err(ApiError::unauthenticated()),
    };
    match answer {
        Ok(a) => Json(a).into_response(),
        Err(e) => json_error(&e),
    }
}

/// The body: 400 when it is not a JSON object, 422 naming `token` when that is missing.
fn parse(body: &[u8]) -> Result<IntrospectionRequest, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| ApiError::body_not_json())?;
    if !value.is_object() {
        return Err(ApiError::body_not_json());
    }
    serde_json::from_value(value).map_err(|_| ApiError::invalid("token", "token is required."))
}
