//! Abuse resistance over real HTTP: bad tokens are limited before any lookup, a database outage
//! is a 503 (not a 401), client addresses behind trusted proxies, per-account sign-in limits,
//! and no password hashing for a link that is no longer valid.

use crate::common::{Backend, Settings, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    an_address_sending_bad_tokens_is_refused_before_any_lookup,
    a_blocked_address_still_serves_valid_tokens,
    a_database_outage_is_503_not_401,
    forwarded_addresses_count_only_from_trusted_proxies,
    ipv6_clients_are_limited_per_64,
    sign_in_is_limited_per_account_from_any_address,
    password_changes_are_limited_per_person,
    dead_links_are_refused_before_any_password_is_hashed,
);

/// A token with a valid shape and checksum that Steward never issued.
fn unknown_token() -> String {
    app::auth::token_secret::generate().secret
}

async fn an_address_sending_bad_tokens_is_refused_before_any_lookup(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    for i in 0..30 {
        let r = app
            .script(&unknown_token())
            .post("/api/v1/auth/whoami", json!({}))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // Blocked: beyond the few first looks the process allows every blocked address together
    // (a real client's new token must not wait), made-up tokens are refused unread.
    let mut tries = 0;
    let r = loop {
        let r = app
            .script(&unknown_token())
            .post("/api/v1/auth/whoami", json!({}))
            .await;
        if r.status != StatusCode::UNAUTHORIZED {
            break r;
        }
        tries += 1;
        assert!(tries <= 11, "still looked up after {tries} tries");
    };
    r.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3).contains(&wait), "{wait}");
    // A signed-in person from the same address is not affected.
    assert_eq!(
        ada.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::OK
    );
}

/// The limit protects the database from made-up tokens; it must not refuse the real clients
/// behind the same proxy or NAT. Made-up tokens from the blocked address still cost no lookup:
/// with the database gone they still answer 429, never 503.
async fn a_blocked_address_still_serves_valid_tokens(b: Backend) {
    // Without the credential cache, so a good token's lookup is seen reaching the database.
    let no_cache = Settings {
        credential_cache: false,
        ..Settings::default()
    };
    let (app, ada) = TestApp::acme_with(b, no_cache).await;
    let sa = ada.create_account("ci", "viewer").await;
    let (_, used) = ada.create_token(&sa, "used", &["read"]).await;
    let (_, unused) = ada.create_token(&sa, "unused", &["read"]).await;
    let whoami = |token: &str| {
        let c = app.script(token);
        async move { c.post("/api/v1/auth/whoami", json!({})).await }
    };
    let verify = |token: &str| {
        let c = app.script(token);
        async move { c.get("/auth/verify").await.status }
    };
    assert_eq!(whoami(&used).await.status, StatusCode::OK);
    for _ in 0..30 {
        assert_eq!(
            whoami(&unknown_token()).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // The address is blocked: after the few first looks the budget allows, junk is refused.
    let mut looked = 0;
    while whoami(&unknown_token()).await.status == StatusCode::UNAUTHORIZED {
        looked += 1;
        assert!(looked <= 12, "junk is still looked up after {looked} tries");
    }
    // What looks up no token answers whatever the Authorization header says.
    assert_eq!(
        app.script(&unknown_token()).get("/healthz").await.status,
        StatusCode::OK
    );
    // A token that authenticated before is served at once, by the API and by /auth/verify.
    let r = whoami(&used).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(verify(&used).await, StatusCode::OK);
    // One this process has not seen yet is served at once while the budget of first looks
    // lasts, and otherwise (a flood just spent it) when it comes again.
    let r = whoami(&unused).await;
    if r.status == StatusCode::TOO_MANY_REQUESTS {
        assert!(r.header("retry-after").is_some(), "{r:?}");
        assert_eq!(whoami(&unused).await.status, StatusCode::OK);
    } else {
        r.assert_status(StatusCode::OK);
    }
    assert_eq!(verify(&unused).await, StatusCode::OK);
    let answers = |statuses: Vec<StatusCode>, looked_up: StatusCode| {
        let refused = statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count();
        let other: Vec<_> = statuses
            .iter()
            .filter(|s| **s != looked_up && **s != StatusCode::TOO_MANY_REQUESTS)
            .collect();
        assert!(other.is_empty(), "{other:?}");
        assert!(
            refused >= statuses.len() - 3,
            "junk kept being looked up: {statuses:?}"
        );
    };
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(whoami(&unknown_token()).await.status);
    }
    answers(statuses, StatusCode::UNAUTHORIZED);
    // Made-up tokens are refused before any lookup (but for the budget's few): without a
    // database they still answer 429, while a good token's lookup finds the database gone.
    match &app.state.db {
        app::store::Db::Sqlite(p, _) => p.close().await,
        app::store::Db::Postgres(p, _) => p.close().await,
    }
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(whoami(&unknown_token()).await.status);
    }
    statuses.push(
        app.script(&unknown_token())
            .get("/auth/verify")
            .await
            .status,
    );
    answers(statuses, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        whoami(&used).await.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "a good token is still looked up"
    );
}

