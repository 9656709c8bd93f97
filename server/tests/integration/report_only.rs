//! Report-only restrictions: guards, a narrowing or an earlier expiry proposed for a token
//! refuse nothing and count what they would have refused (by address, reason and request);
//! Enforce applies them, Discard drops them; a notice says when they have been quiet for 7 days.

use crate::common::{Backend, Client, Settings, TestApp};
use crate::notices::{configure, receiver};
use crate::token_guards::{behind_a_proxy, whoami_from, with_seconds_left_in_minute};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    a_report_only_network_guard_counts_then_enforces,
    report_only_limits_count_apart_from_enforced_ones,
    report_only_guards_are_checked_discarded_and_confined,
    a_report_only_narrowing_and_expiry_are_tried_then_applied,
    quiet_report_only_guards_are_announced_once,
);

/// Proposes `guards` for token `id` in report-only mode.
async fn propose(ada: &Client, id: &str, guards: Value) -> crate::common::Reply {
    propose_all(ada, json!({"id": id, "guards": guards})).await
}

/// Proposes report-only restrictions (`body` as `tokens/report-only/propose` takes it).
async fn propose_all(ada: &Client, body: Value) -> crate::common::Reply {
    ada.post("/api/v1/tokens/report-only/propose", body).await
}

/// The token `id` as `tokens/list` shows it.
async fn listed(ada: &Client, account: &str, id: &str) -> Value {
    let r = ada
        .post(
            "/api/v1/tokens/list",
            json!({"service_account_id": account}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .cloned()
        .expect("the token is listed")
}

async fn audit_details(app: &TestApp, action: &str, id: &str) -> Vec<Value> {
    app.texts(&format!(
        "SELECT details FROM audit_events WHERE action = '{action}' AND target_id = '{id}'"
    ))
    .await
    .iter()
    .map(|d| serde_json::from_str(d).unwrap())
    .collect()
}

async fn a_report_only_network_guard_counts_then_enforces(b: Backend) {
    let (app, ada) = TestApp::acme_with(b, behind_a_proxy()).await;
    let ci = ada.create_account("ci", "viewer").await;
    let (id, secret) = ada.create_token(&ci, "deploy", &["read"]).await;
    let r = propose(&ada, &id, json!({"allowed_networks": ["203.0.113.0/24"]})).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["token"]["guards"], json!({}), "nothing enforced yet");
    assert_eq!(
        r.body["token"]["report_only"]["guards"],
        json!({"allowed_networks": ["203.0.113.0/24"]})
    );

    // Inside and outside the proposed network: every request still succeeds.
    whoami_from(&app, &secret, "203.0.113.9")
        .await
        .assert_status(StatusCode::OK);
    for _ in 0..2 {
        whoami_from(&app, &secret, "198.51.100.1")
            .await
            .assert_status(StatusCode::OK);
    }
    app.script(&secret)
        .with_header("x-forwarded-for", "198.51.100.7")
        .get("/auth/verify?scope=read")
        .await
        .assert_status(StatusCode::OK);

    app.state.usage.flush(&app.state.db).await;
    let report = listed(&ada, &ci, &id).await["report_only"].clone();
    assert_eq!(
        (
            &report["would_refuse"],
            &report["addresses"],
            &report["days"]
        ),
        (&json!(3), &json!(2), &json!(1)),
        "{report}"
    );
    assert_eq!(
        report["top"],
        json!([
            {"address": "198.51.100.1", "reason": "network_not_allowed", "operation": "/api/v1/auth/whoami", "requests": 2},
            {"address": "198.51.100.7", "reason": "network_not_allowed", "operation": "/auth/verify?scope=read", "requests": 1},
        ])
    );
    assert_eq!(
        audit_details(&app, "token.report_only_propose", &id).await,
        vec![json!({"old": null, "new": "networks 203.0.113.0/24"})]
    );

    // Enforce: from the next request the outsider is refused, the insider is not.
    let r = ada
        .post("/api/v1/tokens/report-only/enforce", json!({"id": id}))
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        r.body["token"]["guards"],
        json!({"allowed_networks": ["203.0.113.0/24"]})
    );
    assert_eq!(r.body["token"]["report_only"], Value::Null);
    whoami_from(&app, &secret, "198.51.100.1")
        .await
        .assert_error(StatusCode::FORBIDDEN, "network_not_allowed");
    whoami_from(&app, &secret, "203.0.113.9")
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(
        audit_details(&app, "token.report_only_enforce", &id).await,
        vec![json!({"old": "none", "new": "networks 203.0.113.0/24"})]
    );
    // Nothing is left to enforce.
    let again = ada
        .post("/api/v1/tokens/report-only/enforce", json!({"id": id}))
        .await;
    again.assert_error(StatusCode::CONFLICT, "conflict");
    assert!(again.error_message().contains("deploy"), "{again:?}");
}

