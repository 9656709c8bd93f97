//! Two rules about who may change what a token cannot take back: people are managed by people
//! (also through groups and roles), and a secret replaced by a refresh authenticates during its
//! grace period but manages no tokens.

use crate::common::{Backend, Client, TestApp};
use crate::verification::verify;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    only_people_with_members_write_change_what_people_hold,
    member_emails_go_only_to_people_who_may_see_members,
    a_replaced_secret_authenticates_but_cannot_manage_tokens,
);

/// The id of the person with `email`.
async fn person_id(app: &TestApp, email: &str) -> String {
    app.texts(&format!("SELECT id FROM users WHERE email = '{email}'"))
        .await
        .remove(0)
}

/// `POST path` as `client`, expecting `status`.
async fn expect(client: &Client, path: &str, body: serde_json::Value, status: StatusCode) {
    let r = client.post(path, body.clone()).await;
    assert_eq!(r.status, status, "{path} {body}: {r:?}");
    if status == StatusCode::FORBIDDEN {
        assert!(r.error_message().contains("members:write"), "{r:?}");
    }
}

async fn only_people_with_members_write_change_what_people_hold(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    app.member("ada@acme.test", "bob@acme.test", "viewer").await;
    app.member("ada@acme.test", "eve@acme.test", "editor").await;
    let bob = person_id(&app, "bob@acme.test").await;
    let eve_id = person_id(&app, "eve@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    // An admin service account's token: it holds every permission, but is not a person.
    let robot = ada.create_account("robot", "admin").await;
    let (_, robot_token) = ada.create_token(&robot, "t", &["read", "write"]).await;
    let robot = app.script(&robot_token);
    // Eve is a person who keeps groups and roles, without members:write.
    ada.post("/api/v1/permissions/declare", json!({"name": "repo:read"}))
        .await;
    ada.post(
        "/api/v1/roles/create",
        json!({"name": "keeper", "permissions": ["groups:write", "roles:write", "repo:read"]}),
    )
    .await;
    expect(
        &ada,
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "member", "id": eve_id}, "role": "keeper"}),
        StatusCode::OK,
    )
    .await;
    let eve = app.signed_in("eve@acme.test").await;

    // A group with Bob in it: only a person with members:write gives it roles.
    let r = ada
        .post("/api/v1/groups/create", json!({"name": "people"}))
        .await;
    let people = r.body["group"]["id"].as_str().unwrap().to_string();
    expect(
        &robot,
        "/api/v1/groups/add-members",
        json!({"id": people, "member_ids": [bob]}),
        StatusCode::FORBIDDEN,
    )
    .await;
    expect(
        &ada,
        "/api/v1/groups/add-members",
        json!({"id": people, "member_ids": [bob]}),
        StatusCode::OK,
    )
    .await;
    let grant = json!({"subject": {"type": "group", "id": people}, "role": "admin"});
    expect(
        &robot,
        "/api/v1/bindings/grant",
        grant.clone(),
        StatusCode::FORBIDDEN,
    )
    .await;
    let viewer = json!({"subject": {"type": "group", "id": people}, "role": "viewer"});
    expect(
        &eve,
        "/api/v1/bindings/grant",
        viewer,
        StatusCode::FORBIDDEN,
    )
    .await;
    let r = ada.post("/api/v1/bindings/grant", grant).await;
    r.assert_status(StatusCode::OK);
    let binding = r.body["binding"]["id"].as_str().unwrap().to_string();
    expect(
        &robot,
        "/api/v1/bindings/revoke",
        json!({"id": binding}),
        StatusCode::FORBIDDEN,
    )
    .await;
    expect(
        &robot,
        "/api/v1/groups/delete",
        json!({"id": people}),
        StatusCode::FORBIDDEN,
    )
    .await;
    // Bob is not an admin through the robot, and stays one only as Ada decided.
    let bob_admin = app
        .count(&format!(
            "SELECT COUNT(*) FROM role_bindings WHERE subject_id = '{people}' AND role_id = 'admin'"
        ))
        .await;
    assert_eq!(bob_admin, 1);

    // A custom role a person holds, directly or through the group, changes only by people.
    for (role, subject) in [
        ("direct", json!({"type": "member", "id": bob})),
        ("through-group", json!({"type": "group", "id": people})),
    ] {
        ada.post(
            "/api/v1/roles/create",
            json!({"name": role, "permissions": ["repo:read"]}),
        )
        .await;
        expect(
            &ada,
            "/api/v1/bindings/grant",
            json!({"subject": subject, "role": role}),
            StatusCode::OK,
        )
        .await;
        let widen = json!({"id": role, "permissions": ["repo:read", "members:write"]});
        expect(&robot, "/api/v1/roles/update", widen, StatusCode::FORBIDDEN).await;
        let describe = json!({"id": role, "description": "what Bob reads"});
        expect(
            &eve,
            "/api/v1/roles/update",
            describe,
            StatusCode::FORBIDDEN,
        )
        .await;
        let delete = json!({"id": role, "force": true});
        expect(
            &robot,
            "/api/v1/roles/delete",
            delete.clone(),
            StatusCode::FORBIDDEN,
        )
        .await;
        expect(&ada, "/api/v1/roles/delete", delete, StatusCode::OK).await;
    }

    // Where no person is reached, tokens and people without members:write may.
    let r = robot
        .post("/api/v1/groups/create", json!({"name": "robots"}))
        .await;
    let robots = r.body["group"]["id"].as_str().unwrap().to_string();
    let grant = json!({"subject": {"type": "group", "id": robots}, "role": "editor"});
    let r = robot.post("/api/v1/bindings/grant", grant).await;
    r.assert_status(StatusCode::OK);
    let binding = r.body["binding"]["id"].as_str().unwrap().to_string();
    expect(
        &robot,
        "/api/v1/bindings/revoke",
        json!({"id": binding}),
        StatusCode::OK,
    )
    .await;
    robot
        .post(
            "/api/v1/roles/create",
            json!({"name": "for-robots", "permissions": ["repo:read"]}),
        )
        .await;
    expect(
        &eve,
        "/api/v1/roles/update",
        json!({"id": "for-robots", "description": "only robots hold it"}),
        StatusCode::OK,
    )
    .await;
    expect(
        &robot,
        "/api/v1/groups/delete",
        json!({"id": robots}),
        StatusCode::OK,
    )
    .await;
    expect(
        &ada,
        "/api/v1/groups/delete",
        json!({"id": people}),
        StatusCode::OK,
    )
    .await;
}

