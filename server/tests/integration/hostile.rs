//! The hostile-input corpus (`server/tests/corpus/hostile.json`, plus a few bodies only code
//! can make) sent to every operation the OpenAPI document lists, as an admin's token and as an
//! admin's browser: no answer is a 5xx, every refusal follows the error contract (each reply is
//! checked against the document), nothing in the database changes, and the server still
//! answers afterwards.

use crate::common::{self, Backend, Client, TestApp};
use serde_json::{json, Map, Value};

fn corpus() -> Value {
    let path = common::repository_root().join("server/tests/corpus/hostile.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The corpus's placeholders stand for input too long to keep in a file.
fn expand(value: &Value) -> Value {
    match value.as_str() {
        Some("x-generated-long-string") => json!("a".repeat(100_000)),
        _ => value.clone(),
    }
}

/// Whole bodies: the corpus's, then those only code can make.
fn bodies(corpus: &Value) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = corpus["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let text = b.as_str().unwrap();
            (format!("{text:?}"), text.as_bytes().to_vec())
        })
        .collect();
    all.push((
        "invalid UTF-8".into(),
        b"{\"name\": \"\xff\xfe\xfd\"}".to_vec(),
    ));
    all.push(("NUL bytes".into(), b"{\"name\":\0\"x\"}\0".to_vec()));
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    all.push(("10,000 levels of arrays".into(), deep.into_bytes()));
    let deep = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    all.push(("10,000 levels of objects".into(), deep.into_bytes()));
    all
}

/// Every POST operation of the API with the fields of its request body.
fn operations() -> Vec<(String, Vec<String>)> {
    let doc = server::openapi::document();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("post") else { continue };
        let mut schema = &op["requestBody"]["content"]["application/json"]["schema"];
        if let Some(name) = schema["$ref"].as_str() {
            schema = &doc["components"]["schemas"][name.rsplit('/').next().unwrap()];
        }
        let fields = schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        ops.push((path.clone(), fields));
    }
    assert!(ops.len() > 40, "the document lists the operations");
    ops
}

/// What must not change: every business row, as text, in a fixed order.
async fn fingerprint(app: &TestApp) -> Vec<String> {
    let queries = [
        "SELECT id || '|' || slug || '|' || name || '|' || COALESCE(CAST(max_token_lifetime_days AS TEXT), '') || '|' || COALESCE(webhook_url, '') FROM organizations ORDER BY id",
        "SELECT id || '|' || email || '|' || role || '|' || CAST(disabled AS TEXT) || '|' || COALESCE(password_hash, '') FROM users ORDER BY id",
        "SELECT id || '|' || name || '|' || description || '|' || role || '|' || CAST(disabled AS TEXT) FROM service_accounts ORDER BY id",
        "SELECT id || '|' || name || '|' || scopes || '|' || secret_hash || '|' || COALESCE(CAST(revoked_at AS TEXT), '') || '|' || COALESCE(CAST(expires_at AS TEXT), '') FROM tokens ORDER BY id",
        "SELECT id || '|' || name FROM roles ORDER BY id",
        "SELECT role_id || '|' || permission FROM role_permissions ORDER BY role_id, permission",
        "SELECT id || '|' || name FROM workspaces ORDER BY id",
        "SELECT id || '|' || name FROM groups ORDER BY id",
        "SELECT group_id || '|' || subject_id FROM group_members ORDER BY group_id, subject_id",
        "SELECT id || '|' || role_id FROM role_bindings ORDER BY id",
        "SELECT organization_id || '|' || name FROM permissions ORDER BY organization_id, name",
    ];
    let mut rows = Vec::new();
    for q in queries {
        rows.push(format!("-- {q}"));
        rows.extend(app.texts(q).await);
    }
    rows
}

/// The server's body limit.
const BODY_LIMIT: usize = 64 * 1024;

