//! Expiry notices against a real local receiver: signed, once per notice across a restart and
//! two replicas, retried until a failing receiver answers, the Send test button, and the
//! signing secret kept out of the database in clear.

use crate::common::{Backend, Client, Settings, TestApp};
use app::services::notices::{signature, tick};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

on_both_databases!(
    notices_are_signed_and_sent_once_across_restarts_and_replicas,
    a_failing_receiver_is_retried_until_it_answers,
    the_webhook_settings_are_checked_and_the_secret_sealed,
    one_organization_cannot_crowd_out_another,
    slow_receivers_get_a_few_at_a_time_each_leased_when_sent,
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

/// A receiver that takes `delay` over each notice; it counts the notices under way at once
/// (the most it saw) and keeps each delivery id it got.
async fn slow_receiver(
    delay: std::time::Duration,
) -> (String, Arc<Mutex<Vec<String>>>, Arc<AtomicUsize>) {
    use axum::http::HeaderMap;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (now, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let (seen, peak) = (seen.clone(), peak.clone());
            move |headers: HeaderMap| {
                let (seen, now, peak) = (seen.clone(), now.clone(), peak.clone());
                async move {
                    let under_way = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(under_way, Ordering::SeqCst);
                    tokio::time::sleep(delay).await;
                    let delivery = headers["x-steward-delivery"].to_str().unwrap().to_string();
                    seen.lock().unwrap().push(delivery);
                    now.fetch_sub(1, Ordering::SeqCst);
                    "ok"
                }
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, seen, peak)
}

/// `count` more live tokens of `account` expiring `offset_ms` from now, copied in the database
/// from one made through the API (making a thousand through it would take a while).
async fn many_tokens_expiring(
    app: &TestApp,
    ada: &Client,
    account: &str,
    count: usize,
    offset_ms: i64,
) {
    let model = token_expiring(app, ada, account, "model", offset_ms).await;
    let columns: Vec<String> = app
        .state
        .db
        .schema_columns()
        .await
        .unwrap()
        .into_iter()
        .filter(|(table, _)| table == "tokens")
        .map(|(_, column)| column)
        .collect();
    let copied: Vec<String> = columns
        .iter()
        .map(|c| match c.as_str() {
            "id" => "'tok_copy' || n.i".to_string(),
            "name" => "'copy-' || n.i".to_string(),
            "secret_hash" => "t.secret_hash || n.i".to_string(),
            other => format!("t.{other}"),
        })
        .collect();
    app.execute(&format!(
        "INSERT INTO tokens ({}) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
         SELECT {} FROM tokens t CROSS JOIN n WHERE t.id = '{model}'",
        columns.join(", "),
        copied.join(", "),
    ))
    .await;
}

pub(crate) async fn configure(ada: &Client, url: &str) {
    let r = ada
        .post(
            "/api/v1/settings/update",
            json!({"webhook_url": url, "webhook_secret": SECRET}),
        )
        .await;
    r.assert_status(StatusCode::OK);
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
    let (first, ada) = TestApp::acme_with(b, Settings::loopback_webhooks()).await;
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
    let (app, ada) = TestApp::acme_with(b, settings).await;
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
    r.assert_status(StatusCode::OK);
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
    let (app, ada) = TestApp::acme(b).await;
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
    r.assert_status(StatusCode::OK);
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

async fn one_organization_cannot_crowd_out_another(b: Backend) {
    let (app, ada) = TestApp::acme_with(b, Settings::loopback_webhooks()).await;
    let gus = app.globex().await;
    let (acme_url, acme_seen) = receiver(0).await;
    let (globex_url, globex_seen) = receiver(0).await;
    configure(&ada, &acme_url).await;
    configure(&gus, &globex_url).await;
    // acme's 1,200 tokens all expire before globex's one.
    let acme_sa = ada.create_account("fleet", "viewer").await;
    many_tokens_expiring(&app, &ada, &acme_sa, 1_199, 2 * HOUR).await;
    let globex_sa = gus.create_account("ci", "viewer").await;
    let globex_token = token_expiring(&app, &gus, &globex_sa, "lonely", 20 * HOUR).await;

    tick(&app.state).await;
    let globex_got = globex_seen.lock().unwrap().clone();
    assert_eq!(
        globex_got.len(),
        1,
        "globex waited for acme: {globex_got:?}"
    );
    assert!(globex_got[0].body.contains(&globex_token));
    // acme's are announced over a few ticks, each exactly once.
    for _ in 0..20 {
        if acme_seen.lock().unwrap().len() >= 1_200 {
            break;
        }
        tick(&app.state).await;
    }
    let mut deliveries: Vec<String> = acme_seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.delivery.clone())
        .collect();
    assert_eq!(deliveries.len(), 1_200);
    deliveries.sort();
    deliveries.dedup();
    assert_eq!(deliveries.len(), 1_200, "each notice once");
    assert_eq!(globex_seen.lock().unwrap().len(), 1);
}

async fn slow_receivers_get_a_few_at_a_time_each_leased_when_sent(b: Backend) {
    let settings = Settings {
        notice_lease_ms: 1_500,
        ..Settings::loopback_webhooks()
    };
    let (first, ada) = TestApp::acme_with(b, settings.clone()).await;
    let gus = first.globex().await;
    let (slow_url, slow_seen, peak) = slow_receiver(std::time::Duration::from_millis(400)).await;
    let (quick_url, quick_seen) = receiver(0).await;
    configure(&ada, &slow_url).await;
    configure(&gus, &quick_url).await;
    let sa = ada.create_account("fleet", "viewer").await;
    many_tokens_expiring(&first, &ada, &sa, 15, 12 * HOUR).await;
    let globex_sa = gus.create_account("ci", "viewer").await;
    token_expiring(&first, &gus, &globex_sa, "t", 12 * HOUR).await;

    // A second replica ticks once a lease taken at the start of the first one's tick would
    // have lapsed: each notice is leased just before it is sent, so neither sends what the
    // other holds, though the 16 notices take longer than a lease (400 ms each).
    let second = TestApp::spawn_on_with(&first.db_url, settings).await;
    let started = std::time::Instant::now();
    let (_, _, quick_done) = tokio::join!(
        tick(&first.state),
        async {
            tokio::time::sleep(std::time::Duration::from_millis(1_600)).await;
            tick(&second.state).await
        },
        async {
            // globex's receiver is not kept waiting behind acme's slow one.
            while quick_seen.lock().unwrap().is_empty() {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            started.elapsed()
        },
    );
    assert!(
        quick_done < std::time::Duration::from_millis(1_000),
        "globex's notice waited {quick_done:?}"
    );
    let mut got = slow_seen.lock().unwrap().clone();
    assert_eq!(got.len(), 16, "{got:?}");
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 16, "a notice was sent twice");
    let peak = peak.load(Ordering::SeqCst);
    assert!(
        (2..=8).contains(&peak),
        "at most four at a time from each of two replicas, and some at once: {peak}"
    );
}
