//! Test harness: starts the real server on a random port over a fresh database (SQLite file,
//! or a new PostgreSQL database when `STEWARD_TEST_DATABASE_URL` is set), and speaks HTTP to it.

#![allow(dead_code)]

use app::services::outbound::{parse_networks, OutboundPolicy};
use app::services::people::setup::{create_admin, NewAdmin};
use app::services::RequestMeta;
use app::state::{AppConfig, AppState};
use app::store::Db;
use app::store::NewUser;
use leptos::prelude::LeptosOptions;
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::middleware::client_ip::TrustedProxies;
use server::routes::metrics::MetricsToken;
use server::RouterConfig;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Mutex, Once};

/// Which database a test runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// PostgreSQL when a server URL is configured. When `STEWARD_REQUIRE_POSTGRES=1` (as the test
    /// command sets it) a missing URL is a failure, so a CI run cannot silently skip the dialect.
    pub fn postgres() -> Option<Backend> {
        match std::env::var("STEWARD_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(url)),
            _ => {
                assert!(
                    std::env::var("STEWARD_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                    "STEWARD_REQUIRE_POSTGRES=1 but STEWARD_TEST_DATABASE_URL is not set"
                );
                eprintln!("skipping PostgreSQL: STEWARD_TEST_DATABASE_URL is not set");
                None
            }
        }
    }
}

/// Everything the server logged during this test binary's run, for the no-secrets check.
pub static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogSink;
impl Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        tracing_subscriber::fmt()
            // Debug level for everything the server does; the test client's own crates are left out.
            .with_env_filter("debug,cookie_store=off,reqwest=off,hyper_util::client=off")
            .with_writer(|| LogSink)
            .with_ansi(false)
            .init();
    });
}

fn random_suffix() -> String {
    app::auth::random::base62(12).to_lowercase()
}

/// A new empty database: a SQLite file in the temporary directory, or a new PostgreSQL
/// database on the configured server. Returns its URL (and the SQLite file's path).
pub async fn fresh_database(backend: Backend) -> (String, Option<std::path::PathBuf>) {
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("steward-test-{}.db", random_suffix()));
            (format!("sqlite://{}", path.display()), Some(path))
        }
        Backend::Postgres(admin_url) => {
            let name = format!("steward_test_{}", random_suffix());
            let admin = Db::connect(&admin_url)
                .await
                .expect("connect to PostgreSQL");
            if let Db::Postgres(pool, _) = &admin {
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(pool)
                    .await
                    .expect("create test database");
                pool.close().await;
            }
            let (prefix, _) = admin_url.rsplit_once('/').expect("database URL has a path");
            (format!("{prefix}/{name}"), None)
        }
    }
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub db_url: String,
    pub sqlite_path: Option<std::path::PathBuf>,
}

/// Answer of one call: status, headers and JSON body (or `Null`).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    /// The body as text, for answers that are not JSON (exports).
    pub text: String,
}

impl Reply {
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
    pub fn error_message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }
    pub fn error_field(&self) -> &str {
        self.body["error"]["field"].as_str().unwrap_or("")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How a test server differs from the defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `STEWARD_TRUSTED_PROXIES`; empty trusts nobody.
    pub trusted_proxies: &'static str,
    pub session_idle_secs: i64,
    pub session_max_secs: i64,
    /// The public URL; by default the server's own `http://127.0.0.1:port`.
    pub public_url: Option<String>,
    /// The first wait before retrying a failed expiry notice.
    pub notice_retry_base_ms: i64,
    /// How long a process holds a notice while delivering it.
    pub notice_lease_ms: i64,
    /// The built site's folder (with `pkg` inside); by default one that does not exist.
    pub site_root: Option<String>,
    /// `STEWARD_CREDENTIAL_CACHE`: on by default, as in production.
    pub credential_cache: bool,
    /// `STEWARD_WEBHOOK_ALLOW_NETWORKS`; empty by default, as in production, so a test with a
    /// receiver on loopback must allow it.
    pub webhook_allow_networks: &'static str,
    /// `STEWARD_METRICS_TOKEN`; none by default, as in production (`/metrics` is then 404).
    pub metrics_token: Option<&'static str>,
    /// `STEWARD_OIDC_CA_FILE`'s contents: the test issuer's CA.
    pub oidc_ca_pem: Option<Vec<u8>>,
    /// `STEWARD_OIDC_ALLOW_NETWORKS`; empty by default, as in production, so a test with an
    /// issuer on loopback must allow it (`Settings::loopback_issuer`).
    pub oidc_allow_networks: &'static str,
}

