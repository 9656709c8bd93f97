//! API tokens: a token works until revoked, refresh with a grace period, revoking all of an
//! account's, the organization's maximum lifetime, and expiry.

use crate::common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    token_works_until_revoked,
    refresh_replaces_the_secret_with_optional_grace,
    revoke_all_tokens,
    maximum_token_lifetime_policy,
    expired_tokens_are_refused_and_shown_expired,
);

async fn token_works_until_revoked(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let sa = ada.create_account("ci-deploy", "editor").await;
    let r = ada
        .post("/api/v1/tokens/create", json!({"service_account_id": sa, "name": "deploy", "description": "GitHub Actions", "expires_in_days": 7}))
        .await;
    r.assert_status(StatusCode::OK);
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
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body, json!({}));
    let r = script.post("/api/v1/auth/whoami", json!({})).await;
    r.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
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
        r.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
}

async fn refresh_replaces_the_secret_with_optional_grace(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let id = ada.create_account("ci", "editor").await;
    let r = ada.post("/api/v1/tokens/create", json!({"service_account_id": id, "name": "t", "description": "keep me", "scopes": ["read"]})).await;
    let (tid, old) = (
        r.body["token"]["id"].as_str().unwrap().to_string(),
        r.body["secret"].as_str().unwrap().to_string(),
    );

    // No grace: the old secret stops at once.
    let r = ada.post("/api/v1/tokens/refresh", json!({"id": tid})).await;
    r.assert_status(StatusCode::OK);
    let new = r.body["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(
        r.body["token"]["id"],
        tid.as_str(),
        "same token, same history"
    );
    assert_eq!(r.body["token"]["description"], "keep me");
    assert_eq!(r.body["token"]["scopes"], json!(["read"]));
    assert_eq!(r.body["session_json"]["accessToken"], new.as_str());
    assert_eq!(app.whoami_status(&old).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.whoami_status(&new).await, StatusCode::OK);

    // With grace both work for now.
    let r = ada
        .post(
            "/api/v1/tokens/refresh",
            json!({"id": tid, "grace_seconds": 3600, "never_expires": true}),
        )
        .await;
    let newer = r.body["secret"].as_str().unwrap().to_string();
    assert!(r.body["token"]["expires_at"].is_null());
    assert_eq!(
        app.whoami_status(&new).await,
        StatusCode::OK,
        "old secret within grace"
    );
    assert_eq!(app.whoami_status(&newer).await, StatusCode::OK);
    // When the grace period ends, the old secret answers 401.
    let ended = app::services::clock::now_ms() - 1000;
    let sql = "UPDATE tokens SET previous_valid_until = $1 WHERE id = $2";
    match &app.state.db {
        app::store::Db::Sqlite(p, _) => sqlx::query(sql)
            .bind(ended)
            .bind(&tid)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
        app::store::Db::Postgres(p, _) => sqlx::query(sql)
            .bind(ended)
            .bind(&tid)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
    }
    .unwrap();
    app.state.db.changes().forget_everything();
    assert_eq!(
        app.whoami_status(&new).await,
        StatusCode::UNAUTHORIZED,
        "grace period over"
    );
    assert_eq!(app.whoami_status(&newer).await, StatusCode::OK);
    // A further refresh without grace ends any grace at once.
    ada.post(
        "/api/v1/tokens/refresh",
        json!({"id": tid, "grace_seconds": 3600}),
    )
    .await;
    assert_eq!(
        app.whoami_status(&newer).await,
        StatusCode::OK,
        "in a new grace period"
    );
    let r = ada.post("/api/v1/tokens/refresh", json!({"id": tid})).await;
    assert_eq!(app.whoami_status(&new).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.whoami_status(&newer).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.whoami_status(r.body["secret"].as_str().unwrap()).await,
        StatusCode::OK
    );

    for (body, field) in [
        (json!({"id": tid, "grace_seconds": -1}), "grace_seconds"),
        (
            json!({"id": tid, "grace_seconds": 10_000_000}),
            "grace_seconds",
        ),
        (json!({"id": tid, "expires_in_days": 0}), "expires_in_days"),
    ] {
        let r = ada.post("/api/v1/tokens/refresh", body).await;
        assert_eq!(
            (r.status, r.error_field()),
            (StatusCode::UNPROCESSABLE_ENTITY, field)
        );
    }
}

