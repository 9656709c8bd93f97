//! What every request handler shares: the database, configuration, and the last-used batcher.

use crate::services::usage::UsageRecorder;
use crate::store::Db;
use std::sync::Arc;

/// Settings that services need, resolved once at start.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where people reach this server, e.g. `https://steward.example.com`; no trailing slash.
    pub public_url: String,
    /// Idle time after which a browser session ends.
    pub session_idle_secs: i64,
}

impl AppConfig {
    /// Cookies get `Secure` exactly when the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// Cheap to clone; handed to server functions through Leptos context.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<AppConfig>,
    pub usage: Arc<UsageRecorder>,
}

impl AppState {
    pub fn new(db: Db, config: AppConfig) -> Self {
        AppState {
            db,
            config: Arc::new(config),
            usage: Arc::new(UsageRecorder::default()),
        }
    }
}
