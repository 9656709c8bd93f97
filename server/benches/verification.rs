//! Criterion benchmarks of what every API request with a token pays: checking the secret's
//! form and checksum and hashing it (no database), and the whole verification against a real
//! database (SQLite, or PostgreSQL with `STEWARD_DATABASE_URL`; one indexed lookup, then the
//! cached access view).
//!   cargo bench -p server --bench verification

mod support;

use app::auth::random::sha256_hex;
use app::auth::token_secret;
use app::domain::Role;
use app::services::tokens::verification::principal_from_token;
use app::services::RequestMeta;
use app::state::AppState;
use app::store::{NewAccount, NewToken};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// A state over a fresh database with one service account and its token; the secret.
async fn seeded() -> (AppState, String) {
    let db = support::fresh_database("verification").await;
    let (state, org) = support::with_admin(&db, |_| {}).await;
    let now = app::services::clock::now_ms();
    let secret = token_secret::generate();
    let mut tx = db.begin().await.unwrap();
    tx.insert_account(&NewAccount {
        id: "sa_bench",
        organization_id: &org,
        name: "bench-bot",
        description: "",
        role: Role::Editor,
        created_by: "bench",
        now,
    })
    .await
    .unwrap();
    tx.insert_token(&NewToken {
        id: "tok_bench",
        organization_id: &org,
        service_account_id: "sa_bench",
        name: "bench",
        description: "",
        scopes: "read,write",
        secret_hash: &secret.hash,
        hint: &secret.hint,
        created_by: "bench",
        created_at: now,
        expires_at: None,
        role_cap: "admin",
        cap_permissions: None,
        guards: &Default::default(),
        narrow_permissions: None,
        narrow_workspaces: None,
        exchanged: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (state, secret.secret)
}

fn verification(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (state, secret) = runtime.block_on(seeded());
    // The same length and prefix, one character changed: the checksum refuses it.
    let mut forged = secret.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let meta = RequestMeta::default();

    c.bench_function("token form and checksum", |b| {
        b.iter(|| token_secret::is_well_formed(black_box(&secret)))
    });
    c.bench_function("token form, checksum and SHA-256", |b| {
        b.iter(|| {
            let s = black_box(&secret);
            token_secret::is_well_formed(s).then(|| sha256_hex(s))
        })
    });
    c.bench_function("refusing a token with a bad checksum", |b| {
        b.to_async(&runtime)
            .iter(|| principal_from_token(&state, black_box(&forged), &meta))
    });
    c.bench_function("verifying a token (SQLite lookup, cached access)", |b| {
        b.to_async(&runtime).iter(|| async {
            let found = principal_from_token(&state, black_box(&secret), &meta)
                .await
                .unwrap();
            assert!(found.is_some());
        })
    });
}

criterion_group!(benches, verification);
criterion_main!(benches);
