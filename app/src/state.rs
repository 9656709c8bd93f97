//! What every request handler shares: the database, configuration, the last-used batcher, the
//! bounded password hasher, the cache of permissions and the (optional) cache of credentials.

use crate::auth::password::Passwords;
use crate::services::access::cache::AccessCache;
use crate::services::notices::webhook_policy::webhook_client;
use crate::services::organizations::OrganizationCount;
use crate::services::outbound::OutboundPolicy;
use crate::services::tokens::credential_cache::CredentialCache;
use crate::services::tokens::guards::RateWindows;
use crate::services::tokens::usage::UsageRecorder;
use crate::services::tokens::verification::RefusalAudits;
use crate::services::trust::exchange_writes::ExchangeWrite;
use crate::services::trust::issuers::IssuerKeys;
use crate::store::{Db, GroupCommit};
use std::sync::Arc;

/// Settings that services need, resolved once at start.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where people reach this server, e.g. `https://steward.example.com`; no trailing slash.
    pub public_url: String,
    /// Idle time after which a browser session ends.
    pub session_idle_secs: i64,
    /// Time after sign-in at which a session ends however active it is.
    pub session_max_secs: i64,
    /// The key secrets Steward must read back are sealed with (`STEWARD_SECRET_KEY`).
    pub secret_key: Option<crate::auth::sealing::SealingKey>,
    /// How expiry notices are retried and leased.
    pub notices: NoticeTimings,
    /// How many recently used credentials are kept in memory (0: none); see
    /// `services::tokens::credential_cache`.
    pub credential_cache_entries: usize,
    /// Which internal networks webhooks may reach (`STEWARD_WEBHOOK_ALLOW_NETWORKS`); none by
    /// default. See `services::notices::webhook_policy`.
    pub webhook_policy: OutboundPolicy,
    /// Where identity token issuers may be fetched from: public addresses only by default. See
    /// `services::outbound`.
    pub issuer_policy: OutboundPolicy,
    /// Further trusted roots (PEM) for fetching identity token issuers' keys
    /// (`STEWARD_OIDC_CA_FILE`); see `services::trust::issuers`.
    pub oidc_ca_pem: Option<Vec<u8>>,
}

/// The timings of expiry-notice delivery: fixed in production, shortened by tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeTimings {
    /// The first wait before retrying a failed notice; it doubles per failure.
    pub retry_base_ms: i64,
    /// How long a process holds a notice while delivering it: longer than a delivery can take
    /// (the webhook client gives up after 10 seconds), so no other replica sends it meanwhile.
    pub lease_ms: i64,
}

impl Default for NoticeTimings {
    fn default() -> Self {
        NoticeTimings {
            retry_base_ms: 30_000,
            lease_ms: 60_000,
        }
    }
}

impl AppConfig {
    /// What automation puts in `session.json` as `tenantURL`: this server's public URL.
    pub fn tenant_url(&self) -> String {
        format!("{}/", self.public_url.trim_end_matches('/'))
    }

    /// Cookies get `Secure` exactly when the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// On https the cookie carries the `__Host-` prefix, which browsers only accept from a
    /// secure origin, for the whole host and no subdomain: a neighbour cannot plant or shadow it.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies() {
            "__Host-steward_session"
        } else {
            "steward_session"
        }
    }
}

/// Cheap to clone (one reference count: every request clones it several times on its way
/// through the middleware and into Leptos's context); handed to server functions through
/// Leptos context. Its parts are reached through `Deref`.
#[derive(Clone)]
pub struct AppState(Arc<StateParts>);

/// What `AppState` holds.
pub struct StateParts {
    pub db: Db,
    pub config: Arc<AppConfig>,
    pub usage: Arc<UsageRecorder>,
    pub passwords: Arc<Passwords>,
    pub access_cache: Arc<AccessCache>,
    pub credentials: Arc<CredentialCache>,
    /// Whether the server holds several organizations (`/auth/verify` then needs one named).
    pub organizations: Arc<OrganizationCount>,
    /// The HTTP client expiry notices are sent with, bound to the webhook policy.
    pub webhook_client: reqwest::Client,
    /// Identity token issuers' signing keys, for token exchange.
    pub issuer_keys: Arc<IssuerKeys>,
    /// Exchanged tokens waiting to be written together.
    pub exchange_writes: Arc<GroupCommit<ExchangeWrite>>,
    /// This replica's share of rate-limited tokens' current minutes.
    pub rate_windows: Arc<RateWindows>,
    /// When this process last asked to audit each refused token.
    pub refusal_audits: Arc<RefusalAudits>,
}

impl std::ops::Deref for AppState {
    type Target = StateParts;
    fn deref(&self) -> &StateParts {
        &self.0
    }
}

impl AppState {
    pub fn new(db: Db, config: AppConfig) -> Self {
        let credentials = Arc::new(CredentialCache::new(
            config.credential_cache_entries,
            db.changes().clone(),
        ));
        let webhook_client = webhook_client(&config.webhook_policy);
        // The server checks the CA file before it builds the state (`IssuerKeys::new`).
        let issuer_keys = Arc::new(
            IssuerKeys::new(config.oidc_ca_pem.as_deref(), &config.issuer_policy)
                .expect("STEWARD_OIDC_CA_FILE was checked at start"),
        );
        AppState(Arc::new(StateParts {
            db,
            config: Arc::new(config),
            usage: Arc::new(UsageRecorder::default()),
            passwords: Arc::new(Passwords::for_this_machine()),
            access_cache: Arc::new(AccessCache::default()),
            credentials,
            organizations: Arc::default(),
            webhook_client,
            issuer_keys,
            exchange_writes: Arc::default(),
            rate_windows: Arc::default(),
            refusal_audits: Arc::default(),
        }))
    }
}
