//! Last-used tracking without a database write per request: authentication records the newest
//! use of each token in memory, and a background task writes the batch every few seconds.
//! Losing at most one interval of last-used times on a crash is an accepted trade for keeping
//! verification a read-only lookup.

use crate::store::Db;
use std::collections::HashMap;
use std::sync::Mutex;

/// Pending last-used records, newest per token.
#[derive(Default)]
pub struct UsageRecorder {
    pending: Mutex<HashMap<String, (i64, String)>>,
}

impl UsageRecorder {
    /// Notes a successful use; O(1), no I/O.
    pub fn record(&self, token_id: &str, at: i64, ip: &str) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.insert(token_id.to_string(), (at, ip.to_string()));
    }

    /// Writes everything pending in one transaction. On failure the batch is put back so the
    /// next flush retries it.
    pub async fn flush(&self, db: &Db) {
        let batch: Vec<(String, i64, String)> = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            pending.drain().map(|(id, (at, ip))| (id, at, ip)).collect()
        };
        if batch.is_empty() {
            return;
        }
        if let Err(e) = db.record_token_usage(&batch).await {
            tracing::warn!(error = %e, records = batch.len(), "could not write last-used records; will retry");
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            for (id, at, ip) in batch {
                pending.entry(id).or_insert((at, ip));
            }
        }
    }
}
