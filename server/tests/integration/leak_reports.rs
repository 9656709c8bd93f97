//! Leak reports: GitHub's secret scanning format and a plain report suspend a live token at
//! once, answer GitHub's labels without saying whose the token is, audit the report, send a
//! signed `token.leaked` notice, and can be undone by Restore; GitLab's token revocation API
//! does the same with the request GitLab sends.

use crate::common::{python_tool, reaches, Backend, Settings, TestApp};
use crate::notices::{configure, receiver, SECRET};
use app::auth::random::sha256_hex;
use app::services::notices::signature;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    a_reported_token_is_suspended_at_once_and_labelled,
    gitlab_revokes_through_its_token_revocation_api,
    reports_are_checked_and_limited_per_address,
);

/// A token whose checksum is right but that Steward never issued.
fn unknown_token() -> String {
    app::auth::token_secret::generate().secret
}

async fn a_reported_token_is_suspended_at_once_and_labelled(b: Backend) {
    let (app, ada) = TestApp::acme_with(b, Settings::loopback_webhooks()).await;
    let second = TestApp::spawn_on(&app.db_url).await;
    let (url, seen) = receiver(0).await;
    configure(&ada, &url).await;
    let ci = ada.create_account("ci", "viewer").await;
    let (id, secret) = ada.create_token(&ci, "deploy", &["read"]).await;
    // Both replicas have the token in their caches before the report.
    for replica in [&app, &second] {
        assert_eq!(replica.whoami_status(&secret).await, StatusCode::OK);
    }
    let mut near_miss = secret.clone().into_bytes();
    near_miss[10] = if near_miss[10] == b'a' { b'b' } else { b'a' };
    let near_miss = String::from_utf8(near_miss).unwrap();
    let unknown = unknown_token();

    let found = "https://github.com/acme/api/blob/3f1c/deploy.sh";
    let r = app
        .anonymous()
        .post(
            "/api/v1/tokens/report-leak",
            json!([
                {"token": secret, "type": "steward_api_token", "url": found, "source": "content"},
                {"token": near_miss, "type": "steward_api_token", "url": found, "source": "content"},
                {"token": unknown, "type": "steward_api_token", "url": "", "source": "commit"},
            ]),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        r.body,
        json!([
            {"token_hash": sha256_hex(&secret), "token_type": "steward_api_token", "label": "true_positive"},
            {"token_hash": sha256_hex(&near_miss), "token_type": "steward_api_token", "label": "false_positive"},
            {"token_hash": sha256_hex(&unknown), "token_type": "steward_api_token", "label": "false_positive"},
        ])
    );
    assert!(
        !r.text.contains("ci") && !r.text.contains(&id),
        "never whose it is: {}",
        r.text
    );

    // Refused from the next request by the replica that took the report, and by the other
    // as soon as the change reaches it.
    assert_eq!(app.whoami_status(&secret).await, StatusCode::UNAUTHORIZED);
    reaches(
        &second,
        &secret,
        StatusCode::UNAUTHORIZED,
        "the other replica refuses it",
    )
    .await;
    let listed = ada
        .post("/api/v1/tokens/list", json!({"service_account_id": ci}))
        .await;
    let token = &listed.body["items"][0];
    assert_eq!(token["status"], "suspended");
    assert_eq!(token["leak"]["url"], found);
    assert_eq!(token["leak"]["source"], "content");
    let audit = app
        .texts(&format!(
            "SELECT details FROM audit_events WHERE action = 'token.leaked' AND target_id = '{id}'"
        ))
        .await;
    assert_eq!(audit.len(), 1);
    assert!(audit[0].contains(found), "{audit:?}");

    // The notice goes out at once, signed like every notice.
    crate::common::eventually(
        std::time::Duration::from_secs(10),
        "the token.leaked notice",
        || {
            let seen = seen.clone();
            async move { !seen.lock().unwrap().is_empty() }
        },
    )
    .await;
    let notice = seen.lock().unwrap()[0].clone();
    assert_eq!(notice.event, "leaked");
    let body: Value = serde_json::from_str(&notice.body).unwrap();
    assert_eq!(body["event"], "token.leaked");
    assert_eq!(body["token"]["id"], id.as_str());
    assert_eq!(body["report"]["url"], found);
    assert_eq!(
        notice.signature.as_deref(),
        Some(signature(SECRET, notice.timestamp, &notice.body).as_str())
    );

    // Reporting it again changes nothing and says the same.
    let again = app
        .anonymous()
        .post("/api/v1/tokens/report-leak", json!({"token": secret}))
        .await;
    assert_eq!(again.body[0]["label"], "true_positive");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'token.leaked' AND target_id = '{id}'"
        ))
        .await,
        1
    );

    // Someone who checked restores it; it works again everywhere.
    let restored = ada.post("/api/v1/tokens/restore", json!({"id": id})).await;
    restored.assert_status(StatusCode::OK);
    assert_eq!(restored.body["token"]["status"], "active");
    assert!(restored.body["token"]["leak"].is_null());
    assert_eq!(app.whoami_status(&secret).await, StatusCode::OK);
    reaches(
        &second,
        &secret,
        StatusCode::OK,
        "the other replica accepts it again",
    )
    .await;
    ada.post("/api/v1/tokens/restore", json!({"id": id}))
        .await
        .assert_field(StatusCode::CONFLICT, "id");
}

