//! Benchmark data: one organization with tens of thousands of service accounts and hundreds of
//! thousands of tokens, shaped like a busy real one (several teams, every role, a few
//! revoked and expired tokens, most accounts used recently), so list and lookup timings mean
//! something. `server seed` runs it; it refuses a database that already has people in it, so
//! it can never mix made-up accounts into a real organization.

use crate::auth::random::new_id;
use crate::auth::token_secret;
use crate::domain::{ApiError, Role};
use crate::services::clock::now_ms;
use crate::services::people::setup::{create_admin, NewAdmin};
use crate::services::RequestMeta;
use crate::state::AppState;
use crate::store::{NewAccount, NewToken, UsageBatch};

/// How much to seed, and who signs in to look at it.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    pub accounts: usize,
    pub tokens: usize,
    pub admin_email: String,
    pub admin_password: String,
}

/// What the seeded organization holds that a benchmark needs to reach it.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub organization_slug: String,
    /// The first account, which holds [`BUSY_ACCOUNT_TOKENS`] tokens.
    pub busy_account_id: String,
    /// A live read-only token of the busy account (an administrator), for API reads.
    pub reader_token: String,
    /// A live read-write token of the busy account that never expires, for API writes.
    pub writer_token: String,
}

/// Tokens the first account holds: what `service-accounts/get` is measured with.
pub const BUSY_ACCOUNT_TOKENS: usize = 50;
/// Rows per transaction: large enough to load quickly, small enough to keep a transaction short.
const CHUNK: usize = 2_000;
const TEAMS: [&str; 10] = [
    "payments", "search", "billing", "data", "infra", "mobile", "web", "ml", "security", "growth",
];
const PURPOSES: [&str; 8] = [
    "deploy", "backup", "sync", "export", "monitor", "ingest", "report", "build",
];
const MINUTE_MS: i64 = 60_000;

/// The name of account `i`: `payments-deploy-00000`, unique and searchable by any fragment.
pub fn account_name(i: usize) -> String {
    format!(
        "{}-{}-{i:05}",
        TEAMS[i % TEAMS.len()],
        PURPOSES[(i / TEAMS.len()) % PURPOSES.len()]
    )
}

/// How many tokens account `i` gets so that the total is `plan.tokens`: the busy account its
/// fifty, the rest spread evenly.
fn tokens_for(i: usize, plan: &SeedPlan) -> usize {
    if i == 0 {
        return BUSY_ACCOUNT_TOKENS.min(plan.tokens);
    }
    let rest = plan.tokens.saturating_sub(BUSY_ACCOUNT_TOKENS);
    let others = plan.accounts.saturating_sub(1).max(1);
    rest / others + usize::from(i - 1 < rest % others)
}

