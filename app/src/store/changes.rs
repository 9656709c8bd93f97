//! What changed, and when, for whatever this process keeps from earlier reads (the credential
//! cache): a write that can alter how a credential authenticates records a [`Change`] in its
//! transaction, and every process learns of it:
//!
//! - this process when the transaction commits;
//! - other processes on PostgreSQL through `NOTIFY`, sent inside the transaction so it is
//!   delivered only if it commits, and received by each process's `LISTEN` connection
//!   ([`listen`]);
//! - other processes on SQLite (one server, and the command line's occasional writes) through
//!   the `credential_changes` table, written in the same transaction and read when
//!   `PRAGMA data_version` says another connection committed ([`follow_sqlite`]).
//!
//! A change does not empty anything: it stamps the token, account or organization it names
//! with a tick of this process's clock, and a kept read is good only while nothing it depends
//! on was stamped after the read began. While changes from elsewhere may be missed (the
//! listening connection is down or being set up) nothing kept is good at all.
//!
//! Longer than most files: the change log, its PostgreSQL listener and its SQLite follower
//! are one mechanism, and the guarantees above hold only taken together.

use crate::metrics::METRICS;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The PostgreSQL channel changes go through.
pub const CHANNEL: &str = "steward_changes";
/// How many stamped keys of one kind are kept before they are folded into "everything changed".
const MAX_STAMPS: usize = 100_000;

/// Something whose change can alter how a credential authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Change {
    /// A token: revoked, given a new secret (and cap).
    Token(String),
    /// A service account: renamed, its role changed, disabled, enabled, deleted, its tokens
    /// revoked.
    Account(String),
    /// An organization: its access (roles, bindings, groups, workspaces, declared
    /// permissions), or its settings.
    Organization(String),
}

impl Change {
    fn kind_and_key(&self) -> (&'static str, &str) {
        match self {
            Change::Token(k) => ("token", k),
            Change::Account(k) => ("account", k),
            Change::Organization(k) => ("organization", k),
        }
    }

    /// The stored or sent form's parts back into a change.
    pub fn from_parts(kind: &str, key: &str) -> Option<Change> {
        let key = key.to_string();
        match kind {
            "token" => Some(Change::Token(key)),
            "account" => Some(Change::Account(key)),
            "organization" => Some(Change::Organization(key)),
            _ => None,
        }
    }

    /// `NOTIFY`'s payload: `change|<origin>|<sent ms>|<kind>|<key>`.
    pub fn payload(&self, origin: &str, sent_ms: i64) -> String {
        let (kind, key) = self.kind_and_key();
        format!("change|{origin}|{sent_ms}|{kind}|{key}")
    }

    pub fn kind(&self) -> &'static str {
        self.kind_and_key().0
    }

    pub fn key(&self) -> &str {
        self.kind_and_key().1
    }
}

/// A notification's payload, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Change {
        origin: String,
        sent_ms: i64,
        change: Change,
    },
    /// A process's heartbeat: proves its listening connection still receives.
    Beat { origin: String, sent_ms: i64 },
}

impl Notice {
    pub fn parse(payload: &str) -> Option<Notice> {
        let mut parts = payload.splitn(5, '|');
        let (what, origin, sent_ms) = (parts.next()?, parts.next()?, parts.next()?);
        let (origin, sent_ms) = (origin.to_string(), sent_ms.parse().ok()?);
        match what {
            "change" => Some(Notice::Change {
                origin,
                sent_ms,
                change: Change::from_parts(parts.next()?, parts.next()?)?,
            }),
            "beat" => Some(Notice::Beat { origin, sent_ms }),
            _ => None,
        }
    }

    pub fn beat(origin: &str, sent_ms: i64) -> String {
        format!("beat|{origin}|{sent_ms}")
    }
}

/// The stamps: when each key last changed, on this process's clock.
#[derive(Debug, Default)]
struct Stamps {
    tokens: HashMap<String, u64>,
    accounts: HashMap<String, u64>,
    organizations: HashMap<String, u64>,
}

/// This process's record of changes. Cheap to consult: three map lookups under a read lock.
#[derive(Debug)]
pub struct ChangeLog {
    /// This process's name in notifications, so it can skip its own.
    origin: String,
    clock: AtomicU64,
    /// The tick of the last "anything may have changed".
    everything: AtomicU64,
    stamps: RwLock<Stamps>,
    /// Whether changes from other processes reach this one now.
    live: AtomicBool,
    /// How often everything kept was dropped (the tests wait on it).
    pub everything_dropped: AtomicU64,
    /// When this process last heard its own heartbeat (ms since the epoch).
    last_beat_ms: AtomicI64,
}

