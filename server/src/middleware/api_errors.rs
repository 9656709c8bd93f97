//! Gives API errors their contract status. Server functions report every error with status 500
//! and the error's JSON body; here the body's `code` picks the real status. Unknown API paths
//! and anything that is not our JSON become contract errors too, so nothing internal leaks.

use super::authenticate::json_error;
use app::domain::ApiError;
use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn map_api_errors(req: Request<Body>, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let res = next.run(req).await;
    let status = res.status();
    if status.is_success() {
        return res;
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return json_error(&ApiError::bad_request("The request body is too large."));
    }
    let is_server_fn_error = res.headers().contains_key("serverfnerror");
    let (mut parts, body) = res.into_parts();
    let bytes = to_bytes(body, MAX_ERROR_BODY).await.unwrap_or_default();
    match serde_json::from_slice::<ApiError>(&bytes) {
        Ok(err) if is_server_fn_error => {
            parts.status = StatusCode::from_u16(err.status_code())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            parts.headers.insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            );
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(bytes))
        }
        _ if status == StatusCode::BAD_REQUEST
            || status == StatusCode::NOT_FOUND
            || status == StatusCode::METHOD_NOT_ALLOWED =>
        {
            json_error(&ApiError::not_found("API operation"))
        }
        _ => {
            tracing::error!(%status, "unexpected API error response");
            json_error(&ApiError::internal())
        }
    }
}
