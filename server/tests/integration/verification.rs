//! Tokens other services can trust: introspection and `/auth/verify` for every token state, and
//! revocation seen at once by another replica.

use crate::common::{eventually, Backend, Client, Settings, TestApp, REACH};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    introspection_answers_for_every_token_state,
    introspection_checks_its_caller_before_the_token_it_asks_about,
    verify_answers_for_every_token_state,
    verify_can_require_a_scope_a_permission_and_a_workspace,
    revocation_reaches_both_endpoints_on_every_replica,
);

/// The token of a gateway account that may introspect and do nothing else.
pub(crate) async fn gateway_token(ada: &Client) -> String {
    let r = ada
        .post(
            "/api/v1/roles/create",
            json!({"name": "gateway", "permissions": ["tokens:introspect"]}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let r = ada
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "api-gateway", "roles": ["gateway"]}),
        )
        .await;
    let sa = r.body["service_account"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "introspect", "permissions": ["tokens:introspect"]}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    r.body["secret"].as_str().unwrap().to_string()
}

/// A script holding a gateway token (`gateway_token`).
pub(crate) async fn gateway(app: &TestApp, ada: &Client) -> Client {
    app.script(&gateway_token(ada).await)
}

/// Each state a token can be in, with a secret in that state and whether it must be accepted.
async fn token_states(app: &TestApp, ada: &Client) -> Vec<(&'static str, String, bool)> {
    let sa = ada.create_account("ci", "editor").await;
    let mut states = Vec::new();
    let (_, active) = ada.create_token(&sa, "active", &["read", "write"]).await;
    states.push(("active", active, true));
    let (id, expired) = ada.create_token(&sa, "expired", &["read"]).await;
    app.execute(&format!(
        "UPDATE tokens SET expires_at = 1 WHERE id = '{id}'"
    ))
    .await;
    states.push(("expired", expired, false));
    let (id, revoked) = ada.create_token(&sa, "revoked", &["read"]).await;
    ada.post("/api/v1/tokens/revoke", json!({"id": id})).await;
    states.push(("revoked", revoked, false));
    let (id, old) = ada.create_token(&sa, "graceful", &["read"]).await;
    let r = ada
        .post(
            "/api/v1/tokens/refresh",
            json!({"id": id, "grace_seconds": 3600}),
        )
        .await;
    states.push(("refreshed: old secret within the grace period", old, true));
    states.push((
        "refreshed: new secret",
        r.body["secret"].as_str().unwrap().to_string(),
        true,
    ));
    let (id, old) = ada.create_token(&sa, "graceless", &["read"]).await;
    ada.post(
        "/api/v1/tokens/refresh",
        json!({"id": id, "grace_seconds": 60}),
    )
    .await;
    app.execute(&format!(
        "UPDATE tokens SET previous_valid_until = 1 WHERE id = '{id}'"
    ))
    .await;
    states.push(("refreshed: old secret after the grace period", old, false));
    let suspended_sa = ada.create_account("paused", "viewer").await;
    let (_, suspended) = ada.create_token(&suspended_sa, "t", &["read"]).await;
    ada.post(
        "/api/v1/service-accounts/disable",
        json!({"id": suspended_sa, "revoke_tokens": false}),
    )
    .await;
    states.push(("suspended", suspended, false));
    let gone_sa = ada.create_account("gone", "viewer").await;
    let (_, deleted) = ada.create_token(&gone_sa, "t", &["read"]).await;
    ada.post("/api/v1/service-accounts/delete", json!({"id": gone_sa}))
        .await;
    states.push(("account deleted", deleted, false));
    states.push(("malformed", "not-a-token".to_string(), false));
    let mut flipped = states[0].1.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    states.push(("checksum flipped", flipped, false));
    states.push((
        "well formed, never issued",
        app::auth::token_secret::generate().secret,
        false,
    ));
    states
}

