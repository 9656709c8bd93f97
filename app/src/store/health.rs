//! Whether the database can be reached, as every request needs to know at once. Without this, a
//! request during an outage waited the pool's whole acquire timeout (sqlx retries a refused
//! connection until then), so a proxy's clients hung for ten seconds each instead of being told
//! to come back.
//!
//! Every pool operation goes through [`Health::guard`]. An operation that fails as "unavailable",
//! or that has waited longer than [`SUSPECT_AFTER`], has a probe check the database with a fresh
//! connection of its own (one probe at a time). When the probe cannot connect, the database is
//! marked down: operations waiting for a connection are answered at once, and new ones fail
//! without touching the pool. The probe keeps trying every [`PROBE_EVERY`] and marks the
//! database up as soon as it connects, so requests recover by themselves. A busy database that
//! answers the probe is never marked down: its requests keep waiting their turn.

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::Connection;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long an operation may wait before the database is checked.
pub const SUSPECT_AFTER: Duration = Duration::from_millis(250);
/// How long a probe may take to connect before the database counts as gone.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);
/// How often a database marked down is tried again.
const PROBE_EVERY: Duration = Duration::from_millis(250);

/// How a probe reaches the database: the pool's own settings, on a connection of its own.
#[derive(Debug, Clone)]
pub enum Probe {
    Sqlite(SqliteConnectOptions),
    Postgres(PgConnectOptions),
}

impl Probe {
    async fn connects(&self) -> bool {
        let attempt = async {
            match self {
                Probe::Sqlite(o) => SqliteConnection::connect_with(o).await?.close().await,
                Probe::Postgres(o) => PgConnection::connect_with(o).await?.close().await,
            }
        };
        matches!(
            tokio::time::timeout(PROBE_TIMEOUT, attempt).await,
            Ok(Ok(()))
        )
    }
}

/// The database's state as this process sees it, shared by every clone of the `Db`.
#[derive(Debug)]
pub struct Health {
    down: watch::Sender<bool>,
    probing: AtomicBool,
    probe: Probe,
}

impl Health {
    pub fn new(probe: Probe) -> Arc<Health> {
        Arc::new(Health {
            down: watch::Sender::new(false),
            probing: AtomicBool::new(false),
            probe,
        })
    }

    /// How a fresh connection to the database is made.
    pub fn probe(&self) -> &Probe {
        &self.probe
    }

    /// Whether the database is marked down right now.
    pub fn is_down(&self) -> bool {
        *self.down.borrow()
    }

    /// Runs a pool operation, unless the database is down; answers at once when it goes down
    /// while the operation waits. A refusal reads as a pool timeout (`StoreError::Unavailable`).
    pub async fn guard<T>(
        self: &Arc<Self>,
        work: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, sqlx::Error> {
        let mut down = self.down.subscribe();
        if *down.borrow_and_update() {
            return Err(sqlx::Error::PoolTimedOut);
        }
        tokio::pin!(work);
        let result = tokio::select! {
            r = &mut work => r,
            _ = tokio::time::sleep(SUSPECT_AFTER) => {
                self.suspect();
                tokio::select! {
                    r = &mut work => r,
                    _ = down.wait_for(|d| *d) => Err(sqlx::Error::PoolTimedOut),
                }
            }
        };
        if let Err(e) = &result {
            if super::is_unavailable(e) {
                self.suspect();
            }
        }
        result
    }

    /// Has the probe check the database, unless it is checking already.
    fn suspect(self: &Arc<Self>) {
        if self.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        let health = self.clone();
        tokio::spawn(async move {
            loop {
                if health.probe.connects().await {
                    if health.down.send_replace(false) {
                        tracing::info!("the database answers again");
                    }
                    break;
                }
                if !health.down.send_replace(true) {
                    tracing::warn!(
                        "the database cannot be reached: answering 503 until it is back"
                    );
                }
                tokio::time::sleep(PROBE_EVERY).await;
            }
            health.probing.store(false, Ordering::Release);
        });
    }
}
