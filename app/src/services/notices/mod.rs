//! Expiry notices: Steward posts a signed JSON notice to the organization's webhook 7 days and
//! 1 day before a token expires and when it has expired (and, through the same queue, when a
//! token's report-only guards have refused nothing for 7 days). Each notice is claimed once in the
//! database (a unique index on token and kind), so it is sent once across restarts and replicas;
//! delivery is leased per attempt and retried with exponential backoff.

pub mod webhook_policy;

use crate::auth::random::new_id;
use crate::domain::{ApiError, Delivery};
use crate::metrics::METRICS;
use crate::services::audit::{event, AuditAction, Target};
use crate::services::clock::{now_ms, rfc3339, rfc3339_opt, DAY_MS};
use crate::services::Caller;
use crate::state::AppState;
use crate::store::{Attempt, ExpiringToken, NewNotice, NoticeRow};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Attempts before a notice is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// Longest wait between attempts.
const MAX_BACKOFF_MS: i64 = 6 * 3600 * 1000;
/// Notices of one kind scheduled per organization and tick: one organization's thousands of
/// short-lived tokens are announced over a few ticks, and never crowd out another's.
const SCHEDULE_PER_ORGANIZATION: i64 = 1000;
/// Due notices taken per organization and tick.
const DUE_PER_ORGANIZATION: i64 = 100;
/// Deliveries under way at once to one organization's receiver.
const CONCURRENT_PER_ORGANIZATION: usize = 4;
/// Organizations whose notices are delivered at once.
const ORGANIZATIONS_AT_ONCE: usize = 8;

/// The three notices, each with the window of expiry times (relative to now) it covers.
const KINDS: [(&str, i64, i64); 3] = [
    ("expires_in_7_days", DAY_MS, 7 * DAY_MS),
    ("expires_in_1_day", 0, DAY_MS),
    ("expired", -7 * DAY_MS, 0),
];

/// `sha256=<hex>` of HMAC-SHA256 over `"<timestamp>.<body>"`: what a receiver recomputes with
/// the shared secret to know the notice is Steward's and fresh.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn payload(kind: &str, id: &str, t: &ExpiringToken) -> String {
    let event = if kind == "expired" {
        "token.expired"
    } else {
        "token.expiring"
    };
    serde_json::json!({
        "event": event,
        "notice": kind,
        "id": id,
        "organization": {"id": t.organization_id, "slug": t.organization_slug},
        "service_account": {"id": t.account_id, "name": t.account_name},
        "token": {"id": t.token_id, "name": t.token_name, "hint": t.hint,
                  "expires_at": rfc3339(t.expires_at)},
    })
    .to_string()
}

/// Records the notices that are due now: one per token and kind, ever. Each organization with
/// a webhook is asked for its own tokens that have no such notice yet, so what was scheduled
/// before never fills the answer and no organization waits for another's.
pub async fn schedule(state: &AppState, now: i64) -> Result<usize, ApiError> {
    let mut new = 0;
    for organization_id in state.db.organizations_with_webhook().await? {
        for (kind, from, to) in KINDS {
            let due = state
                .db
                .tokens_needing_notice(
                    &organization_id,
                    kind,
                    now + from,
                    now + to,
                    SCHEDULE_PER_ORGANIZATION,
                )
                .await?;
            for t in due {
                let id = new_id("ntc");
                let notice = NewNotice {
                    id: &id,
                    organization_id: &t.organization_id,
                    token_id: &t.token_id,
                    kind,
                    payload: &payload(kind, &id, &t),
                    now,
                };
                if state.db.insert_notice(&notice).await? {
                    new += 1;
                }
            }
        }
        new += crate::services::tokens::report_only::schedule_quiet_notices(
            state,
            &organization_id,
            now,
            SCHEDULE_PER_ORGANIZATION,
        )
        .await?;
    }
    Ok(new)
}

/// The wait before attempt `attempts + 1`: the base doubled per failure, at most six hours.
fn backoff(base_ms: i64, attempts: i64) -> i64 {
    base_ms
        .saturating_mul(1_i64 << attempts.clamp(0, 20))
        .min(MAX_BACKOFF_MS)
}

