//! Last-used tracking and request counts without a database write per request: authentication
//! notes each use in memory (the newest time and address per token, and a count per token and
//! day), and a background task writes the batch every few seconds (sooner once thousands of
//! tokens are pending, so what waits stays small). Losing at most one interval
//! on a crash is an accepted trade for keeping verification a read-only lookup.

use crate::services::clock::DAY_MS;
use crate::store::{DayUsage, Db, NetworkUsage, UsageBatch};
use std::collections::HashMap;
use std::sync::Mutex;

/// What one flush writes, by token. One entry per token so that recording a use of a token
/// already pending allocates nothing: this runs on every authenticated request.
type Pending = HashMap<String, TokenUse>;

/// The uses of one token since the last flush.
struct TokenUse {
    account_id: String,
    /// Newest accepted use: when, and from which address (`NO_USE` when only refusals so far).
    at: i64,
    ip: String,
    /// Accepted and refused requests per day index, oldest first (one entry, two around midnight).
    days: Vec<DayCount>,
    /// Accepted requests per client address since the last flush, at most `MAX_ADDRESSES`;
    /// `crowded` once more came.
    addresses: Vec<(String, u64)>,
    crowded: bool,
}

/// Addresses counted one by one per token and flush; a token used from more is "used from
/// many places", which is all the Stale view needs to know.
const MAX_ADDRESSES: usize = 16;

/// Before any accepted use: nothing to write as last used.
const NO_USE: i64 = i64::MIN;

/// Requests of one token on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DayCount {
    day: i64,
    accepted: u64,
    refused: u64,
}

impl TokenUse {
    fn count_address(&mut self, ip: &str, n: u64) {
        if let Some((_, count)) = self.addresses.iter_mut().find(|(a, _)| a == ip) {
            *count += n;
        } else if self.addresses.len() < MAX_ADDRESSES {
            self.addresses.push((ip.to_string(), n));
        } else {
            self.crowded = true;
        }
    }

    fn count(&mut self, day: i64, accepted: u64, refused: u64) {
        match self.days.iter_mut().find(|d| d.day == day) {
            Some(d) => {
                d.accepted += accepted;
                d.refused += refused;
            }
            None => self.days.push(DayCount {
                day,
                accepted,
                refused,
            }),
        }
    }
}

/// Pending records, written by `flush`.
#[derive(Default)]
pub struct UsageRecorder {
    pending: Mutex<Pending>,
    /// Requests report-only guards would have refused, written with each batch.
    pub would_refuse: super::report_only::WouldRefuseRecorder,
    /// Told when `FLUSH_AT` tokens are pending, so the batch is written before its interval.
    full: tokio::sync::Notify,
}

/// Tokens pending at which a flush is asked for before its interval: what waits in memory
/// stays small however many tokens are in use at once.
const FLUSH_AT: usize = 5_000;

impl UsageRecorder {
    /// Notes a successful use of `token_id` (of `account_id`); O(1), no I/O.
    pub fn record(&self, token_id: &str, account_id: &str, at: i64, ip: &str) {
        self.note(token_id, account_id, at, Some(ip));
    }

    /// Notes a refused use of a token Steward knows (a guard, expiry, revocation): counted
    /// beside its requests, but not its last use.
    pub fn record_refused(&self, token_id: &str, account_id: &str, at: i64) {
        self.note(token_id, account_id, at, None);
    }

    /// `ip` is the address of an accepted use; `None` for a refused one.
    fn note(&self, token_id: &str, account_id: &str, at: i64, ip: Option<&str>) {
        let day = at.div_euclid(DAY_MS);
        let (accepted, refused) = if ip.is_some() { (1, 0) } else { (0, 1) };
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        match pending.get_mut(token_id) {
            Some(used) => {
                if let Some(ip) = ip {
                    used.count_address(ip, 1);
                    if at >= used.at {
                        used.at = at;
                        if used.ip != ip {
                            ip.clone_into(&mut used.ip);
                        }
                    }
                }
                used.count(day, accepted, refused);
            }
            None => {
                let used = TokenUse {
                    account_id: account_id.to_string(),
                    at: if ip.is_some() { at } else { NO_USE },
                    ip: ip.unwrap_or_default().to_string(),
                    days: vec![DayCount {
                        day,
                        accepted,
                        refused,
                    }],
                    addresses: ip.map(|ip| vec![(ip.to_string(), 1)]).unwrap_or_default(),
                    crowded: false,
                };
                pending.insert(token_id.to_string(), used);
                if pending.len() == FLUSH_AT {
                    self.full.notify_one();
                }
            }
        }
    }

