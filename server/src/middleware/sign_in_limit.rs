//! Rate limit for sign-in attempts, per client IP, so passwords cannot be guessed at speed.
//! Only the sign-in operation is limited; everything else passes untouched.

use super::authenticate::json_error;
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
const LIMITED_PATHS: &[&str] = &["/api/v1/auth/login", "/api/v1/setup/complete"];

/// Shared limiter state: 10 attempts at once, then one more every 6 seconds, per IP.
pub type SignInLimiter = Arc<DefaultKeyedRateLimiter<IpAddr>>;

pub fn new_limiter() -> SignInLimiter {
    let quota = Quota::per_minute(NonZeroU32::new(10).expect("non-zero")).allow_burst(NonZeroU32::new(10).expect("non-zero"));
    Arc::new(RateLimiter::keyed(quota))
}

pub async fn limit_sign_in(State(limiter): State<SignInLimiter>, req: Request<Body>, next: Next) -> Response {
    if LIMITED_PATHS.contains(&req.uri().path()) {
        if let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>() {
            if limiter.check_key(&addr.ip()).is_err() {
                tracing::warn!(ip = %addr.ip(), "sign-in rate limit reached");
                return json_error(&ApiError::rate_limited());
            }
        }
    }
    next.run(req).await
}