/// One attempt at a leased notice; records the outcome, timed by the clock when it ended.
async fn attempt(state: &AppState, n: &NoticeRow) -> Result<(), ApiError> {
    let outcome = post(state, n, now_ms()).await;
    let now = now_ms();
    let (delivered, http_status, error) = match &outcome {
        Ok(status) if (200..300).contains(status) => (true, Some(*status), None),
        Ok(status) => (
            false,
            Some(*status),
            Some(format!("the receiver answered {status}")),
        ),
        Err(e) => (false, None, Some(e.clone())),
    };
    METRICS.delivered(match (&outcome, delivered) {
        (_, true) => "delivered",
        (Ok(_), false) => "rejected",
        (Err(_), _) => "failed",
    });
    // A test is answered at once and not retried: the person is waiting for the answer.
    let retry_at = (!delivered && n.kind != "test" && n.attempts + 1 < MAX_ATTEMPTS)
        .then(|| now + backoff(state.config.notices.retry_base_ms, n.attempts));
    state
        .db
        .record_attempt(&Attempt {
            id: &n.id,
            delivered,
            http_status,
            error: error.as_deref(),
            retry_at,
            now,
        })
        .await?;
    Ok(())
}

/// Leases a notice with the clock as it is now, just before sending it (a lease taken at the
/// start of a long tick could lapse while the notice waits its turn, and another replica would
/// send it too); false when another process has it.
async fn lease(state: &AppState, id: &str) -> Result<bool, ApiError> {
    let now = now_ms();
    Ok(state
        .db
        .lease_notice(id, now, now + state.config.notices.lease_ms)
        .await?)
}

/// Posts the notice; the receiver's status, or why nothing reached it (a refusal by the
/// webhook policy says so, and never carries a status: the receiver was never asked).
async fn post(state: &AppState, n: &NoticeRow, now: i64) -> Result<i64, String> {
    let (url, sealed) = state
        .db
        .webhook(&n.organization_id)
        .await
        .map_err(|_| "the database did not answer".to_string())?
        .ok_or_else(|| "no webhook URL is set".to_string())?;
    let url = url::Url::parse(&url).map_err(|_| "the webhook URL does not parse".to_string())?;
    state
        .config
        .webhook_policy
        .check_literal_host(&url)
        .map_err(|refused| refused.to_string())?;
    let timestamp = now / 1000;
    let mut req = state
        .webhook_client
        .post(url)
        .header("content-type", "application/json")
        .header("x-steward-event", &n.kind)
        .header("x-steward-delivery", &n.id)
        .header("x-steward-timestamp", timestamp.to_string());
    if let Some(sealed) = sealed {
        let key = state
            .config
            .secret_key
            .as_ref()
            .ok_or("the server has no STEWARD_SECRET_KEY to open the signing secret")?;
        let secret = key.open(&sealed, &n.organization_id).ok_or(
            "the signing secret does not open with this server's STEWARD_SECRET_KEY for this organization",
        )?;
        req = req.header(
            "x-steward-signature",
            signature(&secret, timestamp, &n.payload),
        );
    }
    let res = req.body(n.payload.clone()).send().await.map_err(|e| {
        match crate::services::outbound::refusal_in(&e) {
            Some(refused) => refused.to_string(),
            None => format!("could not reach the webhook: {}", e.without_url()),
        }
    })?;
    Ok(res.status().as_u16() as i64)
}

/// Delivers the due notices this process can lease: several organizations at once, and a few
/// notices at a time for each, so one slow receiver never holds up another organization's
/// notices. Returns how many it attempted.
pub async fn deliver_due(state: &AppState, now: i64) -> Result<usize, ApiError> {
    use futures::stream::{self, StreamExt, TryStreamExt};
    let mut by_organization: Vec<Vec<NoticeRow>> = Vec::new();
    for n in state.db.due_notices(now, DUE_PER_ORGANIZATION).await? {
        match by_organization
            .iter_mut()
            .find(|group| group[0].organization_id == n.organization_id)
        {
            Some(group) => group.push(n),
            None => by_organization.push(vec![n]),
        }
    }
    stream::iter(by_organization)
        .map(|notices| {
            stream::iter(notices)
                .map(|n| async move {
                    if !lease(state, &n.id).await? {
                        return Ok::<usize, ApiError>(0);
                    }
                    attempt(state, &n).await?;
                    Ok(1)
                })
                .buffer_unordered(CONCURRENT_PER_ORGANIZATION)
                .try_fold(0, |sum, one| async move { Ok(sum + one) })
        })
        .buffer_unordered(ORGANIZATIONS_AT_ONCE)
        .try_fold(0, |sum, one| async move { Ok(sum + one) })
        .await
}