impl ChangeLog {
    pub fn new(live: bool) -> Arc<ChangeLog> {
        Arc::new(ChangeLog {
            origin: crate::auth::random::new_id("proc"),
            clock: AtomicU64::new(1),
            everything: AtomicU64::new(0),
            stamps: RwLock::default(),
            live: AtomicBool::new(live),
            everything_dropped: AtomicU64::new(0),
            last_beat_ms: AtomicI64::new(0),
        })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tick a read begins at: what it keeps is good while nothing it depends on is stamped
    /// later.
    pub fn now(&self) -> u64 {
        self.clock.load(Ordering::Acquire)
    }

    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Records a change, from this process's commit or another's notification.
    pub fn apply(&self, change: &Change) {
        let at = self.tick();
        let mut stamps = self.stamps.write().unwrap_or_else(|p| p.into_inner());
        let map = match change {
            Change::Token(_) => &mut stamps.tokens,
            Change::Account(_) => &mut stamps.accounts,
            Change::Organization(_) => &mut stamps.organizations,
        };
        if map.len() >= MAX_STAMPS {
            // Bounded memory: fold the old stamps into one "everything changed".
            map.clear();
            self.everything.store(at, Ordering::Release);
        }
        map.insert(change.key().to_string(), at);
        METRICS.invalidated(change.kind());
    }

    /// Everything kept before now is no longer good (the listening connection was lost, or is
    /// back and may have missed something meanwhile).
    pub fn forget_everything(&self) {
        let at = self.tick();
        self.everything.store(at, Ordering::Release);
        let mut stamps = self.stamps.write().unwrap_or_else(|p| p.into_inner());
        *stamps = Stamps::default();
        self.everything_dropped.fetch_add(1, Ordering::Relaxed);
        METRICS.invalidated("everything");
    }

    /// Whether changes made elsewhere reach this process now; while not, nothing kept is good.
    pub fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Release);
    }

    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// Whether a read begun at `since` about this token, account and organization still holds.
    pub fn unchanged_since(
        &self,
        since: u64,
        token: &str,
        account: &str,
        organization: &str,
    ) -> bool {
        if !self.is_live() || self.everything.load(Ordering::Acquire) > since {
            return false;
        }
        let stamps = self.stamps.read().unwrap_or_else(|p| p.into_inner());
        let later =
            |map: &HashMap<String, u64>, key: &str| map.get(key).is_some_and(|t| *t > since);
        !(later(&stamps.tokens, token)
            || later(&stamps.accounts, account)
            || later(&stamps.organizations, organization))
    }

    /// A notification received: applies another process's change, or notes a heartbeat.
    pub fn receive(&self, notice: Notice, now_ms: i64) {
        match notice {
            Notice::Change {
                origin,
                sent_ms,
                change,
            } => {
                if origin != self.origin {
                    self.apply(&change);
                    METRICS
                        .notification_lag_seconds
                        .observe((now_ms - sent_ms).max(0) as f64 / 1000.0);
                }
            }
            Notice::Beat { origin, .. } => {
                if origin == self.origin {
                    self.last_beat_ms.store(now_ms, Ordering::Release);
                }
            }
        }
    }

    /// When this process last heard its own heartbeat back.
    pub fn last_beat_ms(&self) -> i64 {
        self.last_beat_ms.load(Ordering::Acquire)
    }
}

/// How often each process sends itself a heartbeat through PostgreSQL, and how long without
/// hearing it back counts as a lost listening connection (one that is gone without the server
/// saying so: a cut network).
pub const BEAT_EVERY: Duration = Duration::from_secs(1);
pub const BEAT_LOST_AFTER_MS: i64 = 3_000;
/// How long to wait before listening again after the connection was lost.
const RELISTEN_AFTER: Duration = Duration::from_millis(250);
/// How often SQLite's `data_version` is read for other connections' commits.
const SQLITE_POLL_EVERY: Duration = Duration::from_millis(5);

/// Milliseconds since the epoch, for notifications' timestamps.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Listens for other processes' changes on PostgreSQL, for as long as the process runs. Live
/// only while its connection is: when the connection is lost (or its own heartbeat stops
/// coming back), everything kept is dropped and not used until `LISTEN` is in place again,
/// and dropped once more then, so a change sent meanwhile cannot leave a stale entry.
pub async fn listen(pool: sqlx::PgPool, log: Arc<ChangeLog>) {
    use sqlx::postgres::PgListener;
    loop {
        if let Ok(mut listener) = PgListener::connect_with(&pool).await {
            if listener.listen(CHANNEL).await.is_ok() {
                log.forget_everything();
                log.last_beat_ms.store(now_ms(), Ordering::Release);
                log.set_live(true);
                tracing::info!("following other processes' changes");
                loop {
                    let received = tokio::time::timeout(BEAT_EVERY, listener.try_recv()).await;
                    match received {
                        Ok(Ok(Some(notification))) => {
                            if let Some(notice) = Notice::parse(notification.payload()) {
                                log.receive(notice, now_ms());
                            }
                        }
                        // The connection is gone.
                        Ok(Ok(None)) | Ok(Err(_)) => break,
                        Err(_) => {}
                    }
                    if now_ms() - log.last_beat_ms() > BEAT_LOST_AFTER_MS {
                        break;
                    }
                }
            }
        }
        if log.is_live() {
            tracing::warn!("lost the connection that follows other processes' changes; not using what was kept until it is back");
        }
        log.set_live(false);
        log.forget_everything();
        tokio::time::sleep(RELISTEN_AFTER).await;
    }
}

