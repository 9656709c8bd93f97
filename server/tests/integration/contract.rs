//! The API contract over real HTTP, on SQLite and on PostgreSQL.

use crate::common;

use common::{Backend, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    sign_in_succeeds_and_fails,
    whoami_with_cookie_and_with_bearer_token,
    whoami_takes_an_empty_object_and_answers_like_any_operation,
    create_and_list_accounts,
    duplicate_name_is_a_conflict,
    invalid_names_are_422_naming_the_field,
    token_works_until_revoked,
    viewer_cannot_create,
    read_scope_token_cannot_create,
    other_organizations_objects_are_not_found,
    cross_site_post_with_cookie_is_refused,
    secrets_never_reach_database_or_logs,
    malformed_requests_get_clear_errors,
    health_and_readiness,
    list_filters_and_pages,
    editor_cannot_grant_or_act_above_own_role,
    sign_in_is_rate_limited,
    sign_in_rotates_the_session,
);

async fn sign_in_succeeds_and_fails(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let c = app.browser();
    let r = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "ada@acme.test", "password": "wrong password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "unauthenticated");
    let r = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "nobody@acme.test", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = c.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "no session yet");

    let r = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "ADA@acme.test", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["user"]["email"], "ada@acme.test");
    assert_eq!(r.body["user"]["role"], "admin");
    assert!(r.body["user"].get("password_hash").is_none());
    assert_eq!(
        c.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::OK
    );

    let r = c.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        c.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Failures and successes are both in the audit log.
    let rows = app.database_dump().await;
    assert!(rows.contains("auth.sign_in"));
}

async fn whoami_with_cookie_and_with_bearer_token(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let ada = app.signed_in("ada@acme.test").await;
    let r = ada.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
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
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
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
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let ada = app.signed_in("ada@acme.test").await;
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
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
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

async fn create_and_list_accounts(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let ada = app.signed_in("ada@acme.test").await;
    let r = ada
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "  nightly-backup ", "description": "Backs up", "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let sa = &r.body["service_account"];
    assert_eq!(sa["name"], "nightly-backup", "input is trimmed");
    assert_eq!(sa["description"], "Backs up");
    assert_eq!(sa["role"], "viewer");
    assert_eq!(sa["disabled"], false);
    assert_eq!(sa["token_count"], 0);
    assert!(sa["last_used_at"].is_null());
    ada.create_account("ci-deploy", "editor").await;

    let r = ada.post("/api/v1/service-accounts/list", json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["total"], 2);
    assert_eq!(r.body["page"], 1);
    assert_eq!(r.body["per_page"], 50);
    assert_eq!(common::item_names(&r.body), ["ci-deploy", "nightly-backup"]);

    let id = sa["id"].as_str().unwrap();
    let r = ada
        .post("/api/v1/service-accounts/get", json!({"id": id}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["service_account"]["name"], "nightly-backup");
    assert_eq!(r.body["tokens"], json!([]));
}

async fn duplicate_name_is_a_conflict(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let ada = app.signed_in("ada@acme.test").await;
    let sa = ada.create_account("ci-deploy", "editor").await;
    let r = ada
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "ci-deploy", "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "conflict");
    assert_eq!(r.error_field(), "name");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("ci-deploy"));

    ada.create_token(&sa, "deploy", &["read", "write"]).await;
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "deploy"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_field(), "name");
    let list = ada.post("/api/v1/service-accounts/list", json!({})).await;
    assert_eq!(list.body["total"], 1, "nothing was added");
}