async fn member_emails_go_only_to_people_who_may_see_members(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    app.member("ada@acme.test", "bob@acme.test", "viewer").await;
    app.member("ada@acme.test", "ed@acme.test", "editor").await;
    let bob = person_id(&app, "bob@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let ed = app.signed_in("ed@acme.test").await;
    ada.post("/api/v1/permissions/declare", json!({"name": "repo:read"}))
        .await;
    ada.post(
        "/api/v1/roles/create",
        json!({"name": "reader", "permissions": ["repo:read"]}),
    )
    .await;
    ada.post("/api/v1/groups/create", json!({"name": "crew"}))
        .await;
    expect(
        &ada,
        "/api/v1/groups/add-members",
        json!({"id": "crew", "member_ids": [bob]}),
        StatusCode::OK,
    )
    .await;
    expect(
        &ada,
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "member", "id": bob}, "role": "reader"}),
        StatusCode::OK,
    )
    .await;
    // An admin service account holds members:read, but it is not a person.
    let robot = ada.create_account("robot", "admin").await;
    let (_, robot_token) = ada.create_token(&robot, "t", &["read", "write"]).await;
    let robot = app.script(&robot_token);
    for (who, client, sees) in [
        ("robot", &robot, false),
        ("ed", &ed, false),
        ("ada", &ada, true),
    ] {
        let groups = client.post("/api/v1/groups/list", json!({})).await;
        let bindings = client.post("/api/v1/bindings/list", json!({})).await;
        assert_eq!(
            (groups.status, bindings.status),
            (StatusCode::OK, StatusCode::OK)
        );
        for r in [&groups, &bindings] {
            assert_eq!(r.text.contains("bob@acme.test"), sees, "{who}: {r:?}");
            assert!(r.text.contains(&bob), "{who} sees Bob by id: {r:?}");
        }
    }
    // A role a person holds is deleted only by a person with members:write; its 409 names the
    // person by id unless that person may also read members.
    ada.post(
        "/api/v1/roles/create",
        json!({"name": "people-keeper", "permissions": ["members:write", "roles:write", "repo:read"]}),
    )
    .await;
    let ed_id = person_id(&app, "ed@acme.test").await;
    expect(
        &ada,
        "/api/v1/bindings/grant",
        json!({"subject": {"type": "member", "id": ed_id}, "role": "people-keeper"}),
        StatusCode::OK,
    )
    .await;
    for (who, client, sees) in [("ed", &ed, false), ("ada", &ada, true)] {
        let r = client
            .post("/api/v1/roles/delete", json!({"id": "reader"}))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{who}: {r:?}");
        assert_eq!(r.text.contains("bob@acme.test"), sees, "{who}: {r:?}");
        assert!(sees || r.error_message().contains(&bob), "{who}: {r:?}");
    }
}

