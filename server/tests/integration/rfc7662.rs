//! Introspection as RFC 7662 clients speak it, proven with one the project did not write:
//! Authlib (from PyPI, in the test command's virtual environment) sends the form-encoded
//! request with `client_secret_basic` and with a Bearer token, and its resource protector
//! decides on the answer's `active` and `scope` (`rfc7662_client.py`). Beside it, the form and
//! Basic rules themselves over plain HTTP.

use crate::common::{self, Backend, TestApp};
use crate::verification::gateway_token;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    authlib_introspects_and_protects_with_steward_tokens,
    introspection_takes_rfc_7662_forms_and_basic_credentials,
);

async fn authlib_introspects_and_protects_with_steward_tokens(b: Backend) {
    let Some(python) = common::python_tool("python") else {
        return;
    };
    let (app, ada) = TestApp::acme(b).await;
    let gateway = gateway_token(&ada).await;
    let sa = ada.create_account("deployer", "editor").await;
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "reader", "scopes": ["read"], "expires_in_days": 7}),
        )
        .await;
    let (reader_id, reader) = (
        r.body["token"]["id"].as_str().unwrap().to_string(),
        r.body["secret"].as_str().unwrap().to_string(),
    );
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "writer", "scopes": ["read", "write"], "never_expires": true}),
        )
        .await;
    let writer = r.body["secret"].as_str().unwrap().to_string();
    let (revoked_id, revoked) = ada.create_token(&sa, "revoked", &["read"]).await;
    ada.post("/api/v1/tokens/revoke", json!({"id": revoked_id}))
        .await;
    let ask = json!({"reader": reader, "writer": writer, "revoked": revoked,
                     "made_up": app::auth::token_secret::generate().secret});

    let script = common::repository_root().join("server/tests/integration/rfc7662_client.py");
    let base = app.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .env("STEWARD_URL", base)
            .env("GATEWAY_TOKEN", gateway)
            .env("ASK", ask.to_string())
            .output()
            .expect("run the Authlib client")
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "the Authlib client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_slice(&output.stdout).unwrap();

    // Both ways of authenticating get the same answer, with RFC 7662's members.
    for name in ["reader", "writer", "revoked", "made_up"] {
        assert_eq!(seen[name]["basic"], seen[name]["bearer"], "{name}: {seen}");
        assert_eq!(seen[name]["basic"]["status"], 200, "{name}: {seen}");
    }
    let facts = &seen["reader"]["basic"]["body"];
    assert_eq!(facts["active"], true, "{facts}");
    assert_eq!(facts["scope"], "read");
    assert_eq!(facts["client_id"], sa.as_str());
    assert_eq!(facts["sub"], sa.as_str());
    assert_eq!(facts["username"], "deployer");
    assert_eq!(facts["token_type"], "Bearer");
    assert_eq!(facts["iss"], format!("{}/", app.base));
    assert_eq!(facts["jti"], reader_id.as_str());
    let (iat, exp) = (
        facts["iat"].as_i64().unwrap(),
        facts["exp"].as_i64().unwrap(),
    );
    assert!((exp - iat - 7 * 86_400).abs() < 5, "{iat} {exp}");
    // Steward's own members are still there.
    assert_eq!(facts["scopes"], json!(["read"]));
    assert_eq!(facts["role"], "editor");
    let writer_facts = &seen["writer"]["basic"]["body"];
    assert_eq!(writer_facts["scope"], "read write");
    assert!(writer_facts.get("exp").is_none(), "never expires: no exp");
    for inactive in ["revoked", "made_up"] {
        assert_eq!(seen[inactive]["basic"]["body"], json!({"active": false}));
    }

    // Authlib's resource protector decides on `active` and `scope` as RFC 7662 writes them.
    assert_eq!(
        seen["reader"]["protector"],
        json!({"read": "allowed", "write": "insufficient_scope"})
    );
    assert_eq!(
        seen["writer"]["protector"],
        json!({"read": "allowed", "write": "allowed"})
    );
    for inactive in ["revoked", "made_up"] {
        assert_eq!(
            seen[inactive]["protector"],
            json!({"read": "invalid_token", "write": "invalid_token"})
        );
    }

    // A gateway whose own credentials are wrong gets 401 naming the scheme it used.
    assert_eq!(seen["wrong_gateway"]["status"], 401, "{seen}");
    assert_eq!(
        seen["wrong_gateway"]["www_authenticate"],
        r#"Basic realm="Steward""#
    );
}

