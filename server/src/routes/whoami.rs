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
use serde::Deserialize;

/// The operation takes no arguments: its body is a JSON object (`{}`), as for any operation,
/// and fields it does not know are ignored, as the server functions ignore them.
#[derive(Deserialize)]
struct NoArguments {}

pub async fn whoami(
    State(state): State<AppState>,
    Principal(auth): Principal,
    body: Bytes,
) -> Response {
    if serde_json::from_slice::<NoArguments>(&body).is_err() {
        return json_error(&ApiError::body_not_json());
    }
    match whoami::shared(&state, auth).await {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => json_error(&e),
    }
}