impl Settings {
    /// The defaults, trusting an identity token issuer on this machine that presents a
    /// certificate from `ca_pem` (the tests' `TestIssuer`).
    pub fn loopback_issuer(ca_pem: &[u8]) -> Settings {
        Settings {
            oidc_ca_pem: Some(ca_pem.to_vec()),
            oidc_allow_networks: "127.0.0.0/8",
            ..Settings::default()
        }
    }

    /// The defaults, with webhooks allowed to reach this machine (the tests' receivers).
    pub fn loopback_webhooks() -> Settings {
        Settings {
            webhook_allow_networks: "127.0.0.0/8, ::1",
            ..Settings::default()
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            trusted_proxies: "",
            session_idle_secs: 3600,
            session_max_secs: 7 * 86_400,
            public_url: None,
            notice_retry_base_ms: 30_000,
            notice_lease_ms: 60_000,
            site_root: None,
            credential_cache: true,
            webhook_allow_networks: "",
            metrics_token: None,
            oidc_ca_pem: None,
            oidc_allow_networks: "",
        }
    }
}

impl TestApp {
    /// The usual start of a test: a fresh server whose organization `acme` has one
    /// administrator, ada@acme.test, and a browser signed in as her.
    ///
    /// `let (app, ada) = TestApp::acme(b).await;`
    pub async fn acme(backend: Backend) -> (TestApp, Client) {
        Self::acme_with(backend, Settings::default()).await
    }

    /// The organization `acme` and its administrator ada@acme.test, nobody signed in: for tests
    /// that sign in themselves (forms, limits).
    pub async fn acme_signed_out(backend: Backend) -> TestApp {
        Self::spawn(backend)
            .await
            .with_admin("acme", "ada@acme.test")
            .await
    }

    /// As `acme`, on a server with other `settings`.
    pub async fn acme_with(backend: Backend, settings: Settings) -> (TestApp, Client) {
        let app = Self::spawn_with(backend, settings)
            .await
            .with_admin("acme", "ada@acme.test")
            .await;
        let ada = app.signed_in("ada@acme.test").await;
        (app, ada)
    }