/// A proposed rate limit and max uses are counted in their own windows and uses: the
/// enforced ones (none here) are not spent, and enforcing carries the uses over.
async fn report_only_limits_count_apart_from_enforced_ones(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let ci = ada.create_account("ci", "viewer").await;
    let (id, secret) = ada.create_token(&ci, "batch", &["read"]).await;
    with_seconds_left_in_minute(15).await;
    propose(
        &ada,
        &id,
        json!({"rate_limit_per_minute": 3, "max_uses": 2}),
    )
    .await
    .assert_status(StatusCode::OK);
    for _ in 0..5 {
        app.script(&secret)
            .post("/api/v1/auth/whoami", json!({}))
            .await
            .assert_status(StatusCode::OK);
    }
    app.state.usage.flush(&app.state.db).await;
    let token = listed(&ada, &ci, &id).await;
    assert_eq!(token["uses"], 0, "the enforced count is untouched");
    let report = &token["report_only"];
    assert_eq!(report["would_refuse"], 3, "{report}");
    let mut reasons: Vec<(String, i64)> = report["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["reason"].as_str().unwrap().to_string(),
                o["requests"].as_i64().unwrap(),
            )
        })
        .collect();
    reasons.sort();
    // The third request spends the proposed uses; the fourth and fifth the proposed minute.
    assert_eq!(
        reasons,
        vec![("rate_limited".into(), 2), ("uses_exhausted".into(), 1)]
    );

    let r = ada
        .post("/api/v1/tokens/report-only/enforce", json!({"id": id}))
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["token"]["uses"], 2, "uses carry over");
    app.script(&secret)
        .post("/api/v1/auth/whoami", json!({}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "uses_exhausted");
}

async fn report_only_guards_are_checked_discarded_and_confined(b: Backend) {
    let (app, ada) = TestApp::acme_with(b, behind_a_proxy()).await;
    let ci = ada.create_account("ci", "viewer").await;
    let (id, secret) = ada.create_token(&ci, "probe", &["read"]).await;

    propose(&ada, &id, json!({}))
        .await
        .assert_field(StatusCode::UNPROCESSABLE_ENTITY, "guards");
    propose_all(&ada, json!({"id": id}))
        .await
        .assert_field(StatusCode::UNPROCESSABLE_ENTITY, "guards");
    propose_all(
        &ada,
        json!({"id": id, "guards": {"max_uses": 5}, "scope": ["read"]}),
    )
    .await
    .assert_status(StatusCode::BAD_REQUEST);
    propose(&ada, &id, json!({"allowed_networks": ["10.0.0.0/33"]}))
        .await
        .assert_field(StatusCode::UNPROCESSABLE_ENTITY, "guards.allowed_networks");
    propose(&ada, "tok_missing", json!({"max_uses": 5}))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Another organization neither proposes, enforces nor discards this token's guards.
    let globex = app.globex().await;
    propose(&globex, &id, json!({"max_uses": 5}))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Proposing again replaces the earlier proposal and its report.
    propose(&ada, &id, json!({"allowed_networks": ["192.0.2.0/24"]}))
        .await
        .assert_status(StatusCode::OK);
    whoami_from(&app, &secret, "198.51.100.1")
        .await
        .assert_status(StatusCode::OK);
    app.state.usage.flush(&app.state.db).await;
    assert_eq!(
        listed(&ada, &ci, &id).await["report_only"]["would_refuse"],
        1
    );
    propose(&ada, &id, json!({"allowed_networks": ["198.51.100.0/24"]}))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(
        listed(&ada, &ci, &id).await["report_only"]["would_refuse"],
        0
    );

    for path in [
        "/api/v1/tokens/report-only/enforce",
        "/api/v1/tokens/report-only/discard",
    ] {
        globex
            .post(path, json!({"id": id}))
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    let r = ada
        .post("/api/v1/tokens/report-only/discard", json!({"id": id}))
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["token"]["report_only"], Value::Null);
    assert_eq!(r.body["token"]["guards"], json!({}));
    assert_eq!(
        audit_details(&app, "token.report_only_discard", &id).await,
        vec![json!({"discarded": "networks 198.51.100.0/24"})]
    );
    // Discarded: nothing is counted any more, and the token works from anywhere.
    whoami_from(&app, &secret, "203.0.113.1")
        .await
        .assert_status(StatusCode::OK);
    app.state.usage.flush(&app.state.db).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM report_only_refusals WHERE token_id = '{id}'"
        ))
        .await,
        0
    );
}