/// Sends this process's heartbeat through PostgreSQL, so `listen` can tell a connection that
/// still receives from one that was cut silently.
pub async fn beat(pool: sqlx::PgPool, log: Arc<ChangeLog>) {
    let mut every = tokio::time::interval(BEAT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let _ = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(Notice::beat(log.origin(), now_ms()))
            .execute(&pool)
            .await;
    }
}

/// Follows other processes' changes on SQLite: on a connection of its own, reads
/// `PRAGMA data_version` every few milliseconds (it changes when any other connection
/// commits), and when it has changed reads the new rows of `credential_changes`.
pub async fn follow_sqlite(options: sqlx::sqlite::SqliteConnectOptions, log: Arc<ChangeLog>) {
    use sqlx::{Connection, SqliteConnection};
    loop {
        if let Ok(mut conn) = SqliteConnection::connect_with(&options).await {
            let start: Result<i64, _> =
                sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM credential_changes")
                    .fetch_one(&mut conn)
                    .await;
            if let Ok(mut seen) = start {
                let mut version: i64 = -1;
                log.forget_everything();
                log.set_live(true);
                loop {
                    let now: Result<i64, _> = sqlx::query_scalar("PRAGMA data_version")
                        .fetch_one(&mut conn)
                        .await;
                    let Ok(now) = now else { break };
                    if now != version {
                        version = now;
                        let rows: Result<Vec<(i64, String, String, String)>, _> = sqlx::query_as(
                            "SELECT id, origin, kind, key FROM credential_changes WHERE id > $1 ORDER BY id",
                        )
                        .bind(seen)
                        .fetch_all(&mut conn)
                        .await;
                        let Ok(rows) = rows else { break };
                        for (id, origin, kind, key) in rows {
                            seen = id;
                            if origin != log.origin() {
                                if let Some(change) = Change::from_parts(&kind, &key) {
                                    log.apply(&change);
                                }
                            }
                        }
                    }
                    tokio::time::sleep(SQLITE_POLL_EVERY).await;
                }
            }
        }
        log.set_live(false);
        log.forget_everything();
        tokio::time::sleep(RELISTEN_AFTER).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_spoils_only_reads_begun_before_it_and_only_of_what_it_names() {
        let log = ChangeLog::new(true);
        let before = log.now();
        log.apply(&Change::Token("tok_1".into()));
        assert!(!log.unchanged_since(before, "tok_1", "sa_1", "org_1"));
        assert!(
            log.unchanged_since(before, "tok_2", "sa_1", "org_1"),
            "another token"
        );
        let after = log.now();
        assert!(
            log.unchanged_since(after, "tok_1", "sa_1", "org_1"),
            "read after the change"
        );
        log.apply(&Change::Organization("org_1".into()));
        assert!(!log.unchanged_since(after, "tok_2", "sa_2", "org_1"));
        assert!(log.unchanged_since(after, "tok_2", "sa_2", "org_2"));
        log.apply(&Change::Account("sa_3".into()));
        assert!(!log.unchanged_since(after, "tok_9", "sa_3", "org_2"));
    }

    #[test]
    fn nothing_kept_holds_while_changes_may_be_missed_or_after_everything_changed() {
        let log = ChangeLog::new(true);
        let since = log.now();
        log.set_live(false);
        assert!(!log.unchanged_since(since, "t", "a", "o"));
        log.set_live(true);
        assert!(log.unchanged_since(since, "t", "a", "o"));
        log.forget_everything();
        assert!(!log.unchanged_since(since, "t", "a", "o"));
        assert!(log.unchanged_since(log.now(), "t", "a", "o"));
    }

    #[test]
    fn notifications_round_trip_and_a_process_skips_its_own() {
        let log = ChangeLog::new(true);
        let change = Change::Account("sa_1".into());
        let mine = Notice::parse(&change.payload(log.origin(), 5)).unwrap();
        let since = log.now();
        log.receive(mine, 7);
        assert!(
            log.unchanged_since(since, "t", "sa_1", "o"),
            "applied at commit already"
        );
        let theirs = Notice::parse(&change.payload("proc_other", 5)).unwrap();
        let lags = || {
            let text = METRICS.render();
            let line = text
                .lines()
                .find(|l| l.starts_with("steward_change_notification_lag_seconds_count "))
                .map(str::to_string);
            line.and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
                .unwrap_or_default()
        };
        let heard = lags();
        log.receive(theirs, 9);
        assert!(!log.unchanged_since(since, "t", "sa_1", "o"));
        assert!(lags() > heard, "its lag is measured");
        log.receive(Notice::parse(&Notice::beat(log.origin(), 10)).unwrap(), 12);
        assert_eq!(log.last_beat_ms(), 12);
        assert_eq!(Notice::parse("nonsense"), None);
        assert_eq!(Notice::parse("change|p|1|planet|x"), None);
    }
}
