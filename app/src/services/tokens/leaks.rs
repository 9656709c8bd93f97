//! Leak response: a token reported leaked is suspended at once (every replica refuses it from
//! the next request), the report is audited with where the token was found, and the
//! organization's webhook gets a signed `token.leaked` notice. An admin who finds the report
//! wrong restores the token; otherwise they revoke it. The reporter learns only whether the
//! token was live, which holding it already tells them.

use crate::auth::random::{new_id, sha256_hex};
use crate::auth::token_secret;
use crate::domain::{
    check_report, report_text, ApiError, LeakLabel, LeakVerdict, LeakedToken, Token,
    STEWARD_TOKEN_TYPE,
};
use crate::services::audit::{event, AuditAction, Target};
use crate::services::clock::{now_ms, rfc3339};
use crate::services::notices;
use crate::services::tokens::issuing::{to_api, token_for_change};
use crate::services::{Caller, RequestMeta};
use crate::state::AppState;
use crate::store::{CredentialRow, NewAuditEvent, NewNotice};

/// Answers a report: each token Steward would accept now is suspended and labelled
/// `true_positive`; anything else (unknown, malformed, revoked, expired) `false_positive`,
/// changing nothing. Reporting a token again keeps the first report.
#[tracing::instrument(skip_all, fields(tokens = reported.len()))]
pub async fn report(
    state: &AppState,
    reported: Vec<LeakedToken>,
    meta: &RequestMeta,
) -> Result<Vec<LeakLabel>, ApiError> {
    check_report(&reported)?;
    let mut labels = Vec::with_capacity(reported.len());
    for leak in reported {
        let secret = leak.token.trim();
        let hash = sha256_hex(secret);
        let live = match token_secret::is_well_formed(secret) {
            true => state
                .db
                .credential(&hash)
                .await?
                .filter(|row| is_live(row, now_ms())),
            false => None,
        };
        let label = match live {
            Some(row) => {
                suspend(state, &row, &leak, meta).await?;
                LeakVerdict::TruePositive
            }
            None => LeakVerdict::FalsePositive,
        };
        labels.push(LeakLabel {
            token_hash: hash,
            token_type: leak
                .token_type
                .clone()
                .unwrap_or_else(|| STEWARD_TOKEN_TYPE.into()),
            label,
        });
    }
    Ok(labels)
}

/// A token that would authenticate but for a leak report or its account being disabled: not
/// revoked, not expired.
fn is_live(row: &CredentialRow, now: i64) -> bool {
    row.revoked_at.is_none() && row.expires_at.is_none_or(|at| at > now)
}

/// Suspends one reported token, audits the report and queues the notice, in one transaction;
/// then tries the notice at once.
async fn suspend(
    state: &AppState,
    row: &CredentialRow,
    leak: &LeakedToken,
    meta: &RequestMeta,
) -> Result<(), ApiError> {
    let now = now_ms();
    let url = report_text(leak.url.as_deref());
    let source = report_text(leak.source.as_deref());
    let has_webhook = state.db.webhook(&row.org_id).await?.is_some();
    let mut tx = state.db.begin().await?;
    if !tx
        .mark_token_leaked(&row.token_id, now, url.as_deref(), source.as_deref())
        .await?
    {
        return Ok(());
    }
    let details = serde_json::json!({
        "url": url,
        "source": source,
        "type": report_text(leak.token_type.as_deref()),
    });
    tx.insert_audit(&NewAuditEvent {
        id: new_id("aud"),
        organization_id: Some(row.org_id.clone()),
        at: now,
        actor_kind: "leak_report".into(),
        actor_id: None,
        actor_name: format!(
            "leak report ({})",
            source.as_deref().unwrap_or("source not given")
        ),
        token_id: None,
        action: AuditAction::TokenLeaked.as_str().into(),
        target_kind: Some("token".into()),
        target_id: Some(row.token_id.clone()),
        target_name: Some(row.token_name.clone()),
        ip: Some(meta.ip.clone()),
        user_agent: meta.user_agent.clone(),
        outcome: "success".into(),
        details: Some(details.to_string()),
    })
    .await?;
    let token = tx
        .token(&row.org_id, &row.token_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let notice_id = new_id("ntc");
    if has_webhook {
        let payload = serde_json::json!({
            "event": "token.leaked",
            "notice": "leaked",
            "id": notice_id,
            "organization": {"id": row.org_id, "slug": row.org_slug},
            "service_account": {"id": row.account_id, "name": row.account_name},
            "token": {"id": token.id, "name": token.name, "hint": token.hint},
            "report": {"reported_at": rfc3339(now), "url": url, "source": source},
        })
        .to_string();
        tx.insert_notice(&NewNotice {
            id: &notice_id,
            organization_id: &row.org_id,
            token_id: &row.token_id,
            kind: "leaked",
            payload: &payload,
            now,
        })
        .await?;
    }
    tx.commit().await?;
    tracing::warn!(token = %row.token_id, organization = %row.org_slug, "a token was reported leaked and is suspended");
    if has_webhook {
        // Minutes matter after a leak: try now rather than at the next delivery tick, which
        // retries it if this attempt fails.
        let state = state.clone();
        tokio::spawn(async move { notices::deliver_now(&state, &notice_id).await });
    }
    Ok(())
}

/// Lifts a leak suspension after someone checked the report; audited.
#[tracing::instrument(skip(state, caller), fields(org = %caller.principal.organization.id))]
pub async fn restore(state: &AppState, caller: &Caller, id: &str) -> Result<Token, ApiError> {
    let org = caller.principal.organization.id.clone();
    let mut tx = state.db.begin().await?;
    let token = token_for_change(state, &mut tx, caller, id).await?;
    if token.leaked_at.is_none() {
        return Err(ApiError::conflict(
            "id",
            "This token is not suspended as leaked: there is nothing to restore.",
        ));
    }
    tx.restore_token(&token.id).await?;
    let mut record = event(
        caller,
        AuditAction::TokenRestore,
        Some(Target::token(&token.id, &token.name)),
    );
    record.details = Some(serde_json::json!({ "reported_url": token.leak_url }).to_string());
    tx.insert_audit(&record).await?;
    let row = tx
        .token(&org, &token.id)
        .await?
        .ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(to_api(row, now_ms()))
}
