//! A server to measure token verification against, run by `scripts/bench.sh`: a fresh database
//! holding an organization with 1,000 custom roles, 500 groups and 200 workspaces, a service
//! account reached by bindings through 20 of the groups, its token, and a gateway token that
//! may only introspect, and a token like the first with guards (100 allowed networks, the last
//! one holding loopback, and a rate limit it does not reach). Prints `READY <port> <token>
//! <gateway-token> <guarded-token>` and serves until killed;
//! with `STEWARD_BENCH_JOIN=1` it joins a database another one made and prints `READY <port>`.
//!
//! `cargo run --release -p server --example verify_server` (SQLite), or with
//! `STEWARD_DATABASE_URL=postgres://…/empty_db` for PostgreSQL.

use app::auth::random::new_id;
use app::domain::Role;
use app::services::people::setup::{create_admin, NewAdmin};
use app::services::RequestMeta;
use app::state::{AppConfig, AppState};
use app::store::{Db, GuardColumns, NamedTable, NewAccount, NewBinding, NewNamed, NewToken};
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;

const ROLES: usize = 1_000;
const GROUPS: usize = 500;
const WORKSPACES: usize = 200;
const PERMISSIONS: usize = 100;

#[tokio::main]
async fn main() {
    let url = std::env::var("STEWARD_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}/steward-bench-{}.db",
            std::env::temp_dir().display(),
            std::process::id()
        )
    });
    let db = Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(
        db.clone(),
        AppConfig {
            public_url: base.clone(),
            session_idle_secs: 3600,
            session_max_secs: 86_400,
            secret_key: None,
            notices: Default::default(),
            // The benchmark measures with the credential cache (the default) and without it.
            credential_cache_entries: match std::env::var("STEWARD_CREDENTIAL_CACHE").as_deref() {
                Ok("off") => 0,
                _ => app::services::tokens::credential_cache::DEFAULT_ENTRIES,
            },
            webhook_policy: Default::default(),
            oidc_ca_pem: None,
            issuer_policy: app::services::outbound::OutboundPolicy::issuers(Vec::new()),
        },
    );
    // A second replica (`STEWARD_BENCH_JOIN=1`, the same database) serves what the first made.
    let join = std::env::var("STEWARD_BENCH_JOIN").is_ok_and(|v| v == "1");
    let tokens = if join {
        None
    } else {
        Some(seed(&state, &db).await)
    };

    let options = LeptosOptions::builder().output_name("steward").build();
    server::spawn_background_tasks(
        state.clone(),
        std::time::Duration::from_secs(5),
        std::time::Duration::from_secs(60),
    );
    let router = server::build_router(state, options, Default::default());
    let port = listener.local_addr().unwrap().port();
    match tokens {
        Some((token, gateway, guarded)) => println!("READY {port} {token} {gateway} {guarded}"),
        None => println!("READY {port}"),
    }
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    .unwrap();
}

