//! The access model over real HTTP: application permissions, custom roles, workspaces, groups,
//! role bindings, tokens narrowed to permissions and workspaces, explain, and the ceiling on
//! every way of gaining power.

use crate::common::{eventually, Backend, Client, TestApp, REACH};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    roles_groups_and_workspaces_grant_what_they_say,
    tokens_narrowed_to_a_workspace_hold_nothing_elsewhere,
    a_change_takes_effect_on_the_next_request_on_every_replica,
    bound_roles_are_deleted_only_with_force,
    nobody_gains_power_they_do_not_hold,
);

/// Posts and insists on 200, returning the body.
async fn ok(c: &Client, path: &str, body: Value) -> Value {
    let r = c.post(path, body).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {r:?}");
    r.body
}

/// The organization of the test: `deploy:production` and `repo:read` declared, workspaces
/// `prod` and `staging`, roles `deployment` (deploy) and `ci-read` (repo:read).
async fn declare_model(ada: &Client) {
    for p in ["deploy:production", "repo:read"] {
        ok(
            ada,
            "/api/v1/permissions/declare",
            json!({"name": p, "description": "test"}),
        )
        .await;
    }
    for w in ["prod", "staging"] {
        ok(ada, "/api/v1/workspaces/create", json!({"name": w})).await;
    }
    ok(
        ada,
        "/api/v1/roles/create",
        json!({"name": "deployment", "description": "Ships releases", "permissions": ["deploy:production"]}),
    )
    .await;
    ok(
        ada,
        "/api/v1/roles/create",
        json!({"name": "ci-read", "permissions": ["repo:read", "service_accounts:read"]}),
    )
    .await;
}

async fn explain(c: &Client, subject: Value, permission: &str, workspace: Option<&str>) -> Value {
    let mut body = json!({"subject": subject, "permission": permission});
    if let Some(w) = workspace {
        body["workspace"] = json!(w);
    }
    ok(c, "/api/v1/access/explain", body).await
}

async fn roles_groups_and_workspaces_grant_what_they_say(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    declare_model(&ada).await;

    let listed = ok(&ada, "/api/v1/permissions/list", json!({})).await;
    let deploy = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "deploy:production")
        .unwrap();
    assert_eq!(deploy["kind"], "application");
    let roles = ok(&ada, "/api/v1/roles/list", json!({})).await;
    let names: Vec<&str> = roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["viewer", "editor", "admin", "ci-read", "deployment"]
    );
    assert_eq!(roles["items"][0]["builtin"], true);

    // Several roles at creation: the built-in one is the organization role, the custom one a binding.
    let r = ok(
        &ada,
        "/api/v1/service-accounts/create",
        json!({"name": "deployer", "roles": ["ci-read", "viewer"]}),
    )
    .await;
    let sa = r["service_account"]["id"].as_str().unwrap().to_string();
    assert_eq!(r["service_account"]["role"], "viewer");
    let g = ok(&ada, "/api/v1/groups/create", json!({"name": "deployers"})).await;
    let group = g["group"]["id"].as_str().unwrap().to_string();
    let g = ok(
        &ada,
        "/api/v1/groups/add-members",
        json!({"id": group, "service_account_ids": [sa]}),
    )
    .await;
    assert_eq!(g["group"]["members"][0]["name"], "deployer");
    let bound = ok(
        &ada,
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "group", "id": group}, "role": "deployment", "workspace": "prod"}),
    )
    .await;
    assert_eq!(bound["binding"]["workspace"]["name"], "prod");

    let me = json!({"type": "service_account", "id": sa});
    let yes = explain(&ada, me.clone(), "deploy:production", Some("prod")).await;
    assert_eq!(yes["allowed"], true);
    assert_eq!(yes["because"][0]["role"], "deployment");
    assert_eq!(yes["because"][0]["via_group"], "deployers");
    assert_eq!(yes["because"][0]["workspace"], "prod");
    assert_eq!(yes["because"][0]["binding_id"], bound["binding"]["id"]);
    assert_eq!(
        explain(&ada, me.clone(), "deploy:production", Some("staging")).await["allowed"],
        false
    );
    assert_eq!(
        explain(&ada, me.clone(), "deploy:production", None).await["allowed"],
        false
    );
    let repo = explain(&ada, me.clone(), "repo:read", Some("staging")).await;
    assert_eq!(
        repo["allowed"], true,
        "organization-wide roles apply in every workspace"
    );
    assert!(repo["because"][0]["via_group"].is_null());

    // The account page's view: its own bindings and its groups.
    let detail = ok(&ada, "/api/v1/service-accounts/get", json!({"id": sa})).await;
    assert_eq!(detail["bindings"][0]["role"]["name"], "ci-read");
    assert_eq!(detail["groups"][0]["name"], "deployers");

    // A token carries whatever its account holds.
    let (token_id, secret) = ada.create_token(&sa, "ci", &["read"]).await;
    let who = ok(&app.script(&secret), "/api/v1/auth/whoami", json!({})).await;
    let perms = who["principal"]["permissions"].as_array().unwrap();
    assert!(perms.contains(&json!("repo:read")) && !perms.contains(&json!("deploy:production")));
    assert!(who["principal"]["workspaces"]["prod"]
        .as_array()
        .unwrap()
        .contains(&json!("deploy:production")));
    let by_token = ok(
        &ada,
        "/api/v1/access/explain",
        json!({"token_id": token_id, "permission": "deploy:production", "workspace": "prod"}),
    )
    .await;
    assert_eq!(by_token["allowed"], true);

    // The audit log names who changed the access model.
    let audit = ok(
        &ada,
        "/api/v1/audit/list",
        json!({"action": "binding.grant"}),
    )
    .await;
    assert!(audit["total"].as_i64().unwrap() >= 2);
    assert_eq!(audit["items"][0]["actor_name"], "ada");
}

