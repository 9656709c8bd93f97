//! Guards on a token: allowed networks, a rate limit and max uses, enforced on the API,
//! `/auth/verify` and introspection, refused with a reason the caller can act on, counted and
//! audited; the rate limit and the uses hold across two replicas.

use crate::common::{Backend, Client, Settings, TestApp};
use crate::verification::gateway;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Requests from this host arrive through a "proxy" the server trusts, so each request's
/// `X-Forwarded-For` is the client address the guards see.
pub(crate) fn behind_a_proxy() -> Settings {
    Settings {
        trusted_proxies: "127.0.0.1",
        ..Settings::default()
    }
}

/// A token of `account` with `guards`: `(id, secret)`.
async fn guarded_token(ada: &Client, account: &str, name: &str, guards: Value) -> (String, String) {
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": account, "name": name, "guards": guards}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    (
        r.body["token"]["id"].as_str().unwrap().to_string(),
        r.body["secret"].as_str().unwrap().to_string(),
    )
}

/// `secret`'s whoami as sent from `address`.
pub(crate) async fn whoami_from(
    app: &TestApp,
    secret: &str,
    address: &str,
) -> crate::common::Reply {
    app.script(secret)
        .with_header("x-forwarded-for", address)
        .post("/api/v1/auth/whoami", json!({}))
        .await
}

/// Waits, if need be, until at least `secs` seconds are left in the current minute: rate
/// limits count per calendar minute, and a test must not straddle two.
pub(crate) async fn with_seconds_left_in_minute(secs: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let left = 60 - now % 60;
    if left < secs {
        tokio::time::sleep(std::time::Duration::from_secs(left + 1)).await;
    }
}

on_both_databases!(
    networks_limit_where_a_token_works_everywhere_it_is_accepted,
    a_rate_limit_answers_429_with_retry_after,
    uses_and_rate_hold_across_replicas,
    guards_are_checked_defaulted_and_audited,
);

async fn networks_limit_where_a_token_works_everywhere_it_is_accepted(b: Backend) {
    let (app, ada) = TestApp::acme_with(b, behind_a_proxy()).await;
    let ci = ada.create_account("ci", "viewer").await;
    let (id, secret) = guarded_token(
        &ada,
        &ci,
        "office-only",
        json!({"allowed_networks": ["203.0.113.0/24", "2001:db8::/32"]}),
    )
    .await;

    for inside in ["203.0.113.9", "2001:db8::5"] {
        whoami_from(&app, &secret, inside)
            .await
            .assert_status(StatusCode::OK);
    }
    let refused = whoami_from(&app, &secret, "198.51.100.1").await;
    refused.assert_error(StatusCode::FORBIDDEN, "network_not_allowed");

    // /auth/verify, as a proxy in front of another service asks.
    let verify =
        |address: &'static str| app.script(&secret).with_header("x-forwarded-for", address);
    verify("203.0.113.9")
        .get("/auth/verify")
        .await
        .assert_status(StatusCode::OK);
    verify("198.51.100.1")
        .get("/auth/verify")
        .await
        .assert_error(StatusCode::FORBIDDEN, "network_not_allowed");

    // Introspection: the gateway's own token is used from the gateway (the TCP peer, this
    // host), the token it asks about from the client it reports.
    let gw = gateway(&app, &ada).await;
    let ask = |address: &'static str| {
        let gw = gw.clone().with_header("x-forwarded-for", address);
        let secret = secret.clone();
        async move {
            let r = gw
                .post("/api/v1/tokens/introspect", json!({"token": secret}))
                .await;
            r.assert_status(StatusCode::OK);
            r.body["active"].as_bool().unwrap()
        }
    };
    assert!(ask("203.0.113.9").await);
    assert!(!ask("198.51.100.1").await, "refused by its guard: inactive");

    // Refusals are counted beside the requests, and audited with their reason.
    app.state.usage.flush(&app.state.db).await;
    let usage = ada
        .post("/api/v1/service-accounts/usage", json!({"id": ci}))
        .await;
    let today = &usage.body["days"][29];
    assert_eq!(
        (today["requests"].clone(), today["refused"].clone()),
        (json!(4), json!(3))
    );
    let refusals = app
        .texts(&format!(
            "SELECT details FROM audit_events WHERE action = 'auth.token_refused' AND target_id = '{id}'"
        ))
        .await;
    assert_eq!(refusals.len(), 1, "throttled to one a minute: {refusals:?}");
    assert!(refusals[0].contains("network_not_allowed"), "{refusals:?}");

    // Lifting the guard takes effect at the next request, cache or not.
    let r = ada
        .post(
            "/api/v1/tokens/update-guards",
            json!({"id": id, "guards": {}}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["token"]["guards"], json!({}));
    whoami_from(&app, &secret, "198.51.100.1")
        .await
        .assert_status(StatusCode::OK);
}

async fn a_rate_limit_answers_429_with_retry_after(b: Backend) {
    let (app, ada) = TestApp::acme_with(b, behind_a_proxy()).await;
    let ci = ada.create_account("ci", "viewer").await;
    let (_, secret) = guarded_token(
        &ada,
        &ci,
        "slow",
        json!({"rate_limit_per_minute": 5, "allowed_networks": ["203.0.113.0/24"]}),
    )
    .await;
    with_seconds_left_in_minute(10).await;
    // A request from outside its networks spends none of the minute's five.
    whoami_from(&app, &secret, "198.51.100.1")
        .await
        .assert_error(StatusCode::FORBIDDEN, "network_not_allowed");
    for _ in 0..5 {
        whoami_from(&app, &secret, "203.0.113.9")
            .await
            .assert_status(StatusCode::OK);
    }
    let limited = whoami_from(&app, &secret, "203.0.113.9").await;
    limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(limited.body["error"]["retry_after"], json!(wait));
    // Other tokens of the account are not limited by it.
    let (_, free) = ada.create_token(&ci, "free", &["read"]).await;
    whoami_from(&app, &free, "203.0.113.9")
        .await
        .assert_status(StatusCode::OK);
}

