//! Gives API answers their contract shape. Server functions report every error with status 500
//! and the error's JSON body; here the body's `code` picks the real status (and `Retry-After`
//! for 429 and 503). Unknown API paths and anything that is not our JSON become contract errors
//! too, so nothing internal leaks. Every API answer is marked `Cache-Control: no-store`: some
//! carry a secret shown once, and none is worth a cache keeping.

use super::authenticate::json_error;
use app::domain::ApiError;
use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn map_api_errors(req: Request<Body>, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let mut res = contract_answer(next.run(req).await).await;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn contract_answer(res: Response) -> Response {
    let status = res.status();
    if status.is_success() {
        return res;
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return json_error(&ApiError::bad_request("The request body is too large."));
    }
    let is_server_fn_error = res.headers().contains_key("serverfnerror");
    let (parts, body) = res.into_parts();
    let bytes = to_bytes(body, MAX_ERROR_BODY).await.unwrap_or_default();
    match serde_json::from_slice::<ApiError>(&bytes) {
        Ok(err) if is_server_fn_error || parts.status.as_u16() == err.status_code() => {
            let mut res = json_error(&err);
            for cookie in parts.headers.get_all(header::SET_COOKIE) {
                res.headers_mut().append(header::SET_COOKIE, cookie.clone());
            }
            // A 401's challenge (introspection names the scheme its caller used).
            if let Some(challenge) = parts.headers.get(header::WWW_AUTHENTICATE) {
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, challenge.clone());
            }
            // Markers for the outer layers (a refused Bearer token, for the guessing limit).
            *res.extensions_mut() = parts.extensions;
            res
        }
        // A method the path does not take: 405 with the router's `Allow`, as RFC 9110 has it.
        _ if status == StatusCode::METHOD_NOT_ALLOWED => {
            let mut res = json_error(&ApiError::method_not_allowed());
            if let Some(allow) = parts.headers.get(header::ALLOW) {
                res.headers_mut().insert(header::ALLOW, allow.clone());
            }
            res
        }
        _ if status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND => {
            json_error(&ApiError::not_found("API operation"))
        }
        _ => {
            tracing::error!(%status, "unexpected API error response");
            json_error(&ApiError::internal())
        }
    }
}
