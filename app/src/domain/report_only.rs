//! Report-only restrictions as the API shows them: guards, a narrowing or an earlier expiry
//! proposed for a token that refuse nothing yet, with what they would have refused since.

use super::{Guards, Scope};
use serde::{Deserialize, Serialize};

/// A token's report-only restrictions and their report (`tokens/list`);
/// `tokens/report-only/enforce` applies them, `tokens/report-only/discard` drops them. Each
/// member left out is not proposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportOnly {
    /// The guards the token would have (replacing its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guards: Option<Guards>,
    /// The scopes it would be narrowed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<Scope>>,
    /// The permissions it would be narrowed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
    /// The workspace ids it would be narrowed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspaces: Option<Vec<String>>,
    /// The earlier expiry it would have (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// When they were proposed (RFC 3339).
    pub since: String,
    /// Requests they would have refused since.
    pub would_refuse: i64,
    /// Distinct client addresses among those requests.
    pub addresses: i64,
    /// Days the report covers (whole days since they were proposed, at least 1).
    pub days: i64,
    /// The addresses they would have refused most, at most five.
    #[serde(default)]
    pub top: Vec<WouldRefuseFrom>,
}

/// An address report-only guards would have refused, why, and for what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WouldRefuseFrom {
    pub address: String,
    /// `network_not_allowed`, `rate_limited`, `uses_exhausted`, `narrowed` (outside the
    /// proposed scopes, permissions or workspaces) or `expired` (after the proposed expiry).
    pub reason: String,
    /// The request's path (`/auth/verify` with its requirements).
    pub operation: String,
    pub requests: i64,
}

impl ReportOnly {
    /// What is proposed, in one line: `networks 10.0.0.0/8; scopes read; expires 2026-…`.
    pub fn proposal(&self) -> String {
        let mut parts = Vec::new();
        if let Some(g) = &self.guards {
            parts.push(g.summary());
        }
        if let Some(scopes) = &self.scopes {
            let names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
            parts.push(format!("scopes {}", names.join(", ")));
        }
        if let Some(p) = &self.permissions {
            parts.push(format!("permissions {}", p.join(", ")));
        }
        if let Some(w) = &self.workspaces {
            parts.push(format!("workspaces {}", w.join(", ")));
        }
        if let Some(at) = &self.expires_at {
            parts.push(format!("expires {at}"));
        }
        parts.join("; ")
    }

    /// "Would have refused 3 requests from 1 address in the last 2 days."
    pub fn summary(&self) -> String {
        let plural =
            |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
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

    fn report(would_refuse: i64, addresses: i64, days: i64) -> ReportOnly {
        ReportOnly {
            guards: None,
            scopes: None,
            permissions: None,
            workspaces: None,
            expires_at: None,
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

    #[test]
    fn the_proposal_names_each_restriction() {
        let mut r = report(0, 0, 1);
        r.guards = Some(Guards {
            max_uses: Some(5),
            ..Guards::default()
        });
        r.scopes = Some(vec![Scope::Read]);
        r.expires_at = Some("2027-01-01T00:00:00Z".into());
        assert_eq!(
            r.proposal(),
            "5 uses; scopes read; expires 2027-01-01T00:00:00Z"
        );
    }
}