/// The organization, its roles, groups, workspaces and bindings, and the two tokens:
/// `(token, gateway token)`.
async fn seed(state: &AppState, db: &Db) -> (String, String, String) {
    let admin = NewAdmin {
        org_slug: "bench".into(),
        org_name: "Bench".into(),
        email: "bench@example.test".into(),
        name: "Bench".into(),
        password: "bench test password".into(),
    };
    create_admin(state, admin, None, &RequestMeta::default())
        .await
        .expect("admin");
    let org = state
        .db
        .users_by_email("bench@example.test")
        .await
        .unwrap()
        .remove(0)
        .organization_id;

    let mut tx = db.begin().await.unwrap();
    let now = app::services::clock::now_ms();
    for p in 0..PERMISSIONS {
        tx.declare_permission(&org, &format!("app{p}:run"), "", now)
            .await
            .unwrap();
    }
    let mut workspaces = Vec::new();
    for w in 0..WORKSPACES {
        let id = new_id("wsp");
        let n = NewNamed {
            id: &id,
            organization_id: &org,
            name: &format!("ws-{w}"),
            description: "",
            now,
        };
        tx.insert_named(NamedTable::Workspaces, &n).await.unwrap();
        workspaces.push(id);
    }
    let mut roles = Vec::new();
    for r in 0..ROLES {
        let id = new_id("rol");
        let n = NewNamed {
            id: &id,
            organization_id: &org,
            name: &format!("role-{r}"),
            description: "",
            now,
        };
        tx.insert_named(NamedTable::Roles, &n).await.unwrap();
        let perms: Vec<String> = (0..3)
            .map(|k| format!("app{}:run", (r * 3 + k) % PERMISSIONS))
            .collect();
        tx.set_role_permissions(&id, &perms).await.unwrap();
        roles.push(id);
    }
    let account = new_id("sa");
    tx.insert_account(&NewAccount {
        id: &account,
        organization_id: &org,
        name: "bench-bot",
        description: "",
        role: Role::Editor,
        created_by: "bench",
        now,
    })
    .await
    .unwrap();
    // The gateway's account is an admin, so it holds tokens:introspect; its token is narrowed
    // to that permission.
    let gateway_account = new_id("sa");
    tx.insert_account(&NewAccount {
        id: &gateway_account,
        organization_id: &org,
        name: "gateway",
        description: "",
        role: Role::Admin,
        created_by: "bench",
        now,
    })
    .await
    .unwrap();
    let binding = |subject_type: &'static str,
                   subject: String,
                   role: String,
                   ws: Option<String>| { (subject_type, subject, role, ws) };
    let mut bindings = Vec::new();
    for g in 0..GROUPS {
        let id = new_id("grp");
        let n = NewNamed {
            id: &id,
            organization_id: &org,
            name: &format!("group-{g}"),
            description: "",
            now,
        };
        tx.insert_named(NamedTable::Groups, &n).await.unwrap();
        if g % 25 == 0 {
            tx.add_group_member(&id, "service_account", &account)
                .await
                .unwrap();
        }
        bindings.push(binding(
            "group",
            id,
            roles[g % ROLES].clone(),
            Some(workspaces[g % WORKSPACES].clone()),
        ));
    }
    bindings.push(binding(
        "service_account",
        account.clone(),
        roles[7].clone(),
        None,
    ));
    for (subject_type, subject, role, ws) in &bindings {
        tx.insert_binding(&NewBinding {
            id: &new_id("bnd"),
            organization_id: &org,
            subject_type,
            subject_id: subject,
            role_id: role,
            workspace_id: ws.as_deref(),
            created_by: "bench",
            now,
        })
        .await
        .unwrap();
    }
    let token = app::auth::token_secret::generate();
    let gateway = app::auth::token_secret::generate();
    let guarded = app::auth::token_secret::generate();
    let mut networks: Vec<String> = (0..99).map(|i| format!("10.{i}.0.0/16")).collect();
    networks.push("127.0.0.0/8".into());
    let guards = GuardColumns {
        allowed_networks: Some(networks.join(",")),
        rate_limit_per_minute: Some(app::domain::MAX_RATE_PER_MINUTE),
        max_uses: None,
    };
    let none = GuardColumns::default();
    for (name, owner, secret, narrow, guards) in [
        ("bench", &account, &token, None, &none),
        (
            "gateway",
            &gateway_account,
            &gateway,
            Some("tokens:introspect"),
            &none,
        ),
        ("guarded", &account, &guarded, None, &guards),
    ] {
        let id = new_id("tok");
        tx.insert_token(&NewToken {
            id: &id,
            organization_id: &org,
            service_account_id: owner,
            name,
            description: "",
            scopes: "read,write",
            secret_hash: &secret.hash,
            hint: &secret.hint,
            created_by: "bench",
            created_at: now,
            expires_at: None,
            role_cap: "admin",
            cap_permissions: None,
            narrow_permissions: narrow,
            narrow_workspaces: None,
            guards,
            exchanged: None,
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    db.refresh_statistics().await.unwrap();
    (token.secret, gateway.secret, guarded.secret)
}