async fn invalid_names_are_422_naming_the_field(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let ada = app.signed_in("ada@acme.test").await;
    let too_long = "x".repeat(65);
    for bad in [
        "",
        "   ",
        "CI-Deploy",
        "ci deploy",
        "-ci",
        "ci/deploy",
        "сi",
        "ci\u{7}",
        too_long.as_str(),
    ] {
        let r = ada
            .post(
                "/api/v1/service-accounts/create",
                json!({"name": bad, "role": "viewer"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {r:?}");
        assert_eq!(r.error_code(), "invalid");
        assert_eq!(r.error_field(), "name", "{bad:?}");
    }
    let r = ada
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "ok", "role": "owner"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "role")
    );
    let r = ada
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "ok", "role": "viewer", "description": "d".repeat(501)}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "description")
    );
    let sa = ada.create_account("ok", "viewer").await;
    for (body, field) in [
        (
            json!({"service_account_id": sa, "name": "Bad Name"}),
            "name",
        ),
        (
            json!({"service_account_id": sa, "name": "t", "expires_in_days": 0}),
            "expires_in_days",
        ),
        (
            json!({"service_account_id": sa, "name": "t", "expires_in_days": 100000}),
            "expires_in_days",
        ),
        (
            json!({"service_account_id": sa, "name": "t", "scopes": []}),
            "scopes",
        ),
        (
            json!({"service_account_id": sa, "name": "t", "scopes": ["admin"]}),
            "scopes",
        ),
    ] {
        let r = ada.post("/api/v1/tokens/create", body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {r:?}");
        assert_eq!(r.error_field(), field, "{body}");
    }
    let r = ada.post("/api/v1/service-accounts/list", json!({})).await;
    assert_eq!(r.body["total"], 1, "only the valid account exists");
    let r = ada
        .post("/api/v1/tokens/list", json!({"service_account_id": sa}))
        .await;
    assert_eq!(r.body["items"], json!([]), "no token was created");
}

