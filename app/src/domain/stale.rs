//! What makes a credential stale: the rules of the Stale view, shared by the server (which
//! picks the rows) and the browser (which groups them).

use super::{NamedRef, Role, Token};
use serde::{Deserialize, Serialize};

/// Days a credential may go unused before the Stale view lists it, unless asked otherwise.
pub const DEFAULT_UNUSED_DAYS: i64 = 30;
/// A token expiring within this many days is listed as expiring soon.
pub const EXPIRING_WITHIN_DAYS: i64 = 7;
/// The most rows the view returns per kind; it says when there were more.
pub const STALE_LIMIT: i64 = 500;

const DAY_MS: i64 = 86_400_000;

/// Why a service account or token is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaleReason {
    /// Never used since it was created.
    NeverUsed,
    /// Last used longer ago than the view's number of days.
    Unused,
    /// A token without an expiry date.
    NeverExpires,
    /// A token that expires within seven days.
    ExpiresSoon,
}

impl StaleReason {
    pub fn label(self) -> &'static str {
        match self {
            StaleReason::NeverUsed => "Never used",
            StaleReason::Unused => "Not used recently",
            StaleReason::NeverExpires => "Never expires",
            StaleReason::ExpiresSoon => "Expires soon",
        }
    }
}

/// The unused-days window, checked: 1 to 365.
pub fn parse_unused_days(days: Option<i64>) -> Result<i64, super::ApiError> {
    let days = days.unwrap_or(DEFAULT_UNUSED_DAYS);
    if !(1..=365).contains(&days) {
        return Err(super::ApiError::invalid(
            "unused_days",
            "Unused days must be between 1 and 365.",
        ));
    }
    Ok(days)
}

/// Why a credential last used at `last_used` (ms) counts as unused, if it does.
pub fn usage_reason(last_used: Option<i64>, now: i64, unused_days: i64) -> Option<StaleReason> {
    match last_used {
        None => Some(StaleReason::NeverUsed),
        Some(at) if at < now - unused_days * DAY_MS => Some(StaleReason::Unused),
        Some(_) => None,
    }
}

/// Every reason a live token is listed, in the order the view shows them.
pub fn token_reasons(
    last_used: Option<i64>,
    expires_at: Option<i64>,
    now: i64,
    unused_days: i64,
) -> Vec<StaleReason> {
    let mut reasons: Vec<StaleReason> = usage_reason(last_used, now, unused_days)
        .into_iter()
        .collect();
    match expires_at {
        None => reasons.push(StaleReason::NeverExpires),
        Some(at) if at <= now + EXPIRING_WITHIN_DAYS * DAY_MS => {
            reasons.push(StaleReason::ExpiresSoon)
        }
        Some(_) => {}
    }
    reasons
}

/// A service account nothing has used for a while (or ever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaleAccount {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub reason: StaleReason,
}

/// A live token worth a look, with its account and every reason it is listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaleToken {
    pub token: Token,
    pub service_account: NamedRef,
    pub reasons: Vec<StaleReason>,
}

/// Days of use the "usable from anywhere" suggestion looks at.
pub const NETWORK_WINDOW_DAYS: i64 = 30;
/// At most this many networks in the window for a token to get a suggested allow-list.
pub const FEW_NETWORKS: i64 = 4;

/// Requests from one network (`203.0.113.0/24`, an IPv6 /64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NetworkUse {
    pub network: String,
    pub requests: i64,
}

/// A live token any address may use, though in the last 30 days it was used only from a few
/// networks: those networks are the suggested allow-list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnguardedToken {
    pub token: Token,
    pub service_account: NamedRef,
    /// Where it was used from, most used first.
    pub networks: Vec<NetworkUse>,
}

/// Days an account must have been exchanging identity tokens before its idle static tokens
/// are suggested for revocation.
pub const KEYLESS_DAYS: i64 = 30;

/// A live static token of an account that has used a trust policy for `KEYLESS_DAYS` days and
/// has not been used since the account's first exchange: keyless automation replaced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KeylessStaticToken {
    pub token: Token,
    pub service_account: NamedRef,
    /// The account's first exchange.
    pub keyless_since: String,
}

/// Answer of `service-accounts/stale`: enabled accounts and live tokens that need a look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaleReport {
    /// The window used: unused for at least this many days.
    pub unused_days: i64,
    pub accounts: Vec<StaleAccount>,
    pub tokens: Vec<StaleToken>,
    /// Tokens usable from anywhere that were used from at most 4 networks in the last 30 days.
    #[serde(default)]
    pub unguarded: Vec<UnguardedToken>,
    /// Static tokens that keyless exchanges replaced: their accounts have exchanged identity
    /// tokens for 30 days, and they have not been used since the first exchange.
    #[serde(default)]
    pub replaced_by_keyless: Vec<KeylessStaticToken>,
    /// More rows matched than the view returns (500 of each kind).
    pub truncated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000 * DAY_MS;

    #[test]
    fn unused_means_never_or_before_the_window() {
        assert_eq!(usage_reason(None, NOW, 30), Some(StaleReason::NeverUsed));
        assert_eq!(
            usage_reason(Some(NOW - 31 * DAY_MS), NOW, 30),
            Some(StaleReason::Unused)
        );
        assert_eq!(usage_reason(Some(NOW - 29 * DAY_MS), NOW, 30), None);
        assert_eq!(
            usage_reason(Some(NOW - 29 * DAY_MS), NOW, 7),
            Some(StaleReason::Unused)
        );
    }

    #[test]
    fn tokens_collect_every_reason() {
        assert_eq!(
            token_reasons(None, None, NOW, 30),
            vec![StaleReason::NeverUsed, StaleReason::NeverExpires]
        );
        assert_eq!(
            token_reasons(Some(NOW), Some(NOW + 3 * DAY_MS), NOW, 30),
            vec![StaleReason::ExpiresSoon]
        );
        assert!(token_reasons(Some(NOW), Some(NOW + 30 * DAY_MS), NOW, 30).is_empty());
    }

    #[test]
    fn the_window_is_bounded() {
        assert_eq!(parse_unused_days(None).unwrap(), 30);
        for bad in [0, -3, 366] {
            assert_eq!(
                parse_unused_days(Some(bad)).unwrap_err().field(),
                Some("unused_days")
            );
        }
    }
}
