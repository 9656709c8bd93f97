//! Who is on the other end: the TCP peer, or, when that peer is one of the configured trusted
//! proxies, the address it reports in `Forwarded` or `X-Forwarded-For`. The result goes into
//! the request's extensions once, so the audit log, last-used IPs and every rate limit agree.

use app::services::RequestMeta;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, Request};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The client's address as resolved for this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Peers whose forwarding headers are believed (`STEWARD_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<Proxies>);

#[derive(Debug, Default)]
struct Proxies {
    nets: Vec<IpNet>,
    /// Whether the warning about forwarding headers from an untrusted peer was logged: once per
    /// process is enough to tell the operator, and a log line per request would flood.
    warned: AtomicBool,
}

impl TrustedProxies {
    /// Parses a comma-separated list of CIDR ranges or single addresses, e.g.
    /// `10.0.0.0/8, 192.168.1.7, fd00::/8`. Names the entry that does not parse.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let nets = app::domain::NetworkList::parse_comma(list)?
            .networks()
            .to_vec();
        Ok(TrustedProxies(Arc::new(Proxies {
            nets,
            warned: AtomicBool::new(false),
        })))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.nets.iter().any(|net| net.contains(&ip))
    }

    /// True the first time an untrusted peer sends forwarding headers: most likely a proxy that
    /// is missing from `STEWARD_TRUSTED_PROXIES`, so every client behind it shares its address
    /// (and its rate limits) until it is listed.
    fn first_untrusted_forwarding(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        let forwarded =
            headers.contains_key("x-forwarded-for") || headers.contains_key(header::FORWARDED);
        forwarded && !self.trusts(peer) && !self.0.warned.swap(true, Ordering::Relaxed)
    }

    /// The client's address: the peer itself unless it is trusted and says who it forwards for.
    /// Only the rightmost entry is taken (the one the trusted proxy itself added): anything to its
    /// left was written by the client and proves nothing. `X-Forwarded-For` wins over
    /// `Forwarded` because nginx, Traefik and Caddy all append to it; a proxy that only sets
    /// `Forwarded` must also drop any `X-Forwarded-For` the client sent.
    pub fn resolve(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        client_ip::rightmost_x_forwarded_for(headers)
            .or_else(|_| client_ip::rightmost_forwarded(headers))
            .map(canonical)
            .unwrap_or(peer)
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The key rate limits count under: the address itself for IPv4, its /64 for IPv6, since one
/// IPv6 client usually holds a whole /64 and could otherwise rotate through it.
pub fn rate_limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// Resolves the client address and user agent into the request's extensions.
pub async fn resolve(
    State(trusted): State<TrustedProxies>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| canonical(c.0.ip()));
    if let Some(peer) = peer {
        if trusted.first_untrusted_forwarding(peer, req.headers()) {
            tracing::warn!(
                %peer,
                "a request carrying X-Forwarded-For or Forwarded came from a peer that is not in \
                 STEWARD_TRUSTED_PROXIES, so its headers were ignored and the peer's own address \
                 counts as the client's; if it is a reverse proxy (one on this host included), \
                 list it (logged once)"
            );
        }
        let ip = trusted.resolve(peer, req.headers());
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect());
        let operation = operation(req.uri());
        req.extensions_mut().insert(ClientIp(ip));
        req.extensions_mut().insert(RequestMeta {
            ip: ip.to_string(),
            user_agent,
            peer_ip: peer.to_string(),
            operation,
        });
    }
    next.run(req).await
}

/// What a request asked for, as report-only guards record it: the path, with the query for
/// `/auth/verify` (its requirements), at most 200 bytes.
fn operation(uri: &axum::http::Uri) -> String {
    let mut text = match (uri.path(), uri.query()) {
        ("/auth/verify", Some(query)) => format!("/auth/verify?{query}"),
        (path, _) => path.to_owned(),
    };
    if text.len() > 200 {
        let cut = (0..=200)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        text.truncate(cut);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operation_is_the_path_with_verify_requirements_bounded() {
        let op = |uri: &str| operation(&uri.parse().unwrap());
        assert_eq!(op("/api/v1/auth/whoami?x=1"), "/api/v1/auth/whoami");
        assert_eq!(op("/auth/verify?scope=write"), "/auth/verify?scope=write");
        assert_eq!(op("/auth/verify"), "/auth/verify");
        let long = format!("/auth/verify?workspace={}", "é".repeat(200));
        let cut = op(&long);
        assert!(cut.len() <= 200 && long.starts_with(&cut), "{cut}");
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_peers() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7").unwrap();
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9")]);
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let stranger: IpAddr = "198.51.100.4".parse().unwrap();
        assert_eq!(
            trusted.resolve(proxy, &h),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(trusted.resolve(stranger, &h), stranger);
        let fwd = headers(&[("forwarded", "for=\"[2001:db8::7]:4711\";proto=https")]);
        assert_eq!(
            trusted.resolve("192.168.1.7".parse().unwrap(), &fwd),
            "2001:db8::7".parse::<IpAddr>().unwrap()
        );
        // A client's own Forwarded header cannot override what the proxy appended.
        let both = headers(&[
            ("forwarded", "for=6.6.6.6"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(
            trusted.resolve(proxy, &both),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        let junk = headers(&[("x-forwarded-for", "not an ip")]);
        assert_eq!(trusted.resolve(proxy, &junk), proxy);
        assert!(TrustedProxies::default().resolve(proxy, &h) == proxy);
    }

    #[test]
    fn forwarding_from_an_untrusted_peer_is_reported_once() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(!trusted.first_untrusted_forwarding(proxy, &h), "trusted");
        assert!(
            !trusted.first_untrusted_forwarding(local, &HeaderMap::new()),
            "no forwarding headers"
        );
        assert!(trusted.first_untrusted_forwarding(local, &h));
        assert!(!trusted.first_untrusted_forwarding(local, &h), "only once");
        let fwd = headers(&[("forwarded", "for=203.0.113.9")]);
        let other = TrustedProxies::default();
        assert!(other.first_untrusted_forwarding(local, &fwd));
    }

    #[test]
    fn bad_entries_are_named() {
        let e = TrustedProxies::parse("10.0.0.0/8, banana").unwrap_err();
        assert!(e.contains("'banana'"), "{e}");
    }

    #[test]
    fn ipv6_clients_are_limited_per_64() {
        let a = rate_limit_key("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = rate_limit_key("2001:db8:1:2:bbbb::9".parse().unwrap());
        let c = rate_limit_key("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        let v4: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(rate_limit_key(v4), v4);
    }
}
