//! `GET /metrics`: the Prometheus scrape target. It names organizations and counts refusals,
//! so it is not public: it answers only a bearer token of its own (`STEWARD_METRICS_TOKEN`),
//! never an API token or a session, and is absent (404) when none is configured.

use crate::middleware::authenticate::json_error;
use app::auth::random::sha256_hex;
use app::domain::ApiError;
use app::services::monitoring::metrics_text;
use app::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The OpenMetrics text format's media type, which Prometheus asks for and understands.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The operator's scrape token, kept as its SHA-256 (compared in constant time by comparing
/// digests) and never printed.
#[derive(Clone)]
pub struct MetricsToken(Arc<str>);

impl MetricsToken {
    pub fn new(token: &str) -> MetricsToken {
        MetricsToken(sha256_hex(token).into())
    }

    fn admits(&self, presented: &str) -> bool {
        *sha256_hex(presented) == *self.0
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(…)")
    }
}

/// What the handler needs: the state (for the figures read at scrape time) and the token.
#[derive(Clone)]
pub struct MetricsEndpoint {
    pub state: AppState,
    pub token: Option<MetricsToken>,
}

pub async fn metrics(State(endpoint): State<MetricsEndpoint>, headers: HeaderMap) -> Response {
    let Some(token) = &endpoint.token else {
        return json_error(&ApiError::not_found("Metrics (set STEWARD_METRICS_TOKEN)"));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !presented.is_some_and(|p| token.admits(p)) {
        let mut res = json_error(&ApiError::unauthenticated_with(
            "Metrics need the bearer token set in STEWARD_METRICS_TOKEN.",
        ));
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"steward-metrics\""),
        );
        return res;
    }
    match metrics_text(&endpoint.state).await {
        Ok(text) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(OPENMETRICS)),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            text,
        )
            .into_response(),
        Err(e) => json_error(&e),
    }
}
