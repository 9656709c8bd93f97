//! SQL lives here and nowhere else. One SQL text serves both dialects where they agree
//! (both accept `$n` placeholders); each query runs on whichever pool `Db` holds.
//!
//! Longer than most files: the pools, write admission, transactions, migrations and the
//! dialect macros every other store file builds on, which read best together.

mod access;
mod account_list;
mod accounts;
mod audit;
mod auth_failures;
pub mod changes;
mod group_commit;
mod groups;
mod health;
mod housekeeping;
mod named;
mod notices;
mod organizations;
mod report_only;
mod roles;
mod sessions;
mod stale;
mod tokens;
mod trust;
mod typed;
mod usage;
mod users;

pub use access::{BindingFilter, BindingRow, GrantRow, NewBinding};
pub use account_list::AccountFilter;
pub use accounts::{AccountBasics, AccountRow, NewAccount};
pub use audit::{AuditCursor, AuditFilter, AuditRow, NewAuditEvent};
pub use group_commit::{GroupCommit, GroupWrite};
pub use groups::GroupMemberRow;
pub use housekeeping::Purged;
pub use named::{NamedRow, NamedTable, NewNamed};
pub use notices::{Attempt, ExpiringToken, NewNotice, NoticeRow};
pub use organizations::OrganizationRow;
pub use report_only::{
    Narrowed, Offender, QuietReportOnly, ReportOnlyColumns, ReportOnlyTotals, WouldRefuse,
};
pub use roles::DeclaredPermission;
pub use sessions::{NewSession, SessionRow};
pub use stale::{KeylessStaticRow, StaleAccountRow, StaleTokenRow};
pub use tokens::{CredentialRow, GuardColumns, NewToken, ReplacedSecret, TokenRow};
pub use trust::{
    ExchangeMark, ExchangeRow, NewTrustPolicy, TrustPolicyRow, POLICY_USE_RESOLUTION_MS,
};
pub use typed::Scopes;
pub use usage::{DayUsage, NetworkUsage, UsageBatch};
pub use users::{NewUser, UserRow};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Postgres, Sqlite, Transaction};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Runs `$body` with `$p` bound to the pool, whichever dialect it is, guarded by the database's
/// health (see `health`): while the database cannot be reached, it answers at once.
macro_rules! on_pool {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($p, w) => w.health.guard(async { $body }).await,
            $crate::store::Db::Postgres($p, w) => w.health.guard(async { $body }).await,
        }
    };
}

/// The `VALUES` list of a multi-row insert: `rows` groups of `columns` numbered placeholders
/// (`($1, $2), ($3, $4)`), which both dialects accept.
pub(crate) fn values_rows(rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(r * columns + c + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

/// Runs `$body` with `$c` bound to the transaction's connection, whichever dialect it is.
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(t, _) => {
                let $c = &mut **t;
                $body
            }
            $crate::store::Tx::Postgres(t, _) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use {on_pool, on_tx};

/// What the store can report to the services.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique index refused the write: the services turn this into a 409 naming the field.
    #[error("unique constraint violated")]
    UniqueViolation,
    /// The input holds a character the database cannot store or compare (PostgreSQL refuses
    /// NUL in text): the caller's mistake, not the server's.
    #[error("a character the database cannot store")]
    Unstorable,
    /// The database cannot be reached or is shutting down, or no connection came free in
    /// time: the request may succeed if repeated shortly (503), and nothing was written.
    #[error("database unavailable: {0}")]
    Unavailable(sqlx::Error),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::UniqueViolation,
            // 22021: character_not_in_repertoire, what PostgreSQL says of a NUL in text.
            sqlx::Error::Database(d) if d.code().as_deref() == Some("22021") => {
                StoreError::Unstorable
            }
            _ if is_unavailable(&e) => StoreError::Unavailable(e),
            _ => StoreError::Database(e),
        }
    }
}

/// Whether an error means "the database is not there right now" rather than "this request
/// is wrong": no connection (refused, reset, timed out), or PostgreSQL shutting down or
/// starting up (SQLSTATE class 08, and 57P01–57P03).
pub(crate) fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| {
            c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The database, SQLite or PostgreSQL, chosen by the URL at start, with its [`Writers`].
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool, Writers),
    Postgres(PgPool, Writers),
}

