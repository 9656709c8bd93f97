//! The credential cache, on by default, on two replicas of one database: a revocation counts
//! at once on the replica that made it and as soon as the change reaches the other (NOTIFY on
//! PostgreSQL, the change table on SQLite), a change to one token leaves the others cached, a
//! lost listening connection leaves no stale answer, and the `whoami` and introspection answers
//! kept with a cached credential follow every change on the next request.

use crate::common::{Backend, TestApp, REACH};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

on_both_databases!(
    a_revocation_reaches_every_replica_at_once,
    kept_answers_follow_a_change_on_the_next_request
);

async fn verify(app: &TestApp, secret: &str) -> StatusCode {
    crate::verification::verify(app, secret, "").await.status()
}

async fn a_revocation_reaches_every_replica_at_once(b: Backend) {
    let (first, ada) = TestApp::acme(b).await;
    let second = TestApp::spawn_on(&first.db_url).await;
    let sa = ada.create_account("ci", "editor").await;
    let (token_id, secret) = ada.create_token(&sa, "t", &["read"]).await;
    let (_, other) = ada.create_token(&sa, "u", &["read"]).await;
    wait_until_following(&second).await;

    // The second replica reads and keeps both tokens, then answers from its cache.
    for s in [&secret, &other, &secret, &other] {
        assert_eq!(verify(&second, s).await, StatusCode::OK);
    }
    let cache = &second.state.credentials;
    let hits = cache.hits.load(Ordering::Relaxed);
    assert!(hits >= 2, "answered from the cache: {hits} hits");

    let revoking = Instant::now();
    let r = ada
        .post("/api/v1/tokens/revoke", json!({"id": token_id}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        verify(&first, &secret).await,
        StatusCode::UNAUTHORIZED,
        "the replica that revoked it refuses it on the next request"
    );
    loop {
        match verify(&second, &secret).await {
            StatusCode::UNAUTHORIZED => break,
            status => assert!(
                revoking.elapsed() < REACH,
                "the other replica still answers {status} {:?} after the revocation",
                revoking.elapsed()
            ),
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    eprintln!(
        "revocation reached the other replica within {:?}",
        revoking.elapsed()
    );
    for _ in 0..5 {
        assert_eq!(verify(&second, &secret).await, StatusCode::UNAUTHORIZED);
    }
    // Only that token was dropped: the other is still answered from the cache.
    let hits = cache.hits.load(Ordering::Relaxed);
    assert_eq!(verify(&second, &other).await, StatusCode::OK);
    assert_eq!(
        cache.hits.load(Ordering::Relaxed),
        hits + 1,
        "a targeted drop"
    );
}

/// Waits until `app`'s process follows other processes' changes (its cache is not used
/// before).
pub(crate) async fn wait_until_following(app: &TestApp) {
    let started = Instant::now();
    while !app.state.db.changes().is_live() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not following changes"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// PostgreSQL only: the listening connections of a test database are terminated from the
/// server's side (as an operator or a failover would). A revocation made meanwhile cannot be
/// heard; once each replica listens again it must not answer from what it kept before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_listening_connection_leaves_no_stale_answer() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let (first, ada) = TestApp::acme(backend).await;
    let second = TestApp::spawn_on(&first.db_url).await;
    let sa = ada.create_account("ci", "editor").await;
    let (token_id, secret) = ada.create_token(&sa, "t", &["read"]).await;
    // Both listen before their connections are counted (a loaded machine is slow to start).
    wait_until_following(&first).await;
    wait_until_following(&second).await;
    for _ in 0..3 {
        assert_eq!(verify(&second, &secret).await, StatusCode::OK);
    }
    let dropped = second
        .state
        .db
        .changes()
        .everything_dropped
        .load(Ordering::Relaxed);
    let database = first.db_url.rsplit('/').next().unwrap().to_string();
    let terminated = first
        .count(&format!(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = '{database}' AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
        ))
        .await;
    assert!(terminated >= 2, "both replicas listen: {terminated}");
    ada.post("/api/v1/tokens/revoke", json!({"id": token_id}))
        .await;
    // The second replica notices, drops what it kept, listens again and drops it once more.
    let started = Instant::now();
    loop {
        let log = second.state.db.changes();
        if log.is_live() && log.everything_dropped.load(Ordering::Relaxed) >= dropped + 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the second replica did not listen again"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        verify(&second, &secret).await,
        StatusCode::UNAUTHORIZED,
        "a stale answer after the reconnect"
    );
    // And it follows changes again: a revocation made now reaches it as before.
    let (other_id, other) = ada.create_token(&sa, "u", &["read"]).await;
    assert_eq!(verify(&second, &other).await, StatusCode::OK);
    assert_eq!(verify(&second, &other).await, StatusCode::OK);
    ada.post("/api/v1/tokens/revoke", json!({"id": other_id}))
        .await;
    let revoking = Instant::now();
    while verify(&second, &other).await == StatusCode::OK {
        assert!(
            revoking.elapsed() < REACH,
            "not following after the reconnect"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The answers a cached credential keeps (`whoami`'s, introspection's) are the ones a fresh
/// read gives, and a change made through the replica (a role, a revocation) shows at once.
async fn kept_answers_follow_a_change_on_the_next_request(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let gateway = crate::verification::gateway(&app, &ada).await;
    let sa = ada.create_account("ci", "editor").await;
    let (token_id, secret) = ada.create_token(&sa, "t", &["read", "write"]).await;
    let script = app.script(&secret);
    let ask = || gateway.post("/api/v1/tokens/introspect", json!({"token": secret}));

    let first = script.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(first.body["principal"]["role"], "editor");
    assert!(
        first.body["principal"]["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("tokens:write")),
        "an editor's permissions: {first:?}"
    );
    let again = script.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(again.body, first.body, "the kept answer is the answer");
    let facts = ask().await;
    assert_eq!(facts.body["active"], true, "{facts:?}");
    assert_eq!(facts.body["role"], "editor");
    assert_eq!(
        ask().await.body,
        facts.body,
        "the kept answer is the answer"
    );

    let r = ada
        .post(
            "/api/v1/service-accounts/update",
            json!({"id": sa, "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let whoami = script.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(whoami.body["principal"]["role"], "viewer", "{whoami:?}");
    assert!(
        !whoami.body["principal"]["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("tokens:write")),
        "a viewer's permissions: {whoami:?}"
    );
    assert_eq!(ask().await.body["role"], "viewer");

    let r = ada
        .post("/api/v1/tokens/revoke", json!({"id": token_id}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(ask().await.body, json!({"active": false}));
    let refused = script.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{refused:?}");
}
