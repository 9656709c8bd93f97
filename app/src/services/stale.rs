//! The Stale view: enabled service accounts nothing has used within the window (or ever), live
//! tokens that are unused, never expire or expire within a week, each with why, tokens usable
//! from anywhere though used from a few networks, with those networks to allow, and static
//! tokens that keyless exchanges replaced.

use crate::domain::{
    parse_unused_days, token_reasons, usage_reason, ApiError, KeylessStaticToken, NamedRef,
    NetworkUse, StaleAccount, StaleReport, StaleToken, UnguardedToken, EXPIRING_WITHIN_DAYS,
    FEW_NETWORKS, KEYLESS_DAYS, NETWORK_WINDOW_DAYS, STALE_LIMIT,
};
use crate::services::clock::{now_ms, rfc3339, rfc3339_opt, DAY_MS};
use crate::services::tokens::usage_report::first_day;
use crate::services::Caller;
use crate::state::AppState;

/// What needs a look in the caller's organization, for a window of `unused_days` (default 30).
#[tracing::instrument(skip(state, caller), fields(org = %caller.principal.organization.id))]
pub async fn report(
    state: &AppState,
    caller: &Caller,
    unused_days: Option<i64>,
) -> Result<StaleReport, ApiError> {
    let unused_days = parse_unused_days(unused_days)?;
    let org = &caller.principal.organization.id;
    let now = now_ms();
    let unused_before = now - unused_days * DAY_MS;
    // One more than shown tells whether there were more.
    let fetch = STALE_LIMIT + 1;
    let mut account_rows = state.db.stale_accounts(org, unused_before, fetch).await?;
    let mut token_rows = state
        .db
        .stale_tokens(
            org,
            now,
            unused_before,
            now + EXPIRING_WITHIN_DAYS * DAY_MS,
            fetch,
        )
        .await?;
    let truncated =
        account_rows.len() as i64 > STALE_LIMIT || token_rows.len() as i64 > STALE_LIMIT;
    account_rows.truncate(STALE_LIMIT as usize);
    token_rows.truncate(STALE_LIMIT as usize);
    let accounts = account_rows
        .into_iter()
        .filter_map(|a| {
            Some(StaleAccount {
                reason: usage_reason(a.last_used_at, now, unused_days)?,
                role: a.role,
                created_at: rfc3339(a.created_at),
                last_used_at: rfc3339_opt(a.last_used_at),
                id: a.id,
                name: a.name,
            })
        })
        .collect();
    let tokens = token_rows
        .into_iter()
        .map(|row| {
            let reasons = token_reasons(
                row.token.last_used_at,
                row.token.expires_at,
                now,
                unused_days,
            );
            StaleToken {
                service_account: NamedRef {
                    id: row.token.service_account_id.clone(),
                    name: row.account_name,
                },
                token: crate::services::tokens::issuing::to_api(row.token, now),
                reasons,
            }
        })
        .collect();
    let unguarded = unguarded(state, org, now).await?;
    let replaced_by_keyless = state
        .db
        .keyless_static_tokens(org, now - KEYLESS_DAYS * DAY_MS, STALE_LIMIT)
        .await?
        .into_iter()
        .map(|row| KeylessStaticToken {
            service_account: NamedRef {
                id: row.token.service_account_id.clone(),
                name: row.account_name,
            },
            token: crate::services::tokens::issuing::to_api(row.token, now),
            keyless_since: rfc3339(row.keyless_since),
        })
        .collect();
    Ok(StaleReport {
        unused_days,
        accounts,
        tokens,
        unguarded,
        replaced_by_keyless,
        truncated,
    })
}

/// Tokens without allowed networks that were used from at most `FEW_NETWORKS` networks in the
/// last `NETWORK_WINDOW_DAYS` days, each with those networks.
async fn unguarded(state: &AppState, org: &str, now: i64) -> Result<Vec<UnguardedToken>, ApiError> {
    let since = first_day(NETWORK_WINDOW_DAYS);
    let rows = state
        .db
        .unguarded_tokens(org, &since, FEW_NETWORKS, STALE_LIMIT)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let networks = state.db.token_networks(org, &since, FEW_NETWORKS).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.token.id.clone();
            UnguardedToken {
                service_account: NamedRef {
                    id: row.token.service_account_id.clone(),
                    name: row.account_name,
                },
                token: crate::services::tokens::issuing::to_api(row.token, now),
                networks: networks
                    .iter()
                    .filter(|(token, _, _)| *token == id)
                    .map(|(_, network, requests)| NetworkUse {
                        network: network.clone(),
                        requests: *requests,
                    })
                    .collect(),
            }
        })
        .collect())
}
