//! Signing in and asking who one is: passwords, sessions rotated at sign-in, the per-address
//! limit on sign-in, and `auth/whoami` for a cookie and a token.

use crate::common::{Backend, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    sign_in_succeeds_and_fails,
    whoami_with_cookie_and_with_bearer_token,
    whoami_takes_an_empty_object_and_answers_like_any_operation,
    sign_in_is_rate_limited,
    sign_in_rotates_the_session,
);

async fn sign_in_succeeds_and_fails(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let c = app.browser();
    let r = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "ada@acme.test", "password": "wrong password"}),
        )
        .await;
    r.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let r = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "nobody@acme.test", "password": PASSWORD}),
        )
        .await;
    r.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let r = c.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "no session yet");

    let r = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "ADA@acme.test", "password": PASSWORD}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["user"]["email"], "ada@acme.test");
    assert_eq!(r.body["user"]["role"], "admin");
    assert!(r.body["user"].get("password_hash").is_none());
    assert_eq!(
        c.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::OK
    );

    let r = c.post("/api/v1/auth/logout", json!({})).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        c.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Failures and successes are both in the audit log.
    let rows = app.database_dump().await;
    assert!(rows.contains("auth.sign_in"));
}

async fn whoami_with_cookie_and_with_bearer_token(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let r = ada.post("/api/v1/auth/whoami", json!({})).await;
    r.assert_status(StatusCode::OK);
    let p = &r.body["principal"];
    assert_eq!(p["kind"], "user");
    assert_eq!(p["name"], "ada");
    assert_eq!(p["role"], "admin");
    assert_eq!(p["scopes"], json!(["read", "write"]));
    assert_eq!(p["organization"]["slug"], "acme");

    let sa = ada.create_account("ci-deploy", "editor").await;
    let (token_id, secret) = ada.create_token(&sa, "deploy", &["read"]).await;
    let r = app
        .script(&secret)
        .post("/api/v1/auth/whoami", json!({}))
        .await;
    r.assert_status(StatusCode::OK);
    let p = &r.body["principal"];
    assert_eq!(p["kind"], "service_account");
    assert_eq!(p["id"], sa.as_str());
    assert_eq!(p["name"], "ci-deploy");
    assert_eq!(p["role"], "editor");
    assert_eq!(p["scopes"], json!(["read"]));
    assert_eq!(p["token"]["id"], token_id.as_str());
    assert_eq!(p["token"]["name"], "deploy");
    assert!(p["token"]["expires_at"].as_str().unwrap().ends_with('Z'));
}

/// whoami is a plain handler, not a server function (it is the hottest request); its body, its
/// errors and its headers must still be those of every other operation.
async fn whoami_takes_an_empty_object_and_answers_like_any_operation(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let sa = ada.create_account("ci-deploy", "editor").await;
    let (token_id, secret) = ada.create_token(&sa, "deploy", &["read"]).await;
    let script = app.script(&secret);

    // A field no operation takes is refused by name, not ignored.
    let r = script
        .post("/api/v1/auth/whoami", json!({"unknown": "ignored"}))
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::BAD_REQUEST, "unknown"),
        "{r:?}"
    );
    let r = script.post("/api/v1/auth/whoami", json!({})).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["principal"]["kind"], "service_account");
    assert!(r.body["tenant_url"].as_str().unwrap().starts_with("http"));
    assert_eq!(r.headers["cache-control"], "no-store");

    for body in ["{not json", "", "null", "\"x\"", "{\"a\": 1"] {
        let r = script.post_raw("/api/v1/auth/whoami", body.into()).await;
        assert_eq!(
            (r.status, r.error_code()),
            (StatusCode::BAD_REQUEST, "bad_request"),
            "body {body:?}: {r:?}"
        );
    }
    let r = app.anonymous().post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    // A GET is refused exactly as it is on a server function's path: 405 naming the method
    // the operation takes.
    let whoami = ada.get("/api/v1/auth/whoami").await;
    let list = ada.get("/api/v1/service-accounts/list").await;
    assert_eq!(
        (whoami.status, whoami.error_code(), whoami.header("allow")),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            Some("POST")
        )
    );
    assert_eq!(
        (list.status, &list.body, list.header("allow")),
        (whoami.status, &whoami.body, whoami.header("allow"))
    );

    ada.post("/api/v1/tokens/revoke", json!({"id": token_id}))
        .await;
    let r = script.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "revoked: {r:?}");
}

async fn sign_in_is_rate_limited(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let c = app.browser();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let r = c
            .post(
                "/api/v1/auth/login",
                json!({"email": "ada@acme.test", "password": "guess"}),
            )
            .await;
        statuses.push(r.status);
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(r.error_code(), "rate_limited");
        }
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS));
    // Even the right password waits now; other operations are not limited.
    let r = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "ada@acme.test", "password": PASSWORD}),
        )
        .await;
    r.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(
        c.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn sign_in_rotates_the_session(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let http = reqwest::Client::new();
    let login = |cookie: Option<String>| {
        let mut req = http
            .post(format!("{}/api/v1/auth/login", app.base))
            .header("content-type", "application/json")
            .header("origin", &app.base)
            .body(json!({"email": "ada@acme.test", "password": PASSWORD}).to_string());
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    let session_of = |res: &reqwest::Response| -> String {
        let set = res.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
            "{set}"
        );
        assert!(
            !set.contains("Secure"),
            "plain http public URL: no Secure flag"
        );
        set.split(';').next().unwrap().to_string()
    };
    let first = session_of(&login(None).await.unwrap());
    let second = session_of(&login(Some(first.clone())).await.unwrap());
    assert_ne!(first, second);
    let whoami = |cookie: String| {
        http.post(format!("{}/api/v1/auth/whoami", app.base))
            .header("content-type", "application/json")
            .header("origin", &app.base)
            .header("cookie", cookie)
            .body("{}")
            .send()
    };
    assert_eq!(
        whoami(first).await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "the old session ended"
    );
    assert_eq!(whoami(second).await.unwrap().status(), StatusCode::OK);
}