async fn gitlab_revokes_through_its_token_revocation_api(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let ci = ada.create_account("ci", "viewer").await;
    let (_, secret) = ada.create_token(&ci, "deploy", &["read"]).await;
    // What GitLab sends: its pre-shared value as the whole Authorization header.
    let gitlab = app
        .anonymous()
        .with_header("authorization", "the-value-configured-in-gitlab");
    let types = gitlab
        .get("/api/v1/leaks/gitlab/revocable_token_types")
        .await;
    types.assert_status(StatusCode::OK);
    assert_eq!(
        types.body,
        json!({"types": ["gitleaks_rule_id_steward_api_token"]})
    );
    let r = gitlab
        .post(
            "/api/v1/leaks/gitlab/revoke_tokens",
            json!([{
                "type": "gitleaks_rule_id_steward_api_token",
                "token": secret,
                "location": "https://gitlab.example.com/acme/api/-/blob/3f1c/deploy.sh",
                "vulnerability": null,
            }]),
        )
        .await;
    r.assert_status(StatusCode::NO_CONTENT);
    assert_eq!(app.whoami_status(&secret).await, StatusCode::UNAUTHORIZED);
    let listed = ada
        .post("/api/v1/tokens/list", json!({"service_account_id": ci}))
        .await;
    assert_eq!(listed.body["items"][0]["leak"]["source"], "gitlab");
}

async fn reports_are_checked_and_limited_per_address(b: Backend) {
    let (app, _ada) = TestApp::acme(b).await;
    let anyone = app.anonymous();
    let r = anyone
        .post_raw("/api/v1/tokens/report-leak", "not json".into())
        .await;
    r.assert_status(StatusCode::BAD_REQUEST);
    let r = anyone
        .post(
            "/api/v1/tokens/report-leak",
            json!([{"token": "x", "tokn": "y"}]),
        )
        .await;
    r.assert_field(StatusCode::BAD_REQUEST, "tokn");
    let r = anyone
        .post("/api/v1/tokens/report-leak", json!([{"url": "https://x"}]))
        .await;
    r.assert_field(StatusCode::UNPROCESSABLE_ENTITY, "token");
    let too_many: Vec<Value> = (0..101).map(|_| json!({"token": "stw_x"})).collect();
    let r = anyone
        .post("/api/v1/tokens/report-leak", Value::Array(too_many))
        .await;
    r.assert_field(StatusCode::UNPROCESSABLE_ENTITY, "token");
    // 30 reports a minute per address: the 4 above and 26 more pass, the next is refused.
    for _ in 0..26 {
        anyone
            .post(
                "/api/v1/tokens/report-leak",
                json!({"token": unknown_token()}),
            )
            .await
            .assert_status(StatusCode::OK);
    }
    let limited = anyone
        .post(
            "/api/v1/tokens/report-leak",
            json!({"token": unknown_token()}),
        )
        .await;
    limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(limited.header("retry-after").is_some());
}

/// detect-secrets (from PyPI) with the plugin docs/leaks.md ships finds a real token and none
/// of its near misses.
#[test]
fn detect_secrets_finds_exactly_the_real_token() {
    let Some(scanner) = python_tool("detect-secrets") else {
        return;
    };
    let real = app::auth::token_secret::generate().secret;
    let mut wrong_checksum = real.clone();
    let last = if real.ends_with('0') { "1" } else { "0" };
    wrong_checksum.replace_range(41.., last);
    let wrong_prefix = real.replacen("stw_", "stx_", 1);
    let dir = std::env::temp_dir().join(format!("steward-leaks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("deploy.sh");
    std::fs::write(
        &file,
        format!(
            "#!/bin/sh\n# near misses\nA={wrong_checksum}\nB={wrong_prefix}\nC={}\n\
             export STEWARD_TOKEN={real}\n",
            &real[..41]
        ),
    )
    .unwrap();
    let plugin = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/leaks/steward_detect_secrets.py");
    let out = std::process::Command::new(scanner)
        .arg("scan")
        .arg("--plugin")
        .arg(&plugin)
        .arg("deploy.sh")
        .current_dir(&dir)
        .output()
        .expect("run detect-secrets");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<&Value> = report["results"]["deploy.sh"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == "Steward API Token")
        .collect();
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(
        found[0]["line_number"], 6,
        "the real token's line: {report:#}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
