//! What a caller may not do: a viewer create, a read token write, an editor act above their
//! role, anyone reach another organization's objects, a cross-site page post with a cookie.

use crate::common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    viewer_cannot_create,
    read_scope_token_cannot_create,
    editor_cannot_grant_or_act_above_own_role,
    other_organizations_objects_are_not_found,
    cross_site_post_with_cookie_is_refused,
);

async fn viewer_cannot_create(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    app.member("ada@acme.test", "vic@acme.test", "viewer").await;
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
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    let r = vic
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "t"}),
        )
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
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
    let (app, ada) = TestApp::acme(b).await;
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
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
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
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
}

async fn editor_cannot_grant_or_act_above_own_role(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    app.member("ada@acme.test", "ed@acme.test", "editor").await;
    let admin_sa = ada.create_account("root-bot", "admin").await;
    let ed = app.signed_in("ed@acme.test").await;
    let r = ed
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "escalate", "role": "admin"}),
        )
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
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

async fn other_organizations_objects_are_not_found(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let gus = app.globex().await;
    let sa = ada.create_account("ci-deploy", "editor").await;
    let (tid, secret) = ada.create_token(&sa, "deploy", &["read", "write"]).await;

    let r = gus
        .post("/api/v1/service-accounts/get", json!({"id": sa}))
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "not_found");
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
    r.assert_error(StatusCode::NOT_FOUND, "not_found");
}

async fn cross_site_post_with_cookie_is_refused(b: Backend) {
    let (app, mut ada) = TestApp::acme(b).await;
    ada.origin = Some("https://evil.example".into());
    let r = ada
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "csrf", "role": "viewer"}),
        )
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
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
