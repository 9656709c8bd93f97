//! Writes under concurrency: more simultaneous transactions than the pool has connections
//! once stalled every request until the pool gave up (each open transaction waited for a
//! second connection another held). Now each one answers, none twice, nothing lost.

use crate::common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(more_writers_than_connections_all_finish,);

async fn more_writers_than_connections_all_finish(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let mut accounts = Vec::new();
    for i in 0..4 {
        accounts.push(ada.create_account(&format!("writer-{i}"), "viewer").await);
    }
    // 48 at once: three times PostgreSQL's 16 connections, six times SQLite's 8.
    let started = std::time::Instant::now();
    let ada = &ada;
    let creations = (0..48).map(|i| {
        let account = accounts[i % accounts.len()].clone();
        async move {
            ada.post(
                "/api/v1/tokens/create",
                json!({"service_account_id": account, "name": format!("t-{i}")}),
            )
            .await
        }
    });
    let replies = futures::future::join_all(creations).await;
    for r in &replies {
        r.assert_status(StatusCode::OK);
    }
    let revocations = replies.iter().map(|r| {
        let id = r.body["token"]["id"].as_str().unwrap().to_string();
        async move { ada.post("/api/v1/tokens/revoke", json!({"id": id})).await }
    });
    for r in futures::future::join_all(revocations).await {
        r.assert_status(StatusCode::OK);
    }
    // Without admission the stalled requests waited out the pool's 10 s before failing.
    assert!(started.elapsed().as_secs() < 8, "{:?}", started.elapsed());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tokens WHERE name LIKE 't-%' AND revoked_at IS NOT NULL")
            .await,
        48
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'token.revoke'")
            .await,
        48
    );
}
