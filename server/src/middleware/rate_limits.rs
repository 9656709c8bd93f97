//! Per-address rate limits on guessing credentials: sign-in attempts, and Bearer tokens that do
//! not authenticate. An address that has sent too many bad tokens is refused *before* its next
//! token is looked up, so guessing costs the database nothing. Unknown garbage is limited here
//! instead of being audited row by row, which would let anyone fill the database. Other
//! requests pass untouched. Addresses are counted per IPv4 address and per IPv6 /64.

use super::authenticate::{json_error, RejectedBearer};
use super::client_ip::{rate_limit_key, ClientIp};
use app::domain::ApiError;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Method, Request};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The paths whose posts are counted as sign-in attempts: the API's operations, and the
/// sign-in and setup pages' forms posted without the pages' code (`routes::forms`), which
/// share the same count.
const SIGN_IN_PATHS: &[&str] = &[
    "/api/v1/auth/login",
    "/api/v1/setup/complete",
    "/api/v1/setup/accept-invite",
    "/login",
    "/setup",
];

/// A page's form refused by the per-address limit. For a page's form the limit hands the
/// refusal on to the form's handler instead of answering with an API error, so the person sees
/// the page again with the message; the handler checks for it before it calls any service.
#[derive(Debug, Clone)]
pub struct RefusedForm(pub ApiError);

/// Counts failures per address: `n` a minute, `n` at once. The failure that uses up the quota
/// blocks the address until the quota refills enough for one more, and the block is checked
/// without touching the quota, before the credential is even looked up.
struct FailureGate {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    blocked_until: Mutex<HashMap<IpAddr, Instant>>,
}

impl FailureGate {
    fn per_minute(n: u32) -> Self {
        // The limiter refuses the n-th failure, which is the one that must start the block.
        let burst = NonZeroU32::new(n.saturating_sub(1).max(1)).expect("non-zero burst");
        let quota =
            Quota::per_minute(NonZeroU32::new(n).expect("non-zero quota")).allow_burst(burst);
        FailureGate {
            limiter: RateLimiter::keyed(quota),
            blocked_until: Mutex::new(HashMap::new()),
        }
    }

    /// How long `key` must still wait, if it is blocked.
    fn blocked(&self, key: IpAddr) -> Option<Duration> {
        let blocked = self.blocked_until.lock().unwrap_or_else(|p| p.into_inner());
        let until = *blocked.get(&key)?;
        until.checked_duration_since(Instant::now())
    }

    fn record_failure(&self, key: IpAddr) {
        if let Err(not_until) = self.limiter.check_key(&key) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let mut blocked = self.blocked_until.lock().unwrap_or_else(|p| p.into_inner());
            blocked.insert(key, Instant::now() + wait);
        }
    }

    fn forget_idle(&self) {
        self.limiter.retain_recent();
        let now = Instant::now();
        let mut blocked = self.blocked_until.lock().unwrap_or_else(|p| p.into_inner());
        blocked.retain(|_, until| *until > now);
    }
}

/// The limiters, shared by all requests.
#[derive(Clone)]
pub struct Limiters {
    /// `n` attempts at once, then `n` a minute, per address (10 by default).
    sign_in: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// 30 rejected tokens at once, then one more every 2 seconds, per address.
    bad_tokens: Arc<FailureGate>,
}

fn per_minute(n: u32) -> Quota {
    let n = NonZeroU32::new(n).expect("non-zero quota");
    Quota::per_minute(n).allow_burst(n)
}

impl Limiters {
    pub fn new(sign_in_per_minute: u32) -> Self {
        Limiters {
            sign_in: Arc::new(RateLimiter::keyed(per_minute(sign_in_per_minute))),
            bad_tokens: Arc::new(FailureGate::per_minute(30)),
        }
    }

    /// Forgets addresses that have been quiet, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.sign_in.retain_recent();
        self.bad_tokens.forget_idle();
    }
}

fn too_many(wait: Duration, ip: IpAddr, path: &str) -> ApiError {
    tracing::warn!(%ip, %path, "credential rate limit reached");
    ApiError::rate_limited_for(
        "Too many attempts from your address. Wait a moment and try again.",
        wait.as_secs() + 1,
    )
}

pub async fn limit(
    State(limiters): State<Limiters>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    let Some(ClientIp(ip)) = req.extensions().get::<ClientIp>().copied() else {
        return next.run(req).await;
    };
    let key = rate_limit_key(ip);
    let path = req.uri().path().to_string();
    // Only posts: `GET /login` and `GET /setup` are the pages themselves.
    if req.method() == Method::POST && SIGN_IN_PATHS.contains(&path.as_str()) {
        if let Err(not_until) = limiters.sign_in.check_key(&key) {
            let refused = too_many(
                not_until.wait_time_from(DefaultClock::default().now()),
                ip,
                &path,
            );
            if path.starts_with("/api/") {
                return json_error(&refused);
            }
            req.extensions_mut().insert(RefusedForm(refused));
        }
    }
    let has_bearer = req.headers().contains_key(header::AUTHORIZATION);
    if has_bearer {
        if let Some(wait) = limiters.bad_tokens.blocked(key) {
            return json_error(&too_many(wait, ip, &path));
        }
    }
    let res = next.run(req).await;
    if res.extensions().get::<RejectedBearer>().is_some() {
        limiters.bad_tokens.record_failure(key);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failure_that_uses_up_the_quota_blocks_the_address() {
        let gate = FailureGate::per_minute(3);
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let other: IpAddr = "203.0.113.10".parse().unwrap();
        for _ in 0..2 {
            gate.record_failure(ip);
            assert!(gate.blocked(ip).is_none());
        }
        gate.record_failure(ip);
        let wait = gate
            .blocked(ip)
            .expect("the third failure blocks the fourth try");
        assert!(wait <= Duration::from_secs(20), "{wait:?}");
        assert!(gate.blocked(other).is_none());
    }
}
