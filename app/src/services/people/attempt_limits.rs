//! Limits on guessing a password through one account, whatever the address the guesses come
//! from: failures are counted per subject (the email signed in to, the person changing their
//! password) in the database, so every replica and every restart sees the same count. The
//! per-IP limits in the server's middleware are the other half.

use crate::domain::ApiError;
use crate::services::clock::now_ms;
use crate::state::AppState;

/// How many failures a subject may have within a sliding window.
#[derive(Debug, Clone, Copy)]
pub struct AttemptPolicy {
    pub max_failures: i64,
    pub window_ms: i64,
}

/// Sign-in: 10 failures per email address in 15 minutes.
pub const SIGN_IN: AttemptPolicy = AttemptPolicy {
    max_failures: 10,
    window_ms: 15 * 60_000,
};

/// Password change: 5 wrong current passwords per person in 15 minutes.
pub const PASSWORD_CHANGE: AttemptPolicy = AttemptPolicy {
    max_failures: 5,
    window_ms: 15 * 60_000,
};

/// Failure records older than this count for no policy and may be purged.
pub const LONGEST_WINDOW_MS: i64 = 15 * 60_000;

/// The subject under which sign-in failures for `email` are counted.
pub fn sign_in_subject(email: &str) -> String {
    format!("sign_in:{email}")
}

/// The subject under which wrong current passwords of a person are counted.
pub fn password_change_subject(user_id: &str) -> String {
    format!("password_change:{user_id}")
}

/// 429 with the seconds until the oldest counted failure leaves the window, when `subject`
/// has used up its failures.
pub async fn check(state: &AppState, subject: &str, policy: AttemptPolicy) -> Result<(), ApiError> {
    let now = now_ms();
    let (failures, oldest) = state
        .db
        .auth_failures_since(subject, now - policy.window_ms)
        .await?;
    if failures < policy.max_failures {
        return Ok(());
    }
    let wait_ms = oldest.map_or(policy.window_ms, |at| at + policy.window_ms - now);
    let wait_secs = (wait_ms.max(1000) as u64).div_ceil(1000);
    Err(ApiError::rate_limited_for(
        format!(
            "Too many failed attempts for this account. Try again in {} minute(s).",
            wait_secs.div_ceil(60)
        ),
        wait_secs,
    ))
}

/// Counts one failure of `subject`.
pub async fn record_failure(state: &AppState, subject: &str) -> Result<(), ApiError> {
    state.db.record_auth_failure(subject, now_ms()).await?;
    Ok(())
}

/// Forgets `subject`'s failures after it succeeded.
pub async fn clear(state: &AppState, subject: &str) -> Result<(), ApiError> {
    state.db.clear_auth_failures(subject).await?;
    Ok(())
}
