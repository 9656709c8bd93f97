//! Criterion benchmark of a keyless exchange (RFC 8693) once the issuer's keys are cached: the
//! identity token's ES256 signature and claims checked, its replay record written, the token
//! issued, audited and marked, in one durable transaction, on a real database (SQLite, or a
//! fresh PostgreSQL database beside the one `STEWARD_DATABASE_URL` names), with Steward on one
//! thread (one core): one exchange at a time, and 16 at a time as CI jobs arrive together. The
//! issuer is the integration tests' own (`tests/integration/test_issuer.rs`), over https on
//! loopback.
//!   cargo bench -p server --bench exchange    (`bash scripts/bench.sh exchange` reports it
//!                                              as exchanges per second)

#[path = "../tests/integration/test_issuer.rs"]
mod test_issuer;

use app::domain::{Role, Scope};
use app::services::outbound::{parse_networks, OutboundPolicy};
use app::services::people::setup::{create_admin, NewAdmin};
use app::services::trust::exchange::{exchange, ExchangeRequest};
use app::services::RequestMeta;
use app::state::{AppConfig, AppState};
use app::store::{Db, NewAccount, NewTrustPolicy, Scopes};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use serde_json::json;
use test_issuer::TestIssuer;

const AUDIENCE: &str = "https://steward.bench";
const ACCOUNT: &str = "sa_keyless_bench";

/// A fresh database: PostgreSQL when `STEWARD_DATABASE_URL` names a server, else SQLite.
async fn fresh_database() -> Db {
    if let Some(url) = std::env::var("STEWARD_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    {
        use sqlx::Connection;
        let server = url.rsplit_once('/').unwrap().0.to_string();
        let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .unwrap();
        for sql in [
            "DROP DATABASE IF EXISTS steward_bench_exchange WITH (FORCE)",
            "CREATE DATABASE steward_bench_exchange",
        ] {
            sqlx::query(sql).execute(&mut admin).await.unwrap();
        }
        return Db::connect(&format!("{server}/steward_bench_exchange"))
            .await
            .unwrap();
    }
    let dir = std::env::temp_dir().join(format!("steward-bench-exchange-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bench.db");
    let _ = std::fs::remove_file(&path);
    Db::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap()
}

/// A state over a fresh database whose account trusts `issuer`'s tokens from acme/api.
async fn seeded(issuer: &TestIssuer) -> AppState {
    let db = fresh_database().await;
    db.migrate().await.unwrap();
    let state = AppState::new(
        db.clone(),
        AppConfig {
            public_url: "http://127.0.0.1".into(),
            session_idle_secs: 3600,
            session_max_secs: 86_400,
            secret_key: None,
            notices: Default::default(),
            credential_cache_entries: 0,
            webhook_policy: Default::default(),
            oidc_ca_pem: Some(issuer.ca_pem.clone()),
            issuer_policy: OutboundPolicy::issuers(parse_networks("127.0.0.0/8").unwrap()),
        },
    );
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
    let now = app::services::clock::now_ms();
    let mut tx = db.begin().await.unwrap();
    tx.insert_account(&NewAccount {
        id: ACCOUNT,
        organization_id: &org,
        name: "deployer",
        description: "",
        role: Role::Editor,
        created_by: "bench",
        now,
    })
    .await
    .unwrap();
    tx.insert_trust_policy(&NewTrustPolicy {
        id: "trp_bench".into(),
        organization_id: org.clone(),
        service_account_id: ACCOUNT.into(),
        issuer: issuer.url.clone(),
        audience: AUDIENCE.into(),
        conditions: json!([{"claim": "repository", "value": "acme/api"}]).to_string(),
        scopes: Scopes(vec![Scope::Read, Scope::Write]),
        role_cap: Role::Admin,
        cap_permissions: None,
        narrow_permissions: None,
        narrow_workspaces: None,
        lifetime_seconds: 900,
        created_by: "bench".into(),
        created_at: now,
        last_exchange_at: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    state
}

fn exchanges(c: &mut Criterion) {
    // One thread: the figure is what one core exchanges.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let issuer = runtime.block_on(TestIssuer::start());
    let state = runtime.block_on(seeded(&issuer));
    let meta = RequestMeta::default();
    let request = || ExchangeRequest {
        subject_token: TestIssuer::sign(
            &issuer.ec,
            &issuer.claims(AUDIENCE, json!({"repository": "acme/api", "run_id": "1"})),
        ),
        service_account_id: ACCOUNT.into(),
        scope: None,
    };
    // The first exchange fetches the issuer's keys; what follows is measured with them cached.
    let first = runtime.block_on(exchange(&state, &meta, request()));
    assert!(first.is_ok(), "the first exchange works");

    let database = if matches!(state.db, app::store::Db::Sqlite(..)) {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    c.bench_function(
        &format!("exchanging an identity token, one at a time ({database})"),
        |b| {
            b.to_async(&runtime).iter_batched(
                request,
                |req| async {
                    let done = exchange(&state, &meta, req).await;
                    assert!(done.is_ok());
                },
                BatchSize::SmallInput,
            )
        },
    );
    // CI jobs arrive together: 16 exchanges in flight, the time reported per exchange.
    c.bench_function(
        &format!("exchanging identity tokens, 16 at a time ({database})"),
        |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                let requests: Vec<ExchangeRequest> = (0..iters).map(|_| request()).collect();
                let (state, meta) = (&state, &meta);
                async move {
                    use futures::StreamExt;
                    let started = std::time::Instant::now();
                    let done: Vec<_> = futures::stream::iter(requests)
                        .map(|req| exchange(state, meta, req))
                        .buffer_unordered(16)
                        .collect()
                        .await;
                    let elapsed = started.elapsed();
                    assert!(done.iter().all(|d| d.is_ok()));
                    elapsed
                }
            })
        },
    );
    assert_eq!(issuer.jwks_fetches(), 1, "the keys stayed cached");
}

criterion_group!(benches, exchanges);
criterion_main!(benches);
