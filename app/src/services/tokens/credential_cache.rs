//! Recently used credentials, so that a token presented many times a second is verified with
//! a SHA-256 and a map lookup instead of a database round trip. On by default, and safe:
//!
//! - What is kept never answers after a change that could alter it. Every write that touches
//!   a token, its account or its organization's access is recorded (`store::changes`); this
//!   process learns of its own at commit and of other processes' through PostgreSQL's
//!   `NOTIFY` or SQLite's change table, and an entry read before such a change no longer
//!   answers. Only the entries of what changed are affected: a revocation does not empty the
//!   cache for every other token.
//! - While changes made elsewhere may be missed (the listening connection is down or being set
//!   up), nothing kept answers at all.
//! - Expiry and a rotated secret's grace period are still checked on every request (they are
//!   times in the row); unknown tokens are never kept, so guessing cannot fill the map; the
//!   map holds at most its configured number of entries, keeping those in use.
//!
//! An entry also keeps the principal built from its row the first time the token authenticated
//! (its grants, its limits, its formatted dates), and the `whoami` and introspection answers
//! about it, kept only as their JSON (the values would double an entry's size): all of them
//! follow from the row and the access version the row carries, so they are exactly as fresh as
//! the row, and a hit skips building and writing them.

use crate::domain::SentJson;
use crate::metrics::METRICS;
use crate::services::tokens::guards::TokenGuards;
use crate::services::Authenticated;
use crate::store::changes::ChangeLog;
use crate::store::CredentialRow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The default number of entries: the tokens in use at once that are answered from memory,
/// small enough that the server stays under 300 MB however many tokens are in use
/// (docs/benchmarks.md, "Memory with many tokens"); tokens beyond it are answered from the
/// database.
pub const DEFAULT_ENTRIES: usize = 30_000;
/// How long an entry answers at most, changes or not: a bound on the damage if a change were
/// ever lost without the connection that carries them being noticed as lost.
const MAX_AGE: Duration = Duration::from_secs(300);

/// The credentials this process read recently, by SHA-256 of the secret.
pub struct CredentialCache {
    /// `None` when the cache is off.
    entries: Option<quick_cache::sync::Cache<String, Arc<Entry>>>,
    changes: Arc<ChangeLog>,
    /// Counters for `/metrics`.
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    /// Entries found but no longer good (something they depend on changed since).
    pub stale: AtomicU64,
}

struct Entry {
    credential: Arc<Credential>,
    /// The change-log tick the read began at.
    since: u64,
    read_at: Instant,
}

/// A credential as read from the database, and what was built from it since.
#[derive(Debug)]
pub struct Credential {
    pub row: CredentialRow,
    /// The token's guards, parsed once (`None`: it has none).
    pub guards: Option<TokenGuards>,
    /// What its report-only restrictions check on each request, parsed once (`None`: nothing).
    pub report_only: Option<super::report_only::ReportOnlyChecks>,
    /// The principal, once the token has authenticated (without `credential`, which would
    /// make the entry own itself).
    built: OnceLock<Authenticated>,
    /// `whoami`'s answer for this token.
    pub whoami: OnceLock<SentJson>,
    /// Introspection's answer about this token, while it is active, for a caller of its own
    /// organization.
    pub introspection: OnceLock<SentJson>,
}

