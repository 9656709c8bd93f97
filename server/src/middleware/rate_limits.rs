//! Per-address rate limits on guessing credentials: sign-in attempts, Bearer tokens that do
//! not authenticate, and identity tokens refused at the token endpoint. An address that has
//! sent too many bad tokens is refused *before* its next unknown token is looked up, so
//! guessing costs the database nothing. Unknown garbage is limited here instead of being
//! audited row by row, which would let anyone fill the database. Other requests pass
//! untouched. Addresses are counted per IPv4 address and per IPv6 /64.
//!
//! The block must not lock out the innocent behind the same proxy or NAT: a token that
//! authenticated on this process recently is still looked up from a blocked address
//! (`TokenMemory`), and one it has not seen gets a second look when it comes again.

use super::authenticate::{
    json_error, needs_no_credentials, presented_token, AcceptedBearer, RejectedBearer,
};
use super::client_ip::{rate_limit_key, ClientIp};
use crate::routes::oauth_token::{self, RefusedExchange};
use app::domain::ApiError;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Method, Request};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// A fixed table of 64-bit digests, one slot per digest (its low bits), lock-free: a newer
/// digest that lands on a taken slot replaces the one there. So its memory is fixed (8 bytes a
/// slot) whatever a flood sends, and forgetting one entry early only costs that token a
/// second look.
struct DigestTable {
    slots: Box<[AtomicU64]>,
}