/// Admission to a write transaction. A transaction also reads through the pool while it is
/// open (the access checks), so with as many open transactions as connections each would
/// wait for a connection another holds, until the pool gave up, and a burst of writers would
/// stall every request (`scripts/bench.sh writes` exercises it). Admitting
/// fewer transactions than connections leaves one free for each; on SQLite, which lets one
/// writer in at a time anyway, one is admitted and the others queue here in order instead of
/// retrying against the file lock ("database is locked").
///
/// It also counts the write transactions this process has committed, so that what is cached
/// from a read (`services::tokens::credential_cache`) can tell that this process changed something since.
///
/// It carries the database's health too, which every pool operation consults, and the record
/// of changes (`changes`) that committed transactions and other processes' notifications
/// feed.
#[derive(Clone, Debug)]
pub struct Writers {
    slots: Arc<Semaphore>,
    commits: Arc<AtomicU64>,
    health: Arc<health::Health>,
    changes: Arc<changes::ChangeLog>,
    following: Arc<std::sync::atomic::AtomicBool>,
    /// SQLite's one writer has a connection of its own: it never waits behind reads for a
    /// connection, and its page cache stays valid from one transaction to the next (a
    /// connection's cache is dropped whenever another connection has written).
    sqlite_writer: Option<SqlitePool>,
}

impl Writers {
    fn new(slots: usize, probe: health::Probe, sqlite_writer: Option<SqlitePool>) -> Self {
        Writers {
            sqlite_writer,
            slots: Arc::new(Semaphore::new(slots)),
            commits: Arc::default(),
            health: health::Health::new(probe),
            // Until something follows other processes' changes, nothing kept is good.
            changes: changes::ChangeLog::new(false),
            following: Arc::default(),
        }
    }
}

/// An admitted write transaction's place; counts its commit when it commits, and carries the
/// changes it made to what credentials depend on.
pub struct Admission {
    _slot: OwnedSemaphorePermit,
    commits: Arc<AtomicU64>,
    log: Arc<changes::ChangeLog>,
    changed: Vec<changes::Change>,
}

/// One open transaction: each mutation and its audit record commit together or not at all.
/// It holds its admission until it ends.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>, Admission),
    Postgres(Transaction<'static, Postgres>, Admission),
}

