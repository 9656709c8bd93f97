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
//!   refused unless the operator lists their range in `STEWARD_WEBHOOK_ALLOW_NETWORKS`
//!   (`services::outbound`). The HTTP client connects only to addresses the check passed (its
//!   resolver filters them), so a name that resolves differently a moment later (DNS
//!   rebinding) gains nothing, and it follows no redirects.

use crate::services::outbound::OutboundPolicy;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;
use url::{Host, Url};

/// How long a notice's request may take before the client gives up.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest webhook URL accepted.
const MAX_URL_CHARS: usize = 500;

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

/// The HTTP client notices are sent with: it resolves names through `policy`, follows no
/// redirect, and gives up after `CLIENT_TIMEOUT`.
pub fn webhook_client(policy: &OutboundPolicy) -> reqwest::Client {
    policy
        .client_builder()
        .timeout(CLIENT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
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
}
