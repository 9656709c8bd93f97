//! Where Steward's own requests may go: a webhook notice or an identity token issuer's keys
//! must never become a way to reach the services inside the operator's network (a port
//! scanner, or a request to the cloud's metadata endpoint that hands out credentials).
//!
//! Every address a host resolves to is checked: loopback, private (RFC 1918, IPv6 ULA),
//! link-local (which holds the cloud metadata address 169.254.169.254), shared (100.64.0.0/10),
//! unspecified, multicast and reserved addresses are refused unless the operator lists their
//! range (`STEWARD_WEBHOOK_ALLOW_NETWORKS` for notices, `STEWARD_OIDC_ALLOW_NETWORKS` for
//! issuers). A client built from a policy connects only to addresses the check passed (its
//! resolver filters them), so a name that resolves differently a moment later (DNS rebinding)
//! gains nothing; an address written in the URL itself is checked with `check_literal_host`.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use url::{Host, Url};

/// Parses a comma-separated list of CIDR ranges or single addresses (`10.0.0.0/8, 192.168.1.7,
/// fd00::/8`), naming the entry that does not parse.
pub fn parse_networks(list: &str) -> Result<Vec<IpNet>, String> {
    crate::domain::NetworkList::parse_comma(list).map(|nets| nets.networks().to_vec())
}

/// Whether an address is inside a network rather than on the internet: loopback, private,
/// link-local, shared, unspecified, multicast, broadcast or otherwise reserved. IPv4 written
/// as IPv6 (mapped, compatible, or NAT64's well-known prefix) is judged as the IPv4 address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return internal_v4(v4);
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local, fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local, fe80::/10
                || (first & 0xffc0) == 0xfec0 // site-local (deprecated), fec0::/10
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
        }
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240 // reserved
}

/// The IPv4 address an IPv6 address carries, if it is one written as IPv6.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let nat64 = s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0];
    let compatible = s[..6] == [0, 0, 0, 0, 0, 0] && !v6.is_loopback() && !v6.is_unspecified();
    (nat64 || compatible).then(|| {
        let o = v6.octets();
        Ipv4Addr::new(o[12], o[13], o[14], o[15])
    })
}

/// Which addresses one kind of outbound request may go to: every public address, and the
/// internal ranges the operator allowed in `setting`.
#[derive(Debug, Clone)]
pub struct OutboundPolicy {
    allowed: Arc<Vec<IpNet>>,
    /// The setting that allows more, named in every refusal.
    setting: &'static str,
}

impl Default for OutboundPolicy {
    /// Webhooks to public addresses only.
    fn default() -> Self {
        OutboundPolicy::webhooks(Vec::new())
    }
}

impl OutboundPolicy {
    /// Where notices may go: public addresses and `STEWARD_WEBHOOK_ALLOW_NETWORKS`.
    pub fn webhooks(allowed: Vec<IpNet>) -> OutboundPolicy {
        OutboundPolicy {
            allowed: Arc::new(allowed),
            setting: "STEWARD_WEBHOOK_ALLOW_NETWORKS",
        }
    }

    /// Where identity token issuers' keys may be fetched from: public addresses and
    /// `STEWARD_OIDC_ALLOW_NETWORKS` (a self-hosted GitLab, a cluster's API server).
    pub fn issuers(allowed: Vec<IpNet>) -> OutboundPolicy {
        OutboundPolicy {
            allowed: Arc::new(allowed),
            setting: "STEWARD_OIDC_ALLOW_NETWORKS",
        }
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        !is_internal(ip) || self.allowed.iter().any(|net| net.contains(&ip))
    }

    fn refusal(&self, address: String) -> RefusedByPolicy {
        RefusedByPolicy {
            address,
            setting: self.setting,
        }
    }

    /// An HTTP client builder whose resolver keeps only the addresses this policy allows; the
    /// caller adds its timeouts and redirect rule.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        reqwest::Client::builder().dns_resolver(Arc::new(PolicyResolver(self.clone())))
    }

    /// Refuses a URL whose host is an address the policy does not allow (the client's resolver
    /// never sees an address written in the URL itself).
    pub fn check_literal_host(&self, url: &Url) -> Result<(), RefusedByPolicy> {
        let ip = match url.host() {
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => return Ok(()),
        };
        if self.allows(ip) {
            Ok(())
        } else {
            Err(self.refusal(ip.to_string()))
        }
    }
}

/// A host that is, or resolves only to, addresses inside the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedByPolicy {
    /// The host, or the address it resolved to.
    pub address: String,
    /// The setting the operator can allow its range with.
    pub setting: &'static str,
}

impl std::fmt::Display for RefusedByPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "refused by policy: {} is an internal address (the server's operator can allow its \
             range with {})",
            self.address, self.setting
        )
    }
}

impl std::error::Error for RefusedByPolicy {}

/// Resolves a host and keeps only the addresses the policy allows.
struct PolicyResolver(OutboundPolicy);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| policy.allows(a.ip()))
                .collect();
            if allowed.is_empty() {
                let first = found
                    .first()
                    .map_or_else(|| host.clone(), |a| format!("{host} ({})", a.ip()));
                return Err(Box::new(policy.refusal(first)) as _);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The policy refusal somewhere in an error's chain of causes, if that is what it was.
pub fn refusal_in(error: &(dyn std::error::Error + 'static)) -> Option<RefusedByPolicy> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(refused) = e.downcast_ref::<RefusedByPolicy>() {
            return Some(refused.clone());
        }
        cause = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused_unless_their_range_is_allowed() {
        let policy = OutboundPolicy::default();
        for internal in [
            "127.0.0.1",
            "10.0.0.12",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
        ] {
            let ip: IpAddr = internal.parse().unwrap();
            assert!(!policy.allows(ip), "{internal}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1::", "1.1.1.1"] {
            assert!(policy.allows(public.parse().unwrap()), "{public}");
        }
        let allowed = OutboundPolicy::issuers(parse_networks("10.0.0.0/8, ::1").unwrap());
        assert!(allowed.allows("10.1.2.3".parse().unwrap()));
        assert!(allowed.allows("::ffff:10.1.2.3".parse().unwrap()));
        assert!(allowed.allows("::1".parse().unwrap()));
        assert!(!allowed.allows("127.0.0.1".parse().unwrap()));
        assert!(parse_networks("10.0.0.0/8, nonsense")
            .unwrap_err()
            .contains("nonsense"));
        let refused = OutboundPolicy::issuers(Vec::new())
            .check_literal_host(&Url::parse("https://10.0.0.5/x").unwrap())
            .unwrap_err();
        assert!(refused.to_string().contains("STEWARD_OIDC_ALLOW_NETWORKS"));
    }
}