/// Connections in a PostgreSQL pool, and write transactions admitted at once (half of them).
const POSTGRES_CONNECTIONS: u32 = 16;
/// Connections in a SQLite pool.
const SQLITE_CONNECTIONS: u32 = 8;
/// A PostgreSQL connection idle at least this long is pinged before it is used, so that the
/// connections a restart of the database left dead are found and replaced before a request
/// uses one. One in steady use is not: sqlx's default pings before every use, which is a round
/// trip to the database on every statement outside a transaction and every transaction.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);
/// How long a request waits for a connection or its turn to write before it answers 503.
const WAIT_FOR_DATABASE: Duration = Duration::from_secs(10);

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Db {
    /// Connects by URL: `postgres://…` or `postgresql://…` for PostgreSQL, anything else
    /// (`sqlite://file.db`, `sqlite::memory:`) for SQLite, creating the file if missing.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(POSTGRES_CONNECTIONS)
                .acquire_timeout(WAIT_FOR_DATABASE)
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for >= PING_AFTER_IDLE {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
                .connect_with(options.clone())
                .await?;
            let writers = Writers::new(
                POSTGRES_CONNECTIONS as usize / 2,
                health::Probe::Postgres(options),
                None,
            );
            return Ok(Db::Postgres(pool, writers));
        }
        // Checks read beside an open write transaction, so one connection is not enough; and an
        // in-memory database exists once per connection.
        if url.contains(":memory:") || url.contains("mode=memory") {
            return Err(StoreError::Database(sqlx::Error::Configuration(
                "an in-memory SQLite database is not supported: use a file, e.g. sqlite://steward.db"
                    .into(),
            )));
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // No ping before each use (sqlx's default): a SQLite connection is a file opened in
        // this process, which cannot hang up, and the ping is a round trip to the connection's
        // thread, as costly as a cheap query, on every statement outside a transaction and on
        // every write transaction.
        let pool = SqlitePoolOptions::new()
            .max_connections(SQLITE_CONNECTIONS)
            .acquire_timeout(WAIT_FOR_DATABASE)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(WAIT_FOR_DATABASE)
            .test_before_acquire(false)
            .connect_lazy_with(options.clone());
        Ok(Db::Sqlite(
            pool,
            Writers::new(1, health::Probe::Sqlite(options), Some(writer)),
        ))
    }

    /// Brings the schema up to date; safe to run on every start.
    pub async fn migrate(&self) -> StoreResult<()> {
        let result = match self {
            Db::Sqlite(p, _) => SQLITE_MIGRATIONS.run(p).await,
            Db::Postgres(p, _) => POSTGRES_MIGRATIONS.run(p).await,
        };
        result.map_err(|e| StoreError::Database(e.into()))
    }

    /// After a bulk load, does what a live database's autovacuum (PostgreSQL) or
    /// `PRAGMA optimize` (SQLite) would in time: fresh planner statistics, and on PostgreSQL a
    /// visibility map, without which no index-only scan skips the table.
    ///
    /// On SQLite only the counts per index are kept (`sqlite_stat1`). The sampled values of
    /// `sqlite_stat4` make a plan depend on the values bound to a statement, and SQLite then
    /// prepares the statement again on every execution: each credential lookup paid a parse
    /// and a plan. Dropping the table changes the schema, so every connection reloads its
    /// statistics without it.
    pub async fn refresh_statistics(&self) -> StoreResult<()> {
        match self {
            Db::Sqlite(p, _) => {
                // One transaction: no connection reloads its statistics in between, and a
                // failure leaves the connection rolled back, not inside an open transaction.
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                sqlx::query("ANALYZE").execute(&mut *tx).await?;
                sqlx::query("DROP TABLE IF EXISTS sqlite_stat4")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Db::Postgres(p, _) => sqlx::raw_sql("VACUUM (ANALYZE) service_accounts, tokens")
                .execute(p)
                .await
                .map(|_| ())?,
        }
        Ok(())
    }

    /// Starts a write transaction. SQLite takes the write lock up front so that a transaction
    /// which reads before it writes cannot fail to upgrade when another one commits first.
    /// Waits for admission first (see [`Writers`]), then for a connection.
    pub async fn begin(&self) -> StoreResult<Tx> {
        let (Db::Sqlite(_, writers) | Db::Postgres(_, writers)) = self;
        let slot = tokio::time::timeout(WAIT_FOR_DATABASE, writers.slots.clone().acquire_owned())
            .await
            .map_err(|_| StoreError::Unavailable(sqlx::Error::PoolTimedOut))?
            .map_err(|_| StoreError::Unavailable(sqlx::Error::PoolClosed))?;
        let admitted = Admission {
            _slot: slot,
            commits: writers.commits.clone(),
            log: writers.changes.clone(),
            changed: Vec::new(),
        };
        Ok(match self {
            Db::Sqlite(p, w) => Tx::Sqlite(
                w.health
                    .guard(
                        w.sqlite_writer
                            .as_ref()
                            .unwrap_or(p)
                            .begin_with("BEGIN IMMEDIATE"),
                    )
                    .await?,
                admitted,
            ),
            Db::Postgres(p, w) => Tx::Postgres(w.health.guard(p.begin()).await?, admitted),
        })
    }

    /// Write transactions this process has committed since it started.
    pub fn commits(&self) -> u64 {
        let (Db::Sqlite(_, writers) | Db::Postgres(_, writers)) = self;
        writers.commits.load(Ordering::Acquire)
    }

    /// Whether the database answers; backs `/readyz`.
    pub async fn ping(&self) -> bool {
        on_pool!(self, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(|_| ()))
        .is_ok()
    }

    /// This process's record of changes to what credentials depend on.
    pub fn changes(&self) -> &Arc<changes::ChangeLog> {
        let (Db::Sqlite(_, writers) | Db::Postgres(_, writers)) = self;
        &writers.changes
    }

    /// Starts following other processes' changes (once per database handle; later calls do
    /// nothing): `LISTEN` on PostgreSQL, the change table on SQLite. Until it has caught up,
    /// nothing kept from earlier reads is used.
    pub fn follow_changes(&self) {
        let (Db::Sqlite(_, writers) | Db::Postgres(_, writers)) = self;
        if writers.following.swap(true, Ordering::AcqRel) {
            return;
        }
        match self {
            Db::Postgres(pool, w) => {
                let (options, log) = ((*pool.connect_options()).clone(), w.changes.clone());
                on_own_thread(async move {
                    // A pool of its own, made on that thread, so its connections are driven there.
                    let pool = sqlx::postgres::PgPoolOptions::new()
                        .max_connections(2)
                        .connect_lazy_with(options);
                    tokio::join!(
                        changes::listen(pool.clone(), log.clone()),
                        changes::beat(pool, log)
                    );
                });
            }
            Db::Sqlite(_, w) => {
                if let health::Probe::Sqlite(options) = w.health.probe() {
                    on_own_thread(changes::follow_sqlite(options.clone(), w.changes.clone()));
                }
            }
        }
    }

    /// Whether the database is known to be unreachable right now (a probe failed to connect):
    /// requests then answer 503 at once instead of waiting for a connection.
    pub fn is_down(&self) -> bool {
        let (Db::Sqlite(_, writers) | Db::Postgres(_, writers)) = self;
        writers.health.is_down()
    }

    /// `(table, column)` pairs of the live schema, for the test that keeps dialects in step.
    pub async fn schema_columns(&self) -> StoreResult<Vec<(String, String)>> {
        let mut cols: Vec<(String, String)> = match self {
            Db::Sqlite(p, _) => {
                sqlx::query_as(
                    "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
                )
                .fetch_all(p)
                .await?
            }
            Db::Postgres(p, _) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'",
                )
                .fetch_all(p)
                .await?
            }
        };
        cols.sort();
        Ok(cols)
    }
}

