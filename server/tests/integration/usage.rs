//! Usage per service account: counts under concurrent load equal the requests made, per day
//! and per token, without a write per request; the list's seven-day column and its sort.

use crate::common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(usage_counts_every_request_once);

async fn usage_counts_every_request_once(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let busy = ada.create_account("busy", "viewer").await;
    let quiet = ada.create_account("quiet", "viewer").await;
    let (a_id, a) = ada.create_token(&busy, "a", &["read"]).await;
    let (_, b_secret) = ada.create_token(&busy, "b", &["read"]).await;
    let (_, q) = ada.create_token(&quiet, "q", &["read"]).await;
    // 60 requests with `a`, 25 with `b`, 3 with `q`, many at once.
    let mut calls = Vec::new();
    for (secret, n) in [(&a, 60), (&b_secret, 25), (&q, 3)] {
        for _ in 0..n {
            let c = app.script(secret);
            calls.push(tokio::spawn(async move {
                c.post("/api/v1/auth/whoami", json!({})).await.status
            }));
        }
    }
    for c in calls {
        assert_eq!(c.await.unwrap(), StatusCode::OK);
    }
    // Nothing was written per request: the counts reach the database with the flush.
    let before = app.count("SELECT COUNT(*) FROM token_usage_daily").await;
    assert_eq!(before, 0);
    app.state.usage.flush(&app.state.db).await;

    let r = ada
        .post("/api/v1/service-accounts/usage", json!({"id": busy}))
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["total"], 85);
    let days = r.body["days"].as_array().unwrap();
    assert_eq!(days.len(), 30, "every day of the period, zeros included");
    assert_eq!(days[29]["requests"], 85, "all of it today");
    assert_eq!(days[0]["requests"], 0);
    assert_eq!(
        r.body["tokens"][0],
        json!({"id": a_id, "name": "a", "requests": 60})
    );
    assert_eq!(r.body["tokens"][1]["requests"], 25);

    // A second flush adds to the same day instead of replacing it.
    for _ in 0..5 {
        app.script(&a).post("/api/v1/auth/whoami", json!({})).await;
    }
    app.state.usage.flush(&app.state.db).await;
    let r = ada
        .post(
            "/api/v1/service-accounts/usage",
            json!({"id": busy, "days": 7}),
        )
        .await;
    assert_eq!(r.body["total"], 90);
    assert_eq!(r.body["days"].as_array().unwrap().len(), 7);

    // The list shows seven days' requests and sorts by them.
    let r = ada
        .post(
            "/api/v1/service-accounts/list",
            json!({"sort": "-requests"}),
        )
        .await;
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items[0]["name"], "busy");
    assert_eq!(items[0]["requests_7d"], 90);
    assert_eq!(items[1]["name"], "quiet");
    assert_eq!(items[1]["requests_7d"], 3);
    let r = ada.post("/api/v1/service-accounts/list", json!({})).await;
    let busy_row = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "busy")
        .unwrap()
        .clone();
    assert_eq!(busy_row["requests_7d"], 90, "in the default sort too");
    let r = ada
        .post(
            "/api/v1/service-accounts/usage",
            json!({"id": busy, "days": 91}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "days")
    );
}