    /// A second organization on the same server, `globex`, and its administrator
    /// gus@globex.test signed in: for tests that one organization never sees another's.
    pub async fn globex(&self) -> Client {
        self.admin("globex", "gus@globex.test").await;
        self.signed_in("gus@globex.test").await
    }

    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, Settings::default()).await
    }

    pub async fn spawn_with(backend: Backend, settings: Settings) -> TestApp {
        let (db_url, sqlite_path) = fresh_database(backend).await;
        let mut app = Self::spawn_on_with(&db_url, settings).await;
        app.sqlite_path = sqlite_path;
        app
    }

    /// Starts a server on an existing database URL.
    pub async fn spawn_on(db_url: &str) -> TestApp {
        Self::spawn_on_with(db_url, Settings::default()).await
    }

    /// Starts a server on an existing database URL, e.g. a second replica beside another.
    pub async fn spawn_on_with(db_url: &str, settings: Settings) -> TestApp {
        init_logs();
        let db_url = db_url.to_string();
        let db = Db::connect(&db_url).await.expect("connect");
        db.migrate().await.expect("migrate");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let state = AppState::new(
            db,
            AppConfig {
                public_url: settings.public_url.clone().unwrap_or_else(|| base.clone()),
                session_idle_secs: settings.session_idle_secs,
                session_max_secs: settings.session_max_secs,
                secret_key: Some(app::auth::sealing::SealingKey::from_secret(
                    "the test suite's server key",
                )),
                notices: app::state::NoticeTimings {
                    retry_base_ms: settings.notice_retry_base_ms,
                    lease_ms: settings.notice_lease_ms,
                },
                credential_cache_entries: if settings.credential_cache {
                    app::services::tokens::credential_cache::DEFAULT_ENTRIES
                } else {
                    0
                },
                issuer_policy: OutboundPolicy::issuers(
                    parse_networks(settings.oidc_allow_networks).unwrap(),
                ),
                webhook_policy: OutboundPolicy::webhooks(
                    parse_networks(settings.webhook_allow_networks).unwrap(),
                ),
                oidc_ca_pem: settings.oidc_ca_pem.clone(),
            },
        );
        app::services::settings::upgrade_sealed_secrets(&state)
            .await
            .expect("re-seal");
        let options = LeptosOptions::builder()
            .output_name("steward")
            .site_root(settings.site_root.as_deref().unwrap_or("target/site"))
            .build();
        let router_config = RouterConfig {
            trusted_proxies: TrustedProxies::parse(settings.trusted_proxies).unwrap(),
            metrics_token: settings.metrics_token.map(MetricsToken::new),
            ..RouterConfig::default()
        };
        let router = server::build_router(state.clone(), options, router_config);
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        TestApp {
            base,
            state,
            db_url,
            sqlite_path: None,
        }
    }

    /// A client that keeps cookies and sends our own Origin, as the browser would.
    pub fn browser(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap(),
            base: self.base.clone(),
            origin: Some(self.state.config.public_url.clone()),
            bearer: None,
            headers: Vec::new(),
        }
    }

    /// A client presenting an API token, as a script would.
    pub fn script(&self, token: &str) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: self.base.clone(),
            origin: None,
            bearer: Some(token.to_string()),
            headers: Vec::new(),
        }
    }

    pub fn anonymous(&self) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: self.base.clone(),
            origin: None,
            bearer: None,
            headers: Vec::new(),
        }
    }

    /// The same server with an administrator (and organization) already created, for the usual
    /// start of a test: `TestApp::spawn(b).await.with_admin("acme", "ada@acme.test").await`.
    pub async fn with_admin(self, org: &str, email: &str) -> TestApp {
        self.admin(org, email).await;
        self
    }

    /// Creates an administrator (and organization) the way `server admin create` does.
    pub async fn admin(&self, org: &str, email: &str) {
        let input = NewAdmin {
            org_slug: org.into(),
            org_name: org.into(),
            email: email.into(),
            name: email.split('@').next().unwrap().into(),
            password: PASSWORD.into(),
        };
        create_admin(&self.state, input, None, &RequestMeta::default())
            .await
            .expect("create admin");
    }

    /// Adds a person with `role` to the organization of `colleague_email` (test seeding: the
    /// members API would need an invitation round trip for each).
    pub async fn member(&self, colleague_email: &str, email: &str, role: &str) {
        let colleague = self
            .state
            .db
            .users_by_email(colleague_email)
            .await
            .unwrap()
            .remove(0);
        let hash = self.state.passwords.hash(PASSWORD.into()).await.unwrap();
        let mut tx = self.state.db.begin().await.unwrap();
        tx.insert_user(&NewUser {
            id: &app::auth::random::new_id("usr"),
            organization_id: &colleague.organization_id,
            email,
            name: email,
            password_hash: Some(&hash),
            role,
            now: 0,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    /// A browser client signed in as `email`.
    pub async fn signed_in(&self, email: &str) -> Client {
        let c = self.browser();
        let r = c
            .post(
                "/api/v1/auth/login",
                json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        c
    }

    /// What `auth/whoami` answers a script presenting `secret`: whether the token works.
    pub async fn whoami_status(&self, secret: &str) -> StatusCode {
        self.script(secret)
            .post("/api/v1/auth/whoami", json!({}))
            .await
            .status
    }

    /// A POST as a browser would send it with exactly this cookie header (or none) and Origin,
    /// without a cookie jar, for tests that follow session ids by hand.
    pub async fn post_with_cookie(
        &self,
        path: &str,
        cookie: Option<&str>,
        body: Value,
    ) -> reqwest::Response {
        let mut req = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .header("origin", &self.state.config.public_url)
            .body(body.to_string());
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send().await.expect("request")
    }

    /// Runs one SQL statement on the test database (to set up states the API cannot make,
    /// such as a session last seen two minutes ago).
    pub async fn execute(&self, sql: &str) {
        match &self.state.db {
            Db::Sqlite(p, _) => {
                sqlx::query(sql).execute(p).await.unwrap();
            }
            Db::Postgres(p, _) => {
                sqlx::query(sql).execute(p).await.unwrap();
            }
        }
        // Rows changed behind the store's back (a test travelling in time) publish no change:
        // this process's cached credentials must not outlive them.
        self.state.db.changes().forget_everything();
    }

    /// One text column of every row a query returns.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        match &self.state.db {
            Db::Sqlite(p, _) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
            Db::Postgres(p, _) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        }
    }

    /// One number from the test database.
    pub async fn count(&self, sql: &str) -> i64 {
        match &self.state.db {
            Db::Sqlite(p, _) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
            Db::Postgres(p, _) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        }
    }

    /// Every byte of the database's contents, as text, for the no-secrets check.
    pub async fn database_dump(&self) -> String {
        match &self.state.db {
            Db::Sqlite(pool, _) => {
                // Checkpoint so the main file holds everything, then read the files as bytes.
                sqlx::query("PRAGMA wal_checkpoint(FULL)")
                    .execute(pool)
                    .await
                    .unwrap();
                let path = self.sqlite_path.as_ref().unwrap();
                let mut all = std::fs::read(path).unwrap();
                if let Ok(wal) = std::fs::read(format!("{}-wal", path.display())) {
                    all.extend(wal);
                }
                String::from_utf8_lossy(&all).into_owned()
            }
            Db::Postgres(pool, _) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
                )
                .fetch_all(pool)
                .await
                .unwrap();
                let mut out = String::new();
                for t in tables {
                    let rows: Vec<String> =
                        sqlx::query_scalar(&format!("SELECT CAST(x AS TEXT) FROM {t} x"))
                            .fetch_all(pool)
                            .await
                            .unwrap();
                    out.push_str(&rows.join("\n"));
                }
                out
            }
        }
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

/// The `name` of each item in a page's `items`, in order.
pub fn item_names(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .expect("a page has items")
        .iter()
        .map(|i| i["name"].as_str().expect("an item has a name"))
        .collect()
}

/// The `name=value` part of a response's `Set-Cookie`.
pub fn cookie_of(res: &reqwest::Response) -> Option<String> {
    let set = res.headers().get("set-cookie")?.to_str().ok()?;
    Some(set.split(';').next()?.to_string())
}

/// An HTTP client for one kind of caller.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub origin: Option<String>,
    pub bearer: Option<String>,
    /// Extra headers sent with every request, e.g. `X-Forwarded-For`.
    pub headers: Vec<(String, String)>,
}