/// Fills an empty database; a database with anyone in it is refused (409) before any write.
#[tracing::instrument(skip(state, plan), fields(accounts = plan.accounts, tokens = plan.tokens))]
pub async fn seed(state: &AppState, plan: SeedPlan) -> Result<Seeded, ApiError> {
    if state.db.count_users().await? > 0 {
        return Err(ApiError::conflict(
            "database",
            "This database already has people in it: seed fills only an empty database, so that \
             made-up accounts never mix with real ones.",
        ));
    }
    if plan.accounts == 0 || plan.accounts > 1_000_000 || plan.tokens > 5_000_000 {
        return Err(ApiError::invalid(
            "accounts",
            "Seed 1 to 1,000,000 accounts and at most 5,000,000 tokens.",
        ));
    }
    let slug = "bench".to_string();
    let admin = NewAdmin {
        org_slug: slug.clone(),
        org_name: "Benchmark".into(),
        email: plan.admin_email.clone(),
        name: "Benchmark admin".into(),
        password: plan.admin_password.clone(),
    };
    create_admin(state, admin, None, &RequestMeta::default()).await?;
    let org = state
        .db
        .organization_by_slug(&slug)
        .await?
        .ok_or_else(ApiError::internal)?
        .id;

    let now = now_ms();
    let mut busy_account_id = String::new();
    let mut reader_token = String::new();
    let mut writer_token = String::new();
    let mut last_used = Vec::new();
    for start in (0..plan.accounts).step_by(CHUNK) {
        let mut tx = state.db.begin().await?;
        for i in start..(start + CHUNK).min(plan.accounts) {
            let id = new_id("sa");
            let created_at = now - (plan.accounts - i) as i64 * 10 * MINUTE_MS;
            let role = if i == 0 {
                Role::Admin
            } else {
                Role::ALL[i % 3]
            };
            tx.insert_account(&NewAccount {
                id: &id,
                organization_id: &org,
                name: &account_name(i),
                description: "Seeded for benchmarks",
                role,
                created_by: "seed",
                now: created_at,
            })
            .await?;
            for k in 0..tokens_for(i, &plan) {
                let secret = token_secret::generate();
                let token_id = new_id("tok");
                // Every fifth token expires, some of them already; one in twenty is revoked (none
                // of the busy account's, which keeps its fifty).
                let expires_at = (k % 5 == 4).then(|| now + (i as i64 % 60 - 10) * 86_400_000);
                tx.insert_token(&NewToken {
                    id: &token_id,
                    organization_id: &org,
                    service_account_id: &id,
                    name: &format!("token-{k:02}"),
                    description: "",
                    scopes: if k % 2 == 0 { "read" } else { "read,write" },
                    secret_hash: &secret.hash,
                    hint: &secret.hint,
                    created_by: "seed",
                    created_at,
                    expires_at,
                    role_cap: role.as_str(),
                    cap_permissions: None,
                    narrow_permissions: None,
                    narrow_workspaces: None,
                    guards: &Default::default(),
                    exchanged: None,
                })
                .await?;
                if i > 0 && (i * 7 + k) % 20 == 19 {
                    tx.revoke_token(&token_id, now).await?;
                } else if k == 0 && i % 4 != 3 {
                    // Three accounts in four were used in the last days, at spread-out times.
                    let at = now - (i as i64 * 37 % 10_000) * MINUTE_MS;
                    last_used.push((token_id.clone(), at, "10.0.0.1".to_string()));
                }
                match (i, k) {
                    (0, 0) => {
                        busy_account_id = id.clone();
                        reader_token = secret.secret;
                    }
                    (0, 1) => writer_token = secret.secret,
                    _ => {}
                }
            }
        }
        tx.commit().await?;
    }
    for batch in last_used.chunks(CHUNK) {
        let batch = UsageBatch {
            last_used: batch.to_vec(),
            ..UsageBatch::default()
        };
        state.db.record_usage(&batch).await?;
    }
    state.db.refresh_statistics().await?;
    Ok(Seeded {
        organization_slug: slug,
        busy_account_id,
        reader_token,
        writer_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(accounts: usize, tokens: usize) -> SeedPlan {
        SeedPlan {
            accounts,
            tokens,
            admin_email: "seed@example.test".into(),
            admin_password: "a long enough password".into(),
        }
    }

    #[test]
    fn tokens_add_up_to_the_plan_with_fifty_on_the_busy_account() {
        for (accounts, tokens) in [(50_000, 200_000), (7, 93), (3, 50), (1, 10), (10, 0)] {
            let p = plan(accounts, tokens);
            let total: usize = (0..accounts).map(|i| tokens_for(i, &p)).sum();
            assert_eq!(total, tokens.max(tokens_for(0, &p)), "{accounts} {tokens}");
            assert_eq!(tokens_for(0, &p), tokens.min(BUSY_ACCOUNT_TOKENS));
        }
    }

    #[test]
    fn account_names_are_unique_valid_names() {
        let names: std::collections::HashSet<String> = (0..2_000).map(account_name).collect();
        assert_eq!(names.len(), 2_000);
        for name in names.iter().take(50) {
            crate::domain::ResourceName::parse("name", name).unwrap();
        }
    }
}
