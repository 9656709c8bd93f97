//! The whole account and token lifecycle over real HTTP, on SQLite and PostgreSQL: edit,
//! disable (both ways), enable, delete, refresh with grace, delete all tokens, lifetime policy,
//! the audit log, and the permission matrix of every operation.

use crate::common;

use common::{Backend, Client, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    edit_an_account,
    disable_revokes_or_suspends_and_enable_restores,
    delete_removes_account_and_tokens_but_keeps_the_audit_trail,
    refresh_replaces_the_secret_with_optional_grace,
    revoke_all_tokens,
    maximum_token_lifetime_policy,
    audit_log_filters_and_exports,
    refused_known_tokens_are_audited_once_a_minute,
    concurrent_creates_of_one_name,
    every_operation_checks_role_scope_and_organization,
    members_invite_roles_disable_and_the_last_admin,
    people_change_their_own_password,
    expired_tokens_are_refused_and_shown_expired,
);

async fn setup(b: Backend) -> (TestApp, Client) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@acme.test")
        .await;
    let ada = app.signed_in("ada@acme.test").await;
    (app, ada)
}

async fn edit_an_account(b: Backend) {
    let (_app, ada) = setup(b).await;
    let id = ada.create_account("ci", "viewer").await;
    ada.create_account("taken", "viewer").await;
    let r = ada
        .post(
            "/api/v1/service-accounts/update",
            json!({"id": id, "name": "ci-deploy", "description": "deploys", "role": "editor"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
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
    assert_eq!(r.status, StatusCode::NOT_FOUND);
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

async fn whoami(app: &TestApp, secret: &str) -> StatusCode {
    app.script(secret)
        .post("/api/v1/auth/whoami", json!({}))
        .await
        .status
}

async fn disable_revokes_or_suspends_and_enable_restores(b: Backend) {
    let (app, ada) = setup(b).await;
    let id = ada.create_account("ci", "editor").await;
    let (_, secret) = ada.create_token(&id, "t", &["read"]).await;

    // Keep tokens suspended: they stop, then work again after Enable.
    let r = ada
        .post(
            "/api/v1/service-accounts/disable",
            json!({"id": id, "revoke_tokens": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["service_account"]["disabled"], true);
    assert_eq!(whoami(&app, &secret).await, StatusCode::UNAUTHORIZED);
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
    assert_eq!(whoami(&app, &secret).await, StatusCode::OK);

    // The default revokes for good.
    let r = ada
        .post("/api/v1/service-accounts/disable", json!({"id": id}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["service_account"]["token_count"], 0);
    ada.post("/api/v1/service-accounts/enable", json!({"id": id}))
        .await;
    assert_eq!(
        whoami(&app, &secret).await,
        StatusCode::UNAUTHORIZED,
        "revoked tokens never come back"
    );
}

async fn delete_removes_account_and_tokens_but_keeps_the_audit_trail(b: Backend) {
    let (app, ada) = setup(b).await;
    let id = ada.create_account("doomed", "editor").await;
    let (_, secret) = ada.create_token(&id, "t", &["read"]).await;
    let r = ada
        .post("/api/v1/service-accounts/delete", json!({"id": id}))
        .await;
    assert_eq!((r.status, &r.body), (StatusCode::OK, &json!({})));
    assert_eq!(whoami(&app, &secret).await, StatusCode::UNAUTHORIZED);
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

async fn refresh_replaces_the_secret_with_optional_grace(b: Backend) {
    let (app, ada) = setup(b).await;
    let id = ada.create_account("ci", "editor").await;
    let r = ada.post("/api/v1/tokens/create", json!({"service_account_id": id, "name": "t", "description": "keep me", "scopes": ["read"]})).await;
    let (tid, old) = (
        r.body["token"]["id"].as_str().unwrap().to_string(),
        r.body["secret"].as_str().unwrap().to_string(),
    );

    // No grace: the old secret stops at once.
    let r = ada.post("/api/v1/tokens/refresh", json!({"id": tid})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
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
    assert_eq!(whoami(&app, &old).await, StatusCode::UNAUTHORIZED);
    assert_eq!(whoami(&app, &new).await, StatusCode::OK);

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
        whoami(&app, &new).await,
        StatusCode::OK,
        "old secret within grace"
    );
    assert_eq!(whoami(&app, &newer).await, StatusCode::OK);
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
    assert_eq!(
        whoami(&app, &new).await,
        StatusCode::UNAUTHORIZED,
        "grace period over"
    );
    assert_eq!(whoami(&app, &newer).await, StatusCode::OK);
    // A further refresh without grace ends any grace at once.
    ada.post(
        "/api/v1/tokens/refresh",
        json!({"id": tid, "grace_seconds": 3600}),
    )
    .await;
    assert_eq!(
        whoami(&app, &newer).await,
        StatusCode::OK,
        "in a new grace period"
    );
    let r = ada.post("/api/v1/tokens/refresh", json!({"id": tid})).await;
    assert_eq!(whoami(&app, &new).await, StatusCode::UNAUTHORIZED);
    assert_eq!(whoami(&app, &newer).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        whoami(&app, r.body["secret"].as_str().unwrap()).await,
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
    let (app, ada) = setup(b).await;
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
        assert_eq!(whoami(&app, s).await, StatusCode::UNAUTHORIZED);
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
    let (_app, ada) = setup(b).await;
    let id = ada.create_account("ci", "editor").await;
    let r = ada
        .post(
            "/api/v1/settings/update",
            json!({"max_token_lifetime_days": 90}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
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
        assert_eq!(r.status, StatusCode::OK);
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

async fn audit_log_filters_and_exports(b: Backend) {
    let (app, ada) = setup(b).await;
    let id = ada.create_account("ci", "editor").await;
    let (tid, secret) = ada.create_token(&id, "t", &["read", "write"]).await;
    app.script(&secret)
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "by-token", "role": "viewer"}),
        )
        .await;
    ada.post("/api/v1/tokens/revoke", json!({"id": tid})).await;

    let r = ada.post("/api/v1/audit/list", json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    let items = r.body["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..4],
        [
            "token.revoke",
            "service_account.create",
            "token.create",
            "service_account.create"
        ],
        "newest first"
    );
    assert!(actions.contains(&"auth.sign_in"));
    let by_token = &items[1];
    assert_eq!(by_token["actor_kind"], "service_account");
    assert_eq!(by_token["actor_name"], "ci");
    assert_eq!(
        by_token["token_id"],
        tid.as_str(),
        "which token a service account used"
    );
    assert_eq!(by_token["ip"], "127.0.0.1");
    assert_eq!(by_token["outcome"], "success");

    let r = ada.post("/api/v1/audit/list", json!({"actor": "ci"})).await;
    assert_eq!(r.body["total"], 1);
    let r = ada
        .post(
            "/api/v1/audit/list",
            json!({"action": "token.create", "target": "t"}),
        )
        .await;
    assert_eq!(r.body["total"], 1);
    let r = ada
        .post(
            "/api/v1/audit/list",
            json!({"since": "2999-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.body["total"], 0);
    let r = ada
        .post(
            "/api/v1/audit/list",
            json!({"until": "2000-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.body["total"], 0);
    let r = ada
        .post("/api/v1/audit/list", json!({"since": "yesterday"}))
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "since")
    );
    let r = ada
        .post("/api/v1/audit/list", json!({"per_page": 2, "page": 2}))
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);

    let r = ada
        .post(
            "/api/v1/audit/export",
            json!({"format": "jsonl", "action": "token.create"}),
        )
        .await;
    assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
    let content = &r.text;
    assert_eq!(content.lines().count(), 1);
    let line: Value = serde_json::from_str(content.lines().next().unwrap()).unwrap();
    assert_eq!(line["target_name"], "t");
    let r = ada
        .post("/api/v1/audit/export", json!({"format": "csv"}))
        .await;
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"steward-audit.csv\"")
    );
    let csv = &r.text;
    assert!(csv.starts_with("id,at,actor_kind"));
    assert!(csv.contains("service_account.create"));
    assert!(!csv.contains(&secret[4..38]));
    let r = ada
        .post("/api/v1/audit/export", json!({"format": "xml"}))
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "format")
    );
}

async fn refused_known_tokens_are_audited_once_a_minute(b: Backend) {
    let (app, ada) = setup(b).await;
    let id = ada.create_account("ci", "editor").await;
    let (tid, secret) = ada.create_token(&id, "t", &["read"]).await;
    ada.post("/api/v1/tokens/revoke", json!({"id": tid})).await;
    for _ in 0..5 {
        assert_eq!(whoami(&app, &secret).await, StatusCode::UNAUTHORIZED);
    }
    let r = ada
        .post(
            "/api/v1/audit/list",
            json!({"action": "auth.token_refused"}),
        )
        .await;
    assert_eq!(r.body["total"], 1, "{r:?}");
    assert_eq!(r.body["items"][0]["token_id"], tid.as_str());
    assert_eq!(r.body["items"][0]["outcome"], "failure");

    // Unknown garbage is not written row by row; it is rate-limited per IP instead.
    let junk = app.script("stw_ThisIsNotARealTokenButLooksLikeOne00000");
    let mut statuses = Vec::new();
    for _ in 0..32 {
        statuses.push(junk.post("/api/v1/auth/whoami", json!({})).await.status);
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS));
    let r = ada
        .post(
            "/api/v1/audit/list",
            json!({"action": "auth.token_refused"}),
        )
        .await;
    assert_eq!(r.body["total"], 1);
}

async fn concurrent_creates_of_one_name(b: Backend) {
    let (_app, ada) = setup(b).await;
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

/// Callers of the permission matrix, in column order.
const CALLERS: [&str; 8] = [
    "anonymous",
    "viewer",
    "editor",
    "admin",
    "token-read",
    "token-read-write",
    "other-org-admin",
    "token-admin",
];

async fn every_operation_checks_role_scope_and_organization(b: Backend) {
    let (app, ada) = setup(b).await;
    app.member("ada@acme.test", "vic@acme.test", "viewer").await;
    app.member("ada@acme.test", "ed@acme.test", "editor").await;
    app.admin("globex", "gus@globex.test").await;
    // The read-only token belongs to an admin account, so only its scope holds it back: it may
    // read everything an admin may read (the audit log, settings), and change nothing.
    let ro_account = ada.create_account("ro-bot", "admin").await;
    let (_, ro_secret) = ada.create_token(&ro_account, "ro", &["read"]).await;
    let rw_account = ada.create_account("rw-bot", "editor").await;
    let (_, rw_secret) = ada
        .create_token(&rw_account, "rw", &["read", "write"])
        .await;
    // An admin account's full token: it may do all an admin may, except what only people may
    // (members, settings changes, passwords).
    let admin_account = ada.create_account("admin-bot", "admin").await;
    let (_, admin_secret) = ada
        .create_token(&admin_account, "all", &["read", "write"])
        .await;
    let callers = [
        app.anonymous(),
        app.signed_in("vic@acme.test").await,
        app.signed_in("ed@acme.test").await,
        app.signed_in("ada@acme.test").await,
        app.script(&ro_secret),
        app.script(&rw_secret),
        app.signed_in("gus@globex.test").await,
        app.script(&admin_secret),
    ];
    let target = ada.create_account("target", "viewer").await;

    // `auth/login` is public and rate-limited per IP; `contract.rs` covers it.
    // (path, expected status per caller, body); `ACCOUNT` and `TOKEN` stand for objects made
    // fresh for each call, so that one caller's success does not change the next one's answer.
    let cases: Vec<(&str, [u16; 8], Value)> = vec![
        (
            "/api/v1/auth/whoami",
            [401, 200, 200, 200, 200, 200, 200, 200],
            json!({}),
        ),
        (
            "/api/v1/service-accounts/list",
            [401, 200, 200, 200, 200, 200, 200, 200],
            json!({}),
        ),
        (
            "/api/v1/service-accounts/get",
            [401, 200, 200, 200, 200, 200, 404, 200],
            json!({"id": target}),
        ),
        (
            "/api/v1/service-accounts/create",
            [401, 403, 200, 200, 403, 200, 200, 200],
            json!({"name": "NAME", "role": "viewer"}),
        ),
        (
            "/api/v1/service-accounts/update",
            [401, 403, 200, 200, 403, 200, 404, 200],
            json!({"id": target, "description": "x"}),
        ),
        (
            "/api/v1/service-accounts/disable",
            [401, 403, 200, 200, 403, 200, 404, 200],
            json!({"id": "ACCOUNT"}),
        ),
        (
            "/api/v1/service-accounts/enable",
            [401, 403, 200, 200, 403, 200, 404, 200],
            json!({"id": "ACCOUNT"}),
        ),
        (
            "/api/v1/service-accounts/delete",
            [401, 403, 200, 200, 403, 200, 404, 200],
            json!({"id": "ACCOUNT"}),
        ),
        (
            "/api/v1/tokens/create",
            [401, 403, 200, 200, 403, 200, 404, 200],
            json!({"service_account_id": target, "name": "NAME"}),
        ),
        (
            "/api/v1/tokens/list",
            [401, 200, 200, 200, 200, 200, 404, 200],
            json!({"service_account_id": target}),
        ),
        (
            "/api/v1/tokens/refresh",
            [401, 403, 200, 200, 403, 200, 404, 200],
            json!({"id": "TOKEN"}),
        ),
        (
            "/api/v1/tokens/revoke",
            [401, 403, 200, 200, 403, 200, 404, 200],
            json!({"id": "TOKEN"}),
        ),
        (
            "/api/v1/tokens/revoke-all",
            [401, 403, 200, 200, 403, 200, 404, 200],
            json!({"service_account_id": "ACCOUNT"}),
        ),
        (
            "/api/v1/audit/list",
            [401, 403, 403, 200, 200, 403, 200, 200],
            json!({}),
        ),
        (
            "/api/v1/audit/export",
            [401, 403, 403, 200, 200, 403, 200, 200],
            json!({"format": "csv"}),
        ),
        (
            "/api/v1/settings/get",
            [401, 403, 403, 200, 200, 403, 200, 200],
            json!({}),
        ),
        (
            "/api/v1/settings/update",
            [401, 403, 403, 200, 403, 403, 200, 403],
            json!({}),
        ),
        (
            "/api/v1/members/list",
            [401, 403, 403, 200, 403, 403, 200, 403],
            json!({}),
        ),
        (
            "/api/v1/members/invite",
            [401, 403, 403, 200, 403, 403, 200, 403],
            json!({"email": "NAME@acme.test", "name": "New", "role": "viewer"}),
        ),
        (
            "/api/v1/members/update",
            [401, 403, 403, 200, 403, 403, 404, 403],
            json!({"id": "MEMBER", "role": "editor"}),
        ),
        (
            "/api/v1/auth/change-password",
            [401, 422, 422, 422, 403, 403, 422, 403],
            json!({"current_password": "wrong one", "new_password": "long enough password"}),
        ),
        (
            "/api/v1/setup/check",
            [200, 200, 200, 200, 200, 200, 200, 200],
            json!({"token": "nope"}),
        ),
        // The access model: everyone who reads accounts reads it; changing it needs the
        // permission for what changes, and nobody grants what they do not hold.
        (
            "/api/v1/permissions/list",
            [401, 200, 200, 200, 200, 200, 200, 200],
            json!({}),
        ),
        (
            "/api/v1/roles/list",
            [401, 200, 200, 200, 200, 200, 200, 200],
            json!({}),
        ),
        (
            "/api/v1/workspaces/list",
            [401, 200, 200, 200, 200, 200, 200, 200],
            json!({}),
        ),
        (
            "/api/v1/groups/list",
            [401, 200, 200, 200, 200, 200, 200, 200],
            json!({}),
        ),
        (
            "/api/v1/bindings/list",
            [401, 200, 200, 200, 200, 200, 200, 200],
            json!({}),
        ),
        (
            "/api/v1/permissions/declare",
            [401, 403, 403, 200, 403, 403, 200, 200],
            json!({"name": "NAME:run"}),
        ),
        (
            "/api/v1/roles/create",
            [401, 403, 403, 200, 403, 403, 200, 200],
            json!({"name": "NAME", "permissions": ["service_accounts:read"]}),
        ),
        (
            "/api/v1/workspaces/create",
            [401, 403, 403, 200, 403, 403, 200, 200],
            json!({"name": "NAME"}),
        ),
        (
            "/api/v1/groups/create",
            [401, 403, 403, 200, 403, 403, 200, 200],
            json!({"name": "NAME"}),
        ),
        (
            "/api/v1/bindings/grant",
            [401, 403, 200, 200, 403, 200, 404, 200],
            json!({"subject": {"type": "service_account", "id": "ACCOUNT"}, "role": "viewer"}),
        ),
        (
            "/api/v1/bindings/grant",
            [401, 403, 403, 200, 403, 403, 404, 200],
            json!({"subject": {"type": "service_account", "id": "ACCOUNT"}, "role": "admin"}),
        ),
        (
            "/api/v1/access/explain",
            [401, 200, 200, 200, 200, 200, 404, 200],
            json!({"subject": {"type": "service_account", "id": target}, "permission": "service_accounts:read"}),
        ),
        // Last: it ends the people's sessions.
        (
            "/api/v1/auth/logout",
            [401, 200, 200, 200, 200, 200, 200, 200],
            json!({}),
        ),
    ];
    let mut n = 0;
    let mut failures = Vec::new();
    for (path, expected, body) in &cases {
        for (i, caller) in callers.iter().enumerate() {
            n += 1;
            let mut body = body.clone();
            let text = body.to_string();
            if text.contains("\"NAME\"") {
                body = serde_json::from_str(&text.replace("\"NAME\"", &format!("\"made-{n}\"")))
                    .unwrap();
            }
            if text.contains("\"ACCOUNT\"") {
                let fresh = ada.create_account(&format!("fresh-{n}"), "viewer").await;
                body = serde_json::from_str(&text.replace("\"ACCOUNT\"", &format!("\"{fresh}\"")))
                    .unwrap();
            }
            if text.contains("\"MEMBER\"") {
                let r = ada
                    .post(
                        "/api/v1/members/invite",
                        json!({"email": format!("m{n}@acme.test"), "name": "M", "role": "viewer"}),
                    )
                    .await;
                let fresh = r.body["member"]["id"].as_str().unwrap().to_string();
                body = serde_json::from_str(&text.replace("\"MEMBER\"", &format!("\"{fresh}\"")))
                    .unwrap();
            }
            if text.contains("\"NAME:") {
                body = serde_json::from_str(&text.replace("\"NAME:", &format!("\"made-{n}:")))
                    .unwrap();
            }
            if text.contains("\"NAME@") {
                body = serde_json::from_str(&text.replace("\"NAME@", &format!("\"made-{n}@")))
                    .unwrap();
            }
            if text.contains("\"TOKEN\"") {
                let (fresh, _) = ada
                    .create_token(&target, &format!("tok-{n}"), &["read"])
                    .await;
                body = serde_json::from_str(&text.replace("\"TOKEN\"", &format!("\"{fresh}\"")))
                    .unwrap();
            }
            let r = caller.post(path, body).await;
            if r.status.as_u16() != expected[i] {
                failures.push(format!(
                    "{path} as {}: expected {}, got {} {}",
                    CALLERS[i],
                    expected[i],
                    r.status,
                    r.body.to_string().chars().take(200).collect::<String>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} calls answered wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn members_invite_roles_disable_and_the_last_admin(b: Backend) {
    let (app, ada) = setup(b).await;
    let r = ada
        .post(
            "/api/v1/members/invite",
            json!({"email": "Bob@Acme.test", "name": "Bob", "role": "editor"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let bob = r.body["member"]["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["member"]["email"], "bob@acme.test");
    let url = r.body["setup_url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("{}/setup?invite=", app.base)));
    let secret = url.split("invite=").nth(1).unwrap().to_string();
    let r = ada
        .post(
            "/api/v1/members/invite",
            json!({"email": "bob@acme.test", "name": "Bob", "role": "viewer"}),
        )
        .await;
    assert_eq!((r.status, r.error_field()), (StatusCode::CONFLICT, "email"));
    let r = ada
        .post(
            "/api/v1/members/invite",
            json!({"email": "not-an-email", "name": "X", "role": "viewer"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "email")
    );

    // Bob cannot sign in before setting a password; the link works once.
    let bob_client = app.browser();
    let r = bob_client
        .post(
            "/api/v1/auth/login",
            json!({"email": "bob@acme.test", "password": ""}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = bob_client
        .post("/api/v1/setup/invitation", json!({"token": secret}))
        .await;
    assert_eq!(r.body["name"], "Bob");
    let r = bob_client
        .post(
            "/api/v1/setup/accept-invite",
            json!({"token": secret, "password": "short"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "password")
    );
    let r = bob_client
        .post(
            "/api/v1/setup/accept-invite",
            json!({"token": secret, "password": "bobs long password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        bob_client.post("/api/v1/auth/whoami", json!({})).await.body["principal"]["role"],
        "editor"
    );
    let r = app
        .browser()
        .post(
            "/api/v1/setup/accept-invite",
            json!({"token": secret, "password": "another long password"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::NOT_FOUND, "token"),
        "a link works once"
    );

    // A lower role ends Bob's sessions at once; signed in again he has the new role. Then
    // disabling ends them too.
    let r = ada
        .post(
            "/api/v1/members/update",
            json!({"id": bob, "role": "viewer"}),
        )
        .await;
    assert_eq!(r.body["member"]["role"], "viewer");
    assert_eq!(
        bob_client
            .post("/api/v1/auth/whoami", json!({}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let bob_client = app.browser();
    let r = bob_client
        .post(
            "/api/v1/auth/login",
            json!({"email": "bob@acme.test", "password": "bobs long password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        bob_client
            .post(
                "/api/v1/service-accounts/create",
                json!({"name": "x", "role": "viewer"})
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = ada
        .post(
            "/api/v1/members/update",
            json!({"id": bob, "disabled": true}),
        )
        .await;
    assert_eq!(r.body["member"]["disabled"], true);
    assert_eq!(
        bob_client
            .post("/api/v1/auth/whoami", json!({}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .browser()
        .post(
            "/api/v1/auth/login",
            json!({"email": "bob@acme.test", "password": "bobs long password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // The last admin stays an admin.
    let me = ada.post("/api/v1/auth/whoami", json!({})).await.body["principal"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for body in [
        json!({"id": me, "role": "editor"}),
        json!({"id": me, "disabled": true}),
    ] {
        let r = ada.post("/api/v1/members/update", body).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{r:?}");
        assert!(r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("last admin"));
    }
    let r = ada
        .post(
            "/api/v1/members/update",
            json!({"id": bob, "disabled": false, "role": "admin"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = ada
        .post(
            "/api/v1/members/update",
            json!({"id": me, "role": "editor"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "with another admin, demotion is fine"
    );
    let list = bob_client.post("/api/v1/members/list", json!({})).await;
    assert_eq!(
        list.status,
        StatusCode::UNAUTHORIZED,
        "bob's old session stays ended"
    );
}

async fn people_change_their_own_password(b: Backend) {
    let (app, ada) = setup(b).await;
    let r = ada
        .post(
            "/api/v1/auth/change-password",
            json!({"current_password": "wrong guess!", "new_password": "a brand new password"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "current_password")
    );
    let r = ada
        .post(
            "/api/v1/auth/change-password",
            json!({"current_password": common::PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "new_password")
    );
    let r = ada
        .post(
            "/api/v1/auth/change-password",
            json!({"current_password": common::PASSWORD, "new_password": "a brand new password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let c = app.browser();
    assert_eq!(
        c.post(
            "/api/v1/auth/login",
            json!({"email": "ada@acme.test", "password": common::PASSWORD})
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.post(
            "/api/v1/auth/login",
            json!({"email": "ada@acme.test", "password": "a brand new password"})
        )
        .await
        .status,
        StatusCode::OK
    );
}

async fn expired_tokens_are_refused_and_shown_expired(b: Backend) {
    let (app, ada) = setup(b).await;
    let id = ada.create_account("ci", "editor").await;
    let (tid, secret) = ada.create_token(&id, "old", &["read"]).await;
    assert_eq!(whoami(&app, &secret).await, StatusCode::OK);
    // Travel past the expiry by moving it into the past.
    let past = app::services::clock::now_ms() - 1000;
    app.execute(&format!(
        "UPDATE tokens SET expires_at = {past} WHERE id = '{tid}'"
    ))
    .await;
    assert_eq!(whoami(&app, &secret).await, StatusCode::UNAUTHORIZED);
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
