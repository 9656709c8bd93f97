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

/// The body: 400 when it is not a JSON object, 422 naming `token` when that is missing. A good
/// body is read once; only a bad one is read again to tell which error it is.
fn parse(body: &[u8]) -> Result<IntrospectionRequest, ApiError> {
    // Only an object: serde would also read a struct from an array (`["stw_…"]`).
    let is_object = body.trim_ascii_start().first() == Some(&b'{');
    if let Some(request) = is_object
        .then(|| serde_json::from_slice::<IntrospectionRequest>(body).ok())
        .flatten()
    {
        return Ok(request);
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| ApiError::body_not_json())?;
    if !value.is_object() {
        return Err(ApiError::body_not_json());
    }
    serde_json::from_value(value).map_err(|_| ApiError::invalid("token", "token is required."))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_an_object_naming_the_token_and_refuses_anything_else() {
        let good = parse(br#" {"token": "stw_x", "extra": 1}"#).unwrap();
        assert_eq!(good.token, "stw_x");
        for not_an_object in [&br#"["stw_x"]"#[..], b"\"stw_x\"", b"{", b"", b"null"] {
            let e = parse(not_an_object).unwrap_err();
            assert_eq!(e.status_code(), 400, "{not_an_object:?}");
        }
        for no_token in [&br#"{}"#[..], br#"{"token": 7}"#, br#"{"tokens": "stw_x"}"#] {
            let e = parse(no_token).unwrap_err();
            assert_eq!(
                (e.status_code(), e.field()),
                (422, Some("token")),
                "{no_token:?}"
            );
        }
    }
}
