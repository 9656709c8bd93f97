//! Times every verification (`/auth/verify`, `whoami`, introspection) from the moment the
//! request enters the stack to its answer, for `/metrics`' latency histogram: what a gateway
//! waiting on Steward sees, the rate limits and the lookup included.

use app::metrics::METRICS;
use axum::body::Body;
use axum::http::Request;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// The endpoint label of a verification path, `None` for every other request.
fn endpoint(path: &str) -> Option<&'static str> {
    match path {
        "/auth/verify" => Some("verify"),
        "/api/v1/auth/whoami" => Some("whoami"),
        "/api/v1/tokens/introspect" => Some("introspect"),
        _ => None,
    }
}

pub async fn time_verifications(req: Request<Body>, next: Next) -> Response {
    let Some(endpoint) = endpoint(req.uri().path()) else {
        return next.run(req).await;
    };
    let started = Instant::now();
    let res = next.run(req).await;
    METRICS.observe_verification(endpoint, started.elapsed().as_secs_f64());
    res
}
