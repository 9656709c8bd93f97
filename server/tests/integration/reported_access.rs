//! What Steward reports a token may do is what it then allows: after random changes to an
//! account's role, its bindings (organization-wide and per workspace), its groups, the roles
//! themselves and its tokens' caps and secrets, `whoami` and introspection must report exactly
//! the permissions `/auth/verify` and the API enforce, for every permission and every place,
//! with the credential cache on and off.
//!
//! The changes are random; the seed is printed, and `STEWARD_PROPERTY_SEED=<n>` replays it.

use crate::common::{Backend, Client, Settings, TestApp};
use crate::verification::{gateway, verify};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

on_both_databases!(reported_permissions_are_the_enforced_ones);

/// Changes per run, each followed by a full comparison.
const STEPS: usize = 12;
const APPLICATION: [&str; 2] = ["deploy:production", "repo:read"];
const WORKSPACES: [&str; 2] = ["prod", "staging"];
const CUSTOM_ROLES: [&str; 3] = ["deployer", "auditor", "minter"];

async fn ok(client: &Client, path: &str, body: Value) -> Value {
    let r = client.post(path, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{path} {body}: {r:?}");
    r.body
}

/// Every permission there is in the test's organization.
fn every_permission() -> Vec<String> {
    app::domain::Permission::ALL
        .iter()
        .map(|p| p.as_str().to_string())
        .chain(APPLICATION.iter().map(|p| p.to_string()))
        .collect()
}

/// A random subset of what a custom role may hold, never empty (a role holds something).
fn random_permissions(rng: &mut StdRng) -> Vec<String> {
    let all = every_permission();
    let first = all[rng.random_range(0..all.len())].clone();
    let mut some: Vec<String> = all.into_iter().filter(|_| rng.random_bool(0.3)).collect();
    if !some.contains(&first) {
        some.push(first);
    }
    some
}

/// What a report says is allowed, as `(permission, place)` pairs; `place` is `None` for the
/// organization. A workspace the report does not list allows what the organization does.
fn reported(permissions: &Value, workspaces: &Value) -> BTreeSet<(String, Option<String>)> {
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect()
    };
    let org = names(permissions);
    let mut out: BTreeSet<_> = org.iter().map(|p| (p.clone(), None)).collect();
    for w in WORKSPACES {
        let here = match workspaces.get(w) {
            Some(list) => names(list),
            None => org.clone(),
        };
        out.extend(here.into_iter().map(|p| (p, Some(w.to_string()))));
    }
    out
}

/// What `/auth/verify` allows the token, tried permission by permission, place by place.
async fn enforced(app: &TestApp, secret: &str) -> BTreeSet<(String, Option<String>)> {
    let mut out = BTreeSet::new();
    for permission in every_permission() {
        for place in [None, Some("prod"), Some("staging")] {
            let query = match place {
                None => format!("?permission={permission}"),
                Some(w) => format!("?permission={permission}&workspace={w}"),
            };
            let status = verify(app, secret, &query).await.status();
            assert!(
                status == StatusCode::OK || status == StatusCode::FORBIDDEN,
                "{query}: {status}"
            );
            if status == StatusCode::OK {
                out.insert((permission.clone(), place.map(str::to_string)));
            }
        }
    }
    out
}