impl Tx {
    /// The row-locking suffix for a read that a later write in this transaction depends on.
    /// PostgreSQL needs it so that two concurrent check-then-write transactions cannot both act
    /// on what they read; SQLite's `BEGIN IMMEDIATE` already lets only one writer in at a time
    /// (and has no such clause).
    fn lock_suffix(&self, lock: Lock) -> &'static str {
        match (self, lock) {
            (Tx::Sqlite(..), _) => "",
            (Tx::Postgres(..), Lock::ForUpdate) => " FOR UPDATE",
            (Tx::Postgres(..), Lock::ForShare) => " FOR SHARE",
        }
    }

    /// Notes that this transaction changes what credentials depend on: other processes are
    /// told when (and only if) it commits, this one as soon as it has.
    pub fn changed(&mut self, change: changes::Change) {
        let (Tx::Sqlite(_, a) | Tx::Postgres(_, a)) = self;
        if !a.changed.contains(&change) {
            a.changed.push(change);
        }
    }

    pub async fn commit(mut self) -> StoreResult<()> {
        self.publish_changes().await?;
        let admission = match self {
            Tx::Sqlite(t, admission) => t.commit().await.map(|_| admission)?,
            Tx::Postgres(t, admission) => t.commit().await.map(|_| admission)?,
        };
        admission.commits.fetch_add(1, Ordering::AcqRel);
        for change in &admission.changed {
            admission.log.apply(change);
        }
        Ok(())
    }

    /// Writes this transaction's changes where other processes will read them, inside the
    /// transaction: `NOTIFY` on PostgreSQL (delivered on commit), the `credential_changes`
    /// table on SQLite.
    async fn publish_changes(&mut self) -> StoreResult<()> {
        let now = changes::now_ms();
        match self {
            Tx::Postgres(t, a) => {
                for change in &a.changed {
                    sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(changes::CHANNEL)
                        .bind(change.payload(a.log.origin(), now))
                        .execute(&mut **t)
                        .await?;
                }
            }
            Tx::Sqlite(t, a) => {
                for change in &a.changed {
                    sqlx::query(
                        "INSERT INTO credential_changes (origin, kind, key, at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(a.log.origin())
                    .bind(change.kind())
                    .bind(change.key())
                    .bind(now)
                    .execute(&mut **t)
                    .await?;
                }
            }
        }
        Ok(())
    }
}

/// How a read inside a transaction locks the rows it returns (PostgreSQL only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// The transaction will change these rows.
    ForUpdate,
    /// The transaction depends on these rows staying as they are until it commits.
    ForShare,
}

/// Runs `follow` on a thread and runtime of its own: other processes' changes must be applied
/// the moment they arrive, not after every request queued on a busy runtime (a revocation
/// through another replica would otherwise wait behind them). The thread ends when the runtime
/// that started it does, as a task of that runtime would.
fn on_own_thread(follow: impl std::future::Future<Output = ()> + Send + 'static) {
    let (keep, ended) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _keep = keep;
        std::future::pending::<()>().await
    });
    let started = std::thread::Builder::new()
        .name("steward-changes".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(runtime) => runtime.block_on(async move {
                    tokio::select! {
                        _ = follow => {}
                        _ = ended => {}
                    }
                }),
                Err(e) => {
                    tracing::error!(error = %e, "could not start the thread that follows changes")
                }
            }
        });
    if let Err(e) = started {
        tracing::error!(error = %e, "could not start the thread that follows changes");
    }
}

/// A migrated SQLite database in a file of its own, for the store's unit tests, with its path
/// (to remove afterwards) and its pool.
#[cfg(test)]
pub(crate) async fn temporary_sqlite(name: &str) -> (Db, std::path::PathBuf, SqlitePool) {
    let path = std::env::temp_dir().join(format!(
        "steward-{name}-{}.db",
        crate::auth::random::new_id("test")
    ));
    let db = Db::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let Db::Sqlite(pool, _) = &db else {
        unreachable!("a SQLite URL")
    };
    let pool = pool.clone();
    (db, path, pool)
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_rows_number_every_placeholder() {
        assert_eq!(super::values_rows(1, 2), "($1, $2)");
        assert_eq!(super::values_rows(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