async fn tokens_narrowed_to_a_workspace_hold_nothing_elsewhere(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    declare_model(&ada).await;
    let sa = ada.create_account("deployer", "editor").await;
    ok(
        &ada,
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "service_account", "id": sa}, "role": "deployment", "workspace": "prod"}),
    )
    .await;
    let r = ok(
        &ada,
        "/api/v1/tokens/create",
        json!({"service_account_id": sa, "name": "prod-only", "workspaces": ["prod"]}),
    )
    .await;
    let prod_only = app.script(r["secret"].as_str().unwrap());
    let who = ok(&prod_only, "/api/v1/auth/whoami", json!({})).await;
    assert!(
        who["principal"]["permissions"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{who}"
    );
    assert!(who["principal"]["workspaces"]["prod"].is_array(), "{who}");
    assert!(who["principal"]["workspaces"]["prod"]
        .as_array()
        .unwrap()
        .contains(&json!("deploy:production")));
    let r = prod_only
        .post("/api/v1/service-accounts/list", json!({}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "nothing organization-wide: {r:?}"
    );

    // Narrowed to a permission the account does not hold (forbidden, as granting beyond what
    // is held is), or an unknown workspace (not found): refused, naming the field.
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "x", "permissions": ["audit:read"]}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::FORBIDDEN, "permissions")
    );
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "y", "workspaces": ["nowhere"]}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::NOT_FOUND, "workspaces")
    );

    // Narrowed to some permissions: only those, even what the account holds besides.
    let r = ok(
        &ada,
        "/api/v1/tokens/create",
        json!({"service_account_id": sa, "name": "reader", "permissions": ["service_accounts:read"]}),
    )
    .await;
    let reader = app.script(r["secret"].as_str().unwrap());
    let token_id = r["token"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        reader
            .post("/api/v1/service-accounts/list", json!({}))
            .await
            .status,
        StatusCode::OK
    );
    let r = reader
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "nope", "role": "viewer"}),
        )
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    let why = ok(
        &ada,
        "/api/v1/access/explain",
        json!({"token_id": token_id, "permission": "service_accounts:write"}),
    )
    .await;
    assert_eq!(why["allowed"], false);
    assert_eq!(why["because"][0]["role"], "editor", "the account holds it");
    assert!(
        why["denied_by"].as_str().unwrap().contains("narrowed"),
        "{why}"
    );
}

async fn a_change_takes_effect_on_the_next_request_on_every_replica(b: Backend) {
    let (first, ada) = TestApp::acme(b).await;
    let second = TestApp::spawn_on(&first.db_url).await;
    declare_model(&ada).await;
    let sa = ada.create_account("deployer", "viewer").await;
    let (_, secret) = ada.create_token(&sa, "ci", &["read"]).await;
    let g = ok(&ada, "/api/v1/groups/create", json!({"name": "deployers"})).await;
    let group = g["group"]["id"].as_str().unwrap().to_string();
    ok(
        &ada,
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "group", "id": group}, "role": "deployment"}),
    )
    .await;
    let holds = |app: &TestApp| {
        let c = app.script(&secret);
        async move {
            let who = ok(&c, "/api/v1/auth/whoami", json!({})).await;
            who["principal"]["permissions"]
                .as_array()
                .unwrap()
                .contains(&json!("deploy:production"))
        }
    };
    // Warm both replicas' caches, then change membership through the first.
    assert!(!holds(&first).await && !holds(&second).await);
    ok(
        &ada,
        "/api/v1/groups/add-members",
        json!({"id": group, "service_account_ids": [sa]}),
    )
    .await;
    assert!(
        holds(&first).await,
        "this replica sees it on the next request"
    );
    eventually(REACH, "the other replica sees the new membership", || {
        holds(&second)
    })
    .await;
    ok(
        &ada,
        "/api/v1/groups/remove-members",
        json!({"id": group, "service_account_ids": [sa]}),
    )
    .await;
    eventually(REACH, "and the removal, mid-session", || async {
        !holds(&second).await
    })
    .await;
}

