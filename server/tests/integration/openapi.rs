//! The OpenAPI document and the reference page: every operation the server has is in it, it is
//! served as built, its references resolve, its examples are bodies the server takes, and the
//! permission it names for each operation is the one the server asks for. (That every answer
//! matches its schema is checked on every request of the suite, in `documented.rs`.)

use crate::common::{Backend, Client, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

on_both_databases!(each_operation_asks_for_the_permission_it_documents);

/// The plain axum routes, which are not server functions.
const PLAIN: [(&str, &str); 12] = [
    ("post", "/api/v1/tokens/introspect"),
    ("post", "/api/v1/tokens/report-leak"),
    ("get", "/api/v1/leaks/gitlab/revocable_token_types"),
    ("post", "/api/v1/leaks/gitlab/revoke_tokens"),
    ("post", "/oauth/token"),
    ("get", "/api/v1/audit/export"),
    ("post", "/api/v1/audit/export"),
    ("get", "/auth/verify"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/api/v1/openapi.json"),
];

fn doc() -> &'static Value {
    server::openapi::document()
}

fn operations() -> Vec<(String, String, &'static Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc()["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((method.clone(), path.clone(), op));
        }
    }
    ops
}

#[test]
fn every_operation_the_server_has_is_documented_and_nothing_else() {
    let mut served: BTreeSet<(String, String)> = server_fn::axum::server_fn_paths()
        .map(|(path, method)| (method.as_str().to_lowercase(), path.to_string()))
        .collect();
    assert!(
        served.len() >= 50,
        "server functions registered: {served:?}"
    );
    served.extend(PLAIN.iter().map(|(m, p)| (m.to_string(), p.to_string())));
    let documented: BTreeSet<(String, String)> =
        operations().into_iter().map(|(m, p, _)| (m, p)).collect();
    let missing: Vec<_> = served.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "not in the OpenAPI document: {missing:?}"
    );
    assert!(extra.is_empty(), "documented but not served: {extra:?}");
}

#[test]
fn every_reference_resolves_and_every_operation_says_what_it_needs() {
    let d = doc();
    assert_eq!(d["openapi"], "3.1.0");
    let text = d.to_string();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let target = reference.split('"').next().unwrap();
        let pointer = target.trim_start_matches('#');
        assert!(d.pointer(pointer).is_some(), "dangling reference {target}");
    }
    let tags: Vec<&str> = d["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let mut ids = BTreeSet::new();
    for (method, path, op) in operations() {
        let id = op["operationId"].as_str().unwrap();
        assert!(ids.insert(id.to_string()), "operationId {id} twice");
        assert!(
            tags.contains(&op["tags"][0].as_str().unwrap()),
            "{path}: unknown tag"
        );
        assert!(
            !op["summary"].as_str().unwrap().is_empty(),
            "{method} {path}: no summary"
        );
        assert!(
            op.get("x-steward-permission").is_some(),
            "{path}: no permission"
        );
        assert!(
            op["responses"].get("200").is_some() || op["responses"].get("204").is_some(),
            "{path}: no success answer"
        );
        if let Some(p) = op["x-steward-permission"].as_str() {
            assert!(
                app::domain::Permission::parse(p).is_some(),
                "{path}: unknown permission {p}"
            );
        }
    }
}

#[test]
fn every_example_is_a_body_its_schema_takes() {
    for (method, path, op) in operations() {
        let Some(json) = op.pointer("/requestBody/content/application~1json") else {
            continue;
        };
        let schema = &json["schema"];
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "allOf": [schema],
            "components": doc()["components"],
        });
        let validator = jsonschema::draft202012::new(&root).expect("schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(&json["example"])
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path}: example refused: {errors:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_and_the_reference_page_are_served_to_anyone() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let anyone = app.anonymous();
    let r = anyone.get("/api/v1/openapi.json").await;
    r.assert_status(StatusCode::OK);
    assert_eq!(&r.body, doc());

    let r = anyone.get("/api/reference").await;
    r.assert_status(StatusCode::OK);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r
        .header("content-security-policy")
        .unwrap()
        .contains("style-src 'self'"));
    for (method, path, _) in operations() {
        let id = format!("{method}-{path}").replace(|c: char| !c.is_ascii_alphanumeric(), "-");
        assert!(
            r.text.contains(&format!("id=\"{id}\"")),
            "{method} {path} not on the page"
        );
    }
    assert!(
        !r.text.contains("<script"),
        "the reference page runs no script"
    );
    let css = anyone.get("/api/reference.css").await;
    css.assert_status(StatusCode::OK);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
}

/// A token narrowed to one unrelated permission calls each operation with its documented
/// example: the server must refuse it naming exactly the permission the document names (or, for
/// people-only operations, refuse the token outright).
async fn each_operation_asks_for_the_permission_it_documents(b: Backend) {
    let app = TestApp::spawn(b)
        .await
        .with_admin("acme", "ada@example.com")
        .await;
    let ada = app.signed_in("ada@example.com").await;
    let sa = ada.create_account("probe", "admin").await;
    let narrowed = |permission: &'static str| {
        let ada = &ada;
        let sa = sa.clone();
        async move {
            let r = ada
                .post(
                    "/api/v1/tokens/create",
                    json!({"service_account_id": sa, "name": permission.replace(':', "-"),
                           "scopes": ["read", "write"], "permissions": [permission]}),
                )
                .await;
            r.assert_status(StatusCode::OK);
            r.body["secret"].as_str().unwrap().to_string()
        }
    };
    let introspect_only = app.script(&narrowed("tokens:introspect").await);
    let read_only = app.script(&narrowed("service_accounts:read").await);
    let mut checked = 0;
    for (method, path, op) in operations() {
        let Some(example) = op.pointer("/requestBody/content/application~1json/example") else {
            continue;
        };
        if method != "post" || !path.starts_with("/api/v1/") || path.ends_with("audit/export") {
            continue;
        }
        let people_only = op["x-steward-people-only"].as_bool().unwrap();
        let Some(permission) = op["x-steward-permission"].as_str() else {
            continue;
        };
        let caller: &Client = if permission == "tokens:introspect" {
            &read_only
        } else {
            &introspect_only
        };
        let r = caller.post(&path, example.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {r:?}");
        if !people_only {
            assert!(
                r.error_message().contains(&format!("'{permission}'")),
                "{path} documents {permission} but the server said: {}",
                r.error_message()
            );
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} operations checked");
}
