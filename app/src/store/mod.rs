//! SQL lives here and nowhere else. One SQL text serves both dialects where they agree
//! (both accept `$n` placeholders); each query runs on whichever pool `Db` holds.

mod access;
mod accounts;
mod audit;
mod auth_failures;
mod groups;
mod housekeeping;
mod named;
mod notices;
mod organizations;
mod roles;
mod sessions;
mod stale;
mod tokens;
mod typed;
mod usage;
mod users;

pub use access::{BindingFilter, BindingRow, GrantRow, NewBinding};
pub use accounts::{AccountFilter, AccountRow, NewAccount};
pub use audit::{AuditCursor, AuditFilter, AuditRow, NewAuditEvent};
pub use groups::GroupMemberRow;
pub use housekeeping::Purged;
pub use named::{NamedRow, NamedTable, NewNamed};
pub use notices::{Attempt, ExpiringToken, NewNotice, NoticeRow};
pub use organizations::OrganizationRow;
pub use roles::DeclaredPermission;
pub use sessions::{NewSession, SessionRow};
pub use stale::{StaleAccountRow, StaleTokenRow};
pub use tokens::{CredentialRow, NewToken, ReplacedSecret, TokenRow};
pub use typed::Scopes;
pub use usage::UsageBatch;
pub use users::{NewUser, UserRow};

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Postgres, Sqlite, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// Runs `$body` with `$p` bound to the pool, whichever dialect it is.
macro_rules! on_pool {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($p) => $body,
            $crate::store::Db::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the transaction's connection, whichever dialect it is.
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::store::Tx::Postgres(t) => {
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
            _ => StoreError::Database(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The database, SQLite or PostgreSQL, chosen by the URL at start.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// One open transaction: each mutation and its audit record commit together or not at all.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Db {
    /// Connects by URL: `postgres://…` or `postgresql://…` for PostgreSQL, anything else
    /// (`sqlite://file.db`, `sqlite::memory:`) for SQLite, creating the file if missing.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            return Ok(Db::Postgres(pool));
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
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Db::Sqlite(pool))
    }

    /// Brings the schema up to date; safe to run on every start.
    pub async fn migrate(&self) -> StoreResult<()> {
        let result = match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
        };
        result.map_err(|e| StoreError::Database(e.into()))
    }

    /// Starts a write transaction. SQLite takes the write lock up front so that a transaction
    /// which reads before it writes cannot fail to upgrade when another one commits first.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Whether the database answers; backs `/readyz`.
    pub async fn ping(&self) -> bool {
        on_pool!(self, |p| sqlx::query("SELECT 1").execute(p).await.is_ok())
    }

    /// `(table, column)` pairs of the live schema, for the test that keeps dialects in step.
    pub async fn schema_columns(&self) -> StoreResult<Vec<(String, String)>> {
        let mut cols: Vec<(String, String)> = match self {
            Db::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
                )
                .fetch_all(p)
                .await?
            }
            Db::Postgres(p) => {
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
            (Tx::Sqlite(_), _) => "",
            (Tx::Postgres(_), Lock::ForUpdate) => " FOR UPDATE",
            (Tx::Postgres(_), Lock::ForShare) => " FOR SHARE",
        }
    }

    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
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