/// Sends a body over the limit. The server answers before reading such a body and closes the
/// connection, so a client still writing may see the close instead of the answer; either is
/// fine, a 5xx is not. A client of its own, without a connection pool: the closed connection
/// must not be handed to the next request. (It has no cookie jar, so the browser's pass sends
/// it without the session; the limit applies before anything else.)
async fn send_oversized(client: &Client, who: &str, path: &str, what: &str, body: Vec<u8>) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut req = http
        .post(format!("{}{path}", client.base))
        .header("content-type", "application/json")
        .body(body);
    if let Some(o) = &client.origin {
        req = req.header("origin", o);
    }
    if let Some(t) = &client.bearer {
        req = req.bearer_auth(t);
    }
    match req.send().await {
        Ok(res) => assert!(
            res.status().as_u16() < 500,
            "{who} {path} with {what}: {}",
            res.status()
        ),
        Err(e) => assert!(
            e.is_request() || e.is_body(),
            "{who} {path} with {what}: {e}"
        ),
    }
}

/// Sends `body` and fails on a 5xx. (`Client` checks every reply against the document.)
async fn send(client: &Client, who: &str, path: &str, what: &str, body: Vec<u8>) {
    if body.len() > BODY_LIMIT {
        return send_oversized(client, who, path, what, body).await;
    }
    let reply = client.post_bytes(path, body).await;
    assert!(
        reply.status.as_u16() < 500,
        "{who} {path} with {what}: {} {}",
        reply.status,
        reply.text
    );
}

async fn hostile_input_changes_nothing_and_breaks_nothing(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let sa = ada.create_account("ci-deploy", "admin").await;
    let (_, secret) = ada.create_token(&sa, "deploy", &["read", "write"]).await;
    ada.post("/api/v1/workspaces/create", json!({"name": "prod"}))
        .await;
    ada.post("/api/v1/groups/create", json!({"name": "ops"}))
        .await;
    let script = app.script(&secret);
    let before = fingerprint(&app).await;

    let corpus = corpus();
    let bodies = bodies(&corpus);
    let values: Vec<Value> = corpus["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(expand)
        .collect();
    let mut sent = 0;
    for (path, fields) in operations() {
        // Signing out would end the browser's session; the token's pass covers the operation.
        let callers: Vec<(&str, &Client)> = if path == "/api/v1/auth/logout" {
            vec![("token", &script)]
        } else {
            vec![("token", &script), ("browser", &ada)]
        };
        for (who, client) in callers {
            for (what, body) in &bodies {
                send(client, who, &path, what, body.clone()).await;
                sent += 1;
            }
            send(client, who, &path, "1 MiB", vec![b'['; 1 << 20]).await;
            sent += 1;
            for field in &fields {
                for value in &values {
                    let mut body = Map::new();
                    body.insert(field.clone(), value.clone());
                    let what = format!(
                        "{field} = {}",
                        value.to_string().chars().take(60).collect::<String>()
                    );
                    send(
                        client,
                        who,
                        &path,
                        &what,
                        Value::Object(body).to_string().into_bytes(),
                    )
                    .await;
                    sent += 1;
                }
            }
        }
    }
    for header in corpus["authorization"].as_array().unwrap() {
        let header = match header.as_str().unwrap() {
            "Bearer x-generated-long-token" => format!("Bearer stw_{}", "A".repeat(10_000)),
            h => h.to_string(),
        };
        for path in ["/api/v1/auth/whoami", "/api/v1/service-accounts/list"] {
            let reply = app
                .anonymous()
                .with_header("authorization", &header)
                .post(path, json!({}))
                .await;
            assert!(
                matches!(reply.status.as_u16(), 401 | 429),
                "{path} with Authorization {:?}: {} {}",
                header.chars().take(60).collect::<String>(),
                reply.status,
                reply.text
            );
            sent += 1;
        }
    }
    assert!(
        sent >= 300,
        "the corpus makes at least 300 requests ({sent})"
    );
    eprintln!("hostile corpus: {sent} requests");

    assert_eq!(
        fingerprint(&app).await,
        before,
        "hostile input changed the database"
    );
    assert_eq!(app.anonymous().get("/healthz").await.status, 200);
    let me = script.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(me.status, 200, "{}", me.text);
    let me = ada.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(me.status, 200, "{}", me.text);
}

on_both_databases!(hostile_input_changes_nothing_and_breaks_nothing);
