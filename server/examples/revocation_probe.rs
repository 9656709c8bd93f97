//! Measures how long a revocation made through one replica takes to be refused by another, run
//! by `scripts/bench.sh revocation` while wrk keeps the second replica busy.
//!
//! Signs in to replica A as the benchmark's administrator, makes a service account, and for
//! each of ROUNDS rounds: creates a token through A, uses it on B until B answers from its
//! cache, revokes it through A, and asks B in a tight loop until B refuses it. Halfway, it
//! terminates every listening connection from PostgreSQL's side (`pg_terminate_backend`), as a
//! failover or an operator would; rounds after that must not see a stale answer either.
//! Prints, in milliseconds from the revoke request's start until B's first refusal, `p50`,
//! `p99` and `max`; from A's answer to the revoke until B's first refusal, `ack_p50` and
//! `ack_p99`; how long one question to the busy B takes, `question_p50`, and how many
//! questions after A's answer it took until B refused, `tries_p50` and `tries_max` (what of
//! the latency is the question waiting behind B's load); and `stale <n>`: how many times B
//! still accepted a token more than a second after its revocation was acknowledged (a stale
//! answer, not one in flight).
//!
//! `A_URL=http://… B_URL=http://… STEWARD_DATABASE_URL=postgres://… ROUNDS=200
//!  cargo run --release -p server --example revocation_probe`

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const EMAIL: &str = "bench@example.test";
const PASSWORD: &str = "bench test password";

#[tokio::main]
async fn main() {
    let a = std::env::var("A_URL").expect("A_URL");
    let b = std::env::var("B_URL").expect("B_URL");
    let database = std::env::var("STEWARD_DATABASE_URL").expect("STEWARD_DATABASE_URL");
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(200);

    let browser = Client::builder().cookie_store(true).build().unwrap();
    let signed_in = browser
        .post(format!("{a}/api/v1/auth/login"))
        .header("Origin", &a)
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(signed_in.status().is_success(), "sign in: {signed_in:?}");
    let post = |path: &str, body: Value| {
        let request = browser
            .post(format!("{a}/api/v1/{path}"))
            .header("Origin", &a)
            .json(&body);
        async move {
            let r = request.send().await.unwrap();
            let status = r.status();
            let body: Value = r.json().await.unwrap_or_default();
            assert!(status.is_success(), "{status}: {body}");
            body
        }
    };
    let account = post(
        "service-accounts/create",
        json!({"name": "revocation-probe", "role": "viewer"}),
    )
    .await["service_account"]["id"]
        .as_str()
        .expect("an account id")
        .to_string();

    let probe = Client::new();
    let verify = |secret: String| {
        let request = probe.get(format!("{b}/auth/verify")).bearer_auth(secret);
        async move { request.send().await.map(|r| r.status()).ok() }
    };
    let mut took = Vec::with_capacity(rounds);
    let mut after_ack = Vec::with_capacity(rounds);
    let mut stale = 0;
    // How long one question to the busy B takes, and how many questions after A's answer until
    // B refuses: what of the latency is queueing behind B's load, and what is the change itself.
    let mut question = Vec::new();
    let mut tries = Vec::with_capacity(rounds);
    for round in 0..rounds {
        if round == rounds / 2 {
            terminate_listeners(&database).await;
        }
        let created = post(
            "tokens/create",
            json!({"service_account_id": account, "name": format!("probe-{round}"), "scopes": ["read"]}),
        )
        .await;
        let secret = created["secret"].as_str().unwrap().to_string();
        let id = created["token"]["id"].as_str().unwrap().to_string();
        // Used on B until it answers, and a few times more so B keeps it.
        let started = Instant::now();
        while verify(secret.clone()).await != Some(StatusCode::OK) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "B never accepted it"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for _ in 0..3 {
            verify(secret.clone()).await;
        }
        let revoking = Instant::now();
        post("tokens/revoke", json!({"id": id})).await;
        let acknowledged = Instant::now();
        let mut asked = 0usize;
        loop {
            let asking = Instant::now();
            let answer = verify(secret.clone()).await;
            question.push(asking.elapsed());
            asked += 1;
            match answer {
                Some(StatusCode::UNAUTHORIZED) => break,
                Some(StatusCode::OK) => {
                    if acknowledged.elapsed() > Duration::from_secs(1) {
                        stale += 1;
                    }
                }
                other => assert!(other.is_some(), "B did not answer"),
            }
            assert!(
                revoking.elapsed() < Duration::from_secs(30),
                "B still accepts a token revoked 30 s ago"
            );
        }
        tries.push(Duration::from_millis(asked as u64));
        took.push(revoking.elapsed());
        after_ack.push(acknowledged.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |all: &mut Vec<Duration>, q: f64| {
        all.sort();
        ms(all[((all.len() as f64 * q).ceil() as usize).saturating_sub(1)])
    };
    println!("rounds {}", took.len());
    println!("p50 {:.1}", at(&mut took, 0.50));
    println!("p99 {:.1}", at(&mut took, 0.99));
    println!("max {:.1}", at(&mut took, 1.0));
    println!("ack_p50 {:.1}", at(&mut after_ack, 0.50));
    println!("ack_p99 {:.1}", at(&mut after_ack, 0.99));
    println!("question_p50 {:.1}", at(&mut question, 0.50));
    println!("tries_p50 {:.0}", at(&mut tries, 0.50));
    println!("tries_max {:.0}", at(&mut tries, 1.0));
    println!("stale {stale}");
}

/// Ends every connection that listens for change notifications on this database, from the
/// server's side.
async fn terminate_listeners(database: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(database)
        .await
        .expect("connect");
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("terminate the listeners");
    eprintln!("terminated {} listening connections", ended.len());
}
