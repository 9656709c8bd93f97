//! How many organizations the server holds, as `/auth/verify` must know on every request: a
//! server with one organization may verify without naming it, a server with several may not
//! (a proxy guarding one organization's service must not let another's tokens through).
//! Organizations are never deleted, so once several exist the answer never changes back.

use crate::store::{Db, StoreResult};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long "one organization" is believed without asking the database again.
const RECHECK: Duration = Duration::from_secs(1);

/// What this process knows of the number of organizations.
#[derive(Debug, Default)]
pub struct OrganizationCount {
    several: AtomicBool,
    /// The only organization, and when that was read.
    only: Mutex<Option<(String, Instant)>>,
}

impl OrganizationCount {
    /// Whether the server holds more than one organization. Asks the database at most once a
    /// second while there is one, and at once when a token of another organization than the
    /// one known shows up (so a new organization's tokens never pass without it).
    pub async fn several(&self, db: &Db, token_organization: &str) -> StoreResult<bool> {
        if self.several.load(Ordering::Acquire) {
            return Ok(true);
        }
        {
            let only = self.only.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((id, read_at)) = only.as_ref() {
                if id == token_organization && read_at.elapsed() < RECHECK {
                    return Ok(false);
                }
            }
        }
        let ids = db.organization_ids(2).await?;
        if ids.len() > 1 {
            self.several.store(true, Ordering::Release);
            return Ok(true);
        }
        let mut only = self.only.lock().unwrap_or_else(|p| p.into_inner());
        *only = ids.into_iter().next().map(|id| (id, Instant::now()));
        Ok(false)
    }

    /// Called when this process created an organization: the next check asks the database.
    /// (Another process's new organization is seen within a second, or at once when one of its
    /// tokens shows up.)
    pub fn forget(&self) {
        *self.only.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}
