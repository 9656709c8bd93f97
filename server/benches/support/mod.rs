//! What the criterion benchmarks share: a fresh database (SQLite, or PostgreSQL beside the one
//! `STEWARD_DATABASE_URL` names) and a state over it with one organization and its
//! administrator, as `server admin create` makes them.

use app::services::people::setup::{create_admin, NewAdmin};
use app::services::RequestMeta;
use app::state::{AppConfig, AppState};
use app::store::Db;

/// A fresh, migrated database named after the benchmark: PostgreSQL when
/// `STEWARD_DATABASE_URL` names a server, else a SQLite file in the temporary folder.
pub async fn fresh_database(name: &str) -> Db {
    let db = if let Some(url) = std::env::var("STEWARD_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    {
        use sqlx::Connection;
        let server = url.rsplit_once('/').unwrap().0.to_string();
        let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .unwrap();
        let database = format!("steward_bench_{name}");
        for sql in [
            format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
            format!("CREATE DATABASE {database}"),
        ] {
            sqlx::query(&sql).execute(&mut admin).await.unwrap();
        }
        Db::connect(&format!("{server}/{database}")).await.unwrap()
    } else {
        let dir = std::env::temp_dir().join(format!("steward-bench-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bench.db");
        let _ = std::fs::remove_file(&path);
        Db::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap()
    };
    db.migrate().await.unwrap();
    db
}

/// A state over `db` (the credential cache off: the benchmarks measure the work itself) with
/// the organization `bench` and its administrator; the organization's id.
pub async fn with_admin(db: &Db, adjust: impl FnOnce(&mut AppConfig)) -> (AppState, String) {
    let mut config = AppConfig {
        public_url: "http://127.0.0.1".into(),
        session_idle_secs: 3600,
        session_max_secs: 86_400,
        secret_key: None,
        notices: Default::default(),
        credential_cache_entries: 0,
        webhook_policy: Default::default(),
        oidc_ca_pem: None,
        issuer_policy: app::services::outbound::OutboundPolicy::issuers(Vec::new()),
    };
    adjust(&mut config);
    let state = AppState::new(db.clone(), config);
    let admin = NewAdmin {
        org_slug: "bench".into(),
        org_name: "Bench".into(),
        email: "bench@example.test".into(),
        name: "Bench".into(),
        password: "bench test password".into(),
    };
    create_admin(&state, admin, None, &RequestMeta::default())
        .await
        .unwrap();
    let org = db.users_by_email("bench@example.test").await.unwrap()[0]
        .organization_id
        .clone();
    (state, org)
}
