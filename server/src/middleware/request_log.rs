//! Structured request logs: request id, method, path, status, latency. Never the query
//! string (setup links carry a secret there), headers, cookies or bodies.

use axum::http::Request;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

type MakeSpan = fn(&Request<axum::body::Body>) -> tracing::Span;

/// The tracing layer with a span that holds only what is safe to log.
pub fn layer(
) -> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, MakeSpan, (), DefaultOnResponse> {
    TraceLayer::new_for_http()
        .make_span_with(make_span as MakeSpan)
        .on_request(())
        .on_response(
            DefaultOnResponse::new()
                .level(Level::INFO)
                .latency_unit(tower_http::LatencyUnit::Millis),
        )
}

fn make_span(req: &Request<axum::body::Body>) -> tracing::Span {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", id = %request_id, method = %req.method(), path = %req.uri().path())
}