impl Client {
    /// The same client, also sending `name: value` on every request.
    pub fn with_header(mut self, name: &str, value: &str) -> Client {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// A GET with this client's credentials, e.g. a download link.
    pub async fn get(&self, path: &str) -> Reply {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = &self.bearer {
            req = req.bearer_auth(t);
        }
        for (name, value) in &self.headers {
            req = req.header(name.as_str(), value.as_str());
        }
        Self::reply("get", path, req.send().await.expect("request")).await
    }

    /// The answer, after checking it against the OpenAPI document.
    async fn reply(method: &str, path: &str, res: reqwest::Response) -> Reply {
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        crate::documented::check(method, path, status.as_u16(), &body, &text);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.post_raw(path, body.to_string()).await
    }

    pub async fn post_raw(&self, path: &str, body: String) -> Reply {
        self.post_bytes(path, body.into_bytes()).await
    }

    /// A POST of exactly these bytes (which need not be UTF-8, or JSON).
    pub async fn post_bytes(&self, path: &str, body: Vec<u8>) -> Reply {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(o) = &self.origin {
            req = req.header("origin", o);
        }
        if let Some(t) = &self.bearer {
            req = req.bearer_auth(t);
        }
        for (name, value) in &self.headers {
            // From bytes: a hostile test sends values that are not visible ASCII.
            let value = reqwest::header::HeaderValue::from_bytes(value.as_bytes()).unwrap();
            req = req.header(name, value);
        }
        Self::reply("post", path, req.send().await.expect("request")).await
    }

    /// Creates a service account and returns its id.
    pub async fn create_account(&self, name: &str, role: &str) -> String {
        let r = self
            .post(
                "/api/v1/service-accounts/create",
                json!({"name": name, "role": role}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        r.body["service_account"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Creates a token and returns `(id, secret)`.
    pub async fn create_token(
        &self,
        account: &str,
        name: &str,
        scopes: &[&str],
    ) -> (String, String) {
        let r = self
            .post(
                "/api/v1/tokens/create",
                json!({"service_account_id": account, "name": name, "scopes": scopes}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        (
            r.body["token"]["id"].as_str().unwrap().to_string(),
            r.body["secret"].as_str().unwrap().to_string(),
        )
    }
}

/// Declares each test once per database.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(backend) = $crate::common::Backend::postgres() {
                        super::$name(backend).await
                    }
                }
            )*
        }
    };
}

/// The repository's root, read when the test runs rather than when it was compiled: a build
/// cache shared between clones can hand this binary to a clone in another directory.
pub fn repository_root() -> std::path::PathBuf {
    let manifest =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    std::path::Path::new(&manifest).join("..")
}

/// A site root of the test's own holding `files` (paths under it, such as `pkg/steward.js`),
/// each with a few placeholder bytes: enough for `server serve`, which refuses to start when a
/// file its pages load is missing, to start without a built site.
pub fn site_with(files: &[&str]) -> std::path::PathBuf {
    let site = std::env::temp_dir().join(format!("steward-site-{}", random_suffix()));
    for file in files {
        let path = site.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"placeholder").unwrap();
    }
    site
}

