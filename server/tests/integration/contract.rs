//! What every operation shares: clear errors for malformed requests, health and readiness,
//! no secret in the database or the logs, and one schema in both dialects.

use crate::common;
use crate::common::{Backend, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    malformed_requests_get_clear_errors,
    health_and_readiness,
    secrets_never_reach_database_or_logs,
);

async fn malformed_requests_get_clear_errors(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let r = ada
        .post_raw("/api/v1/service-accounts/create", "{not json".into())
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "bad_request");
    let r = ada
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": 42, "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "wrong type: {r:?}");
    let r = ada
        .post("/api/v1/service-accounts/create", json!({"role": "viewer"}))
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "name"),
        "missing field: {r:?}"
    );
    let r = ada
        .post("/api/v1/service-accounts/list", json!({"per_page": 500}))
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "per_page")
    );
    let r = ada.post("/api/v1/no-such-thing", json!({})).await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    // Its own connection: the server closes a connection whose body it refused to read.
    let r = app
        .anonymous()
        .post_raw("/api/v1/service-accounts/list", "x".repeat(200_000))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "oversized body: {r:?}");
    // The server still answers after all that.
    assert_eq!(
        ada.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::OK
    );
}

async fn health_and_readiness(b: Backend) {
    let app = TestApp::spawn(b).await;
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(
        http.get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    match &app.state.db {
        app::store::Db::Sqlite(p, _) => p.close().await,
        app::store::Db::Postgres(p, _) => p.close().await,
    }
    assert_eq!(
        http.get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        http.get(format!("{}/healthz", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

async fn secrets_never_reach_database_or_logs(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let sa = ada.create_account("ci-deploy", "editor").await;
    let (tid, secret) = ada.create_token(&sa, "deploy", &["read", "write"]).await;
    let script = app.script(&secret);
    assert_eq!(
        script.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        ada.post("/api/v1/tokens/revoke", json!({"id": tid}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        script.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.state.usage.flush(&app.state.db).await;

    let dump = app.database_dump().await;
    assert!(dump.contains("ci-deploy"), "the dump really holds the data");
    assert!(!dump.contains(&secret), "token secret stored in clear");
    assert!(!dump.contains(&secret[4..38]), "token's random part stored");
    assert!(!dump.contains(PASSWORD), "password stored in clear");
    let logs = String::from_utf8_lossy(&common::LOGS.lock().unwrap()).into_owned();
    assert!(logs.contains("/api/v1/auth/whoami"), "requests are logged");
    assert!(!logs.contains(&secret[4..38]), "token secret logged");
    assert!(!logs.contains(PASSWORD), "password logged");
    if let Some(at) = logs.find("steward_session=") {
        panic!(
            "session cookie logged: {}",
            &logs[at.saturating_sub(300)..at + 80]
        );
    }
}

/// Both migration sets define the same tables and columns.
#[tokio::test]
async fn migrations_define_the_same_schema() {
    let Some(Backend::Postgres(url)) = Backend::postgres() else {
        return;
    };
    let pg = TestApp::spawn(Backend::Postgres(url)).await;
    let lite = TestApp::spawn(Backend::Sqlite).await;
    let pg_cols = pg.state.db.schema_columns().await.unwrap();
    let lite_cols = lite.state.db.schema_columns().await.unwrap();
    assert!(lite_cols.contains(&("tokens".into(), "secret_hash".into())));
    assert_eq!(pg_cols, lite_cols);
}
