//! Load run for the service-account list with 50,000 accounts: seeds a fresh database, starts
//! the real server on a random port, and times list requests over HTTP.
//!
//! `cargo run --release -p server --example list_load` (SQLite), or with
//! `STEWARD_DATABASE_URL=postgres://…/empty_db` for PostgreSQL. Prints a latency report.

use app::auth::random::new_id;
use app::domain::Role;
use app::services::setup::{create_admin, NewAdmin};
use app::services::RequestMeta;
use app::state::{AppConfig, AppState};
use app::store::{Db, NewAccount, NewToken};
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const ACCOUNTS: usize = 50_000;
const REQUESTS: usize = 200;

#[tokio::main]
async fn main() {
    let url = std::env::var("STEWARD_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}/steward-load-{}.db",
            std::env::temp_dir().display(),
            std::process::id()
        )
    });
    let db = Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(
        db.clone(),
        AppConfig {
            public_url: base.clone(),
            session_idle_secs: 3600,
            session_max_secs: 86_400,
            secret_key: None,
            notice_retry_base_ms: 30_000,
        },
    );
    let password = "load test password".to_string();
    let admin = NewAdmin {
        org_slug: "load".into(),
        org_name: "Load".into(),
        email: "load@example.test".into(),
        name: "Load".into(),
        password: password.clone(),
    };
    create_admin(&state, admin, None, &RequestMeta::default())
        .await
        .expect("admin");
    let org = match &db {
        Db::Sqlite(p) => sqlx::query_scalar::<_, String>("SELECT id FROM organizations")
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar::<_, String>("SELECT id FROM organizations")
            .fetch_one(p)
            .await
            .unwrap(),
    };

    let seeding = Instant::now();
    let roles = Role::ALL;
    for chunk in 0..ACCOUNTS / 5_000 {
        let mut tx = db.begin().await.unwrap();
        for i in chunk * 5_000..(chunk + 1) * 5_000 {
            let id = new_id("sa");
            tx.insert_account(&NewAccount {
                id: &id,
                organization_id: &org,
                name: &format!("bot-{i:05}"),
                description: "seeded",
                role: roles[i % 3],
                created_by: "seed",
                now: i as i64,
            })
            .await
            .unwrap();
            if i % 10 == 0 {
                let hash = format!("{:064x}", i);
                tx.insert_token(&NewToken {
                    id: &new_id("tok"),
                    organization_id: &org,
                    service_account_id: &id,
                    name: "t",
                    description: "",
                    scopes: "read",
                    secret_hash: &hash,
                    hint: "stw_…0000",
                    created_by: "seed",
                    created_at: i as i64,
                    expires_at: None,
                    role_cap: "viewer",
                    cap_permissions: None,
                    narrow_permissions: None,
                    narrow_workspaces: None,
                })
                .await
                .unwrap();
            }
        }
        tx.commit().await.unwrap();
    }
    // Fresh statistics, as autovacuum would have them on a live server.
    if let Db::Postgres(p) = &db {
        sqlx::query("ANALYZE").execute(p).await.unwrap();
    }
    println!(
        "seeded {ACCOUNTS} accounts ({} tokens) in {:.1?}",
        ACCOUNTS / 10,
        seeding.elapsed()
    );

    let options = LeptosOptions::builder().output_name("steward").build();
    let router = server::build_router(state, options, Default::default());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let post = |path: &str, body: serde_json::Value| {
        client
            .post(format!("{base}{path}"))
            .header("origin", &base)
            .json(&body)
            .send()
    };
    let r = post(
        "/api/v1/auth/login",
        serde_json::json!({"email": "load@example.test", "password": password}),
    )
    .await
    .unwrap();
    assert!(r.status().is_success());

    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>7}",
        "scenario (200 requests)", "p50", "p95", "max", "total"
    );
    let scenarios: [(&str, serde_json::Value); 5] = [
        ("first page, by name", serde_json::json!({})),
        ("page 900 of 1000", serde_json::json!({"page": 900})),
        ("search 'bot-4'", serde_json::json!({"query": "bot-4"})),
        (
            "role editor, newest first",
            serde_json::json!({"role": "editor", "sort": "-created"}),
        ),
        ("200 per page", serde_json::json!({"per_page": 200})),
    ];
    for (name, body) in scenarios {
        let mut times: Vec<Duration> = Vec::with_capacity(REQUESTS);
        let mut total = 0;
        for _ in 0..REQUESTS {
            let start = Instant::now();
            let res = post("/api/v1/service-accounts/list", body.clone())
                .await
                .unwrap();
            assert!(res.status().is_success(), "{}", res.status());
            let json: serde_json::Value = res.json().await.unwrap();
            times.push(start.elapsed());
            total = json["total"].as_i64().unwrap();
        }
        times.sort();
        let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
        println!(
            "{:<28} {:>9.2?} {:>9.2?} {:>9.2?} {:>7}",
            name,
            pct(0.5),
            pct(0.95),
            times[times.len() - 1],
            total
        );
    }
}
