//! Guards on a token, enforced wherever the token is accepted (the API, `/auth/verify`,
//! introspection): the networks it may be used from, requests per calendar minute, uses in all.
//!
//! Counting holds across replicas without a database write per request:
//! - the rate limit is reserved in blocks: a replica adds a block (a twentieth of the limit, at
//!   most 1,000) to the minute's row and admits only what the row had left. The replicas
//!   together never admit more than the limit; they may admit less when requests move between
//!   replicas within a minute (each holds at most one block it has not spent);
//! - uses are spent one conditional UPDATE at a time, exactly.

use crate::domain::{ApiError, Guards, NetworkList};
use crate::store::{Db, GuardColumns};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const MINUTE_MS: i64 = 60_000;
/// The most a replica reserves at once.
const MAX_BLOCK: i64 = 1000;

/// Why a guard refused a request: told to the caller, recorded in the audit log and usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardRefusal {
    NetworkNotAllowed,
    RateLimited { retry_after_secs: u64 },
    UsesExhausted,
}

impl GuardRefusal {
    /// The reason as the audit log, the metrics and the API's error code name it.
    pub fn reason(self) -> &'static str {
        match self {
            GuardRefusal::NetworkNotAllowed => "network_not_allowed",
            GuardRefusal::RateLimited { .. } => "rate_limited",
            GuardRefusal::UsesExhausted => "uses_exhausted",
        }
    }

    /// The answer: 403 `network_not_allowed`, 429 `rate_limited` with `Retry-After`, 403
    /// `uses_exhausted`.
    pub fn to_error(self) -> ApiError {
        match self {
            GuardRefusal::NetworkNotAllowed => ApiError::network_not_allowed(),
            GuardRefusal::RateLimited { retry_after_secs } => ApiError::rate_limited_for(
                "This token's rate limit is reached for this minute; wait and try again.",
                retry_after_secs,
            ),
            GuardRefusal::UsesExhausted => ApiError::uses_exhausted(),
        }
    }
}

/// A token's guards, parsed once per credential read.
#[derive(Debug)]
pub struct TokenGuards {
    networks: Option<NetworkList>,
    rate_per_minute: Option<i64>,
    max_uses: Option<i64>,
    /// Set once a use was refused for want of uses: they only ever go up, so no further
    /// request needs the database to learn it (a raised `max_uses` is a new credential read).
    uses_spent: AtomicBool,
    /// Proposed guards that refuse nothing (`report_only`): counted apart from the enforced
    /// ones, in their own rate windows and their own count of uses.
    report_only: bool,
}

impl TokenGuards {
    /// The guards stored on a token; `None` when it has none, so a token without guards costs
    /// one branch.
    pub fn from_columns(columns: &GuardColumns) -> Option<TokenGuards> {
        let networks = columns.allowed_networks.as_deref().map(|text| {
            NetworkList::parse_comma(text).unwrap_or_else(|e| {
                // Stored lists were parsed on the way in; an unreadable one refuses everything.
                tracing::error!(error = %e, "a token's stored networks do not parse");
                NetworkList::default()
            })
        });
        let guards = TokenGuards {
            networks,
            rate_per_minute: columns.rate_limit_per_minute,
            max_uses: columns.max_uses,
            uses_spent: AtomicBool::new(false),
            report_only: false,
        };
        let none = guards.networks.is_none()
            && guards.rate_per_minute.is_none()
            && guards.max_uses.is_none();
        (!none).then_some(guards)
    }

    /// The same guards, proposed rather than enforced: `admit` then counts against the
    /// token's report-only windows and uses.
    pub fn report_only(self) -> TokenGuards {
        TokenGuards {
            report_only: true,
            ..self
        }
    }

    /// Whether a request from `ip` may use token `token_id` at `now` (ms): `Ok(None)` to go
    /// ahead, `Ok(Some(refusal))` when a guard refuses it, `Err` only when the database cannot
    /// count. Cheap checks first, so a refused address spends neither rate nor uses.
    pub async fn admit(
        &self,
        db: &Db,
        windows: &RateWindows,
        token_id: &str,
        ip: &str,
        now: i64,
    ) -> Result<Option<GuardRefusal>, ApiError> {
        if let Some(networks) = &self.networks {
            let inside = ip
                .parse::<IpAddr>()
                .is_ok_and(|addr| networks.contains(addr));
            if !inside {
                return Ok(Some(GuardRefusal::NetworkNotAllowed));
            }
        }
        if let Some(limit) = self.rate_per_minute {
            let refused = if self.report_only {
                let key = format!("{token_id}/report-only");
                windows.take(db, &key, limit, now).await?
            } else {
                windows.take(db, token_id, limit, now).await?
            };
            if let Some(refused) = refused {
                return Ok(Some(refused));
            }
        }
        if self.max_uses.is_some() {
            if self.uses_spent.load(Ordering::Relaxed) {
                return Ok(Some(GuardRefusal::UsesExhausted));
            }
            let spent = if self.report_only {
                db.spend_report_only_use(token_id).await?
            } else {
                db.spend_token_use(token_id).await?
            };
            if !spent {
                self.uses_spent.store(true, Ordering::Relaxed);
                return Ok(Some(GuardRefusal::UsesExhausted));
            }
        }
        Ok(None)
    }
}

