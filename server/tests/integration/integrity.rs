//! Data integrity: concurrent admins and edits, partial settings updates, a stop signal that
//! loses no last-used record, the migration that keeps every token's power, email addresses
//! per organization, and what every API answer carries.

use crate::common::{self, fresh_database, Backend, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

on_both_databases!(
    two_admins_demoting_each_other_leave_one_admin,
    concurrent_edits_do_not_revert_each_other,
    settings_updates_are_partial_and_audited_with_old_and_new,
    a_stop_signal_finishes_and_flushes_last_used,
    upgrading_keeps_every_token_at_its_power,
    emails_are_unique_per_organization_and_invites_reveal_nothing,
    api_answers_are_not_cacheable,
    the_audit_export_streams_every_record,
);

async fn id_of(client: &common::Client) -> String {
    let r = client.post("/api/v1/auth/whoami", json!({})).await;
    r.body["principal"]["id"].as_str().unwrap().to_string()
}

async fn two_admins_demoting_each_other_leave_one_admin(b: Backend) {
    let app = TestApp::spawn(b).await;
    // Four rounds of two sign-ins stay within the per-address sign-in limit.
    for round in 0..4 {
        let (a, c) = (format!("a{round}@acme.test"), format!("c{round}@acme.test"));
        let org = format!("org{round}");
        app.admin(&org, &a).await;
        app.member(&a, &c, "admin").await;
        let a_client = app.signed_in(&a).await;
        let c_client = app.signed_in(&c).await;
        let (a_id, c_id) = (id_of(&a_client).await, id_of(&c_client).await);
        let (r1, r2) = tokio::join!(
            a_client.post(
                "/api/v1/members/update",
                json!({"id": c_id, "role": "viewer"})
            ),
            c_client.post(
                "/api/v1/members/update",
                json!({"id": a_id, "role": "viewer"})
            ),
        );
        let ok = [&r1, &r2]
            .iter()
            .filter(|r| r.status == StatusCode::OK)
            .count();
        assert!(
            ok <= 1,
            "round {round}: both demotions succeeded: {r1:?} {r2:?}"
        );
        let admins = app
            .count(&format!(
                "SELECT COUNT(*) FROM users u JOIN organizations o ON o.id = u.organization_id \
                 WHERE o.slug = '{org}' AND u.role = 'admin' AND u.disabled = FALSE"
            ))
            .await;
        assert!(
            admins >= 1,
            "round {round}: the organization lost its last admin"
        );
    }
}

async fn concurrent_edits_do_not_revert_each_other(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let other = app.signed_in("ada@acme.test").await;
    let sa = ada.create_account("bot", "viewer").await;
    for round in 0..8 {
        let name = format!("bot-{round}");
        let description = format!("round {round}");
        let (r1, r2) = tokio::join!(
            ada.post(
                "/api/v1/service-accounts/update",
                json!({"id": sa, "name": name})
            ),
            other.post(
                "/api/v1/service-accounts/update",
                json!({"id": sa, "description": description})
            ),
        );
        assert_eq!((r1.status, r2.status), (StatusCode::OK, StatusCode::OK));
        let now = ada
            .post("/api/v1/service-accounts/get", json!({"id": sa}))
            .await;
        assert_eq!(now.body["service_account"]["name"], name.as_str());
        assert_eq!(
            now.body["service_account"]["description"],
            description.as_str()
        );
    }
}

async fn settings_updates_are_partial_and_audited_with_old_and_new(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let update = |body: Value| ada.post("/api/v1/settings/update", body);
    let hook = "https://hooks.example.com/services/T000/B000/secret-part";
    let r = update(json!({"max_token_lifetime_days": 90, "webhook_url": hook})).await;
    r.assert_status(StatusCode::OK);
    // A field left out stays; only what was sent changes. The URL's path is never sent back.
    let r = update(json!({"max_token_lifetime_days": 30})).await;
    assert_eq!(r.body["settings"]["max_token_lifetime_days"], 30);
    assert_eq!(
        r.body["settings"]["webhook_origin"],
        "https://hooks.example.com"
    );
    assert_eq!(r.body["settings"]["webhook_url_set"], true);
    let r = update(json!({})).await;
    assert_eq!(r.body["settings"]["max_token_lifetime_days"], 30);
    assert_eq!(r.body["settings"]["webhook_url_set"], true);
    assert!(!r.text.contains("secret-part"), "{r:?}");
    let r = ada.post("/api/v1/settings/get", json!({})).await;
    assert_eq!(
        r.body["settings"]["webhook_origin"],
        "https://hooks.example.com"
    );
    assert!(
        !r.text.contains("secret-part") && !r.text.contains("/services/"),
        "{r:?}"
    );
    let r = update(json!({"webhook_url": null})).await;
    assert!(r.body["settings"].get("webhook_origin").is_none(), "{r:?}");
    assert_eq!(r.body["settings"]["webhook_url_set"], false);
    assert_eq!(r.body["settings"]["max_token_lifetime_days"], 30);

    let r = ada
        .post("/api/v1/audit/list", json!({"action": "settings.update"}))
        .await;
    assert_eq!(
        r.body["total"], 3,
        "an update that changes nothing is not recorded"
    );
    let details = app
        .texts("SELECT details FROM audit_events WHERE action = 'settings.update' ORDER BY at, id")
        .await
        .join("\n");
    assert!(
        details.contains(r#""max_token_lifetime_days":{"new":30,"old":90}"#),
        "old and new values are audited: {details}"
    );
    assert!(details.contains("https://hooks.example.com/…"), "{details}");
    assert!(
        !details.contains("secret-part"),
        "a webhook URL's path is not audited"
    );
}

/// A free port on loopback for a server process.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn a_stop_signal_finishes_and_flushes_last_used(b: Backend) {
    let (url, _) = fresh_database(b).await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let site = common::site_with(common::SITE_FILES);
    let command = |args: &[&str]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
        c.args(args)
            .env("STEWARD_DATABASE_URL", &url)
            .env("LEPTOS_OUTPUT_NAME", "steward")
            .env("LEPTOS_SITE_ROOT", &site)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            // Only the flush at shutdown can write the last-used time.
            .env("STEWARD_USAGE_FLUSH_SECS", "3600")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    let mut create = command(&[
        "admin",
        "create",
        "--org",
        "acme",
        "--email",
        "ada@acme.test",
        "--password-stdin",
    ])
    .spawn()
    .unwrap();
    {
        use std::io::Write;
        create
            .stdin
            .take()
            .unwrap()
            .write_all(PASSWORD.as_bytes())
            .unwrap();
    }
    assert!(create.wait().unwrap().success());
    let mut server = command(&["serve"]).spawn().unwrap();
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    for _ in 0..100 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let post = |path: &str, body: Value, bearer: Option<&str>| {
        let mut req = http
            .post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .header("origin", &base)
            .body(body.to_string());
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let login = json!({"email": "ada@acme.test", "password": PASSWORD});
    assert!(post("/api/v1/auth/login", login, None)
        .await
        .unwrap()
        .status()
        .is_success());
    let r: Value = post(
        "/api/v1/service-accounts/create",
        json!({"name": "ci", "role": "viewer"}),
        None,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let sa = r["service_account"]["id"].as_str().unwrap().to_string();
    let r: Value = post(
        "/api/v1/tokens/create",
        json!({"service_account_id": sa, "name": "t"}),
        None,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let secret = r["secret"].as_str().unwrap().to_string();
    let used = post("/api/v1/auth/whoami", json!({}), Some(&secret))
        .await
        .unwrap();
    assert_eq!(used.status(), StatusCode::OK);

    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");

    let app = TestApp::spawn_on(&url).await;
    let ada = app.signed_in("ada@acme.test").await;
    let r = ada
        .post("/api/v1/tokens/list", json!({"service_account_id": sa}))
        .await;
    assert!(
        r.body["items"][0]["last_used_at"].is_string(),
        "the use before the stop was written: {r:?}"
    );
}

/// The migrations of one dialect up to and including `version`, copied to a new directory.
fn migrations_up_to(dialect: &str, version: u32) -> std::path::PathBuf {
    let source = crate::common::repository_root()
        .join("app/migrations")
        .join(dialect);
    let dir = std::env::temp_dir().join(format!(
        "steward-migrations-{dialect}-{}",
        app::auth::random::base62(8)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name[..4].parse::<u32>().unwrap() <= version {
            std::fs::copy(&path, dir.join(name)).unwrap();
        }
    }
    dir
}

async fn upgrading_keeps_every_token_at_its_power(b: Backend) {
    let (url, _) = fresh_database(b).await;
    let db = app::store::Db::connect(&url).await.unwrap();
    // Real secrets, so the upgraded server can be asked what each token may do.
    let secrets: Vec<_> = (0..3)
        .map(|_| app::auth::token_secret::generate())
        .collect();
    let tokens_sql = format!(
        "INSERT INTO tokens (id, organization_id, service_account_id, name, scopes, secret_hash, hint, created_by, created_at) \
         VALUES ('t_v', 'org_1', 'sa_v', 't', 'read', '{}', 'stw_…', 'x', 0), ('t_e', 'org_1', 'sa_e', 't', 'read,write', '{}', 'stw_…', 'x', 0), \
                ('t_a', 'org_1', 'sa_a', 't', 'read,write', '{}', 'stw_…', 'x', 0)",
        secrets[0].hash, secrets[1].hash, secrets[2].hash
    );
    // The single-role schema as released, with data in it.
    let legacy = [
        "INSERT INTO organizations (id, slug, name, created_at) VALUES ('org_1', 'acme', 'Acme', 0)",
        "INSERT INTO users (id, organization_id, email, name, password_hash, role, created_at, updated_at) \
         VALUES ('usr_1', 'org_1', 'ada@acme.test', 'Ada', NULL, 'admin', 0, 0)",
        "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at) VALUES ('s1', 'usr_1', 0, 0, 9999999999999)",
        "INSERT INTO setup_links (id_hash, purpose, user_id, created_at, expires_at) VALUES ('l1', 'invite', 'usr_1', 0, 9999999999999)",
        "INSERT INTO service_accounts (id, organization_id, name, role, created_by, created_at, updated_at) \
         VALUES ('sa_v', 'org_1', 'v', 'viewer', 'x', 0, 0), ('sa_e', 'org_1', 'e', 'editor', 'x', 0, 0), ('sa_a', 'org_1', 'a', 'admin', 'x', 0, 0)",
        tokens_sql.as_str(),
    ];
    match &db {
        app::store::Db::Sqlite(p, _) => {
            let m = sqlx::migrate::Migrator::new(migrations_up_to("sqlite", 2))
                .await
                .unwrap();
            m.run(p).await.unwrap();
            for sql in legacy {
                sqlx::query(sql).execute(p).await.unwrap();
            }
        }
        app::store::Db::Postgres(p, _) => {
            let m = sqlx::migrate::Migrator::new(migrations_up_to("postgres", 2))
                .await
                .unwrap();
            m.run(p).await.unwrap();
            for sql in legacy {
                sqlx::query(sql).execute(p).await.unwrap();
            }
        }
    }
    db.migrate().await.unwrap();
    let app = TestApp::spawn_on(&url).await;
    for (token, cap) in [("t_v", "viewer"), ("t_e", "editor"), ("t_a", "admin")] {
        let n = app
            .count(&format!(
                "SELECT COUNT(*) FROM tokens WHERE id = '{token}' AND role_cap = '{cap}'"
            ))
            .await;
        assert_eq!(
            n, 1,
            "{token} keeps the power of its account's role ({cap})"
        );
    }
    // Each token can do exactly what its account's role allowed before the access model.
    let expected: [&[&str]; 3] = [
        &["service_accounts:read"],
        &[
            "service_accounts:read",
            "service_accounts:write",
            "tokens:write",
        ],
        &[
            "audit:read",
            "groups:write",
            "members:read",
            "members:write",
            "roles:write",
            "service_accounts:read",
            "service_accounts:write",
            "settings:read",
            "settings:write",
            "tokens:introspect",
            "tokens:write",
            "workspaces:write",
        ],
    ];
    for ((secret, want), role) in secrets
        .iter()
        .zip(expected)
        .zip(["viewer", "editor", "admin"])
    {
        let r = app
            .script(&secret.secret)
            .post("/api/v1/auth/whoami", json!({}))
            .await;
        assert_eq!(r.body["principal"]["role"], role, "{r:?}");
        assert_eq!(r.body["principal"]["permissions"], json!(want), "{role}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions").await,
        1,
        "sessions survive"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM setup_links").await,
        1,
        "links survive"
    );
}

async fn emails_are_unique_per_organization_and_invites_reveal_nothing(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let gus = app.globex().await;
    let invite = |email: &str| {
        gus.post(
            "/api/v1/members/invite",
            json!({"email": email, "name": "Someone", "role": "viewer"}),
        )
    };
    // Ada exists in Acme; for Globex's admin her address is like any new one.
    let existing = invite("ada@acme.test").await;
    let fresh = invite("nobody@acme.test").await;
    existing.assert_status(StatusCode::OK);
    fresh.assert_status(StatusCode::OK);
    let r = invite("ada@acme.test").await;
    assert_eq!((r.status, r.error_field()), (StatusCode::CONFLICT, "email"));

    // Ada accepts Globex's invitation with the same password: now her address is in two
    // organizations, and signing in asks which one.
    let link = existing.body["setup_url"].as_str().unwrap();
    let secret = link.split("invite=").nth(1).unwrap();
    let r = app
        .browser()
        .post(
            "/api/v1/setup/accept-invite",
            json!({"token": secret, "password": PASSWORD}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let c = app.browser();
    let r = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "ada@acme.test", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "organization")
    );
    let r = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "ada@acme.test", "password": PASSWORD, "organization": "globex"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let who = c.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(who.body["principal"]["organization"]["slug"], "globex");
    assert_eq!(who.body["principal"]["role"], "viewer");

    // However many organizations an email is in, a sign-in costs one password hash.
    for org in ["initech", "hooli", "umbrella"] {
        app.admin(org, "ada@acme.test").await;
    }
    let hashes = || app.state.passwords.computed();
    for (password, organization, status) in [
        (
            "a wrong password, long enough",
            None,
            StatusCode::UNAUTHORIZED,
        ),
        (PASSWORD, None, StatusCode::UNPROCESSABLE_ENTITY),
        (
            "a wrong password, long enough",
            Some("hooli"),
            StatusCode::UNAUTHORIZED,
        ),
        (PASSWORD, Some("hooli"), StatusCode::OK),
    ] {
        let before = hashes();
        let r = app
            .browser()
            .post(
                "/api/v1/auth/login",
                json!({"email": "ada@acme.test", "password": password, "organization": organization}),
            )
            .await;
        assert_eq!(r.status, status, "{organization:?}: {r:?}");
        assert_eq!(
            hashes() - before,
            1,
            "{organization:?}: one hash per sign-in"
        );
    }
}

async fn api_answers_are_not_cacheable(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let sa = ada.create_account("ci", "viewer").await;
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": sa, "name": "t"}),
        )
        .await;
    assert_eq!(
        r.header("cache-control"),
        Some("no-store"),
        "a secret is in it"
    );
    for r in [
        ada.post("/api/v1/service-accounts/list", json!({})).await,
        app.anonymous().post("/api/v1/auth/whoami", json!({})).await,
        ada.post("/api/v1/no-such-operation", json!({})).await,
    ] {
        assert_eq!(r.header("cache-control"), Some("no-store"), "{r:?}");
    }
}

async fn the_audit_export_streams_every_record(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    app.member("ada@acme.test", "mallory@acme.test", "editor")
        .await;
    app.execute("UPDATE users SET name = '=HYPERLINK(\"http://evil.example\")' WHERE email = 'mallory@acme.test'")
        .await;
    let mallory = app.signed_in("mallory@acme.test").await;
    mallory.create_account("formula", "viewer").await;
    // More records than several export batches hold.
    let org_id = app
        .state
        .db
        .users_by_email("ada@acme.test")
        .await
        .unwrap()
        .remove(0)
        .organization_id;
    let mut tx = app.state.db.begin().await.unwrap();
    for i in 0..1234 {
        tx.insert_audit(&app::store::NewAuditEvent {
            id: format!("aud_bulk_{i:05}"),
            organization_id: Some(org_id.clone()),
            at: 1_000 + (i % 7),
            actor_kind: "system".into(),
            actor_name: "bulk".into(),
            action: "bulk.test".into(),
            outcome: "success".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let ada = app.signed_in("ada@acme.test").await;
    let r = ada
        .get("/api/v1/audit/export?format=jsonl&action=bulk.test")
        .await;
    r.assert_status(StatusCode::OK);
    let ids: std::collections::HashSet<String> = r
        .text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1234, "every record exactly once across batches");
    let total = ada.post("/api/v1/audit/list", json!({})).await.body["total"]
        .as_u64()
        .unwrap() as usize;
    assert!(total > 1234);
    let r = ada.get("/api/v1/audit/export?format=csv").await;
    assert_eq!(
        r.text.lines().count(),
        1 + total,
        "a header and every event"
    );
    assert!(
        r.text
            .contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
        "formula defused"
    );
    let r = ada.get("/api/v1/audit/export?format=xlsx").await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "format")
    );
    // A parameter the export does not take (a typo of a filter) is refused by name, not
    // ignored, which would export more than was asked for.
    let r = ada.get("/api/v1/audit/export?format=csv&actoor=ada").await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::BAD_REQUEST, "actoor")
    );
    let r = app.anonymous().get("/api/v1/audit/export?format=csv").await;
    r.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}