impl Credential {
    pub fn new(row: CredentialRow) -> Arc<Self> {
        Arc::new(Credential {
            guards: TokenGuards::from_columns(&row.guards),
            report_only: super::report_only::parse(&row.report_only),
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

    /// Whether nothing this credential's answers depend on changed since `since`.
    fn unchanged_since(&self, changes: &ChangeLog, since: u64) -> bool {
        let row = &self.row;
        changes.unchanged_since(since, &row.token_id, &row.account_id, &row.org_id)
    }
}

/// Where a lookup started, on the change log's clock: what its result is good from.
#[derive(Debug, Clone, Copy)]
pub struct ReadStart(u64);

impl CredentialCache {
    /// A cache of at most `entries` credentials (0 turns it off), judged by `changes`.
    pub fn new(entries: usize, changes: Arc<ChangeLog>) -> Self {
        CredentialCache {
            entries: (entries > 0).then(|| quick_cache::sync::Cache::new(entries)),
            changes,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            stale: AtomicU64::new(0),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// How many credentials are kept now.
    pub fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, |e| e.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Call before the database lookup whose row may be kept.
    pub fn start_read(&self) -> ReadStart {
        ReadStart(self.changes.now())
    }

    /// The credential for `hash`, if it was kept and nothing it depends on changed since it
    /// was read.
    pub fn get(&self, hash: &str) -> Option<Arc<Credential>> {
        let entries = self.entries.as_ref()?;
        let Some(entry) = entries.get(hash) else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            METRICS.cache_miss.inc();
            return None;
        };
        if entry.read_at.elapsed() < MAX_AGE
            && entry.credential.unchanged_since(&self.changes, entry.since)
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            METRICS.cache_hit.inc();
            return Some(entry.credential.clone());
        }
        self.stale.fetch_add(1, Ordering::Relaxed);
        METRICS.cache_stale.inc();
        entries.remove(hash);
        None
    }

    /// Keeps `credential`, found by `hash` in a lookup that began at `read`, unless something
    /// it depends on changed while it was being read.
    pub fn put(&self, hash: &str, credential: &Arc<Credential>, read: ReadStart) {
        let Some(entries) = self.entries.as_ref() else {
            return;
        };
        if !credential.unchanged_since(&self.changes, read.0) {
            return;
        }
        entries.insert(
            hash.to_string(),
            Arc::new(Entry {
                credential: credential.clone(),
                since: read.0,
                read_at: Instant::now(),
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;
    use crate::store::changes::Change;
    use crate::store::Scopes;

    fn row(token: &str) -> Arc<Credential> {
        Credential::new(CredentialRow {
            token_id: token.into(),
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
            guards: Default::default(),
            leaked_at: None,
            report_only: Default::default(),
        })
    }

    fn cache() -> (CredentialCache, Arc<ChangeLog>) {
        let changes = ChangeLog::new(true);
        (CredentialCache::new(100, changes.clone()), changes)
    }

    #[test]
    fn an_entry_answers_until_something_it_depends_on_changes() {
        let (cache, changes) = cache();
        cache.put("a", &row("tok_a"), cache.start_read());
        cache.put("b", &row("tok_b"), cache.start_read());
        assert_eq!(
            cache.get("a").map(|c| c.row.token_id.clone()),
            Some("tok_a".into())
        );
        changes.apply(&Change::Token("tok_a".into()));
        assert!(cache.get("a").is_none(), "its token changed");
        assert!(cache.get("b").is_some(), "another token's entry stays");
        changes.apply(&Change::Account("sa_1".into()));
        assert!(cache.get("b").is_none(), "its account changed");
        assert!(cache.get("other").is_none());
    }

    #[test]
    fn a_change_during_the_read_keeps_the_row_out() {
        let (cache, changes) = cache();
        let read = cache.start_read();
        changes.apply(&Change::Organization("org_1".into()));
        cache.put("h", &row("tok_1"), read);
        assert!(cache.get("h").is_none());
        cache.put("h", &row("tok_1"), cache.start_read());
        assert!(cache.get("h").is_some());
    }

    #[test]
    fn nothing_answers_while_changes_elsewhere_may_be_missed() {
        let (cache, changes) = cache();
        cache.put("h", &row("tok_1"), cache.start_read());
        changes.set_live(false);
        assert!(cache.get("h").is_none());
        changes.set_live(true);
        cache.put("h", &row("tok_1"), cache.start_read());
        changes.forget_everything();
        assert!(
            cache.get("h").is_none(),
            "dropped when the connection came back"
        );
    }

    #[test]
    fn the_principal_built_once_is_found_with_the_entry() {
        use crate::services::access::Access;
        let (cache, _) = cache();
        let found = row("tok_1");
        cache.put("h", &found, cache.start_read());
        assert!(cache.get("h").unwrap().built().is_none());
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
            report_only: None,
            credential: Some(found.clone()),
        });
        assert_eq!(
            Arc::strong_count(&found),
            2,
            "the test's and the entry's: the kept principal does not own its credential"
        );
        let built = cache.get("h").unwrap().built().unwrap();
        assert_eq!(built.principal.id, "sa_1");
        assert!(built
            .credential
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(c, &found)));
    }

    #[test]
    fn off_keeps_nothing_and_on_keeps_at_most_its_size() {
        let changes = ChangeLog::new(true);
        let off = CredentialCache::new(0, changes.clone());
        off.put("h", &row("tok_1"), off.start_read());
        assert!(off.get("h").is_none());
        let small = CredentialCache::new(10, changes);
        for i in 0..100 {
            small.put(&format!("h{i}"), &row("tok_1"), small.start_read());
        }
        assert!(small.len() <= 10, "{}", small.len());
    }
}
