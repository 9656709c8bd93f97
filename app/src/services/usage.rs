//! Last-used tracking and request counts without a database write per request: authentication
//! notes each use in memory (the newest time and address per token, and a count per token and
//! day), and a background task writes the batch every few seconds. Losing at most one interval
//! on a crash is an accepted trade for keeping verification a read-only lookup.

use super::clock::DAY_MS;
use crate::store::{Db, UsageBatch};
use std::collections::HashMap;
use std::sync::Mutex;

/// What one flush writes.
#[derive(Default)]
struct Pending {
    /// Newest use per token: `(at, ip)`.
    last_used: HashMap<String, (i64, String)>,
    /// Requests per `(token, day index)`, with the token's account.
    counts: HashMap<(String, i64), (String, u64)>,
}

/// Pending records, written by `flush`.
#[derive(Default)]
pub struct UsageRecorder {
    pending: Mutex<Pending>,
}

impl UsageRecorder {
    /// Notes a successful use of `token_id` (of `account_id`); O(1), no I/O.
    pub fn record(&self, token_id: &str, account_id: &str, at: i64, ip: &str) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending
            .last_used
            .insert(token_id.to_string(), (at, ip.to_string()));
        let entry = pending
            .counts
            .entry((token_id.to_string(), at.div_euclid(DAY_MS)))
            .or_insert_with(|| (account_id.to_string(), 0));
        entry.1 += 1;
    }

    /// Writes everything pending in one transaction. On failure the batch is put back so the
    /// next flush retries it (counts added to what arrived meanwhile, so none is lost).
    pub async fn flush(&self, db: &Db) {
        let taken = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::take(&mut *pending)
        };
        if taken.last_used.is_empty() && taken.counts.is_empty() {
            return;
        }
        let batch = UsageBatch {
            last_used: taken
                .last_used
                .iter()
                .map(|(id, (at, ip))| (id.clone(), *at, ip.clone()))
                .collect(),
            counts: taken
                .counts
                .iter()
                .map(|((token, day), (account, n))| {
                    (token.clone(), account.clone(), day_string(*day), *n as i64)
                })
                .collect(),
        };
        if let Err(e) = db.record_usage(&batch).await {
            tracing::warn!(error = %e, tokens = batch.last_used.len(), "could not write usage; will retry");
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            for (id, used) in taken.last_used {
                pending.last_used.entry(id).or_insert(used);
            }
            for (key, (account, n)) in taken.counts {
                pending.counts.entry(key).or_insert((account, 0)).1 += n;
            }
        }
    }
}

/// `YYYY-MM-DD` (UTC) of a day index (days since the epoch).
pub fn day_string(day: i64) -> String {
    super::clock::rfc3339(day * DAY_MS)[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_dates() {
        assert_eq!(day_string(0), "1970-01-01");
        assert_eq!(day_string(1_795_339_800_000 / DAY_MS), "2026-11-22");
    }

    #[test]
    fn counts_add_up_per_token_and_day() {
        let r = UsageRecorder::default();
        for _ in 0..3 {
            r.record("tok_a", "sa_1", 10, "1.2.3.4");
        }
        r.record("tok_a", "sa_1", DAY_MS + 5, "1.2.3.4");
        r.record("tok_b", "sa_1", 20, "5.6.7.8");
        let p = r.pending.lock().unwrap();
        assert_eq!(p.counts[&("tok_a".to_string(), 0)].1, 3);
        assert_eq!(p.counts[&("tok_a".to_string(), 1)].1, 1);
        assert_eq!(p.last_used["tok_a"].0, DAY_MS + 5);
        assert_eq!(p.counts.len(), 3);
    }
}
