//! The audit log: filters, the CSV and JSON Lines export, and refused tokens recorded at most
//! once a minute.

use crate::common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    audit_log_filters_and_exports,
    refused_known_tokens_are_audited_once_a_minute,
);

async fn audit_log_filters_and_exports(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let id = ada.create_account("ci", "editor").await;
    let (tid, secret) = ada.create_token(&id, "t", &["read", "write"]).await;
    app.script(&secret)
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "by-token", "role": "viewer"}),
        )
        .await;
    ada.post("/api/v1/tokens/revoke", json!({"id": tid})).await;

    let r = ada.post("/api/v1/audit/list", json!({})).await;
    r.assert_status(StatusCode::OK);
    let items = r.body["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..4],
        [
            "token.revoke",
            "service_account.create",
            "token.create",
            "service_account.create"
        ],
        "newest first"
    );
    assert!(actions.contains(&"auth.sign_in"));
    let by_token = &items[1];
    assert_eq!(by_token["actor_kind"], "service_account");
    assert_eq!(by_token["actor_name"], "ci");
    assert_eq!(
        by_token["token_id"],
        tid.as_str(),
        "which token a service account used"
    );
    assert_eq!(by_token["ip"], "127.0.0.1");
    assert_eq!(by_token["outcome"], "success");

    let r = ada.post("/api/v1/audit/list", json!({"actor": "ci"})).await;
    assert_eq!(r.body["total"], 1);
    let r = ada
        .post(
            "/api/v1/audit/list",
            json!({"action": "token.create", "target": "t"}),
        )
        .await;
    assert_eq!(r.body["total"], 1);
    let r = ada
        .post(
            "/api/v1/audit/list",
            json!({"since": "2999-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.body["total"], 0);
    let r = ada
        .post(
            "/api/v1/audit/list",
            json!({"until": "2000-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.body["total"], 0);
    let r = ada
        .post("/api/v1/audit/list", json!({"since": "yesterday"}))
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "since")
    );
    let r = ada
        .post("/api/v1/audit/list", json!({"per_page": 2, "page": 2}))
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);

    let r = ada
        .post(
            "/api/v1/audit/export",
            json!({"format": "jsonl", "action": "token.create"}),
        )
        .await;
    assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
    let content = &r.text;
    assert_eq!(content.lines().count(), 1);
    let line: Value = serde_json::from_str(content.lines().next().unwrap()).unwrap();
    assert_eq!(line["target_name"], "t");
    let r = ada
        .post("/api/v1/audit/export", json!({"format": "csv"}))
        .await;
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"steward-audit.csv\"")
    );
    let csv = &r.text;
    assert!(csv.starts_with("id,at,actor_kind"));
    assert!(csv.contains("service_account.create"));
    assert!(!csv.contains(&secret[4..38]));
    let r = ada
        .post("/api/v1/audit/export", json!({"format": "xml"}))
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "format")
    );
}

async fn refused_known_tokens_are_audited_once_a_minute(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let id = ada.create_account("ci", "editor").await;
    let (tid, secret) = ada.create_token(&id, "t", &["read"]).await;
    ada.post("/api/v1/tokens/revoke", json!({"id": tid})).await;
    for _ in 0..5 {
        assert_eq!(app.whoami_status(&secret).await, StatusCode::UNAUTHORIZED);
    }
    let r = ada
        .post(
            "/api/v1/audit/list",
            json!({"action": "auth.token_refused"}),
        )
        .await;
    assert_eq!(r.body["total"], 1, "{r:?}");
    assert_eq!(r.body["items"][0]["token_id"], tid.as_str());
    assert_eq!(r.body["items"][0]["outcome"], "failure");

    // Unknown garbage is not written row by row; it is rate-limited per IP instead.
    let junk = app.script("stw_ThisIsNotARealTokenButLooksLikeOne00000");
    let mut statuses = Vec::new();
    for _ in 0..32 {
        statuses.push(junk.post("/api/v1/auth/whoami", json!({})).await.status);
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS));
    let r = ada
        .post(
            "/api/v1/audit/list",
            json!({"action": "auth.token_refused"}),
        )
        .await;
    assert_eq!(r.body["total"], 1);
}