    /// Returns once `FLUSH_AT` tokens are pending (the flushing task waits for it beside its
    /// interval).
    pub async fn filled(&self) {
        self.full.notified().await
    }

    /// Writes everything pending: uses in one transaction, then what report-only guards would
    /// have refused. On failure a batch is put back so the next flush retries it (counts added
    /// to what arrived meanwhile, so none is lost).
    pub async fn flush(&self, db: &Db) {
        // Uses first: a report of what report-only guards would refuse is never newer than
        // the uses it is shown beside.
        self.flush_uses(db).await;
        self.would_refuse.flush(db).await;
    }

    async fn flush_uses(&self, db: &Db) {
        let taken = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::take(&mut *pending)
        };
        if taken.is_empty() {
            return;
        }
        let batch = UsageBatch {
            last_used: taken
                .iter()
                .filter(|(_, used)| used.at != NO_USE)
                .map(|(id, used)| (id.clone(), used.at, used.ip.clone()))
                .collect(),
            counts: taken
                .iter()
                .flat_map(|(id, used)| {
                    used.days.iter().map(move |d| DayUsage {
                        token_id: id.clone(),
                        service_account_id: used.account_id.clone(),
                        day: day_string(d.day),
                        requests: d.accepted as i64,
                        refused: d.refused as i64,
                    })
                })
                .collect(),
            networks: taken
                .iter()
                .flat_map(|(id, used)| network_counts(id, used))
                .collect(),
        };
        if let Err(e) = db.record_usage(&batch).await {
            tracing::warn!(error = %e, tokens = batch.last_used.len(), "could not write usage; will retry");
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            for (id, used) in taken {
                match pending.get_mut(&id) {
                    // Uses that arrived meanwhile are newer: keep their time and address.
                    Some(newer) => {
                        for d in used.days {
                            newer.count(d.day, d.accepted, d.refused);
                        }
                        for (ip, n) in used.addresses {
                            newer.count_address(&ip, n);
                        }
                        newer.crowded |= used.crowded;
                    }
                    None => {
                        pending.insert(id, used);
                    }
                }
            }
        }
    }
}

/// The networks a token was used from since the last flush, counted on the day of its newest
/// use: IPv4 addresses by /24, IPv6 by /64, `*` for "more addresses than counted".
fn network_counts(token_id: &str, used: &TokenUse) -> Vec<NetworkUsage> {
    if used.at == NO_USE {
        return Vec::new();
    }
    let day = day_string(used.at.div_euclid(DAY_MS));
    let mut counts: Vec<(String, i64)> = Vec::new();
    let mut add = |network: String, n: i64| match counts.iter_mut().find(|(k, _)| *k == network) {
        Some((_, total)) => *total += n,
        None => counts.push((network, n)),
    };
    for (ip, n) in &used.addresses {
        if let Some(network) = network_of(ip) {
            add(network, *n as i64);
        }
    }
    if used.crowded {
        add("*".into(), 1);
    }
    counts
        .into_iter()
        .map(|(network, requests)| NetworkUsage {
            token_id: token_id.to_string(),
            service_account_id: used.account_id.clone(),
            day: day.clone(),
            network,
            requests,
        })
        .collect()
}

