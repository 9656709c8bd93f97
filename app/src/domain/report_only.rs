//! Report-only guards as the API shows them: guards proposed for a token that refuse nothing
//! yet, with what they would have refused since they were added.

use super::Guards;
use serde::{Deserialize, Serialize};

/// A token's report-only guards and their report (`tokens/list`); `tokens/report-only/enforce`
/// makes them the token's guards, `tokens/report-only/discard` drops them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportOnlyGuards {
    /// The guards the token would have if they were enforced.
    pub guards: Guards,
    /// When they were added (RFC 3339).
    pub since: String,
    /// Requests they would have refused since.
    pub would_refuse: i64,
    /// Distinct client addresses among those requests.
    pub addresses: i64,
    /// Days the report covers (whole days since they were added, at least 1).
    pub days: i64,
    /// The addresses they would have refused most, at most five.
    #[serde(default)]
    pub top: Vec<WouldRefuseFrom>,
}

/// An address report-only guards would have refused, why, and for what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WouldRefuseFrom {
    pub address: String,
    /// `network_not_allowed`, `rate_limited` or `uses_exhausted`.
    pub reason: String,
    /// The request's path (`/auth/verify` with its requirements).
    pub operation: String,
    pub requests: i64,
}

impl ReportOnlyGuards {
    /// "Would have refused 3 requests from 1 address in the last 2 days."
    pub fn summary(&self) -> String {
        let plural = |n: i64, one: &str, many: &str| {
            format!("{n} {}", if n == 1 { one } else { many })
        };
        let days = if self.days == 1 {
            "the last day".to_string()
        } else {
            format!("the last {} days", self.days)
        };
        if self.would_refuse == 0 {
            return format!("Would have refused no request in {days}.");
        }
        format!(
            "Would have refused {} from {} in {days}.",
            plural(self.would_refuse, "request", "requests"),
            plural(self.addresses, "address", "addresses"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(would_refuse: i64, addresses: i64, days: i64) -> ReportOnlyGuards {
        ReportOnlyGuards {
            guards: Guards::default(),
            since: "2026-12-01T00:00:00Z".into(),
            would_refuse,
            addresses,
            days,
            top: Vec::new(),
        }
    }

    #[test]
    fn the_summary_counts_in_words() {
        assert_eq!(
            report(3, 1, 2).summary(),
            "Would have refused 3 requests from 1 address in the last 2 days."
        );
        assert_eq!(
            report(1, 1, 1).summary(),
            "Would have refused 1 request from 1 address in the last day."
        );
        assert_eq!(
            report(0, 0, 8).summary(),
            "Would have refused no request in the last 8 days."
        );
    }
}
