//! Periodic cleanup: expired sessions, used or expired one-time links, old failure counts.

use crate::services::clock::now_ms;
use crate::services::people::attempt_limits::LONGEST_WINDOW_MS;
use crate::state::AppState;

/// Deletes what has expired; logs what it removed. Errors are logged, never fatal: the next
/// run tries again, and nothing expired is ever accepted in the meantime.
pub async fn purge_expired(state: &AppState) {
    let now = now_ms();
    match state
        .db
        .purge_usage(&crate::services::tokens::usage_report::first_day(
            crate::services::tokens::usage_report::KEPT_DAYS,
        ))
        .await
    {
        Ok(n) if n > 0 => tracing::info!(rows = n, "purged old usage counts"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not purge usage counts"),
    }
    // A rate window matters for its minute; an hour leaves room for clocks that disagree.
    match state.db.purge_rate_windows(now - 3_600_000).await {
        Ok(n) if n > 0 => tracing::info!(rows = n, "purged old rate windows"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not purge rate windows"),
    }
    match state.db.purge_exchanges(now).await {
        Ok((identity_tokens, tokens)) if identity_tokens + tokens > 0 => {
            tracing::info!(identity_tokens, tokens, "purged expired exchanges")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not purge expired exchanges"),
    }
    match state.db.purge_expired(now, now - LONGEST_WINDOW_MS).await {
        Ok(p) if p != Default::default() => tracing::info!(
            sessions = p.sessions,
            links = p.links,
            auth_failures = p.auth_failures,
            "purged expired records"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not purge expired records"),
    }
}