async fn bound_roles_are_deleted_only_with_force(b: Backend) {
    let (_app, ada) = TestApp::acme(b).await;
    declare_model(&ada).await;
    let sa = ada.create_account("deployer", "viewer").await;
    ok(
        &ada,
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "service_account", "id": sa}, "role": "deployment", "workspace": "prod"}),
    )
    .await;
    let r = ada
        .post("/api/v1/roles/delete", json!({"id": "deployment"}))
        .await;
    r.assert_error(StatusCode::CONFLICT, "conflict");
    assert!(r.error_message().contains("deployer in prod"), "{r:?}");
    let r = ada
        .post("/api/v1/roles/delete", json!({"id": "viewer"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "built-in roles stay");
    ok(
        &ada,
        "/api/v1/roles/delete",
        json!({"id": "deployment", "force": true}),
    )
    .await;
    let why = explain(
        &ada,
        json!({"type": "service_account", "id": sa}),
        "deploy:production",
        Some("prod"),
    )
    .await;
    assert_eq!(why["allowed"], false);
    let left = ok(
        &ada,
        "/api/v1/bindings/list",
        json!({"subject": {"type": "service_account", "id": sa}}),
    )
    .await;
    assert!(left["items"].as_array().unwrap().is_empty());
    // Retiring a permission takes it out of every role.
    ok(
        &ada,
        "/api/v1/permissions/retire",
        json!({"name": "repo:read"}),
    )
    .await;
    let roles = ok(&ada, "/api/v1/roles/list", json!({})).await;
    let ci = roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "ci-read")
        .unwrap();
    assert_eq!(ci["permissions"], json!(["service_accounts:read"]));
}