/// Compares report and enforcement for one token; `what` names it in a failure.
async fn compare(app: &TestApp, gateway: &Client, secret: &str, what: &str) {
    let who = app
        .script(secret)
        .post("/api/v1/auth/whoami", json!({}))
        .await;
    assert_eq!(who.status, StatusCode::OK, "{what}: {who:?}");
    let principal = &who.body["principal"];
    let said = reported(&principal["permissions"], &principal["workspaces"]);
    let done = enforced(app, secret).await;
    let told_not_done: Vec<_> = said.difference(&done).collect();
    let done_not_told: Vec<_> = done.difference(&said).collect();
    assert!(
        told_not_done.is_empty() && done_not_told.is_empty(),
        "{what}: reported but refused {told_not_done:?}; allowed but not reported {done_not_told:?}"
    );
    let facts = gateway
        .post("/api/v1/tokens/introspect", json!({"token": secret}))
        .await
        .body;
    assert_eq!(facts["active"], true, "{what}: {facts}");
    assert_eq!(
        reported(&facts["permissions"], &facts["workspaces"]),
        said,
        "{what}: introspection and whoami disagree"
    );
    // Steward's own API enforces the same for the operations a check may make freely.
    for (permission, path) in [
        ("service_accounts:read", "/api/v1/service-accounts/list"),
        ("audit:read", "/api/v1/audit/list"),
        ("settings:read", "/api/v1/settings/get"),
    ] {
        let status = app.script(secret).post(path, json!({})).await.status;
        let allowed = said.contains(&(permission.to_string(), None));
        assert_eq!(
            status == StatusCode::OK,
            allowed,
            "{what}: {path} answered {status}, reported {allowed}"
        );
    }
}