/// What the background task runs: record the notices that became due, deliver what is due.
pub async fn tick(state: &AppState) {
    let now = now_ms();
    if let Err(e) = schedule(state, now).await {
        tracing::warn!(error = %e, "could not schedule expiry notices");
    }
    if let Err(e) = deliver_due(state, now).await {
        tracing::warn!(error = %e, "could not deliver expiry notices");
    }
}

pub fn to_api(n: NoticeRow) -> Delivery {
    Delivery {
        id: n.id,
        kind: n.kind,
        token_id: n.token_id,
        status: n.status,
        attempts: n.attempts,
        last_status: n.last_status,
        last_error: n.last_error,
        created_at: rfc3339(n.created_at),
        delivered_at: rfc3339_opt(n.delivered_at),
    }
}

/// The organization's last 50 notices and how their delivery went.
pub async fn deliveries(state: &AppState, caller: &Caller) -> Result<Vec<Delivery>, ApiError> {
    Ok(state
        .db
        .recent_notices(&caller.principal.organization.id, 50)
        .await?
        .into_iter()
        .map(to_api)
        .collect())
}

/// Tries one queued notice now instead of at the next tick (which retries it if this attempt
/// fails, or if another replica holds it).
pub async fn deliver_now(state: &AppState, id: &str) {
    let tried = async {
        if !lease(state, id).await? {
            return Ok(());
        }
        let due = state.db.due_notice(id).await?;
        match due {
            Some(row) => attempt(state, &row).await,
            None => Ok(()),
        }
    };
    if let Err(e) = tried.await {
        tracing::warn!(error = %e, notice = %id, "could not deliver a notice at once; the next tick retries it");
    }
}

/// Sends a test notice now and reports how it went (it also joins the delivery log).
pub async fn send_test(state: &AppState, caller: &Caller) -> Result<Delivery, ApiError> {
    let org = &caller.principal.organization;
    if state.db.webhook(&org.id).await?.is_none() {
        return Err(ApiError::invalid("webhook_url", "Set a webhook URL first."));
    }
    let now = now_ms();
    let id = new_id("ntc");
    let body = serde_json::json!({
        "event": "test", "notice": "test", "id": id,
        "organization": {"id": org.id, "slug": org.slug},
    })
    .to_string();
    state
        .db
        .insert_notice(&NewNotice {
            id: &id,
            organization_id: &org.id,
            token_id: "",
            kind: "test",
            payload: &body,
            now,
        })
        .await?;
    lease(state, &id).await?;
    let row = state
        .db
        .recent_notices(&org.id, 50)
        .await?
        .into_iter()
        .find(|n| n.id == id)
        .ok_or_else(ApiError::internal)?;
    attempt(state, &row).await?;
    let mut tx = state.db.begin().await?;
    tx.insert_audit(&event(
        caller,
        AuditAction::WebhookTest,
        Some(Target::organization(&org.id, &org.slug)),
    ))
    .await?;
    tx.commit().await?;
    state
        .db
        .recent_notices(&org.id, 50)
        .await?
        .into_iter()
        .find(|n| n.id == id)
        .map(to_api)
        .ok_or_else(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_cover_time_and_body() {
        let s = signature("secret", 1_700_000_000, "{\"a\":1}");
        assert!(s.starts_with("sha256=") && s.len() == 7 + 64);
        assert_ne!(s, signature("secret", 1_700_000_001, "{\"a\":1}"));
        assert_ne!(s, signature("other", 1_700_000_000, "{\"a\":1}"));
    }

    #[test]
    fn a_lease_outlasts_a_delivery() {
        let lease = crate::state::NoticeTimings::default().lease_ms;
        let timeout = crate::services::notices::webhook_policy::CLIENT_TIMEOUT.as_millis() as i64;
        assert!(
            lease >= 2 * timeout,
            "{lease} ms against a {timeout} ms timeout"
        );
    }

    #[test]
    fn backoff_doubles_up_to_six_hours() {
        assert_eq!(backoff(30_000, 0), 30_000);
        assert_eq!(backoff(30_000, 1), 60_000);
        assert_eq!(backoff(30_000, 3), 240_000);
        assert_eq!(backoff(30_000, 30), MAX_BACKOFF_MS);
    }
}
