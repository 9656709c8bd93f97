//! Browser sessions under attack and over time: password changes end other sessions, absolute
//! and sliding idle limits, purging, the `__Host-` cookie on https, and login CSRF.

use crate::common::{cookie_of, Backend, Settings, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    a_password_change_ends_every_other_session_and_rotates_this_one,
    sessions_end_at_the_absolute_limit,
    an_active_session_slides_and_its_cookie_is_reissued,
    expired_sessions_and_links_are_purged,
    https_gets_the_host_cookie_and_hsts,
    sign_in_forms_refuse_cross_site_posts,
);

async fn login(app: &TestApp, email: &str, password: &str) -> String {
    let res = app
        .post_with_cookie(
            "/api/v1/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    cookie_of(&res).expect("a session cookie")
}

async fn whoami(app: &TestApp, cookie: &str) -> StatusCode {
    app.post_with_cookie("/api/v1/auth/whoami", Some(cookie), json!({}))
        .await
        .status()
}

async fn a_password_change_ends_every_other_session_and_rotates_this_one(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let laptop = login(&app, "ada@acme.test", PASSWORD).await;
    let stolen = login(&app, "ada@acme.test", PASSWORD).await;
    assert_eq!(whoami(&app, &stolen).await, StatusCode::OK);

    let res = app
        .post_with_cookie(
            "/api/v1/auth/change-password",
            Some(&laptop),
            json!({"current_password": PASSWORD, "new_password": "a brand new long password"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let rotated = cookie_of(&res).expect("the session is replaced");
    assert_ne!(rotated, laptop);
    assert_eq!(whoami(&app, &rotated).await, StatusCode::OK);
    assert_eq!(
        whoami(&app, &laptop).await,
        StatusCode::UNAUTHORIZED,
        "old id dead"
    );
    assert_eq!(
        whoami(&app, &stolen).await,
        StatusCode::UNAUTHORIZED,
        "other sessions end"
    );
    login(&app, "ada@acme.test", "a brand new long password").await;
}

async fn sessions_end_at_the_absolute_limit(b: Backend) {
    let settings = Settings {
        session_max_secs: 2,
        ..Settings::default()
    };
    let app = TestApp::spawn_with(b, settings).await;
    app.admin("acme", "ada@acme.test").await;
    let res = app
        .post_with_cookie(
            "/api/v1/auth/login",
            None,
            json!({"email": "ada@acme.test", "password": PASSWORD}),
        )
        .await;
    let set = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.contains("Max-Age=2"),
        "the cookie lives no longer than the session: {set}"
    );
    let cookie = cookie_of(&res).unwrap();
    assert_eq!(whoami(&app, &cookie).await, StatusCode::OK);
    // Activity does not extend a session past its absolute end.
    app.execute("UPDATE sessions SET last_seen_at = last_seen_at - 120000")
        .await;
    assert_eq!(whoami(&app, &cookie).await, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    assert_eq!(whoami(&app, &cookie).await, StatusCode::UNAUTHORIZED);
}

async fn an_active_session_slides_and_its_cookie_is_reissued(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let cookie = login(&app, "ada@acme.test", PASSWORD).await;
    // Used within the last minute: no write, no new cookie.
    let res = app
        .post_with_cookie("/api/v1/auth/whoami", Some(&cookie), json!({}))
        .await;
    assert!(res.headers().get("set-cookie").is_none());
    // Last seen two minutes ago and close to its idle end: the window slides and the browser
    // hears of it, so an active person is not signed out at the idle limit.
    app.execute(
        "UPDATE sessions SET last_seen_at = last_seen_at - 120000, expires_at = last_seen_at + 60000",
    )
    .await;
    let before = app.count("SELECT MAX(expires_at) FROM sessions").await;
    let res = app
        .post_with_cookie("/api/v1/auth/whoami", Some(&cookie), json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let set = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.starts_with(&format!("{cookie};")),
        "same session id: {set}"
    );
    assert!(
        set.contains("Max-Age=3599") || set.contains("Max-Age=3600"),
        "{set}"
    );
    let after = app.count("SELECT MAX(expires_at) FROM sessions").await;
    assert!(after > before + 3_000_000, "{before} -> {after}");
}

async fn expired_sessions_and_links_are_purged(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let live = login(&app, "ada@acme.test", PASSWORD).await;
    let old = login(&app, "ada@acme.test", PASSWORD).await;
    let ada = app.signed_in("ada@acme.test").await;
    ada.post(
        "/api/v1/members/invite",
        json!({"email": "bob@acme.test", "name": "Bob", "role": "viewer"}),
    )
    .await;
    // One session and the invitation age past their ends; failure counts age out too.
    app.execute(&format!(
        "UPDATE sessions SET expires_at = 1 WHERE id_hash = '{}'",
        app::auth::random::sha256_hex(old.split_once('=').unwrap().1)
    ))
    .await;
    app.execute("UPDATE setup_links SET expires_at = 1").await;
    app.execute("INSERT INTO auth_failures (subject, at) VALUES ('sign_in:x@y.z', 1)")
        .await;
    let sessions = app.count("SELECT COUNT(*) FROM sessions").await;
    app::services::housekeeping::purge_expired(&app.state).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions").await,
        sessions - 1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM setup_links").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM auth_failures").await, 0);
    assert_eq!(whoami(&app, &live).await, StatusCode::OK);
}

async fn https_gets_the_host_cookie_and_hsts(b: Backend) {
    let settings = Settings {
        public_url: Some("https://steward.example".into()),
        ..Settings::default()
    };
    let app = TestApp::spawn_with(b.clone(), settings).await;
    app.admin("acme", "ada@acme.test").await;
    let res = app
        .post_with_cookie(
            "/api/v1/auth/login",
            None,
            json!({"email": "ada@acme.test", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let set = res.headers()["set-cookie"].to_str().unwrap();
    assert!(set.starts_with("__Host-steward_session="), "{set}");
    assert!(set.contains("; Secure") && set.contains("Path=/") && !set.contains("Domain"));
    assert!(res.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
    let cookie = cookie_of(&res).unwrap();
    assert_eq!(whoami(&app, &cookie).await, StatusCode::OK);
    // The plain name means nothing on an https deployment.
    let plain = cookie.replacen("__Host-steward_session", "steward_session", 1);
    assert_eq!(whoami(&app, &plain).await, StatusCode::UNAUTHORIZED);

    let http_app = TestApp::spawn(b).await;
    http_app.admin("acme", "ada@acme.test").await;
    let res = http_app
        .post_with_cookie(
            "/api/v1/auth/login",
            None,
            json!({"email": "ada@acme.test", "password": PASSWORD}),
        )
        .await;
    assert!(res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("steward_session="));
    assert!(res.headers().get("strict-transport-security").is_none());
}

async fn sign_in_forms_refuse_cross_site_posts(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let body = json!({"email": "ada@acme.test", "password": PASSWORD});
    let attempt = |headers: &[(&str, &str)], path: &'static str| {
        let mut c = app.anonymous();
        for (k, v) in headers {
            c = c.with_header(k, v);
        }
        let body = if path.ends_with("login") {
            body.clone()
        } else {
            json!({"token": "x", "password": PASSWORD, "org_name": "E", "org_slug": "evil",
                   "name": "Eve", "email": "eve@evil.example"})
        };
        async move { c.post(path, body).await }
    };
    // Every refused attempt also counts against the address's sign-in limit (ten a minute).
    let evil: &[(&str, &str)] = &[("origin", "https://evil.example")];
    let cases: [(&[(&str, &str)], &str); 5] = [
        (evil, "/api/v1/auth/login"),
        (&[("sec-fetch-site", "cross-site")], "/api/v1/auth/login"),
        (&[], "/api/v1/auth/login"),
        (evil, "/api/v1/setup/complete"),
        (evil, "/api/v1/setup/accept-invite"),
    ];
    for (headers, path) in cases {
        let r = attempt(headers, path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} {headers:?}: {r:?}");
        assert_eq!(r.error_code(), "forbidden");
    }
    let r = attempt(&[("sec-fetch-site", "same-origin")], "/api/v1/auth/login").await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        app.browser()
            .post("/api/v1/auth/login", body.clone())
            .await
            .status,
        StatusCode::OK
    );
}