async fn token_works_until_revoked(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let ada = app.signed_in("ada@acme.test").await;
    let sa = ada.create_account("ci-deploy", "editor").await;
    let r = ada
        .post("/api/v1/tokens/create", json!({"service_account_id": sa, "name": "deploy", "description": "GitHub Actions", "expires_in_days": 7}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let secret = r.body["secret"].as_str().unwrap().to_string();
    let token = &r.body["token"];
    assert!(secret.starts_with("stw_") && secret.len() == 42);
    assert_eq!(
        r.body["session_json"],
        json!({"accessToken": secret, "tenantURL": format!("{}/", app.base), "scopes": ["read", "write"]})
    );
    assert_eq!(token["scopes"], json!(["read", "write"]));
    assert_eq!(token["status"], "active");
    assert_eq!(
        token["expires_soon"], true,
        "7 days is within the warning window"
    );
    assert_eq!(token["created_by"], "ada");
    assert_eq!(
        token["hint"].as_str().unwrap(),
        format!("stw_…{}", &secret[38..])
    );
    let token_id = token["id"].as_str().unwrap().to_string();

    let script = app.script(&secret);
    let r = script
        .post("/api/v1/service-accounts/list", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "the token can read");
    let r = script
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "made-by-token", "role": "viewer"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "an editor token with write can create"
    );

    // Last use is recorded by the batcher, not by the request itself.
    app.state.usage.flush(&app.state.db).await;
    let r = ada
        .post("/api/v1/tokens/list", json!({"service_account_id": sa}))
        .await;
    let listed = &r.body["items"][0];
    assert_eq!(listed["id"], token_id.as_str());
    assert!(listed["last_used_at"].is_string(), "{listed}");
    assert_eq!(listed["last_used_ip"], "127.0.0.1");
    assert!(listed.get("secret").is_none());

    let r = ada
        .post("/api/v1/tokens/revoke", json!({"id": token_id}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body, json!({}));
    let r = script.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "unauthenticated");
    let r = ada
        .post("/api/v1/tokens/list", json!({"service_account_id": sa}))
        .await;
    assert_eq!(r.body["items"], json!([]));
    let r = ada
        .post("/api/v1/tokens/revoke", json!({"id": token_id}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "already revoked");
    // The name is free again after revocation.
    ada.create_token(&sa, "deploy", &["read"]).await;

    // Junk and near-misses are refused the same way.
    let mut flipped = secret.clone().into_bytes();
    flipped[10] = if flipped[10] == b'a' { b'b' } else { b'a' };
    for bad in [
        String::from_utf8(flipped).unwrap(),
        "stw_nonsense".into(),
        "".into(),
    ] {
        let r = app
            .script(&bad)
            .post("/api/v1/auth/whoami", json!({}))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
}

async fn viewer_cannot_create(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    app.member("ada@acme.test", "vic@acme.test", "viewer").await;
    let ada = app.signed_in("ada@acme.test").await;
    let sa = ada.create_account("ci-deploy", "viewer").await;
    let vic = app.signed_in("vic@acme.test").await;
    assert_eq!(
        vic.post("/api/v1/service-accounts/list", json!({}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        vic.post("/api/v1/service-accounts/get", json!({"id": sa}))
            .await
            .status,
        StatusCode::OK
    );
    let r = vic
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "sneaky", "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error_code(), "forbidden");
    let r = vic
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "t"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (tid, _) = ada.create_token(&sa, "t", &["read"]).await;
    assert_eq!(
        vic.post("/api/v1/tokens/revoke", json!({"id": tid}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ada.post("/api/v1/service-accounts/list", json!({}))
            .await
            .body["total"],
        1
    );
}

async fn read_scope_token_cannot_create(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let ada = app.signed_in("ada@acme.test").await;
    let sa = ada.create_account("auditor", "admin").await;
    let (_, secret) = ada.create_token(&sa, "ro", &["read"]).await;
    let ro = app.script(&secret);
    assert_eq!(
        ro.post("/api/v1/service-accounts/list", json!({}))
            .await
            .status,
        StatusCode::OK
    );
    let r = ro
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "x", "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("write"));
    let r = ro
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "escalate"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn other_organizations_objects_are_not_found(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    app.admin("globex", "gus@globex.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let gus = app.signed_in("gus@globex.test").await;
    let sa = ada.create_account("ci-deploy", "editor").await;
    let (tid, secret) = ada.create_token(&sa, "deploy", &["read", "write"]).await;

    let r = gus
        .post("/api/v1/service-accounts/get", json!({"id": sa}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error_code(), "not_found");
    assert_eq!(
        gus.post("/api/v1/tokens/list", json!({"service_account_id": sa}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        gus.post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "x"})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        gus.post("/api/v1/tokens/revoke", json!({"id": tid}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = gus.post("/api/v1/service-accounts/list", json!({})).await;
    assert_eq!(r.body["total"], 0);
    // The same name is fine in another organization.
    gus.create_account("ci-deploy", "editor").await;
    // Acme's token sees only Acme.
    let r = app
        .script(&secret)
        .post("/api/v1/service-accounts/list", json!({}))
        .await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["id"], sa.as_str());
    // An unknown id looks the same as a foreign one.
    let r = ada
        .post(
            "/api/v1/service-accounts/get",
            json!({"id": "sa_doesnotexist"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn cross_site_post_with_cookie_is_refused(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let mut ada = app.signed_in("ada@acme.test").await;
    ada.origin = Some("https://evil.example".into());
    let r = ada
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "csrf", "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error_code(), "forbidden");
    ada.origin = None;
    let r = ada
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "csrf", "role": "viewer"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "no Origin and no Sec-Fetch-Site is refused too"
    );
    let res = ada
        .http
        .post(format!("{}/api/v1/service-accounts/list", app.base))
        .header("content-type", "application/json")
        .header("sec-fetch-site", "same-origin")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the browser's own fetches pass"
    );
    ada.origin = Some(app.base.clone());
    let r = ada.post("/api/v1/service-accounts/list", json!({})).await;
    assert_eq!(
        r.body["total"], 0,
        "nothing was created by the refused requests"
    );
}

async fn secrets_never_reach_database_or_logs(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let ada = app.signed_in("ada@acme.test").await;
    let sa = ada.create_account("ci-deploy", "editor").await;
    let (tid, secret) = ada.create_token(&sa, "deploy", &["read", "write"]).await;
    let script = app.script(&secret);
    assert_eq!(
        script.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        ada.post("/api/v1/tokens/revoke", json!({"id": tid}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        script.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.state.usage.flush(&app.state.db).await;

    let dump = app.database_dump().await;
    assert!(dump.contains("ci-deploy"), "the dump really holds the data");
    assert!(!dump.contains(&secret), "token secret stored in clear");
    assert!(!dump.contains(&secret[4..38]), "token's random part stored");
    assert!(!dump.contains(PASSWORD), "password stored in clear");
    let logs = String::from_utf8_lossy(&common::LOGS.lock().unwrap()).into_owned();
    assert!(logs.contains("/api/v1/auth/whoami"), "requests are logged");
    assert!(!logs.contains(&secret[4..38]), "token secret logged");
    assert!(!logs.contains(PASSWORD), "password logged");
    if let Some(at) = logs.find("steward_session=") {
        panic!(
            "session cookie logged: {}",
            &logs[at.saturating_sub(300)..at + 80]
        );
    }
}

async fn malformed_requests_get_clear_errors(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let ada = app.signed_in("ada@acme.test").await;
    let r = ada
        .post_raw("/api/v1/service-accounts/create", "{not json".into())
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{r:?}");
    assert_eq!(r.error_code(), "bad_request");
    let r = ada
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": 42, "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "wrong type: {r:?}");
    let r = ada
        .post("/api/v1/service-accounts/create", json!({"role": "viewer"}))
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "name"),
        "missing field: {r:?}"
    );
    let r = ada
        .post("/api/v1/service-accounts/list", json!({"per_page": 500}))
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "per_page")
    );
    let r = ada.post("/api/v1/no-such-thing", json!({})).await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    // Its own connection: the server closes a connection whose body it refused to read.
    let r = app
        .anonymous()
        .post_raw("/api/v1/service-accounts/list", "x".repeat(200_000))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "oversized body: {r:?}");
    // The server still answers after all that.
    assert_eq!(
        ada.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::OK
    );
}

async fn health_and_readiness(b: Backend) {
    let app = TestApp::spawn(b).await;
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(
        http.get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    match &app.state.db {
        app::store::Db::Sqlite(p, _) => p.close().await,
        app::store::Db::Postgres(p, _) => p.close().await,
    }
    assert_eq!(
        http.get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        http.get(format!("{}/healthz", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

async fn list_filters_and_pages(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let ada = app.signed_in("ada@acme.test").await;
    for (name, role) in [
        ("ci_a", "viewer"),
        ("cixa", "editor"),
        ("deploy-1", "editor"),
        ("deploy-2", "admin"),
        ("zeta", "viewer"),
    ] {
        ada.create_account(name, role).await;
    }
    let names = |r: &common::Reply| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_string())
            .collect()
    };
    let r = ada
        .post("/api/v1/service-accounts/list", json!({"query": "ci_"}))
        .await;
    assert_eq!(names(&r), ["ci_a"], "underscore is literal, not a wildcard");
    let r = ada
        .post("/api/v1/service-accounts/list", json!({"query": "DEPLOY"}))
        .await;
    assert_eq!(names(&r), ["deploy-1", "deploy-2"]);
    let r = ada
        .post("/api/v1/service-accounts/list", json!({"role": "editor"}))
        .await;
    assert_eq!(names(&r), ["cixa", "deploy-1"]);
    let r = ada
        .post(
            "/api/v1/service-accounts/list",
            json!({"per_page": 2, "page": 2}),
        )
        .await;
    assert_eq!(
        (names(&r), r.body["total"].as_i64()),
        (
            vec!["deploy-1".to_string(), "deploy-2".to_string()],
            Some(5)
        )
    );
    let r = ada
        .post(
            "/api/v1/service-accounts/list",
            json!({"sort": "-name", "per_page": 1}),
        )
        .await;
    assert_eq!(names(&r), ["zeta"]);
    let r = ada
        .post(
            "/api/v1/service-accounts/list",
            json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(r.body["total"], 0);
    let r = ada
        .post("/api/v1/service-accounts/list", json!({"role": "owner"}))
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "role")
    );
}

async fn editor_cannot_grant_or_act_above_own_role(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    app.member("ada@acme.test", "ed@acme.test", "editor").await;
    let ada = app.signed_in("ada@acme.test").await;
    let admin_sa = ada.create_account("root-bot", "admin").await;
    let ed = app.signed_in("ed@acme.test").await;
    let r = ed
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "escalate", "role": "admin"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = ed
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": admin_sa, "name": "mint"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "an editor must not mint an admin token"
    );
    let own = ed.create_account("ed-bot", "editor").await;
    ed.create_token(&own, "t", &["read", "write"]).await;
}

/// Both migration sets define the same tables and columns.
#[tokio::test]
async fn migrations_define_the_same_schema() {
    let Some(Backend::Postgres(url)) = Backend::postgres() else {
        return;
    };
    let pg = TestApp::spawn(Backend::Postgres(url)).await;
    let lite = TestApp::spawn(Backend::Sqlite).await;
    let pg_cols = pg.state.db.schema_columns().await.unwrap();
    let lite_cols = lite.state.db.schema_columns().await.unwrap();
    assert!(lite_cols.contains(&("tokens".into(), "secret_hash".into())));
    assert_eq!(pg_cols, lite_cols);
}

async fn sign_in_is_rate_limited(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
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
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        c.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn sign_in_rotates_the_session(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
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