async fn a_database_outage_is_503_not_401(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let sa = ada.create_account("ci", "viewer").await;
    let (_, good) = ada.create_token(&sa, "good", &["read"]).await;
    match &app.state.db {
        app::store::Db::Sqlite(p, _) => p.close().await,
        app::store::Db::Postgres(p, _) => p.close().await,
    }
    // More than the bad-token quota: none counts as a bad token, so none is a 429.
    for _ in 0..35 {
        let r = app
            .script(&good)
            .post("/api/v1/auth/whoami", json!({}))
            .await;
        r.assert_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        assert!(r.header("retry-after").is_some());
    }
    let r = ada.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(
        r.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "sessions too: {r:?}"
    );
    // And what needs no credential: a sign-in reads the database first (it answered 500).
    let r = app
        .browser()
        .post(
            "/api/v1/auth/login",
            json!({"email": "ada@acme.test", "password": "whatever it is"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "sign-in: {r:?}");
    assert_eq!(r.error_code(), "unavailable");
}

async fn forwarded_addresses_count_only_from_trusted_proxies(b: Backend) {
    for (trusted, expected) in [("127.0.0.1", "203.0.113.9"), ("", "127.0.0.1")] {
        let settings = Settings {
            trusted_proxies: trusted,
            ..Settings::default()
        };
        let (app, ada) = TestApp::acme_with(b.clone(), settings).await;
        let ada = ada.with_header("x-forwarded-for", "198.51.100.1, 203.0.113.9");
        let sa = ada.create_account("ci", "viewer").await;
        let (_, secret) = ada.create_token(&sa, "t", &["read"]).await;
        app.script(&secret)
            .with_header("x-forwarded-for", "203.0.113.9")
            .post("/api/v1/auth/whoami", json!({}))
            .await;
        app.state.usage.flush(&app.state.db).await;
        let r = ada
            .post("/api/v1/tokens/list", json!({"service_account_id": sa}))
            .await;
        assert_eq!(
            r.body["items"][0]["last_used_ip"], expected,
            "trusted: {trusted:?}"
        );
        let r = ada
            .post(
                "/api/v1/audit/list",
                json!({"action": "service_account.create"}),
            )
            .await;
        assert_eq!(r.body["items"][0]["ip"], expected, "trusted: {trusted:?}");
    }
}

async fn ipv6_clients_are_limited_per_64(b: Backend) {
    let settings = Settings {
        trusted_proxies: "127.0.0.1",
        ..Settings::default()
    };
    let app = TestApp::spawn_with(b, settings).await;
    let attempt = |from: &str, n: usize| {
        let c = app.browser().with_header("x-forwarded-for", from);
        async move {
            c.post(
                "/api/v1/auth/login",
                json!({"email": format!("nobody{n}@acme.test"), "password": "wrong password"}),
            )
            .await
            .status
        }
    };
    for n in 0..10 {
        assert_eq!(
            attempt("2001:db8:1:1::1", n).await,
            StatusCode::UNAUTHORIZED
        );
    }
    // Another address in the same /64 shares the limit; the next /64 does not.
    assert_eq!(
        attempt("2001:db8:1:1:ffff::2", 10).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        attempt("2001:db8:1:2::1", 11).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(attempt("203.0.113.7", 12).await, StatusCode::UNAUTHORIZED);
}

async fn sign_in_is_limited_per_account_from_any_address(b: Backend) {
    let settings = Settings {
        trusted_proxies: "127.0.0.1",
        ..Settings::default()
    };
    let app = TestApp::spawn_with(b, settings).await;
    app.admin("acme", "ada@acme.test").await;
    // Ten guesses, each from another address: the per-address limit never sees a pattern.
    let attempt = |n: u32, password: &'static str| {
        let c = app
            .browser()
            .with_header("x-forwarded-for", &format!("198.51.100.{n}"));
        async move {
            c.post(
                "/api/v1/auth/login",
                json!({"email": "ada@acme.test", "password": password}),
            )
            .await
        }
    };
    for n in 0..10 {
        assert_eq!(
            attempt(n, "a wrong guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = attempt(50, "a wrong guess").await;
    r.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 800 && wait <= 900, "about 15 minutes: {wait}");
    assert_eq!(r.body["error"]["retry_after"], wait);
    // The right password waits too: the account is locked, not the guesser.
    assert_eq!(
        attempt(51, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let refused = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.sign_in' AND outcome = 'rate_limited'")
        .await;
    assert_eq!(refused, 2);
    // Once the failures age out, signing in works and clears the count.
    app.execute("UPDATE auth_failures SET at = at - 900001")
        .await;
    assert_eq!(attempt(52, PASSWORD).await.status, StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM auth_failures").await, 0);
}

async fn password_changes_are_limited_per_person(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let change = |current: &'static str| {
        ada.post(
            "/api/v1/auth/change-password",
            json!({"current_password": current, "new_password": "a brand new long password"}),
        )
    };
    for _ in 0..5 {
        let r = change("not my password").await;
        assert_eq!(r.error_field(), "current_password", "{r:?}");
    }
    let r = change(PASSWORD).await;
    r.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(r.header("retry-after").is_some());
    let failures = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.change_password' AND outcome = 'failure'")
        .await;
    assert_eq!(failures, 5);
}

async fn dead_links_are_refused_before_any_password_is_hashed(b: Backend) {
    let app = TestApp::spawn(b).await;
    let hashed = app.state.passwords.computed();
    let r = app
        .browser()
        .post(
            "/api/v1/setup/complete",
            json!({"token": "not-a-link", "org_name": "Acme", "org_slug": "acme",
                   "name": "Ada", "email": "ada@acme.test", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::NOT_FOUND, "token")
    );
    let r = app
        .browser()
        .post(
            "/api/v1/setup/accept-invite",
            json!({"token": "not-a-link", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::NOT_FOUND, "token")
    );
    assert_eq!(
        app.state.passwords.computed(),
        hashed,
        "no argon2 work was done"
    );
}