/// What a cargo-leptos build of this workspace writes for the pages to load.
pub const SITE_FILES: &[&str] = &["pkg/steward.js", "pkg/steward.wasm", "pkg/steward.css"];

/// A program of the Python virtual environment the test command makes (`scripts/setup.sh
/// --test`: Authlib, Schemathesis), for the tests that check Steward with software it did not
/// write. `None` (the test skips) when it is missing, unless `STEWARD_REQUIRE_PYTHON_TOOLS=1`
/// (as `scripts/test.sh` sets it), so CI cannot skip them silently.
pub fn python_tool(name: &str) -> Option<std::path::PathBuf> {
    let venv = std::env::var("STEWARD_PYTHON_VENV")
        .ok()
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var("HOME")
                .ok()
                .map(|home| std::path::Path::new(&home).join(".cache/steward-python"))
        })?;
    let program = venv.join("bin").join(name);
    if program.exists() {
        return Some(program);
    }
    assert!(
        std::env::var("STEWARD_REQUIRE_PYTHON_TOOLS").as_deref() != Ok("1"),
        "STEWARD_REQUIRE_PYTHON_TOOLS=1 but {} is missing (scripts/setup.sh --test makes it)",
        program.display()
    );
    eprintln!("skipping: {} is missing", program.display());
    None
}

/// Polls `check` until it holds, failing after `within`: another replica hears of a change a
/// few milliseconds after its commit, not at once.
/// How long another replica may take to hear of a change made through one: far more than it
/// takes (a notification on PostgreSQL, the next `data_version` poll on SQLite, a few
/// milliseconds), so a slow machine does not fail a test, and far less than a time-based
/// cache's second.
pub const REACH: std::time::Duration = std::time::Duration::from_millis(500);

/// Whether a replica that did not make a change answers `expected` for `secret` within
/// [`REACH`] (the replica that made it must answer so on the next request; test that
/// directly).
pub async fn reaches(replica: &TestApp, secret: &str, expected: StatusCode, what: &str) {
    eventually(REACH, what, || async {
        replica.whoami_status(secret).await == expected
    })
    .await;
}

pub async fn eventually<F, Fut>(within: std::time::Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while !check().await {
        assert!(started.elapsed() < within, "not within {within:?}: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}