impl DigestTable {
    fn with_slots(slots: usize) -> Self {
        assert!(slots.is_power_of_two(), "a power of two");
        DigestTable {
            slots: (0..slots).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn slot(&self, digest: u64) -> &AtomicU64 {
        &self.slots[digest as usize & (self.slots.len() - 1)]
    }

    fn contains(&self, digest: u64) -> bool {
        self.slot(digest).load(Ordering::Relaxed) == digest
    }

    fn insert(&self, digest: u64) {
        let slot = self.slot(digest);
        // Read first: a token used on every request then never writes the shared cache line.
        if slot.load(Ordering::Relaxed) != digest {
            slot.store(digest, Ordering::Relaxed);
        }
    }

    fn remove(&self, digest: u64) {
        let _ = self
            .slot(digest)
            .compare_exchange(digest, 0, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// Slots in each of `TokenMemory`'s tables: 65,536 × 8 bytes, 512 KiB each.
const MEMORY_SLOTS: usize = 1 << 16;

/// First looks at tokens this process has not seen authenticate, from blocked addresses, per
/// process: 10 a second, 10 at once. A real client's new token is served at once while a flood
/// is modest; a flood of made-up tokens uses the budget up, and costs at most this many
/// lookups a second from every blocked address together.
const FIRST_LOOKS_PER_SECOND: u32 = 10;
const FIRST_LOOKS_BURST: u32 = 10;
/// Second looks at unknown tokens from blocked addresses, per process: 5 a second, 10 at once.
const SECOND_LOOKS_PER_SECOND: u32 = 5;
const SECOND_LOOKS_BURST: u32 = 10;

/// What decides whether a token from a blocked address is looked up after all. Tokens are
/// remembered as keyed 64-bit digests (SipHash with this process's random key), never as
/// themselves or as the SHA-256 the database stores.
struct TokenMemory {
    key: RandomState,
    /// Tokens that authenticated on this process (until one fails, or its slot is taken).
    good: DigestTable,
    /// Unknown tokens refused from a blocked address, so that the same token coming again
    /// (a client retrying after `Retry-After`) is told apart from a flood of made-up ones,
    /// which never repeat.
    refused_once: DigestTable,
    /// The global bound on those second looks: a flood that repeats its tokens on purpose
    /// gets at most this many lookups a second from every blocked address together.
    second_looks: DefaultDirectRateLimiter,
    /// The global bound on first looks at unknown tokens from blocked addresses.
    first_looks: DefaultDirectRateLimiter,
}

/// Whether a token from a blocked address goes on to its lookup.
#[derive(Debug, PartialEq, Eq)]
enum Admission {
    Known,
    FirstLook,
    SecondLook,
    Refused,
}

impl TokenMemory {
    fn new() -> Self {
        Self::with_first_looks(FIRST_LOOKS_PER_SECOND, FIRST_LOOKS_BURST)
    }

    /// With a budget of first looks of its own (the tests see the rest with none).
    fn with_first_looks(per_second: u32, burst: u32) -> Self {
        let quota = |per_second: u32, burst: u32| {
            let per_second = NonZeroU32::new(per_second).expect("non-zero");
            let burst = NonZeroU32::new(burst).expect("non-zero");
            Quota::per_second(per_second).allow_burst(burst)
        };
        TokenMemory {
            key: RandomState::new(),
            good: DigestTable::with_slots(MEMORY_SLOTS),
            refused_once: DigestTable::with_slots(MEMORY_SLOTS),
            second_looks: RateLimiter::direct(quota(SECOND_LOOKS_PER_SECOND, SECOND_LOOKS_BURST)),
            first_looks: RateLimiter::direct(quota(per_second, burst)),
        }
    }

    /// Never 0, which marks an empty slot.
    fn digest(&self, token: &str) -> u64 {
        self.key.hash_one(token.as_bytes()).max(1)
    }

    /// The decision for `token` (already presented) from a blocked address. Anything without a
    /// token's shape and checksum is refused: it would be refused without a lookup anyway.
    fn admit(&self, token: Option<&str>) -> Admission {
        let Some(token) = token.filter(|t| app::auth::token_secret::is_well_formed(t)) else {
            return Admission::Refused;
        };
        let digest = self.digest(token);
        if self.good.contains(digest) {
            return Admission::Known;
        }
        if self.refused_once.contains(digest) && self.second_looks.check().is_ok() {
            self.refused_once.remove(digest);
            return Admission::SecondLook;
        }
        if self.first_looks.check().is_ok() {
            return Admission::FirstLook;
        }
        self.refused_once.insert(digest);
        Admission::Refused
    }

    fn authenticated(&self, token: &str) {
        self.good.insert(self.digest(token));
    }

    fn rejected(&self, token: &str) {
        self.good.remove(self.digest(token));
    }
}

/// The limiters, shared by all requests.
#[derive(Clone)]
pub struct Limiters {
    /// `n` attempts at once, then `n` a minute, per address (10 by default).
    sign_in: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// 30 rejected tokens at once, then one more every 2 seconds, per address.
    bad_tokens: Arc<FailureGate>,
    /// Which tokens a blocked address may still have looked up.
    tokens: Arc<TokenMemory>,
    /// Leak reports: 30 at once, then 30 a minute, per address (a report names up to 100
    /// tokens, each a lookup).
    leak_reports: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// Identity tokens refused at `/oauth/token` after naming a service account (each one an
    /// audit record): 30 at once, then one more every 2 seconds, per address.
    refused_exchanges: Arc<FailureGate>,
}

/// The paths that report leaked tokens, limited per address.
const LEAK_REPORT_PATHS: &[&str] = &[
    "/api/v1/tokens/report-leak",
    "/api/v1/leaks/gitlab/revoke_tokens",
];

fn per_minute(n: u32) -> Quota {
    let n = NonZeroU32::new(n).expect("non-zero quota");
    Quota::per_minute(n).allow_burst(n)
}

impl Limiters {
    pub fn new(sign_in_per_minute: u32) -> Self {
        Limiters {
            sign_in: Arc::new(RateLimiter::keyed(per_minute(sign_in_per_minute))),
            bad_tokens: Arc::new(FailureGate::per_minute(30)),
            tokens: Arc::new(TokenMemory::new()),
            leak_reports: Arc::new(RateLimiter::keyed(per_minute(30))),
            refused_exchanges: Arc::new(FailureGate::per_minute(30)),
        }
    }

    /// Forgets addresses that have been quiet, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.sign_in.retain_recent();
        self.leak_reports.retain_recent();
        self.bad_tokens.forget_idle();
        self.refused_exchanges.forget_idle();
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
    if req.method() == Method::POST && LEAK_REPORT_PATHS.contains(&path.as_str()) {
        if let Err(not_until) = limiters.leak_reports.check_key(&key) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            tracing::warn!(%ip, %path, "leak report rate limit reached");
            return json_error(&ApiError::rate_limited_for(
                "Too many leak reports from your address. Wait a moment and try again.",
                wait.as_secs() + 1,
            ));
        }
    }
    let exchange = req.method() == Method::POST && path == oauth_token::PATH;
    if exchange {
        if let Some(wait) = limiters.refused_exchanges.blocked(key) {
            tracing::warn!(%ip, "refused exchanges rate limit reached");
            return oauth_token::too_many_refusals(wait.as_secs() + 1);
        }
    }
    let res = limit_tokens(&limiters, key, ip, &path, req, next).await;
    if exchange && res.extensions().get::<RefusedExchange>().is_some() {
        limiters.refused_exchanges.record_failure(key);
    }
    res
}

/// The limit on Bearer tokens that do not authenticate, for every request that presents one.
async fn limit_tokens(
    limiters: &Limiters,
    key: IpAddr,
    ip: IpAddr,
    path: &str,
    req: Request<Body>,
    next: Next,
) -> Response {
    // A health check or a static file looks up no token, so it is never refused for one.
    if !req.headers().contains_key(header::AUTHORIZATION) || needs_no_credentials(path) {
        return next.run(req).await;
    }
    let token = presented_token(req.headers(), path);
    if let Some(wait) = limiters.bad_tokens.blocked(key) {
        if limiters.tokens.admit(token.as_deref()) == Admission::Refused {
            return json_error(&too_many(wait, ip, path));
        }
    }
    let res = next.run(req).await;
    if res.extensions().get::<RejectedBearer>().is_some() {
        limiters.bad_tokens.record_failure(key);
        if let Some(token) = &token {
            limiters.tokens.rejected(token);
        }
    } else if res.extensions().get::<AcceptedBearer>().is_some() {
        if let Some(token) = &token {
            limiters.tokens.authenticated(token);
        }
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

    #[test]
    fn a_blocked_address_still_reaches_known_tokens_and_second_looks() {
        let memory = spent_first_looks();
        let known = app::auth::token_secret::generate().secret;
        let new = app::auth::token_secret::generate().secret;
        memory.authenticated(&known);
        assert_eq!(memory.admit(Some(&known)), Admission::Known);
        assert_eq!(
            memory.admit(Some("stw_not_even_the_shape")),
            Admission::Refused
        );
        assert_eq!(memory.admit(None), Admission::Refused);
        // Unknown: refused the first time, looked up when it comes again, then forgotten.
        assert_eq!(memory.admit(Some(&new)), Admission::Refused);
        assert_eq!(memory.admit(Some(&new)), Admission::SecondLook);
        assert_eq!(memory.admit(Some(&new)), Admission::Refused);
        // A token that fails is no longer known.
        memory.rejected(&known);
        assert_eq!(memory.admit(Some(&known)), Admission::Refused);
    }

    #[test]
    fn made_up_tokens_never_get_a_look_and_repeated_ones_are_bounded() {
        let memory = spent_first_looks();
        for _ in 0..1000 {
            let junk = app::auth::token_secret::generate().secret;
            assert_eq!(memory.admit(Some(&junk)), Admission::Refused);
        }
        // A flood that repeats each token on purpose gets at most the burst at once.
        let mut looks = 0;
        for _ in 0..100 {
            let junk = app::auth::token_secret::generate().secret;
            memory.admit(Some(&junk));
            if memory.admit(Some(&junk)) == Admission::SecondLook {
                looks += 1;
            }
        }
        assert!(
            (SECOND_LOOKS_BURST as usize..=SECOND_LOOKS_BURST as usize + 2).contains(&looks),
            "{looks}"
        );
    }

    /// A memory whose budget of first looks is spent (one a second, already used).
    fn spent_first_looks() -> TokenMemory {
        let memory = TokenMemory::with_first_looks(1, 1);
        assert_eq!(memory.first_looks.check(), Ok(()));
        memory
    }

    #[test]
    fn a_new_token_gets_a_first_look_while_the_budget_lasts() {
        let memory = TokenMemory::with_first_looks(1, 3);
        let tokens: Vec<String> = (0..5)
            .map(|_| app::auth::token_secret::generate().secret)
            .collect();
        let answers: Vec<Admission> = tokens.iter().map(|t| memory.admit(Some(t))).collect();
        assert_eq!(
            answers,
            [
                Admission::FirstLook,
                Admission::FirstLook,
                Admission::FirstLook,
                Admission::Refused,
                Admission::Refused
            ],
            "a flood costs at most the budget"
        );
        assert_eq!(memory.admit(Some(&tokens[4])), Admission::SecondLook);
    }

    #[test]
    fn a_digest_table_keeps_what_lands_last_in_a_slot() {
        let table = DigestTable::with_slots(4);
        table.insert(5);
        assert!(table.contains(5));
        table.insert(9); // the same slot (9 & 3 == 5 & 3)
        assert!(table.contains(9) && !table.contains(5));
        table.remove(5); // not there: nothing changes
        assert!(table.contains(9));
        table.remove(9);
        assert!(!table.contains(9));
    }
}