/// Every way of gaining power we could think of, tried by an editor (who holds
/// `deploy:production` only in `staging`) and by tokens. Each must be refused.
async fn nobody_gains_power_they_do_not_hold(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    app.member("ada@acme.test", "ed@acme.test", "editor").await;
    declare_model(&ada).await;
    let ed_id = {
        let who = ok(
            &app.signed_in("ed@acme.test").await,
            "/api/v1/auth/whoami",
            json!({}),
        )
        .await;
        who["principal"]["id"].as_str().unwrap().to_string()
    };
    ok(
        &ada,
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "member", "id": ed_id}, "role": "deployment", "workspace": "staging"}),
    )
    .await;
    // Ed may change roles, groups and workspaces, so his attempts reach the ceiling itself.
    ok(
        &ada,
        "/api/v1/roles/create",
        json!({"name": "access-admin", "permissions": ["roles:write", "groups:write", "workspaces:write"]}),
    )
    .await;
    ok(
        &ada,
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "member", "id": ed_id}, "role": "access-admin"}),
    )
    .await;
    let ed = app.signed_in("ed@acme.test").await;
    let admins = ok(&ada, "/api/v1/groups/create", json!({"name": "admins"})).await;
    let admins = admins["group"]["id"].as_str().unwrap().to_string();
    let admin_binding = ok(
        &ada,
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "group", "id": admins}, "role": "admin"}),
    )
    .await["binding"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let plain = ed.create_account("plain", "viewer").await;
    let powerful = ada.create_account("powerful", "viewer").await;
    ok(
        &ada,
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "service_account", "id": powerful}, "role": "deployment", "workspace": "prod"}),
    )
    .await;
    let sa = |id: &str| json!({"type": "service_account", "id": id});
    let attempts: Vec<(&str, &str, Value)> = vec![
        (
            "a role with a Steward permission the editor lacks",
            "/api/v1/roles/create",
            json!({"name": "auditor", "permissions": ["audit:read"]}),
        ),
        (
            "a role with an application permission held only in a workspace",
            "/api/v1/roles/create",
            json!({"name": "deployer2", "permissions": ["deploy:production"]}),
        ),
        (
            "the built-in admin role bound to an account",
            "/api/v1/bindings/grant",
            json!({"subject": sa(&plain), "role": "admin"}),
        ),
        (
            "a role bound organization-wide that the editor holds only in staging",
            "/api/v1/bindings/grant",
            json!({"subject": sa(&plain), "role": "deployment"}),
        ),
        (
            "a role bound in a workspace where the editor lacks it",
            "/api/v1/bindings/grant",
            json!({"subject": sa(&plain), "role": "deployment", "workspace": "prod"}),
        ),
        (
            "an account created with the admin role among its roles",
            "/api/v1/service-accounts/create",
            json!({"name": "sneaky", "roles": ["viewer", "admin"]}),
        ),
        (
            "an account promoted through `roles`",
            "/api/v1/service-accounts/update",
            json!({"id": plain, "roles": ["admin"]}),
        ),
        (
            "an account joined to a group bound to admin",
            "/api/v1/groups/add-members",
            json!({"id": admins, "service_account_ids": [plain]}),
        ),
        (
            "oneself joined to a group bound to admin",
            "/api/v1/groups/add-members",
            json!({"id": admins, "member_ids": [ed_id]}),
        ),
        (
            "an edit of an account holding deploy:production in prod",
            "/api/v1/service-accounts/update",
            json!({"id": powerful, "description": "mine now"}),
        ),
        (
            "a token for that account",
            "/api/v1/tokens/create",
            json!({"service_account_id": powerful, "name": "stolen"}),
        ),
        (
            "that account disabled",
            "/api/v1/service-accounts/disable",
            json!({"id": powerful}),
        ),
        (
            "an application permission retired",
            "/api/v1/permissions/retire",
            json!({"name": "deploy:production"}),
        ),
        (
            "the admin group's binding revoked",
            "/api/v1/bindings/revoke",
            json!({"id": admin_binding}),
        ),
        (
            "a role deleted",
            "/api/v1/roles/delete",
            json!({"id": "ci-read", "force": true}),
        ),
        (
            "a role widened",
            "/api/v1/roles/update",
            json!({"id": "ci-read", "permissions": ["repo:read", "audit:read"]}),
        ),
        (
            "a member's roles changed by an editor",
            "/api/v1/bindings/grant",
            json!({"subject": {"type": "member", "id": ed_id}, "role": "ci-read"}),
        ),
        (
            "the admin group deleted (with its binding)",
            "/api/v1/groups/delete",
            json!({"id": admins}),
        ),
        (
            "the prod workspace deleted (with a binding ed could not revoke)",
            "/api/v1/workspaces/delete",
            json!({"id": "prod"}),
        ),
    ];
    let mut failures = Vec::new();
    for (what, path, body) in &attempts {
        let r = ed.post(path, body.clone()).await;
        if r.status != StatusCode::FORBIDDEN {
            failures.push(format!("{what}: {path} answered {} {}", r.status, r.body));
        }
    }
    // Within what the editor holds, the same operations work.
    ok(
        &ed,
        "/api/v1/bindings/grant",
        json!({"subject": sa(&plain), "role": "deployment", "workspace": "staging"}),
    )
    .await;
    ok(
        &ed,
        "/api/v1/roles/create",
        json!({"name": "reader", "permissions": ["service_accounts:read"]}),
    )
    .await;
    let team = ok(&ed, "/api/v1/groups/create", json!({"name": "team"})).await;
    ok(
        &ed,
        "/api/v1/groups/add-members",
        json!({"id": team["group"]["id"], "service_account_ids": [plain]}),
    )
    .await;

    // Tokens: an editor's token cannot do what the editor could not, and a narrowed token
    // cannot mint a wider one.
    let (_, ed_token) = ed.create_token(&plain, "eds", &["read", "write"]).await;
    let r = app
        .script(&ed_token)
        .post(
            "/api/v1/roles/create",
            json!({"name": "x", "permissions": ["repo:read"]}),
        )
        .await;
    if r.status != StatusCode::FORBIDDEN {
        failures.push(format!("a token creating roles: {}", r.status));
    }
    let minter = ada.create_account("minter", "editor").await;
    let blank = ada.create_account("blank", "viewer").await;
    let r = ok(
        &ada,
        "/api/v1/tokens/create",
        json!({"service_account_id": minter, "name": "narrow", "permissions": ["service_accounts:read", "tokens:write"]}),
    )
    .await;
    let narrow = app.script(r["secret"].as_str().unwrap());
    let r = narrow
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": blank, "name": "wider", "permissions": ["service_accounts:write"]}),
        )
        .await;
    // Refused either way: the account holds nothing outside the minter's narrowing (422), or
    // the narrowing is wider than the minter's (403).
    if !r.status.is_client_error() {
        failures.push(format!(
            "a narrowed token minting wider: {} {}",
            r.status, r.body
        ));
    }
    let r = narrow
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": blank, "name": "inherits"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let child = app.script(r.body["secret"].as_str().unwrap());
    let r = child
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "nope", "role": "viewer"}),
        )
        .await;
    if r.status != StatusCode::FORBIDDEN {
        failures.push(format!(
            "a token minted by a narrowed one, unnarrowed: {}",
            r.status
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