async fn reported_permissions_are_the_enforced_ones(b: Backend) {
    let seed: u64 = std::env::var("STEWARD_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("reported_permissions_are_the_enforced_ones: STEWARD_PROPERTY_SEED={seed}");
    for cache in [false, true] {
        let settings = Settings {
            credential_cache: cache,
            ..Settings::default()
        };
        let app = TestApp::spawn_with(b.clone(), settings).await;
        app.admin("acme", "ada@acme.test").await;
        app.member("ada@acme.test", "ed@acme.test", "editor").await;
        run(&app, StdRng::seed_from_u64(seed), seed, cache).await;
    }
}

async fn run(app: &TestApp, mut rng: StdRng, seed: u64, cache: bool) {
    let ada = app.signed_in("ada@acme.test").await;
    let ed = app.signed_in("ed@acme.test").await;
    for p in APPLICATION {
        ok(&ada, "/api/v1/permissions/declare", json!({"name": p})).await;
    }
    for w in WORKSPACES {
        ok(&ada, "/api/v1/workspaces/create", json!({"name": w})).await;
    }
    for role in CUSTOM_ROLES {
        let permissions = random_permissions(&mut rng);
        ok(
            &ada,
            "/api/v1/roles/create",
            json!({"name": role, "permissions": permissions}),
        )
        .await;
    }
    ok(&ada, "/api/v1/groups/create", json!({"name": "crew"})).await;
    let gateway = gateway(app, &ada).await;
    let sa = ada.create_account("subject", "editor").await;
    // The tokens under test: wide, read-only, write-only, narrowed, and one an editor minted.
    let mut tokens: Vec<(String, String, String)> = Vec::new();
    for (name, body) in [
        ("wide", json!({"scopes": ["read", "write"]})),
        ("reader", json!({"scopes": ["read"]})),
        ("writer", json!({"scopes": ["write"]})),
        (
            "narrowed",
            json!({"permissions": ["service_accounts:read", "tokens:write"], "workspaces": ["prod"]}),
        ),
    ] {
        let mut body = body;
        body["service_account_id"] = json!(sa);
        body["name"] = json!(name);
        let r = ok(&ada, "/api/v1/tokens/create", body).await;
        tokens.push((
            name.to_string(),
            r["token"]["id"].as_str().unwrap().to_string(),
            r["secret"].as_str().unwrap().to_string(),
        ));
    }
    let r = ed
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "by-editor"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    tokens.push((
        "by-editor".into(),
        r.body["token"]["id"].as_str().unwrap().to_string(),
        r.body["secret"].as_str().unwrap().to_string(),
    ));

    let mut bindings: Vec<String> = Vec::new();
    // A secret replaced with a grace period, and the token it belongs to.
    let mut old_secret: Option<(usize, String)> = None;
    for step in 0..=STEPS {
        let change = if step == 0 {
            "nothing yet".to_string()
        } else {
            change(
                &ada,
                &ed,
                &sa,
                &mut rng,
                &mut bindings,
                &mut tokens,
                &mut old_secret,
            )
            .await
        };
        let context = format!("seed {seed}, cache {cache}, step {step} ({change})");
        for (name, _, secret) in &tokens {
            compare(app, &gateway, secret, &format!("{context}, token {name}")).await;
        }
        if let Some((_, old)) = &old_secret {
            compare(app, &gateway, old, &format!("{context}, replaced secret")).await;
        }
    }
}

/// Makes one random change; says which (a refused change changes nothing, and says so).
#[allow(clippy::too_many_arguments)]
async fn change(
    ada: &Client,
    ed: &Client,
    sa: &str,
    rng: &mut StdRng,
    bindings: &mut Vec<String>,
    tokens: &mut [(String, String, String)],
    old_secret: &mut Option<(usize, String)>,
) -> String {
    let subject = json!({"type": "service_account", "id": sa});
    match rng.random_range(0..7) {
        0 => {
            let role = ["viewer", "editor", "admin"][rng.random_range(0..3)];
            ok(
                ada,
                "/api/v1/service-accounts/update",
                json!({"id": sa, "role": role}),
            )
            .await;
            format!("account role {role}")
        }
        1 => {
            let role = CUSTOM_ROLES[rng.random_range(0..CUSTOM_ROLES.len())];
            let place = [None, Some("prod"), Some("staging")][rng.random_range(0..3)];
            let r = ada
                .post(
                    "/api/v1/bindings/grant",
                    json!({"subject": subject, "role": role, "workspace": place}),
                )
                .await;
            if r.status == StatusCode::OK {
                bindings.push(r.body["binding"]["id"].as_str().unwrap().to_string());
            }
            format!("grant {role} in {place:?}: {}", r.status)
        }
        2 if !bindings.is_empty() => {
            let id = bindings.remove(rng.random_range(0..bindings.len()));
            ok(ada, "/api/v1/bindings/revoke", json!({"id": id})).await;
            format!("revoke {id}")
        }
        3 => {
            let add = rng.random_bool(0.5);
            let path = if add { "add-members" } else { "remove-members" };
            ok(
                ada,
                &format!("/api/v1/groups/{path}"),
                json!({"id": "crew", "service_account_ids": [sa]}),
            )
            .await;
            let role = CUSTOM_ROLES[rng.random_range(0..CUSTOM_ROLES.len())];
            let place = [None, Some("prod"), Some("staging")][rng.random_range(0..3)];
            let r = ada
                .post(
                    "/api/v1/bindings/grant",
                    json!({"subject": {"type": "group", "id": "crew"}, "role": role, "workspace": place}),
                )
                .await;
            format!("{path}, crew gets {role} in {place:?}: {}", r.status)
        }
        4 => {
            let role = CUSTOM_ROLES[rng.random_range(0..CUSTOM_ROLES.len())];
            let permissions = random_permissions(rng);
            ok(
                ada,
                "/api/v1/roles/update",
                json!({"id": role, "permissions": permissions}),
            )
            .await;
            format!("{role} now holds {permissions:?}")
        }
        5 => {
            // A refresh by the editor lowers the token's cap to what the editor could mint.
            let i = rng.random_range(0..tokens.len());
            let r = ed
                .post("/api/v1/tokens/refresh", json!({"id": tokens[i].1}))
                .await;
            if r.status == StatusCode::OK {
                tokens[i].2 = r.body["secret"].as_str().unwrap().to_string();
                // Without a grace period the previous secret, if any, is gone.
                if old_secret.as_ref().is_some_and(|(j, _)| *j == i) {
                    *old_secret = None;
                }
            }
            format!("editor refreshes {}: {}", tokens[i].0, r.status)
        }
        _ => {
            // A refresh with a grace period: the old secret holds less until the period ends.
            let i = rng.random_range(0..tokens.len());
            let r = ok(
                ada,
                "/api/v1/tokens/refresh",
                json!({"id": tokens[i].1, "grace_seconds": 3600}),
            )
            .await;
            let old =
                std::mem::replace(&mut tokens[i].2, r["secret"].as_str().unwrap().to_string());
            *old_secret = Some((i, old));
            format!("refresh {} with a grace period", tokens[i].0)
        }
    }
}