async fn revoke_all_tokens(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let id = ada.create_account("ci", "editor").await;
    let mut secrets = Vec::new();
    for n in ["a", "b", "c"] {
        secrets.push(ada.create_token(&id, n, &["read"]).await.1);
    }
    let r = ada
        .post(
            "/api/v1/tokens/revoke-all",
            json!({"service_account_id": id}),
        )
        .await;
    assert_eq!(
        (r.status, &r.body),
        (StatusCode::OK, &json!({"revoked": 3}))
    );
    for s in &secrets {
        assert_eq!(app.whoami_status(s).await, StatusCode::UNAUTHORIZED);
    }
    let r = ada
        .post(
            "/api/v1/tokens/revoke-all",
            json!({"service_account_id": id}),
        )
        .await;
    assert_eq!(r.body["revoked"], 0);
}

async fn maximum_token_lifetime_policy(b: Backend) {
    let (_app, ada) = TestApp::acme(b).await;
    let id = ada.create_account("ci", "editor").await;
    let r = ada
        .post(
            "/api/v1/settings/update",
            json!({"max_token_lifetime_days": 90}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["settings"]["max_token_lifetime_days"], 90);
    assert_eq!(
        ada.post("/api/v1/settings/get", json!({})).await.body["settings"]
            ["max_token_lifetime_days"],
        90
    );
    for body in [
        json!({"never_expires": true}),
        json!({"expires_in_days": 365}),
    ] {
        let mut body = body;
        body["service_account_id"] = json!(id);
        body["name"] = json!("t");
        let r = ada.post("/api/v1/tokens/create", body).await;
        assert_eq!(
            (r.status, r.error_field()),
            (StatusCode::UNPROCESSABLE_ENTITY, "expires_in_days"),
            "{r:?}"
        );
    }
    let (tid, _) = {
        let r = ada
            .post(
                "/api/v1/tokens/create",
                json!({"service_account_id": id, "name": "t", "expires_in_days": 90}),
            )
            .await;
        r.assert_status(StatusCode::OK);
        (r.body["token"]["id"].as_str().unwrap().to_string(), ())
    };
    let r = ada
        .post(
            "/api/v1/tokens/refresh",
            json!({"id": tid, "never_expires": true}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "expires_in_days")
    );
    let r = ada
        .post(
            "/api/v1/settings/update",
            json!({"max_token_lifetime_days": 0}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "max_token_lifetime_days")
    );
    let r = ada
        .post(
            "/api/v1/settings/update",
            json!({"max_token_lifetime_days": null}),
        )
        .await;
    assert!(r.body["settings"]["max_token_lifetime_days"].is_null());
    let r = ada
        .post(
            "/api/v1/tokens/refresh",
            json!({"id": tid, "never_expires": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "no limit any more");
}

async fn expired_tokens_are_refused_and_shown_expired(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let id = ada.create_account("ci", "editor").await;
    let (tid, secret) = ada.create_token(&id, "old", &["read"]).await;
    assert_eq!(app.whoami_status(&secret).await, StatusCode::OK);
    // Travel past the expiry by moving it into the past.
    let past = app::services::clock::now_ms() - 1000;
    app.execute(&format!(
        "UPDATE tokens SET expires_at = {past} WHERE id = '{tid}'"
    ))
    .await;
    assert_eq!(app.whoami_status(&secret).await, StatusCode::UNAUTHORIZED);
    let r = ada
        .post("/api/v1/tokens/list", json!({"service_account_id": id}))
        .await;
    assert_eq!(r.body["items"][0]["status"], "expired");
    assert_eq!(r.body["items"][0]["expires_soon"], false);
    let r = ada
        .post(
            "/api/v1/audit/list",
            json!({"action": "auth.token_refused"}),
        )
        .await;
    assert_eq!(r.body["total"], 1);
}