/// Two replicas on one database. Max uses are exact; a 60/min limit with 200 requests split
/// across both lets through at most 60, and (docs/design.md) at least 60 less what each replica
/// may hold unspent: a block of 3 each, so 56.
async fn uses_and_rate_hold_across_replicas(b: Backend) {
    let (first, ada) = TestApp::acme(b).await;
    let second = TestApp::spawn_on(&first.db_url).await;
    let ci = ada.create_account("ci", "viewer").await;
    let (uses_id, once_ten) = guarded_token(&ada, &ci, "ten-uses", json!({"max_uses": 10})).await;
    let (_, limited) =
        guarded_token(&ada, &ci, "sixty", json!({"rate_limit_per_minute": 60})).await;

    let spread = |secret: &str, n: usize| {
        let calls: Vec<_> = (0..n)
            .map(|i| {
                let replica = if i % 2 == 0 { &first } else { &second };
                let c = replica.script(secret);
                tokio::spawn(async move { c.post("/api/v1/auth/whoami", json!({})).await })
            })
            .collect();
        async move {
            let mut by_outcome = std::collections::BTreeMap::<String, usize>::new();
            for c in calls {
                let r = c.await.unwrap();
                let key = if r.status == StatusCode::OK {
                    "ok".to_string()
                } else {
                    r.error_code().to_string()
                };
                *by_outcome.entry(key).or_default() += 1;
            }
            by_outcome
        }
    };
    let uses = spread(&once_ten, 30).await;
    assert_eq!(uses.get("ok"), Some(&10), "{uses:?}");
    assert_eq!(uses.get("uses_exhausted"), Some(&20), "{uses:?}");
    let listed = ada
        .post("/api/v1/tokens/list", json!({"service_account_id": ci}))
        .await;
    let token = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == uses_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(token["uses"], 10);

    with_seconds_left_in_minute(20).await;
    let rate = spread(&limited, 200).await;
    let ok = rate.get("ok").copied().unwrap_or(0);
    assert!((56..=60).contains(&ok), "{rate:?}");
    assert_eq!(
        rate.get("rate_limited").copied().unwrap_or(0),
        200 - ok,
        "{rate:?}"
    );
}

async fn guards_are_checked_defaulted_and_audited(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let ci = ada.create_account("ci", "viewer").await;
    for (guards, field) in [
        (
            json!({"allowed_networks": ["10.0.0.0/33"]}),
            "guards.allowed_networks",
        ),
        (json!({"allowed_networks": []}), "guards.allowed_networks"),
        (
            json!({"rate_limit_per_minute": 0}),
            "guards.rate_limit_per_minute",
        ),
        (json!({"max_uses": -1}), "guards.max_uses"),
    ] {
        let r = ada
            .post(
                "/api/v1/tokens/create",
                json!({"service_account_id": ci, "name": "bad", "guards": guards}),
            )
            .await;
        r.assert_field(StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": ci, "name": "typo", "guards": {"max_use": 3}}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "an unknown guard is refused: {r:?}"
    );

    // The account's defaults go to each new token made without guards of its own.
    let r = ada
        .post(
            "/api/v1/service-accounts/update-guards",
            json!({"id": ci, "guards": {"allowed_networks": ["10.1.2.3/8"], "max_uses": 100}}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        r.body["service_account"]["default_guards"],
        json!({"allowed_networks": ["10.0.0.0/8"], "max_uses": 100})
    );
    let (_, defaulted) = ada.create_token(&ci, "defaulted", &["read"]).await;
    let (own_id, _) = guarded_token(&ada, &ci, "own", json!({})).await;
    let listed = ada
        .post("/api/v1/tokens/list", json!({"service_account_id": ci}))
        .await;
    let guards_of = |name: &str| {
        listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()["guards"]
            .clone()
    };
    assert_eq!(guards_of("defaulted")["max_uses"], 100);
    assert_eq!(
        guards_of("own"),
        json!({}),
        "explicit guards win, even none"
    );
    // From this host (127.0.0.1), outside 10.0.0.0/8.
    app.script(&defaulted)
        .post("/api/v1/auth/whoami", json!({}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "network_not_allowed");

    let r = ada
        .post(
            "/api/v1/tokens/update-guards",
            json!({"id": own_id, "guards": {"rate_limit_per_minute": 600}}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let details = app
        .texts(&format!(
            "SELECT details FROM audit_events WHERE action = 'token.update_guards' AND target_id = '{own_id}'"
        ))
        .await;
    let details: Value = serde_json::from_str(&details[0]).unwrap();
    assert_eq!(details, json!({"old": "none", "new": "600/min"}));
    ada.post(
        "/api/v1/tokens/update-guards",
        json!({"id": "tok_missing", "guards": {}}),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);

    // Changing guards takes what changing tokens takes.
    let (_, viewer_secret) = {
        let viewer_account = ada.create_account("reader", "viewer").await;
        ada.create_token(&viewer_account, "reads", &["read", "write"])
            .await
    };
    app.script(&viewer_secret)
        .post(
            "/api/v1/tokens/update-guards",
            json!({"id": own_id, "guards": {}}),
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
}
