//! Guards a token carries beyond what it may do: the networks it may be used from, how many
//! requests a minute, how many uses in all. A token without guards is checked exactly as
//! before; each guard is one more condition on accepting it.

use super::ApiError;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::str::FromStr;

/// More ranges than anyone types by hand; a longer list belongs in a firewall.
pub const MAX_NETWORKS: usize = 1000;
/// The highest rate limit accepted, per minute.
pub const MAX_RATE_PER_MINUTE: i64 = 1_000_000;
/// The highest use count accepted.
pub const MAX_USES: i64 = 1_000_000_000;

/// A token's guards as the API shows and takes them (an account's defaults for its new tokens
/// too). An absent member is no guard of that kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Guards {
    /// CIDR ranges or single addresses, IPv4 or IPv6 (`10.0.0.0/8`, `2001:db8::/32`,
    /// `192.0.2.7`), the token may be used from: the client's address as resolved through
    /// `STEWARD_TRUSTED_PROXIES`. At most 1,000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_items = 1, max_items = 1000)]
    pub allowed_networks: Option<Vec<String>>,
    /// Requests per calendar minute (UTC), 1–1,000,000, counted across every replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub rate_limit_per_minute: Option<i64>,
    /// Uses in all, 1–1,000,000,000: the token is refused once they are spent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub max_uses: Option<i64>,
}

impl Guards {
    /// Whether no guard is set.
    pub fn is_empty(&self) -> bool {
        self.allowed_networks.is_none()
            && self.rate_limit_per_minute.is_none()
            && self.max_uses.is_none()
    }

    /// Checks every guard, naming the field (`guards.allowed_networks`, …) of the first that
    /// breaks a rule; networks come back in canonical form (`10.1.2.3/8` is `10.0.0.0/8`).
    pub fn parse(&self) -> Result<Guards, ApiError> {
        let allowed_networks = match &self.allowed_networks {
            None => None,
            Some(list) => Some(
                NetworkList::parse("guards.allowed_networks", list)?
                    .0
                    .iter()
                    .map(IpNet::to_string)
                    .collect(),
            ),
        };
        let rate_limit_per_minute = parse_bound(
            "guards.rate_limit_per_minute",
            self.rate_limit_per_minute,
            MAX_RATE_PER_MINUTE,
            "Rate limit must be between 1 and 1,000,000 requests a minute.",
        )?;
        let max_uses = parse_bound(
            "guards.max_uses",
            self.max_uses,
            MAX_USES,
            "Max uses must be between 1 and 1,000,000,000.",
        )?;
        Ok(Guards {
            allowed_networks,
            rate_limit_per_minute,
            max_uses,
        })
    }

    /// One line for the audit log and the UI: `networks 10.0.0.0/8; 60/min; 100 uses`, or `none`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(nets) = &self.allowed_networks {
            parts.push(format!("networks {}", nets.join(", ")));
        }
        if let Some(rate) = self.rate_limit_per_minute {
            parts.push(format!("{rate}/min"));
        }
        match self.max_uses {
            Some(1) => parts.push("1 use".into()),
            Some(uses) => parts.push(format!("{uses} uses")),
            None => {}
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join("; ")
        }
    }
}

fn parse_bound(
    field: &str,
    value: Option<i64>,
    max: i64,
    message: &str,
) -> Result<Option<i64>, ApiError> {
    match value {
        Some(v) if !(1..=max).contains(&v) => Err(ApiError::invalid(field, message)),
        other => Ok(other),
    }
}

/// Address ranges, each a CIDR range or a single address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkList(Vec<IpNet>);

