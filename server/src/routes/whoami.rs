//! `POST /api/v1/auth/whoami` for automation: the same answer as the `whoami` server function,
//! served by a plain handler because it is the request every script makes first and most
//! often. The server-function path builds a Leptos reactive owner and context for each call, a
//! measurable part of the request (`docs/benchmarks.md`); this handler reads the principal the
//! middleware already put in the request and nothing else, and answers an API token with the
//! answer kept with its credential while the credential cache holds it.

use super::principal::Principal;
use crate::middleware::authenticate::json_error;
use app::domain::ApiError;
use app::services::whoami;
use app::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

/// Where automation asks who it is.
pub const PATH: &str = "/api/v1/auth/whoami";

pub async fn whoami(
    State(state): State<AppState>,
    Principal(auth): Principal,
    body: Bytes,
) -> Response {
    if let Err(e) = no_arguments(&body) {
        return json_error(&e);
    }
    match whoami::shared(&state, auth).await {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => json_error(&e),
    }
}

/// Holds the body to what `json_body` asks of every operation's (this route reads its own, so
/// that it is read once): a JSON object, in which any field is unknown, since the operation
/// takes none.
fn no_arguments(body: &[u8]) -> Result<(), ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Err(_) => Err(ApiError::body_not_json()),
        Ok(Value::Object(fields)) => match fields.keys().next() {
            None => Ok(()),
            Some(name) => Err(ApiError::unknown_field(name, name)),
        },
        Ok(_) => Err(ApiError::not_an_object()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_an_empty_object_and_refuses_what_any_operation_refuses() {
        assert!(no_arguments(b"{}").is_ok());
        assert!(no_arguments(b" { } ").is_ok());
        let unknown = no_arguments(br#"{"verbose": true}"#).unwrap_err();
        assert_eq!(unknown.status_code(), 400);
        assert_eq!(unknown.error.field.as_deref(), Some("verbose"));
        assert!(unknown.error.message.contains("'verbose'"));
        for (body, expected) in [
            (&b"[]"[..], ApiError::not_an_object()),
            (b"\"me\"", ApiError::not_an_object()),
            (b"", ApiError::body_not_json()),
            (b"{", ApiError::body_not_json()),
        ] {
            let refused = no_arguments(body).unwrap_err();
            assert_eq!(refused.status_code(), 400);
            assert_eq!(refused.error.message, expected.error.message);
        }
    }
}