/// A POST of `body` with `content_type` and `authorization` (any scheme) to introspection.
async fn raw(app: &TestApp, authorization: &str, content_type: &str, body: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/tokens/introspect", app.base))
        .header("authorization", authorization)
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    crate::documented::check("post", "/api/v1/tokens/introspect", status, &body, &text);
    (status, body)
}

async fn introspection_takes_rfc_7662_forms_and_basic_credentials(b: Backend) {
    use base64::Engine;
    let (app, ada) = TestApp::acme(b).await;
    let gateway = gateway_token(&ada).await;
    let sa = ada.create_account("deployer", "editor").await;
    let (_, token) = ada.create_token(&sa, "t", &["read", "write"]).await;
    let form = "application/x-www-form-urlencoded";
    let basic = |user: &str, password: &str| {
        let pair = format!("{user}:{password}");
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    };
    let bearer = format!("Bearer {gateway}");

    // The form, with Bearer or with Basic under any user name, answers as JSON does.
    let asked = format!("token={token}&token_type_hint=access_token");
    let (status, by_form) = raw(&app, &bearer, form, &asked).await;
    assert_eq!(status, 200, "{by_form}");
    assert_eq!(by_form["active"], true);
    assert_eq!(by_form["scope"], "read write");
    let json_body = json!({"token": token}).to_string();
    let (_, by_json) = raw(&app, &bearer, "application/json", &json_body).await;
    assert_eq!(by_form, by_json);
    for user in ["api-gateway", "", "anything at all"] {
        let (status, body) = raw(&app, &basic(user, &gateway), form, &asked).await;
        assert_eq!((status, &body), (200, &by_form), "user {user:?}");
    }
    // Any hint is taken; none changes the answer.
    let hinted = format!("token={token}&token_type_hint=refresh_token");
    assert_eq!(
        raw(&app, &bearer, form, &hinted).await,
        (200, by_form.clone())
    );

    // Form mistakes name the parameter.
    for (body, status, field) in [
        ("token_type_hint=access_token".to_string(), 422, "token"),
        (format!("token={token}&token={token}"), 400, "token"),
        (format!("token={token}&client_id=x"), 400, "client_id"),
    ] {
        let (got, answer) = raw(&app, &bearer, form, &body).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    // So do the same mistakes in JSON, which introspection reads itself.
    for (body, status, field) in [
        (
            r#"{"token_type_hint": "access_token"}"#.to_string(),
            422,
            "token",
        ),
        (
            format!(r#"{{"token": "{token}", "token": "{token}"}}"#),
            400,
            "token",
        ),
        (
            format!(r#"{{"token": "{token}", "client_id": "x"}}"#),
            400,
            "client_id",
        ),
        (
            format!(r#"{{"token": "{token}", "token_type_hint": 1}}"#),
            422,
            "token_type_hint",
        ),
    ] {
        let (got, answer) = raw(&app, &bearer, "application/json", &body).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }

    // Wrong credentials are 401 with the challenge of the scheme used; Basic is for
    // introspection only.
    let made_up = app::auth::token_secret::generate().secret;
    for (authorization, challenge) in [
        (basic("api-gateway", &made_up), "Basic"),
        (format!("Bearer {made_up}"), "Bearer"),
    ] {
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/tokens/introspect", app.base))
            .header("authorization", authorization)
            .header("content-type", form)
            .body(asked.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let header = res.headers()["www-authenticate"].to_str().unwrap();
        assert!(header.starts_with(challenge), "{header}");
    }
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/whoami", app.base))
        .header("authorization", basic("x", &gateway))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "Basic is not for the API"
    );
}