async fn introspection_answers_for_every_token_state(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    app.admin("globex", "gus@globex.test").await;
    let gateway = gateway(&app, &ada).await;
    // The gateway's token introspects and does nothing else.
    let r = gateway
        .post("/api/v1/service-accounts/list", json!({}))
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    for (state, secret, accepted) in token_states(&app, &ada).await {
        let r = gateway
            .post("/api/v1/tokens/introspect", json!({"token": secret}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{state}: {r:?}");
        if accepted {
            assert_eq!(r.body["active"], true, "{state}: {r:?}");
        } else {
            assert_eq!(
                r.body,
                json!({"active": false}),
                "{state}: nothing but inactive"
            );
        }
    }
    // An active token's facts.
    let sa = ada.create_account("deployer", "editor").await;
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "t", "scopes": ["read"], "expires_in_days": 7}),
        )
        .await;
    let (token_id, secret) = (
        r.body["token"]["id"].as_str().unwrap().to_string(),
        r.body["secret"].as_str().unwrap().to_string(),
    );
    let facts = gateway
        .post("/api/v1/tokens/introspect", json!({"token": secret}))
        .await
        .body;
    assert_eq!(facts["sub"], sa.as_str());
    assert_eq!(
        facts["service_account"],
        json!({"id": sa, "name": "deployer"})
    );
    assert_eq!(facts["organization"]["slug"], "acme");
    assert_eq!(facts["role"], "editor");
    assert_eq!(facts["scopes"], json!(["read"]));
    assert_eq!(facts["token_id"], token_id.as_str());
    let (iat, exp) = (
        facts["iat"].as_i64().unwrap(),
        facts["exp"].as_i64().unwrap(),
    );
    assert!((exp - iat - 7 * 86_400).abs() < 5, "{iat} {exp}");
    // A read token of an editor: Steward's write permissions need the write scope.
    let permissions = facts["permissions"].as_array().unwrap();
    assert!(permissions.contains(&json!("service_accounts:read")));
    assert!(
        !permissions.contains(&json!("tokens:write")),
        "{permissions:?}"
    );
    assert!(facts["workspaces"].is_object());
    // Another organization's caller learns nothing about acme's tokens.
    let gus = app.signed_in("gus@globex.test").await;
    let globex_sa = gus.create_account("globex-gateway", "admin").await;
    let (_, globex_token) = gus.create_token(&globex_sa, "t", &["read"]).await;
    let r = app
        .script(&globex_token)
        .post("/api/v1/tokens/introspect", json!({"token": secret}))
        .await;
    assert_eq!(r.body, json!({"active": false}));
    // A token without tokens:introspect may not ask.
    let (_, editor_token) = ada
        .create_token(&sa, "no-introspect", &["read", "write"])
        .await;
    let r = app
        .script(&editor_token)
        .post("/api/v1/tokens/introspect", json!({"token": secret}))
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
}

async fn introspection_checks_its_caller_before_the_token_it_asks_about(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let gateway = gateway(&app, &ada).await;
    let sa = ada.create_account("deployer", "editor").await;
    let (token_id, secret) = ada.create_token(&sa, "t", &["read"]).await;
    let ask = json!({"token": secret});

    // A caller that may not introspect is refused before the token is even looked at: its use
    // is not recorded.
    let (_, editor_token) = ada
        .create_token(&sa, "no-introspect", &["read", "write"])
        .await;
    let r = app
        .script(&editor_token)
        .post("/api/v1/tokens/introspect", ask.clone())
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.state.usage.flush(&app.state.db).await;
    let used = app
        .count(&format!(
            "SELECT COUNT(*) FROM tokens WHERE id = '{token_id}' AND last_used_at IS NOT NULL"
        ))
        .await;
    assert_eq!(used, 0, "the refused caller's question touched the token");

    // The gateway may ask about itself; the browser session of an admin may ask too.
    let r = gateway.post("/api/v1/tokens/introspect", ask.clone()).await;
    assert_eq!(r.body["active"], true, "{r:?}");
    assert_eq!(
        ada.post("/api/v1/tokens/introspect", ask.clone())
            .await
            .body["active"],
        true
    );

    // Bodies: not JSON is 400, no token is 422 naming it.
    let r = gateway
        .post_raw("/api/v1/tokens/introspect", "nope".into())
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "bad_request");
    let r = gateway.post("/api/v1/tokens/introspect", json!({})).await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "token")
    );

    // A caller whose own token does not authenticate gets 401, and counts towards the
    // address's limit on guessing tokens like any refused Bearer token.
    let stranger = app.script(&format!("stw_{}", "A".repeat(38)));
    let r = stranger
        .post("/api/v1/tokens/introspect", ask.clone())
        .await;
    r.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let mut limited = false;
    for _ in 0..60 {
        let r = stranger
            .post("/api/v1/tokens/introspect", ask.clone())
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
        r.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    assert!(
        limited,
        "refused introspection callers never hit the guessing limit"
    );
}

/// `GET /auth/verify` as a proxy sends it.
/// `GET /auth/verify{query}` with `secret` as the Bearer token.
pub(crate) async fn verify(app: &TestApp, secret: &str, query: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}/auth/verify{query}", app.base))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap()
}

