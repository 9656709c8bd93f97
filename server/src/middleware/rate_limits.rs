//! Per-IP rate limits on guessing credentials: sign-in attempts, and Bearer tokens that do not
//! authenticate. Unknown garbage is limited here instead of being audited row by row, which
//! would let anyone fill the database. Other requests pass untouched.

use super::authenticate::{json_error, RejectedBearer};
use app::domain::ApiError;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::Request;
use axum::middleware::Next;
use axum::response::Response;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

/// The paths counted as sign-in attempts.
const SIGN_IN_PATHS: &[&str] = &[
    "/api/v1/auth/login",
    "/api/v1/setup/complete",
    "/api/v1/setup/accept-invite",
];

/// The two limiters, shared by all requests.
#[derive(Clone)]
pub struct Limiters {
    /// 10 attempts at once, then one more every 6 seconds, per IP.
    sign_in: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// 30 rejected tokens at once, then one more every 2 seconds, per IP.
    bad_tokens: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

fn per_minute(n: u32) -> Quota {
    let n = NonZeroU32::new(n).expect("non-zero quota");
    Quota::per_minute(n).allow_burst(n)
}

impl Limiters {
    pub fn new() -> Self {
        Limiters {
            sign_in: Arc::new(RateLimiter::keyed(per_minute(10))),
            bad_tokens: Arc::new(RateLimiter::keyed(per_minute(30))),
        }
    }

    /// Forgets IPs that have been quiet, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.sign_in.retain_recent();
        self.bad_tokens.retain_recent();
    }
}

impl Default for Limiters {
    fn default() -> Self {
        Self::new()
    }
}

pub async fn limit(State(limiters): State<Limiters>, req: Request<Body>, next: Next) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(ip) = ip {
        let limiter = if SIGN_IN_PATHS.contains(&req.uri().path()) {
            Some(&limiters.sign_in)
        } else if req.extensions().get::<RejectedBearer>().is_some() {
            Some(&limiters.bad_tokens)
        } else {
            None
        };
        if limiter.is_some_and(|l| l.check_key(&ip).is_err()) {
            tracing::warn!(%ip, path = %req.uri().path(), "credential rate limit reached");
            return json_error(&ApiError::rate_limited());
        }
    }
    next.run(req).await
}