async fn a_replaced_secret_authenticates_but_cannot_manage_tokens(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let sa = ada.create_account("deployer", "admin").await;
    let (token_id, old) = ada.create_token(&sa, "t", &["read", "write"]).await;
    let (other_id, _) = ada.create_token(&sa, "other", &["read"]).await;
    let r = ada
        .post(
            "/api/v1/tokens/refresh",
            json!({"id": token_id, "grace_seconds": 3600}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let new = r.body["secret"].as_str().unwrap().to_string();
    let leaked = app.script(&old);

    // It still authenticates and reads, for the deployments not yet given the new secret.
    let r = leaked.post("/api/v1/auth/whoami", json!({})).await;
    r.assert_status(StatusCode::OK);
    let held = r.body["principal"]["permissions"]
        .as_array()
        .unwrap()
        .clone();
    assert!(held.contains(&json!("service_accounts:read")), "{held:?}");
    assert!(!held.contains(&json!("tokens:write")), "{held:?}");
    let r = leaked
        .post("/api/v1/service-accounts/list", json!({}))
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(verify(&app, &old, "").await.status(), StatusCode::OK);

    // But it cannot take the rotation over: no refresh of itself, no new tokens, no revoking.
    for (path, body) in [
        (
            "/api/v1/tokens/refresh",
            json!({"id": token_id, "grace_seconds": 0}),
        ),
        (
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "mine-now"}),
        ),
        ("/api/v1/tokens/revoke", json!({"id": other_id})),
        (
            "/api/v1/tokens/revoke-all",
            json!({"service_account_id": sa}),
        ),
        ("/api/v1/service-accounts/disable", json!({"id": sa})),
    ] {
        let r = leaked.post(path, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {r:?}");
        assert!(r.error_message().contains("new secret"), "{r:?}");
    }
    assert_eq!(
        verify(&app, &old, "?permission=tokens:write")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // The owner's new secret is untouched and does all of it.
    assert_eq!(
        verify(&app, &new, "?permission=tokens:write")
            .await
            .status(),
        StatusCode::OK
    );
    let owner = app.script(&new);
    let r = owner
        .post("/api/v1/tokens/revoke", json!({"id": other_id}))
        .await;
    r.assert_status(StatusCode::OK);
    let r = owner
        .post(
            "/api/v1/tokens/refresh",
            json!({"id": token_id, "grace_seconds": 0}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        verify(&app, &old, "").await.status(),
        StatusCode::UNAUTHORIZED,
        "the old secret is gone once the owner ends the grace period"
    );
}
