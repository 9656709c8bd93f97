//! What `/metrics` answers: the counters kept as things happen (`crate::metrics`), with the
//! figures that live in the database read at scrape time.

use crate::domain::ApiError;
use crate::metrics::METRICS;
use crate::services::clock::{now_ms, DAY_MS};
use crate::services::people::sessions::unavailable;
use crate::state::AppState;

/// How far ahead "expiring soon" looks, as the expiry notices do.
const EXPIRING_WITHIN_MS: i64 = 7 * DAY_MS;

/// Every metric in the OpenMetrics text format, the expiring-token counts read now.
pub async fn metrics_text(state: &AppState) -> Result<String, ApiError> {
    let now = now_ms();
    let expiring = state
        .db
        .tokens_expiring_by_organization(now, now + EXPIRING_WITHIN_MS)
        .await
        .map_err(unavailable)?;
    METRICS.set_tokens_expiring(&expiring);
    Ok(METRICS.render())
}
