//! `GET /metrics`: behind a token of its own, and read by the Prometheus project's own parser
//! (prometheus_client, strict OpenMetrics) as Prometheus would read it.

use crate::common::{python_tool, repository_root, Backend, Settings, TestApp};
use crate::verification::verify;
use reqwest::StatusCode;
use serde_json::{json, Value};

const SCRAPE_TOKEN: &str = "scrape-token-for-tests-0123456789";

crate::on_both_databases!(
    scrapes_need_their_own_token,
    prometheus_reads_verification_refusals_and_expiring_tokens
);

async fn scrapes_need_their_own_token(b: Backend) {
    let (off, _) = TestApp::acme(b.clone()).await;
    let r = off.anonymous().get("/metrics").await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "no token configured: no /metrics"
    );

    let settings = Settings {
        metrics_token: Some(SCRAPE_TOKEN),
        ..Settings::default()
    };
    let (app, ada) = TestApp::acme_with(b, settings).await;
    let sa = ada.create_account("ci", "admin").await;
    let (_, secret) = ada.create_token(&sa, "t", &["read", "write"]).await;
    for (bearer, what) in [
        (None, "no token"),
        (Some("wrong-token-0123456789"), "another token"),
        (Some(secret.as_str()), "an API token"),
    ] {
        let client = match bearer {
            Some(b) => app.script(b),
            None => app.anonymous(),
        };
        let r = client.get("/metrics").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(r.error_code(), "unauthenticated", "{what}");
    }
    // A signed-in administrator's session is not a scrape token either.
    assert_eq!(ada.get("/metrics").await.status, StatusCode::UNAUTHORIZED);
    let r = app.script(SCRAPE_TOKEN).get("/metrics").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("application/openmetrics-text")),
        "{:?}",
        r.header("content-type")
    );
}

async fn prometheus_reads_verification_refusals_and_expiring_tokens(b: Backend) {
    let Some(python) = python_tool("python") else {
        return;
    };
    let settings = Settings {
        metrics_token: Some(SCRAPE_TOKEN),
        ..Settings::default()
    };
    let (app, ada) = TestApp::acme_with(b, settings).await;
    let sa = ada.create_account("ci", "editor").await;
    let (token_id, secret) = ada.create_token(&sa, "t", &["read"]).await;
    for days in [3, 30] {
        let r = ada
            .post(
                "/api/v1/tokens/create",
                json!({"service_account_id": sa, "name": format!("in-{days}-days"), "expires_in_days": days}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
    }
    for _ in 0..3 {
        assert_eq!(verify(&app, &secret, "").await.status(), StatusCode::OK);
    }
    ada.post("/api/v1/tokens/revoke", json!({"id": token_id}))
        .await;
    assert_eq!(
        verify(&app, &secret, "").await.status(),
        StatusCode::UNAUTHORIZED
    );

    let text = app.script(SCRAPE_TOKEN).get("/metrics").await.text;
    let families = parse(&python, &text);
    let samples = |family: &str| -> Vec<Value> {
        families[family]["samples"]
            .as_array()
            .unwrap_or_else(|| panic!("no family {family} in {families}"))
            .clone()
    };
    let value = |family: &str, sample: &str, label: (&str, &str)| -> f64 {
        samples(family)
            .iter()
            .find(|s| s[0] == sample && s[1][label.0] == label.1)
            .and_then(|s| s[2].as_f64())
            .unwrap_or_else(|| panic!("no {sample}{{{}={}}} in {families}", label.0, label.1))
    };
    assert_eq!(
        families["steward_verification_duration_seconds"]["type"],
        "histogram"
    );
    assert!(
        value(
            "steward_verification_duration_seconds",
            "steward_verification_duration_seconds_count",
            ("endpoint", "verify")
        ) >= 4.0
    );
    assert!(
        value(
            "steward_refusals",
            "steward_refusals_total",
            ("reason", "revoked")
        ) >= 1.0
    );
    assert!(
        value(
            "steward_credential_cache_lookups",
            "steward_credential_cache_lookups_total",
            ("result", "hit")
        ) >= 1.0
    );
    assert!(
        value(
            "steward_credential_cache_invalidations",
            "steward_credential_cache_invalidations_total",
            ("scope", "token")
        ) >= 1.0
    );
    assert_eq!(
        value(
            "steward_tokens_expiring_within_7_days",
            "steward_tokens_expiring_within_7_days",
            ("organization", "acme")
        ),
        1.0,
        "the token expiring in 3 days, not the one in 30 nor those without expiry"
    );
    for family in [
        "steward_change_notification_lag_seconds",
        "steward_webhook_deliveries",
    ] {
        assert!(
            families.get(family).is_some(),
            "{family} missing: {families}"
        );
    }
}

/// The families prometheus_client's strict OpenMetrics parser reads from `text`.
fn parse(python: &std::path::Path, text: &str) -> Value {
    use std::io::Write;
    let script = repository_root().join("server/tests/integration/metrics_parse.py");
    let mut child = std::process::Command::new(python)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the prometheus_client parser");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "prometheus_client refused the document: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}