async fn verify_answers_for_every_token_state(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    for (state, secret, accepted) in token_states(&app, &ada).await {
        let res = verify(&app, &secret, "").await;
        if accepted {
            assert_eq!(res.status(), StatusCode::OK, "{state}");
            assert_eq!(res.headers()["x-steward-service-account"], "ci", "{state}");
            assert_eq!(res.headers()["x-steward-organization"], "acme");
            assert_eq!(res.headers()["x-steward-role"], "editor");
            assert!(res.headers()["x-steward-token-id"]
                .to_str()
                .unwrap()
                .starts_with("tok_"));
        } else {
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{state}");
            assert!(res.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer"));
        }
    }
    // No token, and a browser session, are not enough.
    let res = reqwest::Client::new()
        .get(format!("{}/auth/verify", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let cookie = ada.get("/auth/verify").await;
    cookie.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    // A check counts as a use of the token.
    let sa = ada.create_account("used", "viewer").await;
    let (_, secret) = ada.create_token(&sa, "t", &["read"]).await;
    assert_eq!(verify(&app, &secret, "").await.status(), StatusCode::OK);
    app.state.usage.flush(&app.state.db).await;
    let r = ada
        .post("/api/v1/tokens/list", json!({"service_account_id": sa}))
        .await;
    assert!(r.body["items"][0]["last_used_at"].is_string(), "{r:?}");
}

async fn verify_can_require_a_scope_a_permission_and_a_workspace(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    ada.post(
        "/api/v1/permissions/declare",
        json!({"name": "deploy:production"}),
    )
    .await;
    ada.post("/api/v1/workspaces/create", json!({"name": "prod"}))
        .await;
    ada.post("/api/v1/workspaces/create", json!({"name": "staging"}))
        .await;
    ada.post(
        "/api/v1/roles/create",
        json!({"name": "deployment", "permissions": ["deploy:production"]}),
    )
    .await;
    let sa = ada.create_account("deployer", "viewer").await;
    ada.post(
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "service_account", "id": sa}, "role": "deployment", "workspace": "prod"}),
    )
    .await;
    let (_, reader) = ada.create_token(&sa, "reader", &["read"]).await;
    let status = |q: &'static str| {
        let (app, reader) = (&app, reader.clone());
        async move { verify(app, &reader, q).await.status() }
    };
    assert_eq!(status("?scope=read").await, StatusCode::OK);
    assert_eq!(status("?scope=write").await, StatusCode::FORBIDDEN);
    assert_eq!(
        status("?scope=admin").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        status("?permission=deploy:production&workspace=prod").await,
        StatusCode::OK
    );
    assert_eq!(
        status("?permission=deploy:production&workspace=staging").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status("?permission=deploy:production").await,
        StatusCode::FORBIDDEN,
        "not organization-wide"
    );
    assert_eq!(
        status("?permission=service_accounts:read").await,
        StatusCode::OK
    );
    let res = verify(
        &app,
        &reader,
        "?permission=deploy:production&workspace=staging",
    )
    .await;
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'deploy:production' in workspace 'staging'"),
        "{body}"
    );
}

async fn introspected(gateway: &Client, secret: &str) -> bool {
    let r = gateway
        .post("/api/v1/tokens/introspect", json!({"token": secret}))
        .await;
    r.body["active"].as_bool().unwrap()
}

async fn revocation_reaches_both_endpoints_on_every_replica(b: Backend) {
    let first = TestApp::spawn(b).await;
    first.admin("acme", "ada@acme.test").await;
    let second = TestApp::spawn_on_with(&first.db_url, Settings::default()).await;
    let ada = first.signed_in("ada@acme.test").await;
    let gateway = gateway(&first, &ada).await;
    let gateway_on_second = second.script(gateway.bearer.as_deref().unwrap());
    let sa = ada.create_account("ci", "editor").await;
    let (token_id, secret) = ada.create_token(&sa, "t", &["read"]).await;
    assert!(introspected(&gateway_on_second, &secret).await);
    assert_eq!(verify(&second, &secret, "").await.status(), StatusCode::OK);
    ada.post("/api/v1/tokens/revoke", json!({"id": token_id}))
        .await;
    eventually(
        REACH,
        "revoked on the first, refused by the second",
        || async {
            !introspected(&gateway_on_second, &secret).await
                && verify(&second, &secret, "").await.status() == StatusCode::UNAUTHORIZED
        },
    )
    .await;
    // Disabling the account, through the second replica, reaches the first at once too.
    let (_, other) = ada.create_token(&sa, "u", &["read"]).await;
    assert_eq!(verify(&first, &other, "").await.status(), StatusCode::OK);
    let second_ada = second.signed_in("ada@acme.test").await;
    second_ada
        .post(
            "/api/v1/service-accounts/disable",
            json!({"id": sa, "revoke_tokens": false}),
        )
        .await;
    eventually(
        REACH,
        "suspended on the second, refused by the first",
        || async { verify(&first, &other, "").await.status() == StatusCode::UNAUTHORIZED },
    )
    .await;
}
