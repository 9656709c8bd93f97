//! Where a webhook may point, and where Steward will actually send: a notice must never become
//! a way to reach the services inside the operator's network (a port scanner, or a request to
//! the cloud's metadata endpoint that hands out credentials).
//!
//! - When a URL is saved it is parsed with the `url` crate: https, or plain http only when the
//!   host is literally `localhost`, `127.0.0.1` or `[::1]` (for trying a receiver out); no
//!   user name or password in it.
//! - When a notice is sent, the host is resolved and every address it resolves to is checked:
//!   loopback, private (RFC 1918, IPv6 ULA), link-local (which holds the cloud metadata address
//!   169.254.169.254), shared (100.64.0.0/10), unspecified, multicast and reserved addresses are
//!   refused unless the operator lists their range in `STEWARD_WEBHOOK_ALLOW_NETWORKS`. The
//!   HTTP client connects only to addresses the check passed (its resolver filters them), so a
//!   name that resolves differently a moment later (DNS rebinding) gains nothing, and it follows
//!   no redirects.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use url::{Host, Url};

/// How long a notice's request may take before the client gives up.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest webhook URL accepted.
const MAX_URL_CHARS: usize = 500;

/// Parses a comma-separated list of CIDR ranges or single addresses (`10.0.0.0/8, 192.168.1.7,
/// fd00::/8`), naming the entry that does not parse.
pub fn parse_networks(list: &str) -> Result<Vec<IpNet>, String> {
    crate::domain::NetworkList::parse_comma(list).map(|nets| nets.networks().to_vec())
}

/// A webhook URL as it may be saved, or why not (a message for the person who typed it).
pub fn parse_webhook_url(input: &str) -> Result<Url, &'static str> {
    const RULE: &str =
        "Webhook URL must be an https URL (or http to localhost, 127.0.0.1 or [::1], for testing).";
    if input.chars().count() > MAX_URL_CHARS || input.chars().any(char::is_whitespace) {
        return Err(RULE);
    }
    let url = Url::parse(input).map_err(|_| RULE)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Webhook URL must not carry a user name or password: put the receiver's credentials in the signing secret instead.");
    }
    let local = match url.host() {
        Some(Host::Domain(d)) => d == "localhost",
        Some(Host::Ipv4(ip)) => ip == Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
        None => return Err(RULE),
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if local => Ok(url),
        _ => Err(RULE),
    }
}

/// What a person may see of a webhook URL: its scheme, host and port. The path and query often
/// hold a secret (a chat service's incoming-webhook token), so they are shown to nobody.
pub fn origin_of(url: &str) -> String {
    match Url::parse(url) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => "(not a URL)".to_string(),
    }
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

/// Which addresses notices may go to: every public address, and the internal ranges the
/// operator allowed.
#[derive(Debug, Clone, Default)]
pub struct WebhookPolicy {
    allowed: Arc<Vec<IpNet>>,
}

impl WebhookPolicy {
    pub fn new(allowed: Vec<IpNet>) -> WebhookPolicy {
        WebhookPolicy {
            allowed: Arc::new(allowed),
        }
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        !is_internal(ip) || self.allowed.iter().any(|net| net.contains(&ip))
    }

    /// The HTTP client notices are sent with: it resolves names through this policy, follows
    /// no redirect, and gives up after 10 seconds.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .timeout(CLIENT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(PolicyResolver(self.clone())))
            .build()
            .expect("an HTTP client")
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
            Err(RefusedByPolicy(ip.to_string()))
        }
    }
}

/// A webhook host that is, or resolves only to, addresses inside the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedByPolicy(pub String);

impl std::fmt::Display for RefusedByPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "refused by policy: {} is an internal address (the server's operator can allow its \
             range with STEWARD_WEBHOOK_ALLOW_NETWORKS)",
            self.0
        )
    }
}

impl std::error::Error for RefusedByPolicy {}

/// Resolves a webhook's host and keeps only the addresses the policy allows.
struct PolicyResolver(WebhookPolicy);

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
                return Err(Box::new(RefusedByPolicy(first)) as _);
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
    fn saved_urls_are_https_or_literally_local_http_without_credentials() {
        for ok in [
            "https://hooks.example.com/steward?k=v",
            "http://localhost:8080/hook",
            "http://127.0.0.1/hook",
            "http://[::1]:9/x",
            "https://10.0.0.12/hook",
        ] {
            assert!(parse_webhook_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://localhost:x@10.0.0.12:8080/internal",
            "https://user:pw@hooks.example.com/",
            "https://user@hooks.example.com/",
            "http://hooks.example.com/x",
            "http://localhost.evil.example/x",
            "http://127.0.0.2/x",
            "http://10.0.0.12/x",
            "ftp://localhost/x",
            "https://exa mple.com/",
            "not a url",
            "https://",
        ] {
            assert!(parse_webhook_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_the_origin_is_shown() {
        assert_eq!(
            origin_of("https://hooks.example.com/services/T0/B0/secret?x=1"),
            "https://hooks.example.com"
        );
        assert_eq!(
            origin_of("http://localhost:8080/hook"),
            "http://localhost:8080"
        );
    }

    #[test]
    fn internal_addresses_are_refused_unless_their_range_is_allowed() {
        let policy = WebhookPolicy::default();
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
        let allowed = WebhookPolicy::new(parse_networks("10.0.0.0/8, ::1").unwrap());
        assert!(allowed.allows("10.1.2.3".parse().unwrap()));
        assert!(allowed.allows("::ffff:10.1.2.3".parse().unwrap()));
        assert!(allowed.allows("::1".parse().unwrap()));
        assert!(!allowed.allows("127.0.0.1".parse().unwrap()));
        assert!(parse_networks("10.0.0.0/8, nonsense")
            .unwrap_err()
            .contains("nonsense"));
    }
}
