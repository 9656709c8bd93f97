//! What a service account's automation has been doing: authenticated requests per day and per
//! token, from the counts the usage batch writes.

use crate::domain::{ApiError, TokenUsage, Usage, UsageDay};
use crate::services::clock::{now_ms, DAY_MS};
use crate::services::service_accounts::account_of;
use crate::services::tokens::usage::day_string;
use crate::services::Caller;
use crate::state::AppState;

/// How many days of counts are kept.
pub const KEPT_DAYS: i64 = 90;

/// The first day of the `days` days ending today.
pub fn first_day(days: i64) -> String {
    day_string(now_ms().div_euclid(DAY_MS) - (days - 1))
}

/// An account's requests over the last `days` days (1–90, default 30), today included.
pub async fn report(
    state: &AppState,
    caller: &Caller,
    id: &str,
    days: Option<i64>,
) -> Result<Usage, ApiError> {
    let days = days.unwrap_or(30);
    if !(1..=KEPT_DAYS).contains(&days) {
        return Err(ApiError::invalid(
            "days",
            format!("Days must be between 1 and {KEPT_DAYS}."),
        ));
    }
    let account = account_of(state, caller, id).await?;
    let since = first_day(days);
    let counted = state.db.usage_by_day(&account.id, &since).await?;
    let today = now_ms().div_euclid(DAY_MS);
    let days: Vec<UsageDay> = (today - (days - 1)..=today)
        .map(day_string)
        .map(|date| {
            let (requests, refused) = counted
                .iter()
                .find(|(d, _, _)| *d == date)
                .map_or((0, 0), |(_, n, r)| (*n, *r));
            UsageDay {
                requests,
                refused,
                date,
            }
        })
        .collect();
    let tokens = state
        .db
        .usage_by_token(&account.id, &since)
        .await?
        .into_iter()
        .map(|(id, name, requests)| TokenUsage { id, name, requests })
        .collect();
    Ok(Usage {
        total: days.iter().map(|d| d.requests).sum(),
        days,
        tokens,
    })
}
