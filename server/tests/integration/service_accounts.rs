//! Service accounts: create, list and page, names that collide or break the rules, edit,
//! disable (revoking or suspending the tokens), enable, delete.

use crate::common;
use crate::common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    create_and_list_accounts,
    duplicate_name_is_a_conflict,
    invalid_names_are_422_naming_the_field,
    list_filters_and_pages,
    edit_an_account,
    disable_revokes_or_suspends_and_enable_restores,
    delete_removes_account_and_tokens_but_keeps_the_audit_trail,
    concurrent_creates_of_one_name,
);

async fn create_and_list_accounts(b: Backend) {
    let (_app, ada) = TestApp::acme(b).await;
    let r = ada
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "  nightly-backup ", "description": "Backs up", "role": "viewer"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let sa = &r.body["service_account"];
    assert_eq!(sa["name"], "nightly-backup", "input is trimmed");
    assert_eq!(sa["description"], "Backs up");
    assert_eq!(sa["role"], "viewer");
    assert_eq!(sa["disabled"], false);
    assert_eq!(sa["token_count"], 0);
    assert!(sa["last_used_at"].is_null());
    ada.create_account("ci-deploy", "editor").await;

    let r = ada.post("/api/v1/service-accounts/list", json!({})).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["total"], 2);
    assert_eq!(r.body["page"], 1);
    assert_eq!(r.body["per_page"], 50);
    assert_eq!(common::item_names(&r.body), ["ci-deploy", "nightly-backup"]);

    let id = sa["id"].as_str().unwrap();
    let r = ada
        .post("/api/v1/service-accounts/get", json!({"id": id}))
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["service_account"]["name"], "nightly-backup");
    assert_eq!(r.body["tokens"], json!([]));
}

async fn duplicate_name_is_a_conflict(b: Backend) {
    let (_app, ada) = TestApp::acme(b).await;
    let sa = ada.create_account("ci-deploy", "editor").await;
    let r = ada
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "ci-deploy", "role": "viewer"}),
        )
        .await;
    r.assert_error(StatusCode::CONFLICT, "conflict");
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
    r.assert_field(StatusCode::CONFLICT, "name");
    let list = ada.post("/api/v1/service-accounts/list", json!({})).await;
    assert_eq!(list.body["total"], 1, "nothing was added");
}

async fn invalid_names_are_422_naming_the_field(b: Backend) {
    let (_app, ada) = TestApp::acme(b).await;
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

async fn list_filters_and_pages(b: Backend) {
    let (_app, ada) = TestApp::acme(b).await;
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

async fn edit_an_account(b: Backend) {
    let (_app, ada) = TestApp::acme(b).await;
    let id = ada.create_account("ci", "viewer").await;
    ada.create_account("taken", "viewer").await;
    let r = ada
        .post(
            "/api/v1/service-accounts/update",
            json!({"id": id, "name": "ci-deploy", "description": "deploys", "role": "editor"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let sa = &r.body["service_account"];
    assert_eq!(
        (
            sa["name"].as_str(),
            sa["description"].as_str(),
            sa["role"].as_str()
        ),
        (Some("ci-deploy"), Some("deploys"), Some("editor"))
    );
    let r = ada
        .post(
            "/api/v1/service-accounts/update",
            json!({"id": id, "description": "only this"}),
        )
        .await;
    assert_eq!(
        r.body["service_account"]["name"], "ci-deploy",
        "absent fields are kept"
    );
    assert_eq!(r.body["service_account"]["role"], "editor");
    let r = ada
        .post(
            "/api/v1/service-accounts/update",
            json!({"id": id, "name": "taken"}),
        )
        .await;
    assert_eq!((r.status, r.error_field()), (StatusCode::CONFLICT, "name"));
    let r = ada
        .post(
            "/api/v1/service-accounts/update",
            json!({"id": id, "name": "Bad"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "name")
    );
    let r = ada
        .post(
            "/api/v1/service-accounts/update",
            json!({"id": "sa_nope", "name": "x"}),
        )
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "not_found");
    let r = ada
        .post("/api/v1/service-accounts/get", json!({"id": id}))
        .await;
    assert_eq!(
        r.body["service_account"]["name"], "ci-deploy",
        "failed edits changed nothing"
    );
    let audit = ada
        .post(
            "/api/v1/audit/list",
            json!({"action": "service_account.update"}),
        )
        .await;
    assert_eq!(audit.body["total"], 2);
}

async fn disable_revokes_or_suspends_and_enable_restores(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let id = ada.create_account("ci", "editor").await;
    let (_, secret) = ada.create_token(&id, "t", &["read"]).await;

    // Keep tokens suspended: they stop, then work again after Enable.
    let r = ada
        .post(
            "/api/v1/service-accounts/disable",
            json!({"id": id, "revoke_tokens": false}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["service_account"]["disabled"], true);
    assert_eq!(app.whoami_status(&secret).await, StatusCode::UNAUTHORIZED);
    let tokens = ada
        .post("/api/v1/tokens/list", json!({"service_account_id": id}))
        .await;
    assert_eq!(tokens.body["items"][0]["status"], "suspended");
    let r = ada
        .post(
            "/api/v1/service-accounts/list",
            json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(r.body["total"], 1);
    let r = ada
        .post("/api/v1/service-accounts/enable", json!({"id": id}))
        .await;
    assert_eq!(r.body["service_account"]["disabled"], false);
    assert_eq!(app.whoami_status(&secret).await, StatusCode::OK);

    // The default revokes for good.
    let r = ada
        .post("/api/v1/service-accounts/disable", json!({"id": id}))
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["service_account"]["token_count"], 0);
    ada.post("/api/v1/service-accounts/enable", json!({"id": id}))
        .await;
    assert_eq!(
        app.whoami_status(&secret).await,
        StatusCode::UNAUTHORIZED,
        "revoked tokens never come back"
    );
}

async fn delete_removes_account_and_tokens_but_keeps_the_audit_trail(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let id = ada.create_account("doomed", "editor").await;
    let (_, secret) = ada.create_token(&id, "t", &["read"]).await;
    let r = ada
        .post("/api/v1/service-accounts/delete", json!({"id": id}))
        .await;
    assert_eq!((r.status, &r.body), (StatusCode::OK, &json!({})));
    assert_eq!(app.whoami_status(&secret).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        ada.post("/api/v1/service-accounts/get", json!({"id": id}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ada.post("/api/v1/service-accounts/delete", json!({"id": id}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let audit = ada
        .post("/api/v1/audit/list", json!({"target": "doomed"}))
        .await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["service_account.delete", "service_account.create"]
    );
    // The name is free again.
    ada.create_account("doomed", "viewer").await;
}

async fn concurrent_creates_of_one_name(b: Backend) {
    let (_app, ada) = TestApp::acme(b).await;
    let (a, b) = tokio::join!(
        ada.post(
            "/api/v1/service-accounts/create",
            json!({"name": "race", "role": "viewer"})
        ),
        ada.post(
            "/api/v1/service-accounts/create",
            json!({"name": "race", "role": "viewer"})
        ),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{a:?} {b:?}"
    );
    assert_eq!(
        ada.post("/api/v1/service-accounts/list", json!({}))
            .await
            .body["total"],
        1
    );
}