/// The network an address is counted in: its /24 (IPv4) or /64 (IPv6), as CIDR text.
pub fn network_of(ip: &str) -> Option<String> {
    let addr: std::net::IpAddr = ip.parse().ok()?;
    let net = match addr.to_canonical() {
        std::net::IpAddr::V4(v4) => ipnet::IpNet::from(ipnet::Ipv4Net::new(v4, 24).ok()?),
        std::net::IpAddr::V6(v6) => ipnet::IpNet::from(ipnet::Ipv6Net::new(v6, 64).ok()?),
    };
    Some(net.trunc().to_string())
}

/// `YYYY-MM-DD` (UTC) of a day index (days since the epoch).
pub fn day_string(day: i64) -> String {
    crate::services::clock::rfc3339(day * DAY_MS)[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn many_pending_tokens_ask_for_a_flush_before_the_interval() {
        let recorder = UsageRecorder::default();
        for n in 0..FLUSH_AT {
            recorder.record(&format!("tok_{n}"), "sa_1", 0, "192.0.2.1");
        }
        let asked = tokio::time::timeout(std::time::Duration::from_secs(1), recorder.filled());
        assert!(
            asked.await.is_ok(),
            "a flush is asked for at {FLUSH_AT} tokens"
        );
    }

    #[test]
    fn days_are_utc_dates() {
        assert_eq!(day_string(0), "1970-01-01");
        assert_eq!(day_string(1_795_339_800_000 / DAY_MS), "2026-11-22");
    }

    #[test]
    fn addresses_are_counted_by_network() {
        assert_eq!(network_of("203.0.113.9").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(
            network_of("::ffff:10.1.2.3").as_deref(),
            Some("10.1.2.0/24")
        );
        assert_eq!(
            network_of("2001:db8:1:2:3::4").as_deref(),
            Some("2001:db8:1:2::/64")
        );
        assert_eq!(network_of("local"), None);
        let r = UsageRecorder::default();
        for i in 0..20 {
            r.record("tok_a", "sa_1", 10, &format!("203.0.113.{i}"));
        }
        r.record("tok_b", "sa_1", 10, "198.51.100.1");
        r.record("tok_b", "sa_1", 11, "198.51.100.2");
        let p = r.pending.lock().unwrap();
        let nets = |id: &str| -> Vec<(String, i64)> {
            network_counts(id, &p[id])
                .into_iter()
                .map(|n| (n.network, n.requests))
                .collect()
        };
        assert_eq!(nets("tok_b"), vec![("198.51.100.0/24".to_string(), 2)]);
        assert_eq!(
            nets("tok_a"),
            vec![("203.0.113.0/24".to_string(), 16), ("*".to_string(), 1)],
            "beyond 16 addresses a token is used from many places"
        );
    }

    #[test]
    fn counts_add_up_per_token_and_day() {
        let r = UsageRecorder::default();
        for _ in 0..3 {
            r.record("tok_a", "sa_1", 10, "1.2.3.4");
        }
        r.record("tok_a", "sa_1", DAY_MS + 5, "1.2.3.5");
        r.record("tok_a", "sa_1", DAY_MS + 1, "1.2.3.6");
        r.record("tok_b", "sa_1", 20, "5.6.7.8");
        r.record_refused("tok_c", "sa_1", 30);
        r.record_refused("tok_b", "sa_1", 40);
        let p = r.pending.lock().unwrap();
        let days = |id: &str| -> Vec<(i64, u64, u64)> {
            p[id]
                .days
                .iter()
                .map(|d| (d.day, d.accepted, d.refused))
                .collect()
        };
        assert_eq!(days("tok_a"), vec![(0, 3, 0), (1, 2, 0)]);
        assert_eq!(days("tok_b"), vec![(0, 1, 1)]);
        assert_eq!(days("tok_c"), vec![(0, 0, 1)]);
        assert_eq!(p["tok_c"].at, NO_USE, "a refusal is not a use");
        assert_eq!((p["tok_b"].at, p["tok_b"].ip.as_str()), (20, "5.6.7.8"));
        assert_eq!(
            (p["tok_a"].at, p["tok_a"].ip.as_str()),
            (DAY_MS + 5, "1.2.3.5"),
            "the newest use wins, whatever order the requests finished in"
        );
        assert_eq!(p.len(), 3);
    }
}