impl NetworkList {
    /// Parses the entries of a list, naming `field` and the entry that does not parse. An empty
    /// list is refused: it would lock the token out everywhere (leave the guard out instead).
    pub fn parse(field: &str, entries: &[String]) -> Result<NetworkList, ApiError> {
        if entries.is_empty() {
            return Err(ApiError::invalid(
                field,
                "List at least one network, or leave the guard out to allow every address.",
            ));
        }
        if entries.len() > MAX_NETWORKS {
            return Err(ApiError::invalid(
                field,
                format!(
                    "At most {MAX_NETWORKS} networks (there are {}).",
                    entries.len()
                ),
            ));
        }
        let nets = entries
            .iter()
            .map(|e| parse_network(e.trim()).map_err(|m| ApiError::invalid(field, m)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(NetworkList(nets))
    }

    /// Parses a comma-separated list (`10.0.0.0/8, 192.168.1.7, fd00::/8`), as configuration
    /// and storage hold it; the message names the entry that does not parse.
    pub fn parse_comma(list: &str) -> Result<NetworkList, String> {
        list.split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(parse_network)
            .collect::<Result<Vec<_>, _>>()
            .map(NetworkList)
    }

    /// Whether `ip` lies in one of the ranges. An IPv4 address written as IPv6
    /// (`::ffff:10.1.2.3`) is compared as IPv4.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn networks(&self) -> &[IpNet] {
        &self.0
    }

    /// The comma-separated form [`NetworkList::parse_comma`] reads back.
    pub fn to_text(&self) -> String {
        self.0
            .iter()
            .map(IpNet::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn parse_network(entry: &str) -> Result<IpNet, String> {
    IpNet::from_str(entry)
        .map(|net| net.trunc())
        .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
        .map_err(|_| {
            format!(
                "'{entry}' is not an IP address or a CIDR range like 10.0.0.0/8 or 2001:db8::/32."
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn networks_hold_the_addresses_inside_them_in_both_families() {
        let nets =
            NetworkList::parse("f", &list(&["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"])).unwrap();
        for inside in ["10.1.2.3", "192.0.2.7", "2001:db8::1", "::ffff:10.9.9.9"] {
            assert!(nets.contains(inside.parse().unwrap()), "{inside}");
        }
        for outside in ["11.0.0.1", "192.0.2.8", "2001:db9::1", "::1"] {
            assert!(!nets.contains(outside.parse().unwrap()), "{outside}");
        }
    }

    #[test]
    fn bad_entries_are_named_and_ranges_come_back_canonical() {
        let e = NetworkList::parse(
            "guards.allowed_networks",
            &list(&["10.0.0.0/8", "10.0.0.0/33"]),
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("guards.allowed_networks"));
        assert!(e.to_string().contains("'10.0.0.0/33'"), "{e}");
        assert!(NetworkList::parse("f", &[]).is_err());
        let guards = Guards {
            allowed_networks: Some(list(&[" 10.1.2.3/8 ", "::1"])),
            ..Guards::default()
        }
        .parse()
        .unwrap();
        assert_eq!(
            guards.allowed_networks.unwrap(),
            list(&["10.0.0.0/8", "::1/128"])
        );
        let text = NetworkList::parse("f", &list(&["10.0.0.0/8", "::1"]))
            .unwrap()
            .to_text();
        assert_eq!(NetworkList::parse_comma(&text).unwrap().to_text(), text);
    }

    #[test]
    fn limits_must_be_positive_and_bounded() {
        for (guards, field) in [
            (
                Guards {
                    rate_limit_per_minute: Some(0),
                    ..Guards::default()
                },
                "guards.rate_limit_per_minute",
            ),
            (
                Guards {
                    max_uses: Some(MAX_USES + 1),
                    ..Guards::default()
                },
                "guards.max_uses",
            ),
        ] {
            assert_eq!(guards.parse().unwrap_err().field(), Some(field));
        }
        let ok = Guards {
            rate_limit_per_minute: Some(60),
            max_uses: Some(1),
            ..Guards::default()
        };
        assert_eq!(ok.parse().unwrap(), ok);
        assert_eq!(ok.summary(), "60/min; 1 use");
        assert_eq!(Guards::default().summary(), "none");
    }
}