/// A proposed narrowing is tried against each operation's permission and `/auth/verify`'s
/// requirement; a proposed expiry against each request; enforcing applies both.
async fn a_report_only_narrowing_and_expiry_are_tried_then_applied(b: Backend) {
    // Expiry is moved in the database below, which the credential cache would not hear of.
    let settings = Settings {
        credential_cache: false,
        ..Settings::default()
    };
    let (app, ada) = TestApp::acme_with(b, settings).await;
    let ops = ada.create_account("ops", "editor").await;
    let (id, secret) = ada.create_token(&ops, "deploy", &["read", "write"]).await;
    let (reader, _) = ada.create_token(&ops, "reader", &["read"]).await;

    // Only narrower than what the token has.
    propose_all(&ada, json!({"id": reader, "scopes": ["write"]}))
        .await
        .assert_field(StatusCode::UNPROCESSABLE_ENTITY, "scopes");
    propose_all(&ada, json!({"id": id, "expires_in_days": 40}))
        .await
        .assert_field(StatusCode::UNPROCESSABLE_ENTITY, "expires_in_days");
    propose_all(&ada, json!({"id": id, "permissions": ["no:such"]}))
        .await
        .assert_field(StatusCode::FORBIDDEN, "permissions");

    let r = propose_all(
        &ada,
        json!({"id": id, "scopes": ["read"], "permissions": ["service_accounts:read", "service_accounts:write"], "expires_in_days": 3}),
    )
    .await;
    r.assert_status(StatusCode::OK);
    let proposed = &r.body["token"]["report_only"];
    assert_eq!(proposed["scopes"], json!(["read"]));
    assert!(proposed["expires_at"].is_string(), "{proposed}");
    assert_eq!(
        r.body["token"]["scopes"],
        json!(["read", "write"]),
        "unchanged"
    );

    // A write needs the write scope the narrowing takes away; a read does not; /auth/verify
    // asked for write, or for a permission outside the narrowing, would have failed too.
    let deploy = app.script(&secret);
    deploy
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "made-by-deploy", "role": "viewer"}),
        )
        .await
        .assert_status(StatusCode::OK);
    deploy
        .post("/api/v1/service-accounts/list", json!({}))
        .await
        .assert_status(StatusCode::OK);
    for query in ["scope=write", "scope=read", "permission=tokens:write"] {
        deploy
            .get(&format!("/auth/verify?{query}"))
            .await
            .assert_status(StatusCode::OK);
    }
    app.state.usage.flush(&app.state.db).await;
    let report = listed(&ada, &ops, &id).await["report_only"].clone();
    let mut seen: Vec<(String, String)> = report["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["reason"].as_str().unwrap().to_string(),
                o["operation"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("narrowed".into(), "/api/v1/service-accounts/create".into()),
            (
                "narrowed".into(),
                "/auth/verify?permission=tokens:write".into()
            ),
            ("narrowed".into(), "/auth/verify?scope=write".into()),
        ],
        "{report}"
    );

    // Once the proposed expiry has passed, every request is one it would have refused.
    let past = app::services::clock::now_ms() - 1000;
    app.execute(&format!(
        "UPDATE tokens SET report_only_expires_at = {past} WHERE id = '{id}'"
    ))
    .await;
    deploy
        .post("/api/v1/service-accounts/list", json!({}))
        .await
        .assert_status(StatusCode::OK);
    app.state.usage.flush(&app.state.db).await;
    let report = listed(&ada, &ops, &id).await["report_only"].clone();
    assert!(
        report["top"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["reason"] == "expired"),
        "{report}"
    );

    // Enforced: the scopes, the permissions and the expiry are the token's now.
    let r = ada
        .post("/api/v1/tokens/report-only/enforce", json!({"id": id}))
        .await;
    r.assert_status(StatusCode::OK);
    let token = &r.body["token"];
    assert_eq!(token["scopes"], json!(["read"]));
    assert_eq!(
        token["narrow_permissions"],
        json!(["service_accounts:read", "service_accounts:write"])
    );
    assert_eq!(token["status"], "expired", "{token}");
    deploy
        .post("/api/v1/service-accounts/list", json!({}))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let details = audit_details(&app, "token.report_only_enforce", &id).await;
    assert_eq!(details.len(), 1);
    assert!(
        details[0]["old"]
            .as_str()
            .unwrap()
            .starts_with("scopes read, write; permissions all it holds; expires "),
        "{details:?}"
    );

    // A narrowing alone, enforced, refuses what the report showed.
    let (writer, writer_secret) = ada.create_token(&ops, "writer", &["read", "write"]).await;
    propose_all(&ada, json!({"id": writer, "scopes": ["read"]}))
        .await
        .assert_status(StatusCode::OK);
    ada.post("/api/v1/tokens/report-only/enforce", json!({"id": writer}))
        .await
        .assert_status(StatusCode::OK);
    app.script(&writer_secret)
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "made-by-writer", "role": "viewer"}),
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

