//! Criterion benchmark of a keyless exchange (RFC 8693) once the issuer's keys are cached: the
//! identity token's ES256 signature and claims checked, its replay record written, the token
//! issued, audited and marked, durably (exchanges at the same moment in one transaction), on a
//! real database (SQLite, or a fresh PostgreSQL database beside the one `STEWARD_DATABASE_URL`
//! names), with Steward on one thread: one exchange at a time, and 16 at a time as CI jobs
//! arrive together. The issuer is the integration tests' own
//! (`tests/integration/test_issuer.rs`), over https on loopback.
//!   cargo bench -p server --bench exchange    (`bash scripts/bench.sh exchange` runs it on one
//!                                              core and reports exchanges per second)

mod support;
#[path = "../tests/integration/test_issuer.rs"]
mod test_issuer;

use app::domain::{Role, Scope};
use app::services::outbound::{parse_networks, OutboundPolicy};
use app::services::trust::exchange::{exchange, ExchangeRequest};
use app::services::RequestMeta;
use app::state::AppState;
use app::store::{NewAccount, NewTrustPolicy, Scopes};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use serde_json::json;
use test_issuer::TestIssuer;

const AUDIENCE: &str = "https://steward.bench";
const ACCOUNT: &str = "sa_keyless_bench";

/// A state over a fresh database whose account trusts `issuer`'s tokens from acme/api.
async fn seeded(issuer: &TestIssuer) -> AppState {
    let db = support::fresh_database("exchange").await;
    let (state, org) = support::with_admin(&db, |config| {
        config.oidc_ca_pem = Some(issuer.ca_pem.clone());
        config.issuer_policy = OutboundPolicy::issuers(parse_networks("127.0.0.0/8").unwrap());
    })
    .await;
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
