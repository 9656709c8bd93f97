//! People: invitations, roles, disabling, the last admin, and changing one's own password.

use crate::common;
use crate::common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    members_invite_roles_disable_and_the_last_admin,
    people_change_their_own_password,
);

async fn members_invite_roles_disable_and_the_last_admin(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let r = ada
        .post(
            "/api/v1/members/invite",
            json!({"email": "Bob@Acme.test", "name": "Bob", "role": "editor"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
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
    r.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
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
    r.assert_status(StatusCode::OK);
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
    r.assert_status(StatusCode::OK);
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
    r.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");

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
        r.assert_error(StatusCode::CONFLICT, "conflict");
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
    r.assert_status(StatusCode::OK);
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
    let (app, ada) = TestApp::acme(b).await;
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
    r.assert_status(StatusCode::OK);
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
