//! A token never holds more than whoever minted it: role caps survive promotions, and a token
//! that mints or refreshes a token cannot widen scopes or outlive itself.

use crate::common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    promoting_an_account_does_not_raise_tokens_minted_below_it,
    a_token_cannot_mint_wider_scopes_or_a_longer_life,
    a_token_cannot_refresh_a_token_wider_than_itself,
);

async fn promoting_an_account_does_not_raise_tokens_minted_below_it(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    app.member("ada@acme.test", "ed@acme.test", "editor").await;
    let ed = app.signed_in("ed@acme.test").await;
    let sa = ed.create_account("deployer", "editor").await;
    let (by_editor, editor_secret) = ed.create_token(&sa, "by-editor", &["read", "write"]).await;
    let r = ada
        .post(
            "/api/v1/service-accounts/update",
            json!({"id": sa, "role": "admin"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let (_, admin_secret) = ada.create_token(&sa, "by-admin", &["read", "write"]).await;

    // The editor's token stays an editor's; the admin's token has the account's new role.
    let whoami = |secret: &str| {
        let c = app.script(secret);
        async move { c.post("/api/v1/auth/whoami", json!({})).await }
    };
    assert_eq!(
        whoami(&editor_secret).await.body["principal"]["role"],
        "editor"
    );
    assert_eq!(
        whoami(&admin_secret).await.body["principal"]["role"],
        "admin"
    );
    let audit = |secret: &str| {
        let c = app.script(secret);
        async move { c.post("/api/v1/audit/list", json!({})).await.status }
    };
    assert_eq!(audit(&editor_secret).await, StatusCode::FORBIDDEN);
    assert_eq!(audit(&admin_secret).await, StatusCode::OK);

    // The account page shows which tokens are capped.
    let r = ada
        .post("/api/v1/tokens/list", json!({"service_account_id": sa}))
        .await;
    let items = r.body["items"].as_array().unwrap();
    let capped = items
        .iter()
        .find(|t| t["id"] == by_editor.as_str())
        .unwrap();
    assert_eq!(capped["role_cap"], "editor");
    assert_eq!(capped["effective_role"], "editor");
    let full = items.iter().find(|t| t["name"] == "by-admin").unwrap();
    assert_eq!(full["effective_role"], "admin");

    // Demoting the account lowers every token at once.
    ada.post(
        "/api/v1/service-accounts/update",
        json!({"id": sa, "role": "viewer"}),
    )
    .await;
    assert_eq!(
        whoami(&admin_secret).await.body["principal"]["role"],
        "viewer"
    );
}

async fn a_token_cannot_mint_wider_scopes_or_a_longer_life(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let minter = ada.create_account("minter", "admin").await;
    let target = ada.create_account("target", "editor").await;
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": minter, "name": "write-only", "scopes": ["write"],
                   "expires_in_days": 7}),
        )
        .await;
    let write_only = app.script(r.body["secret"].as_str().unwrap());
    let own_expiry = r.body["token"]["expires_at"].as_str().unwrap().to_string();
    let mint = |body: serde_json::Value| {
        let mut body = body;
        body["service_account_id"] = json!(target);
        write_only.post("/api/v1/tokens/create", body)
    };

    let r = mint(json!({"name": "wider", "scopes": ["read", "write"], "expires_in_days": 7})).await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    assert!(r.error_message().contains("'read'"), "{r:?}");
    let r = mint(json!({"name": "forever", "scopes": ["write"], "never_expires": true})).await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    let r = mint(json!({"name": "longer", "scopes": ["write"], "expires_in_days": 30})).await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    assert!(r.error_message().contains("outlives"), "{r:?}");

    // Within its own limits it works; the default lifetime ends with the minting token.
    let r = mint(json!({"name": "same", "scopes": ["write"], "expires_in_days": 6})).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["token"]["role_cap"], "admin");
    let r = mint(json!({"name": "defaults", "scopes": ["write"]})).await;
    r.assert_status(StatusCode::OK);
    assert!(r.body["token"]["expires_at"].as_str().unwrap() <= own_expiry.as_str());
    // The target account is an editor: the new token acts as one, with only `write`.
    let minted = app.script(r.body["secret"].as_str().unwrap());
    let who = minted.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(who.body["principal"]["role"], "editor", "{who:?}");
    assert_eq!(who.body["principal"]["scopes"], json!(["write"]));
}

async fn a_token_cannot_refresh_a_token_wider_than_itself(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let sa = ada.create_account("bot", "admin").await;
    let (wide, _) = ada.create_token(&sa, "wide", &["read", "write"]).await;
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "narrow", "scopes": ["write"]}),
        )
        .await;
    let narrow = app.script(r.body["secret"].as_str().unwrap());
    // A new secret for the read+write token would hand the write-only token read access.
    let r = narrow
        .post("/api/v1/tokens/refresh", json!({"id": wide}))
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    assert!(r.error_message().contains("'read'"), "{r:?}");
    // A person may.
    let r = ada
        .post("/api/v1/tokens/refresh", json!({"id": wide}))
        .await;
    r.assert_status(StatusCode::OK);
}
