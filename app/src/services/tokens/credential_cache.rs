//! Recently read credentials, so that a token presented many times a second is verified with a
//! SHA-256 and a map lookup instead of a database round trip. Off unless configured
//! (`STEWARD_CREDENTIAL_CACHE_MS`, at most 1,000 ms), because it trades freshness for speed:
//!
//! - A change made through another replica (a revocation, a suspension, an access change) is
//!   seen here within the lifetime, counted from before the read, instead of on the next request.
//! - A change made through this replica is seen on the next request as always: every entry
//!   remembers how many write transactions this process had committed when it was read, and
//!   answers only while that number is unchanged.
//!
//! Expiry and a rotated secret's grace period are still checked on every request (they are
//! times in the row); unknown tokens are never cached, so guessing cannot fill the map.
//!
//! An entry also keeps the principal built from its row the first time the token authenticated
//! (its grants, its limits, its formatted dates), and the `whoami` and introspection answers
//! about it: all of them follow from the row and the access version the row carries, so they
//! are exactly as fresh as the row, and a hit skips building them (and writing their JSON).

use crate::domain::{Introspection, Shared, WhoamiResponse};
use crate::services::Authenticated;
use crate::store::CredentialRow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Longest lifetime allowed: issue 10's bound for a revocation to reach every replica.
pub const MAX_LIFETIME_MS: u64 = 1_000;
/// Entries kept at most; past it expired entries go, and if none has expired nothing new is
/// kept until some do (the database still answers, only slower).
const MAX_ENTRIES: usize = 100_000;

/// The credentials this process read within the last `lifetime`, by SHA-256 of the secret.
pub struct CredentialCache {
    lifetime: Duration,
    entries: Mutex<Entries>,
}

/// The map, and when expired entries were last dropped from it. Why sweep: an entry carries
/// its answers' JSON (kilobytes for a token with many workspaces), so the map must hold the
/// tokens used in the last moments, not every token used since the process started.
struct Entries {
    by_hash: HashMap<String, Entry>,
    swept_at: Instant,
}

struct Entry {
    credential: Arc<Credential>,
    read_at: Instant,
    commits: u64,
}

/// A credential as read from the database, and what was built from it since.
#[derive(Debug)]
pub struct Credential {
    pub row: CredentialRow,
    /// The principal, once the token has authenticated (without `credential`, which would
    /// make the entry own itself).
    built: OnceLock<Authenticated>,
    /// `whoami`'s answer for this token.
    pub whoami: OnceLock<Shared<WhoamiResponse>>,
    /// Introspection's answer about this token, while it is active, for a caller of its own
    /// organization.
    pub introspection: OnceLock<Shared<Introspection>>,
}

impl Credential {
    pub fn new(row: CredentialRow) -> Arc<Self> {
        Arc::new(Credential {
            row,
            built: OnceLock::new(),
            whoami: OnceLock::new(),
            introspection: OnceLock::new(),
        })
    }

    /// The principal built from this row earlier, if any, pointing back at this credential.
    pub fn built(self: &Arc<Self>) -> Option<Authenticated> {
        self.built.get().map(|auth| Authenticated {
            credential: Some(self.clone()),
            ..auth.clone()
        })
    }

    /// Keeps the principal built from this row for the next request that finds it.
    pub fn keep_built(&self, auth: &Authenticated) {
        let _ = self.built.set(Authenticated {
            credential: None,
            ..auth.clone()
        });
    }
}

/// When and at which commit count a lookup started: what an entry's freshness is counted from.
#[derive(Debug, Clone, Copy)]
pub struct ReadStart {
    at: Instant,
    commits: u64,
}

impl CredentialCache {
    /// A cache keeping entries for `lifetime_ms` (0 turns it off), capped at
    /// [`MAX_LIFETIME_MS`].
    pub fn new(lifetime_ms: u64) -> Self {
        CredentialCache {
            lifetime: Duration::from_millis(lifetime_ms.min(MAX_LIFETIME_MS)),
            entries: Mutex::new(Entries {
                by_hash: HashMap::new(),
                swept_at: Instant::now(),
            }),
        }
    }

    pub fn is_enabled(&self) -> bool {
        !self.lifetime.is_zero()
    }

    /// Call before the database lookup whose row may be kept.
    pub fn start_read(&self, commits: u64) -> ReadStart {
        ReadStart {
            at: Instant::now(),
            commits,
        }
    }

    /// The credential for `hash`, if it was read less than the lifetime ago and this process
    /// has committed no write since.
    pub fn get(&self, hash: &str, commits: u64) -> Option<Arc<Credential>> {
        if !self.is_enabled() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entry = entries.by_hash.get(hash)?;
        (entry.commits == commits && entry.read_at.elapsed() < self.lifetime)
            .then(|| entry.credential.clone())
    }

