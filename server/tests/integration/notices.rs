//! Expiry notices against a real local receiver: signed, once per notice across a restart and
//! two replicas, retried until a failing receiver answers, the Send test button, and the
//! signing secret kept out of the database in clear.

use crate::common::{self, Backend, Client, Settings, TestApp};
use app::services::notices::{signature, tick};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

on_both_databases!(
    notices_are_signed_and_sent_once_across_restarts_and_replicas,
    a_failing_receiver_is_retried_until_it_answers,
    the_webhook_settings_are_checked_and_the_secret_sealed,
);

pub(crate) const SECRET: &str = "a shared signing secret";

/// What the receiver saw: headers that matter and the body.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub event: String,
    pub delivery: String,
    pub timestamp: i64,
    pub signature: Option<String>,
    pub body: String,
}

/// A webhook receiver on a random port that answers 500 to its first `fail_first` requests.
pub(crate) async fn receiver(fail_first: usize) -> (String, Arc<Mutex<Vec<Received>>>) {
    use axum::http::{HeaderMap, StatusCode};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let seen = seen.clone();
            move |headers: HeaderMap, body: String| {
                let (seen, calls) = (seen.clone(), calls.clone());
                async move {
                    let h = |n: &str| {
                        headers
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string)
                    };
                    seen.lock().unwrap().push(Received {
                        event: h("x-steward-event").unwrap_or_default(),
                        delivery: h("x-steward-delivery").unwrap_or_default(),
                        timestamp: h("x-steward-timestamp")
                            .and_then(|t| t.parse().ok())
                            .unwrap_or(0),
                        signature: h("x-steward-signature"),
                        body,
                    });
                    if calls.fetch_add(1, Ordering::SeqCst) < fail_first {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    }
                }
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, seen)
}

async fn configure(ada: &Client, url: &str) {
    let r = ada
        .post(
            "/api/v1/settings/update",
            json!({"webhook_url": url, "webhook_secret": SECRET}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["settings"]["webhook_secret_set"], true);
}

/// A token of `account` that expires `offset_ms` from now.
async fn token_expiring(
    app: &TestApp,
    ada: &Client,
    account: &str,
    name: &str,
    offset_ms: i64,
) -> String {
    let (id, _) = ada.create_token(account, name, &["read"]).await;
    let at = app::services::clock::now_ms() + offset_ms;
    app.execute(&format!(
        "UPDATE tokens SET expires_at = {at} WHERE id = '{id}'"
    ))
    .await;
    id
}

const HOUR: i64 = 3_600_000;

async fn notices_are_signed_and_sent_once_across_restarts_and_replicas(b: Backend) {
    let first = TestApp::spawn_with(b, Settings::loopback_webhooks()).await;
    first.admin("acme", "ada@acme.test").await;
    let ada = first.signed_in("ada@acme.test").await;
    let (url, seen) = receiver(0).await;
    configure(&ada, &url).await;
    let sa = ada.create_account("ci", "viewer").await;
    let in_three_days = token_expiring(&first, &ada, &sa, "three-days", 72 * HOUR).await;
    let in_twelve_hours = token_expiring(&first, &ada, &sa, "twelve-hours", 12 * HOUR).await;
    let expired = token_expiring(&first, &ada, &sa, "expired", -HOUR).await;
    token_expiring(&first, &ada, &sa, "thirty-days", 30 * 24 * HOUR).await;
    let revoked = token_expiring(&first, &ada, &sa, "revoked", 48 * HOUR).await;
    ada.post("/api/v1/tokens/revoke", json!({"id": revoked}))
        .await;

    tick(&first.state).await;
    let got = seen.lock().unwrap().clone();
    let mut kinds: Vec<(String, String)> = got
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            (
                body["token"]["id"].as_str().unwrap().to_string(),
                r.event.clone(),
            )
        })
        .collect();
    kinds.sort();
    let mut want = vec![
        (in_three_days.clone(), "expires_in_7_days".to_string()),
        (in_twelve_hours, "expires_in_1_day".to_string()),
        (expired, "expired".to_string()),
    ];
    want.sort();
    assert_eq!(kinds, want);
    for r in &got {
        assert_eq!(
            r.signature.as_deref(),
            Some(signature(SECRET, r.timestamp, &r.body).as_str()),
            "each notice is signed over its timestamp and body"
        );
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["organization"]["slug"], "acme");
        assert_eq!(body["service_account"]["name"], "ci");
        assert_eq!(body["id"], r.delivery.as_str());
    }
    tick(&first.state).await;
    assert_eq!(seen.lock().unwrap().len(), 3, "nothing twice");

    // A restart (a new process on the same database), and a second replica beside it: the
    // three-day token reaches its last day and is noticed exactly once more.
    let restarted = TestApp::spawn_on_with(&first.db_url, Settings::loopback_webhooks()).await;
    let replica = TestApp::spawn_on_with(&first.db_url, Settings::loopback_webhooks()).await;
    let at = app::services::clock::now_ms() + 6 * HOUR;
    restarted
        .execute(&format!(
            "UPDATE tokens SET expires_at = {at} WHERE id = '{in_three_days}'"
        ))
        .await;
    tokio::join!(tick(&restarted.state), tick(&replica.state));
    tokio::join!(tick(&restarted.state), tick(&replica.state));
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(got[3].event, "expires_in_1_day");
    let log = ada.post("/api/v1/settings/deliveries", json!({})).await;
    let items = log.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert!(items
        .iter()
        .all(|d| d["status"] == "delivered" && d["attempts"] == 1));
}