/// The guards the API takes, as stored; `None` members stay unset.
pub fn to_columns(guards: &Guards) -> GuardColumns {
    GuardColumns {
        allowed_networks: guards.allowed_networks.as_ref().map(|n| n.join(",")),
        rate_limit_per_minute: guards.rate_limit_per_minute,
        max_uses: guards.max_uses,
    }
}

/// Stored guards as the API shows them.
pub fn from_columns(columns: &GuardColumns) -> Guards {
    Guards {
        allowed_networks: columns.allowed_networks.as_deref().map(|t| {
            t.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        }),
        rate_limit_per_minute: columns.rate_limit_per_minute,
        max_uses: columns.max_uses,
    }
}

/// Guards checked and made storable, or the error naming the field.
pub fn parse_columns(guards: &Guards) -> Result<GuardColumns, ApiError> {
    Ok(to_columns(&guards.parse()?))
}

/// This replica's share of each rate-limited token's current minute.
#[derive(Default)]
pub struct RateWindows {
    by_token: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Window>>>>,
}

/// What a replica holds of one token's minute.
#[derive(Debug, Default)]
struct Window {
    start: i64,
    /// Reserved and not yet spent.
    left: i64,
    /// The minute's limit is reached: refuse without asking the database until it ends.
    exhausted: bool,
}

impl RateWindows {
    /// Spends one request of `token_id`'s current minute, reserving a block when this replica
    /// holds none: `Some(refusal)` when the limit is reached.
    async fn take(
        &self,
        db: &Db,
        token_id: &str,
        limit: i64,
        now: i64,
    ) -> Result<Option<GuardRefusal>, ApiError> {
        let start = now - now.rem_euclid(MINUTE_MS);
        let window = self.window(token_id, start);
        // One reservation at a time per token: the others wait for its block instead of each
        // reserving their own, which would leave more unspent at the minute's end.
        let mut w = window.lock().await;
        if w.start != start {
            *w = Window {
                start,
                ..Window::default()
            };
        }
        if w.left == 0 && !w.exhausted {
            let block = block_size(limit);
            let before = db.reserve_rate_block(token_id, start, block).await?;
            let granted = (limit - before).clamp(0, block);
            w.left = granted;
            w.exhausted = granted < block;
        }
        if w.left > 0 {
            w.left -= 1;
            return Ok(None);
        }
        let retry_after_secs = ((start + MINUTE_MS - now + 999) / 1000).max(1) as u64;
        Ok(Some(GuardRefusal::RateLimited { retry_after_secs }))
    }

    /// The token's window, made on first use; windows of past minutes are dropped now and
    /// then so the map holds only tokens in use.
    fn window(&self, token_id: &str, start: i64) -> Arc<tokio::sync::Mutex<Window>> {
        let mut map = self.by_token.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(w) = map.get(token_id) {
            return w.clone();
        }
        if map.len() >= 10_000 {
            map.retain(|_, w| w.try_lock().map_or(true, |w| w.start >= start));
        }
        let w = Arc::new(tokio::sync::Mutex::new(Window {
            start,
            ..Window::default()
        }));
        map.insert(token_id.to_string(), w.clone());
        w
    }
}

/// How much a replica reserves at once: a twentieth of the limit, between 1 and 1,000, so a
/// busy token costs a write per block and what a replica may hold unspent stays small.
fn block_size(limit: i64) -> i64 {
    (limit / 20).clamp(1, MAX_BLOCK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_a_twentieth_of_the_limit_within_bounds() {
        assert_eq!(block_size(1), 1);
        assert_eq!(block_size(60), 3);
        assert_eq!(block_size(1_000_000), MAX_BLOCK);
    }

    #[test]
    fn a_token_without_guards_has_nothing_to_check() {
        assert!(TokenGuards::from_columns(&GuardColumns::default()).is_none());
        let some = GuardColumns {
            allowed_networks: Some("10.0.0.0/8,::1/128".into()),
            ..GuardColumns::default()
        };
        assert!(TokenGuards::from_columns(&some).is_some());
        assert_eq!(
            from_columns(&some).allowed_networks.unwrap(),
            vec!["10.0.0.0/8", "::1/128"]
        );
        assert_eq!(to_columns(&from_columns(&some)), some);
    }

    #[test]
    fn refusals_answer_with_their_reason() {
        let e = GuardRefusal::RateLimited {
            retry_after_secs: 7,
        }
        .to_error();
        assert_eq!((e.status_code(), e.retry_after()), (429, Some(7)));
        assert_eq!(
            GuardRefusal::NetworkNotAllowed.to_error().status_code(),
            403
        );
        assert_eq!(GuardRefusal::UsesExhausted.reason(), "uses_exhausted");
    }
}