/// Report-only guards added 8 days ago that refused nothing since are announced, once; ones
/// that refused a request today are not.
async fn quiet_report_only_guards_are_announced_once(b: Backend) {
    let settings = Settings {
        trusted_proxies: "127.0.0.1",
        ..Settings::loopback_webhooks()
    };
    let (app, ada) = TestApp::acme_with(b, settings).await;
    let (url, seen) = receiver(0).await;
    configure(&ada, &url).await;
    let ci = ada.create_account("ci", "viewer").await;
    let (quiet, _) = ada.create_token(&ci, "quiet", &["read"]).await;
    let (noisy, noisy_secret) = ada.create_token(&ci, "noisy", &["read"]).await;
    for id in [&quiet, &noisy] {
        propose(&ada, id, json!({"allowed_networks": ["203.0.113.0/24"]}))
            .await
            .assert_status(StatusCode::OK);
    }
    let eight_days_ago = app::services::clock::now_ms() - 8 * 86_400_000;
    app.execute(&format!(
        "UPDATE tokens SET report_only_since = {eight_days_ago}"
    ))
    .await;
    whoami_from(&app, &noisy_secret, "198.51.100.1")
        .await
        .assert_status(StatusCode::OK);
    app.state.usage.flush(&app.state.db).await;

    app::services::notices::tick(&app.state).await;
    app::services::notices::tick(&app.state).await;
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].event, "report_only_quiet");
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["event"], "token.report_only_quiet");
    assert_eq!(body["token"]["id"], quiet.as_str());
    assert_eq!(body["quiet_days"], 7);
    assert_ne!(body["token"]["id"], noisy.as_str());
}
