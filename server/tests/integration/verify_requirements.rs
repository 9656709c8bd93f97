//! What `/auth/verify` may require, and that it never answers more than it is asked: the
//! organization boundary, parameters it does not know, workspaces by id (names can change, and
//! renaming needs what deleting needs), and a Steward permission's scope.

use crate::common::{Backend, Client, TestApp};
use crate::verification::verify;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    a_server_with_several_organizations_verifies_only_the_one_named,
    unknown_and_repeated_parameters_are_refused_by_name,
    workspaces_are_required_by_id_and_renames_are_held_to_the_ceiling,
    a_steward_permission_also_needs_its_scope,
);

/// Status and error body of a verify call.
async fn check(app: &TestApp, secret: &str, query: &str) -> (StatusCode, Value) {
    let res = verify(app, secret, query).await;
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A workspace's id, by creating it.
async fn workspace(admin: &Client, name: &str) -> String {
    let r = admin
        .post("/api/v1/workspaces/create", json!({"name": name}))
        .await;
    r.assert_status(StatusCode::OK);
    r.body["workspace"]["id"].as_str().unwrap().to_string()
}

async fn a_server_with_several_organizations_verifies_only_the_one_named(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let sa = ada.create_account("ci", "admin").await;
    let (_, acme_token) = ada.create_token(&sa, "t", &["read", "write"]).await;
    // One organization: naming it is optional.
    assert_eq!(check(&app, &acme_token, "").await.0, StatusCode::OK);
    let res = verify(&app, &acme_token, "?organization=acme").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-steward-organization"], "acme");

    // globex arrives, with an admin token and a workspace named like acme's.
    app.admin("globex", "gus@globex.test").await;
    let gus = app.signed_in("gus@globex.test").await;
    workspace(&ada, "prod").await;
    workspace(&gus, "prod").await;
    let globex_sa = gus.create_account("intruder", "admin").await;
    let (_, globex_token) = gus.create_token(&globex_sa, "t", &["read", "write"]).await;

    // acme's proxy names acme: globex's admin is refused, acme's token passes.
    for query in [
        "?organization=acme",
        "?organization=acme&permission=deploy:production&workspace=prod",
        "?organization=acme&scope=write",
    ] {
        let (status, body) = check(&app, &globex_token, query).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{query}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("another organization"),
            "{body}"
        );
    }
    assert_eq!(
        check(&app, &acme_token, "?organization=acme").await.0,
        StatusCode::OK
    );
    assert_eq!(
        check(&app, &acme_token, "?organization=globex").await.0,
        StatusCode::FORBIDDEN
    );
    // Without it, a server with several organizations cannot tell whose tokens may pass.
    for token in [&acme_token, &globex_token] {
        let (status, body) = check(&app, token, "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["field"], "organization", "{body}");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("several organizations"));
    }
}

async fn unknown_and_repeated_parameters_are_refused_by_name(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    ada.post(
        "/api/v1/permissions/declare",
        json!({"name": "deploy:production"}),
    )
    .await;
    let sa = ada.create_account("ci", "viewer").await;
    let (_, token) = ada.create_token(&sa, "t", &["read"]).await;
    // The typo used to be ignored, and the token passed with no check at all.
    for (query, field) in [
        ("?permision=deploy:production", "permision"),
        ("?scope=read&scope=write", "scope"),
        (
            "?permission=deploy:production&permission=repo:read",
            "permission",
        ),
        ("?organisation=acme", "organisation"),
        (
            "?workspace=prod&workspace_id=wsp_1&workspace=dev",
            "workspace",
        ),
    ] {
        let (status, body) = check(&app, &token, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(field),
            "{body}"
        );
    }
    assert_eq!(
        check(&app, &token, "?permission=deploy:production").await.0,
        StatusCode::FORBIDDEN,
        "spelt right, the requirement is checked"
    );
}

async fn workspaces_are_required_by_id_and_renames_are_held_to_the_ceiling(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    ada.post(
        "/api/v1/permissions/declare",
        json!({"name": "deploy:production"}),
    )
    .await;
    let prod = workspace(&ada, "prod").await;
    let staging = workspace(&ada, "staging").await;
    ada.post(
        "/api/v1/roles/create",
        json!({"name": "deployment", "permissions": ["deploy:production"]}),
    )
    .await;
    ada.post(
        "/api/v1/roles/create",
        json!({"name": "workspace-keeper", "permissions": ["workspaces:write"]}),
    )
    .await;
    // The deployer may deploy to production.
    let deployer = ada.create_account("deployer", "viewer").await;
    ada.post(
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "service_account", "id": deployer}, "role": "deployment", "workspace": "prod"}),
    )
    .await;
    let (_, deploy_token) = ada.create_token(&deployer, "t", &["read"]).await;
    let by_id = format!("?permission=deploy:production&workspace_id={prod}");
    assert_eq!(check(&app, &deploy_token, &by_id).await.0, StatusCode::OK);
    let by_staging_id = format!("?permission=deploy:production&workspace_id={staging}");
    assert_eq!(
        check(&app, &deploy_token, &by_staging_id).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, body) = check(
        &app,
        &deploy_token,
        "?permission=deploy:production&workspace_id=wsp_nothing",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // Both: only the workspace that is both meets the requirement.
    let both = |name: &str, id: &str| {
        format!("?permission=deploy:production&workspace={name}&workspace_id={id}")
    };
    assert_eq!(
        check(&app, &deploy_token, &both("prod", &prod)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        check(&app, &deploy_token, &both("staging", &prod)).await.0,
        StatusCode::FORBIDDEN
    );
    // A workspace alone: the token may act there at all (not narrowed to other workspaces).
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": deployer, "name": "staging-only", "workspaces": ["staging"]}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let staging_only = r.body["secret"].as_str().unwrap().to_string();
    let alone = format!("?workspace_id={prod}");
    assert_eq!(check(&app, &deploy_token, &alone).await.0, StatusCode::OK);
    assert_eq!(
        check(&app, &staging_only, &alone).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        check(&app, &staging_only, "?workspace=staging").await.0,
        StatusCode::OK
    );

    // Mallory keeps workspaces and holds deploy:production in staging only.
    let mallory = ada.create_account("mallory", "viewer").await;
    for (role, ws) in [("workspace-keeper", None), ("deployment", Some("staging"))] {
        let r = ada
            .post(
                "/api/v1/bindings/grant",
                json!({"subject": {"type": "service_account", "id": mallory}, "role": role, "workspace": ws}),
            )
            .await;
        r.assert_status(StatusCode::OK);
    }
    let (_, mallory_token) = ada.create_token(&mallory, "t", &["read", "write"]).await;
    let mallory = app.script(&mallory_token);
    // Renaming prod away needs what deleting it needs: covering the deployer's binding there.
    for (op, body) in [
        ("update", json!({"id": prod, "name": "old-prod"})),
        ("update", json!({"id": prod, "description": "harmless?"})),
        ("delete", json!({"id": prod})),
    ] {
        let r = mallory
            .post(&format!("/api/v1/workspaces/{op}"), body.clone())
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{op} {body}: {r:?}");
        assert!(r.error_message().contains("deployment"), "{r:?}");
    }
    // Staging, where Mallory holds everything bound, can be renamed; but not onto prod's name.
    let r = mallory
        .post(
            "/api/v1/workspaces/update",
            json!({"id": staging, "name": "prod"}),
        )
        .await;
    r.assert_error(StatusCode::CONFLICT, "conflict");
    let r = mallory
        .post(
            "/api/v1/workspaces/update",
            json!({"id": staging, "name": "pre-prod"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    // A rename by someone who covers it changes what the name means; the id stays put.
    let r = ada
        .post(
            "/api/v1/workspaces/update",
            json!({"id": prod, "name": "production"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(check(&app, &deploy_token, &by_id).await.0, StatusCode::OK);
    assert_eq!(
        check(
            &app,
            &deploy_token,
            "?permission=deploy:production&workspace=prod"
        )
        .await
        .0,
        StatusCode::FORBIDDEN,
        "no workspace is called prod any more"
    );
    assert_eq!(
        check(
            &app,
            &deploy_token,
            "?permission=deploy:production&workspace=production"
        )
        .await
        .0,
        StatusCode::OK
    );
}

async fn a_steward_permission_also_needs_its_scope(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    ada.post("/api/v1/permissions/declare", json!({"name": "repo:push"}))
        .await;
    ada.post(
        "/api/v1/roles/create",
        json!({"name": "pusher", "permissions": ["repo:push"]}),
    )
    .await;
    let sa = ada.create_account("ci", "editor").await;
    ada.post(
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "service_account", "id": sa}, "role": "pusher"}),
    )
    .await;
    let (_, reader) = ada.create_token(&sa, "reader", &["read"]).await;
    let (_, writer) = ada.create_token(&sa, "writer", &["write"]).await;
    // The API refuses a read token's write, so verify does too.
    let r = app
        .script(&reader)
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "x", "role": "viewer"}),
        )
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = check(&app, &reader, "?permission=tokens:write").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("'write' scope"));
    assert_eq!(
        check(&app, &reader, "?permission=service_accounts:read")
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        check(&app, &writer, "?permission=service_accounts:read")
            .await
            .0,
        StatusCode::FORBIDDEN,
        "a write-only token reads nothing in Steward's API"
    );
    assert_eq!(
        check(&app, &writer, "?permission=tokens:write").await.0,
        StatusCode::OK
    );
    // Application permissions are not scoped: narrow them with `permissions` instead.
    for token in [&reader, &writer] {
        assert_eq!(
            check(&app, token, "?permission=repo:push").await.0,
            StatusCode::OK
        );
    }
    // And what the token is told it holds is what verify allows.
    let who = app
        .script(&reader)
        .post("/api/v1/auth/whoami", json!({}))
        .await;
    let held: Vec<&str> = who.body["principal"]["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        held.contains(&"service_accounts:read") && held.contains(&"repo:push"),
        "{held:?}"
    );
    assert!(!held.contains(&"tokens:write"), "{held:?}");
}