async fn a_failing_receiver_is_retried_until_it_answers(b: Backend) {
    let settings = Settings {
        notice_retry_base_ms: 1,
        ..Settings::loopback_webhooks()
    };
    let app = TestApp::spawn_with(b, settings).await;
    app.admin("acme", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let (url, seen) = receiver(2).await;
    configure(&ada, &url).await;
    let sa = ada.create_account("ci", "viewer").await;
    token_expiring(&app, &ada, &sa, "soon", 12 * HOUR).await;
    for _ in 0..4 {
        tick(&app.state).await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let got = seen.lock().unwrap().clone();
    assert_eq!(
        got.len(),
        3,
        "two failures, then delivered, then nothing more"
    );
    assert!(
        got.iter().all(|r| r.delivery == got[0].delivery),
        "the same notice each time"
    );
    let log = ada.post("/api/v1/settings/deliveries", json!({})).await;
    let d = &log.body["items"][0];
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["last_status"], 200);

    // Send test reports a receiver that cannot be reached, without failing the request.
    ada.post(
        "/api/v1/settings/update",
        json!({"webhook_url": "http://127.0.0.1:9/nothing-listens-here"}),
    )
    .await;
    let r = ada.post("/api/v1/settings/test-webhook", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["status"], "failed", "a test is not retried");
    assert!(
        r.body["last_error"]
            .as_str()
            .unwrap()
            .contains("could not reach"),
        "{r:?}"
    );
    ada.post("/api/v1/settings/update", json!({"webhook_url": url}))
        .await;
    let r = ada.post("/api/v1/settings/test-webhook", json!({})).await;
    assert_eq!(
        (r.body["status"].as_str(), r.body["kind"].as_str()),
        (Some("delivered"), Some("test"))
    );
}

async fn the_webhook_settings_are_checked_and_the_secret_sealed(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let ada = app.signed_in("ada@acme.test").await;
    let update = |body: Value| ada.post("/api/v1/settings/update", body);
    for bad in [
        "http://hooks.example.com/x",
        "ftp://localhost/x",
        "http://localhost.evil.example/x",
        "http://localhost:x@10.0.0.12:8080/internal",
        "https://user:password@hooks.example.com/x",
    ] {
        let r = update(json!({"webhook_url": bad})).await;
        assert_eq!(
            (r.status, r.error_field()),
            (StatusCode::UNPROCESSABLE_ENTITY, "webhook_url"),
            "{bad}"
        );
    }
    let r = update(json!({"webhook_url": "http://localhost:8080/hook", "webhook_secret": "short"}))
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "webhook_secret")
    );
    let r = update(
        json!({"webhook_url": "https://hooks.example.com/steward", "webhook_secret": SECRET}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["settings"]["webhook_secret_set"], true);
    assert!(
        r.body["settings"].get("webhook_secret").is_none(),
        "write-only"
    );
    assert!(
        !app.database_dump().await.contains(SECRET),
        "sealed, never in clear"
    );
    assert!(!r.text.contains(SECRET));
    let r = update(json!({"webhook_secret": null})).await;
    assert_eq!(r.body["settings"]["webhook_secret_set"], false);
}
