//! Every operation against every kind of caller: anonymous, each role, tokens of each scope,
//! another organization's admin. The matrix is the single list of who may call what.

use crate::common::{Backend, TestApp};
use serde_json::{json, Value};

on_both_databases!(every_operation_checks_role_scope_and_organization,);

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
    let (app, ada) = TestApp::acme(b).await;
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
        // Trust policies: like a token, a policy is made only by a caller that could make the
        // tokens it issues; a token that expires cannot leave one behind that does not.
        (
            "/api/v1/service-accounts/trust/add",
            [401, 403, 200, 200, 403, 403, 404, 403],
            json!({"service_account_id": target, "issuer": "https://issuer.example", "audience": "steward",
                   "conditions": [{"claim": "sub", "value": "job"}]}),
        ),
        (
            "/api/v1/service-accounts/trust/list",
            [401, 200, 200, 200, 200, 200, 404, 200],
            json!({"service_account_id": target}),
        ),
        (
            "/api/v1/service-accounts/trust/remove",
            [401, 403, 200, 200, 403, 200, 404, 200],
            json!({"id": "TRUST"}),
        ),
        (
            "/api/v1/service-accounts/trust/templates",
            [401, 200, 200, 200, 200, 200, 200, 200],
            json!({}),
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
            if text.contains("\"TRUST\"") {
                let r = ada
                    .post(
                        "/api/v1/service-accounts/trust/add",
                        json!({"service_account_id": target, "issuer": "https://issuer.example",
                               "audience": "steward", "conditions": [{"claim": "sub", "value": "job"}]}),
                    )
                    .await;
                let fresh = r.body["trust_policy"]["id"].as_str().unwrap().to_string();
                body = serde_json::from_str(&text.replace("\"TRUST\"", &format!("\"{fresh}\"")))
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
