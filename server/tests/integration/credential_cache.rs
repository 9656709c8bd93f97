//! The credential cache (`STEWARD_CREDENTIAL_CACHE_MS`), on two replicas of one database: a
//! revocation counts at once on the replica that made it and within the cache's lifetime (at
//! most a second) on the other, and the cache does answer in between. The `whoami` and
//! introspection answers kept with a cached credential follow every change on the next request.

use crate::common::{Backend, Settings, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

on_both_databases!(
    a_revocation_reaches_every_replica_within_the_cache_lifetime,
    kept_answers_follow_a_change_on_the_next_request
);

const LIFETIME_MS: u64 = 1_000;
/// How often the other replica is asked while it may still answer from its cache.
const POLL: Duration = Duration::from_millis(20);

async fn verify(app: &TestApp, secret: &str) -> StatusCode {
    crate::verification::verify(app, secret, "").await.status()
}

async fn a_revocation_reaches_every_replica_within_the_cache_lifetime(b: Backend) {
    let cached = Settings {
        credential_cache_ms: LIFETIME_MS,
        ..Settings::default()
    };
    let first = TestApp::spawn_with(b, cached.clone()).await;
    first.admin("acme", "ada@acme.test").await;
    let second = TestApp::spawn_on_with(&first.db_url, cached).await;
    let ada = first.signed_in("ada@acme.test").await;
    let sa = ada.create_account("ci", "editor").await;
    let (token_id, secret) = ada.create_token(&sa, "t", &["read"]).await;

    // Both replicas read (and keep) the token.
    assert_eq!(verify(&first, &secret).await, StatusCode::OK);
    let second_read = Instant::now();
    assert_eq!(verify(&second, &secret).await, StatusCode::OK);

    let revoking = Instant::now();
    let r = ada
        .post("/api/v1/tokens/revoke", json!({"id": token_id}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let kept_for = second_read.elapsed();
    assert_eq!(
        verify(&first, &secret).await,
        StatusCode::UNAUTHORIZED,
        "the replica that revoked it refuses it on the next request, cache or not"
    );

    let mut answered_from_cache = false;
    while verify(&second, &secret).await == StatusCode::OK {
        answered_from_cache = true;
        assert!(
            revoking.elapsed() < Duration::from_millis(LIFETIME_MS) + POLL * 2,
            "the other replica still accepts a token revoked {:?} ago",
            revoking.elapsed()
        );
        tokio::time::sleep(POLL).await;
    }
    // Unless the machine stalled for most of a second before the revocation was through, the
    // other replica answered from its cache after it: the cache is really on.
    if kept_for < Duration::from_millis(LIFETIME_MS / 2) {
        assert!(
            answered_from_cache,
            "the second replica never answered from its cache"
        );
    }
    assert_eq!(verify(&second, &secret).await, StatusCode::UNAUTHORIZED);
}

/// The answers a cached credential keeps (`whoami`'s, introspection's) are the ones a fresh
/// read gives, and a change made through the replica (a role, a revocation) shows at once.
async fn kept_answers_follow_a_change_on_the_next_request(b: Backend) {
    let app = TestApp::spawn_with(
        b,
        Settings {
            credential_cache_ms: LIFETIME_MS,
            ..Settings::default()
        },
    )
    .await;
    app.admin("acme", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
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