    /// Keeps `credential`, found by `hash` in a lookup that began at `read`. At most once a
    /// lifetime (and whenever the map is full) the expired entries go first.
    pub fn put(&self, hash: &str, credential: &Arc<Credential>, read: ReadStart) {
        if !self.is_enabled() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.by_hash.len() >= MAX_ENTRIES || entries.swept_at.elapsed() >= self.lifetime {
            let lifetime = self.lifetime;
            entries
                .by_hash
                .retain(|_, e| e.read_at.elapsed() < lifetime);
            entries.swept_at = Instant::now();
            if entries.by_hash.len() >= MAX_ENTRIES {
                return;
            }
        }
        entries.by_hash.insert(
            hash.to_string(),
            Entry {
                credential: credential.clone(),
                read_at: read.at,
                commits: read.commits,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;
    use crate::store::Scopes;

    fn row() -> Arc<Credential> {
        Credential::new(CredentialRow {
            token_id: "tok_1".into(),
            token_name: "deploy".into(),
            token_created_at: 0,
            scopes: Scopes(Vec::new()),
            secret_hash: "h".into(),
            previous_secret_hash: None,
            previous_valid_until: None,
            expires_at: None,
            revoked_at: None,
            account_id: "sa_1".into(),
            account_name: "ci".into(),
            role: Role::Viewer,
            role_cap: Role::Admin,
            cap_permissions: None,
            narrow_permissions: None,
            narrow_workspaces: None,
            disabled: false,
            org_id: "org_1".into(),
            org_slug: "acme".into(),
            org_name: "Acme".into(),
            access_version: 1,
        })
    }

    #[test]
    fn an_entry_answers_within_its_lifetime_and_commit_count_only() {
        let cache = CredentialCache::new(60);
        let read = cache.start_read(7);
        cache.put("h", &row(), read);
        assert_eq!(
            cache.get("h", 7).map(|c| c.row.token_id.clone()),
            Some("tok_1".into())
        );
        assert!(cache.get("h", 8).is_none(), "a commit since the read");
        assert!(cache.get("other", 7).is_none());
        std::thread::sleep(Duration::from_millis(70));
        assert!(cache.get("h", 7).is_none(), "older than its lifetime");
    }

    #[test]
    fn the_principal_built_once_is_found_with_the_entry() {
        use crate::services::access::Access;
        let cache = CredentialCache::new(60);
        let found = row();
        cache.put("h", &found, cache.start_read(1));
        assert!(cache.get("h", 1).unwrap().built().is_none());
        let principal = crate::domain::Principal {
            kind: crate::domain::PrincipalKind::ServiceAccount,
            id: "sa_1".into(),
            name: "ci".into(),
            role: Role::Viewer,
            scopes: Vec::new(),
            organization: crate::domain::OrganizationRef {
                id: "org_1".into(),
                slug: "acme".into(),
                name: "Acme".into(),
            },
            token: None,
            permissions: Default::default(),
            workspaces: Default::default(),
        };
        found.keep_built(&Authenticated {
            principal,
            access: Arc::new(Access::of_role(Role::Viewer)),
            credential: Some(found.clone()),
        });
        assert_eq!(
            Arc::strong_count(&found),
            2,
            "the test's and the entry's: the kept principal does not own its credential"
        );
        let again = cache.get("h", 1).unwrap();
        let built = again.built().unwrap();
        assert_eq!(built.principal.id, "sa_1");
        assert!(built
            .credential
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(c, &found)));
        assert!(
            cache.get("h", 2).is_none(),
            "gone with the row after a commit"
        );
    }

    #[test]
    fn expired_entries_go_once_a_lifetime_has_passed() {
        let cache = CredentialCache::new(30);
        cache.put("a", &row(), cache.start_read(0));
        cache.put("b", &row(), cache.start_read(0));
        std::thread::sleep(Duration::from_millis(40));
        cache.put("c", &row(), cache.start_read(0));
        let entries = cache.entries.lock().unwrap();
        let mut kept: Vec<&str> = entries.by_hash.keys().map(String::as_str).collect();
        kept.sort();
        assert_eq!(kept, ["c"]);
    }

    #[test]
    fn the_lifetime_is_counted_from_before_the_read() {
        let cache = CredentialCache::new(50);
        let read = cache.start_read(0);
        std::thread::sleep(Duration::from_millis(60));
        cache.put("h", &row(), read);
        assert!(cache.get("h", 0).is_none());
    }

    #[test]
    fn off_keeps_nothing_and_the_lifetime_is_capped_at_one_second() {
        let off = CredentialCache::new(0);
        off.put("h", &row(), off.start_read(0));
        assert!(off.get("h", 0).is_none());
        assert_eq!(
            CredentialCache::new(60_000).lifetime,
            Duration::from_secs(1)
        );
    }
}
