//! Report-only guards: guards proposed for a token that refuse nothing. A request they would
//! refuse still succeeds; it is counted (token, day, address, reason, operation) so the account's
//! page can say what enforcing them would break. An admin then enforces them (they become the
//! token's guards) or discards them. A notice says when they have refused nothing for 7 days.
//!
//! Counting costs no write per request: refusals are noted in memory and written with the
//! usage batch. A proposed rate limit is counted like an enforced one, in its own windows; a
//! proposed max uses spends its own count (`report_only_uses`).

use super::guards::{self, GuardRefusal, TokenGuards};
use super::issuing::{to_api, token_for_change};
use crate::domain::{ApiError, Guards, ReportOnlyGuards, Token, WouldRefuseFrom};
use crate::services::audit::{event, AuditAction, Target};
use crate::services::clock::{now_ms, rfc3339, DAY_MS};
use crate::services::{Caller, RequestMeta};
use crate::state::AppState;
use crate::store::{Db, ReportOnlyColumns, WouldRefuse};
use std::collections::HashMap;
use std::sync::Mutex;

/// Addresses shown per token, the most refused first.
const TOP_ADDRESSES: i64 = 5;
/// Distinct (token, day, address, reason, operation) counts held between flushes: past it, a
/// request's address and operation are counted as `*`, so a flood from many addresses costs
/// bounded memory and the totals stay right.
const MAX_PENDING: usize = 10_000;
/// Report-only guards that refused nothing for this long are announced as safe to enforce.
pub const QUIET_DAYS: i64 = 7;
/// The notice's kind (and `X-Steward-Event`).
pub const QUIET_NOTICE: &str = "report_only_quiet";

/// What a token's report-only guards would have refused since the last flush.
#[derive(Default)]
pub struct WouldRefuseRecorder {
    pending: Mutex<HashMap<(String, i64, String, &'static str, String), i64>>,
}

impl WouldRefuseRecorder {
    /// Notes one request of `token_id` that `refusal` would have refused; no I/O.
    pub fn note(&self, token_id: &str, meta: &RequestMeta, refusal: GuardRefusal, at: i64) {
        let day = at.div_euclid(DAY_MS);
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let (address, operation) = if pending.len() < MAX_PENDING {
            (meta.ip.clone(), meta.operation.clone())
        } else {
            ("*".to_string(), "*".to_string())
        };
        *pending
            .entry((token_id.to_string(), day, address, refusal.reason(), operation))
            .or_default() += 1;
    }

    /// Writes what is pending; on failure it is put back for the next flush.
    pub async fn flush(&self, db: &Db) {
        let taken = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        if taken.is_empty() {
            return;
        }
        let batch: Vec<WouldRefuse> = taken
            .iter()
            .map(|((token_id, day, address, reason, operation), n)| WouldRefuse {
                token_id: token_id.clone(),
                day: super::usage::day_string(*day),
                address: address.clone(),
                reason: reason.to_string(),
                operation: operation.clone(),
                requests: *n,
            })
            .collect();
        if let Err(e) = db.record_would_refuse(&batch).await {
            tracing::warn!(error = %e, "could not write report-only refusals; will retry");
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            for (key, n) in taken {
                *pending.entry(key).or_default() += n;
            }
        }
    }
}

/// A token's report-only guards, parsed once per credential read (`None`: it has none).
pub fn parse(columns: &ReportOnlyColumns) -> Option<TokenGuards> {
    columns
        .guards()
        .and_then(|g| TokenGuards::from_columns(&g))
        .map(TokenGuards::report_only)
}

/// Tries a request the token's enforced guards admitted against its report-only ones, and
/// notes it when they would have refused it. Never refuses: a failure to count is logged.
pub async fn observe(
    state: &AppState,
    proposed: &TokenGuards,
    token_id: &str,
    meta: &RequestMeta,
    now: i64,
) {
    match proposed
        .admit(&state.db, &state.rate_windows, token_id, &meta.ip, now)
        .await
    {
        Ok(Some(refusal)) => state.usage.would_refuse.note(token_id, meta, refusal, now),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e.message(), "could not count a report-only guard"),
    }
}

/// Gives a token report-only guards (replacing earlier ones and their report). The token's
/// enforced guards are unchanged.
pub async fn propose(
    state: &AppState,
    caller: &Caller,
    id: &str,
    proposed: &Guards,
) -> Result<Token, ApiError> {
    let columns = guards::parse_columns(proposed)?;
    if columns == Default::default() {
        return Err(ApiError::invalid(
            "guards",
            "Report-only guards need at least one guard: a network, a rate limit or max uses.",
        ));
    }
    let org = caller.principal.organization.id.clone();
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    let token = token_for_change(state, &mut tx, caller, id).await?;
    tx.set_report_only(&token.id, Some(&columns), now).await?;
    let mut record = event(
        caller,
        AuditAction::TokenReportOnlyGuards,
        Some(Target::token(&token.id, &token.name)),
    );
    record.details = Some(
        serde_json::json!({
            "old": token.report_only.guards().map(|g| guards::from_columns(&g).summary()),
            "new": guards::from_columns(&columns).summary(),
        })
        .to_string(),
    );
    tx.insert_audit(&record).await?;
    let row = tx.token(&org, &token.id).await?.ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(to_api(row, now))
}

/// Makes a token's report-only guards its guards, from the next request on every replica.
/// Uses counted against proposed max uses carry over, so enforcing changes nothing the report
/// did not show.
pub async fn enforce(state: &AppState, caller: &Caller, id: &str) -> Result<Token, ApiError> {
    let org = caller.principal.organization.id.clone();
    let mut tx = state.db.begin().await?;
    let token = token_for_change(state, &mut tx, caller, id).await?;
    let Some(proposed) = token.report_only.guards() else {
        return Err(no_report_only(&token.name));
    };
    if proposed.max_uses.is_some() {
        let spent = tx.report_only_uses(&token.id).await?;
        tx.set_token_uses(&token.id, spent.max(token.uses)).await?;
    }
    tx.set_token_guards(&token.id, &proposed).await?;
    tx.set_report_only(&token.id, None, now_ms()).await?;
    let mut record = event(
        caller,
        AuditAction::TokenReportOnlyEnforce,
        Some(Target::token(&token.id, &token.name)),
    );
    record.details = Some(super::issuing::guard_change(&token.guards, &proposed));
    tx.insert_audit(&record).await?;
    let row = tx.token(&org, &token.id).await?.ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(to_api(row, now_ms()))
}

/// Drops a token's report-only guards and their report; its enforced guards stay.
pub async fn discard(state: &AppState, caller: &Caller, id: &str) -> Result<Token, ApiError> {
    let org = caller.principal.organization.id.clone();
    let mut tx = state.db.begin().await?;
    let token = token_for_change(state, &mut tx, caller, id).await?;
    let Some(proposed) = token.report_only.guards() else {
        return Err(no_report_only(&token.name));
    };
    tx.set_report_only(&token.id, None, now_ms()).await?;
    let mut record = event(
        caller,
        AuditAction::TokenReportOnlyDiscard,
        Some(Target::token(&token.id, &token.name)),
    );
    record.details = Some(
        serde_json::json!({"discarded": guards::from_columns(&proposed).summary()}).to_string(),
    );
    tx.insert_audit(&record).await?;
    let row = tx.token(&org, &token.id).await?.ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(to_api(row, now_ms()))
}

fn no_report_only(name: &str) -> ApiError {
    ApiError::conflict("id", format!("Token {name} has no report-only guards."))
}

/// The report of a token's report-only guards, without counts (the list adds them).
pub fn shown(columns: &ReportOnlyColumns, now: i64) -> Option<ReportOnlyGuards> {
    let since = columns.report_only_since?;
    let guards = guards::from_columns(&columns.guards()?);
    Some(ReportOnlyGuards {
        guards,
        since: rfc3339(since),
        would_refuse: 0,
        addresses: 0,
        days: ((now - since) / DAY_MS + 1).max(1),
        top: Vec::new(),
    })
}

/// Fills in what the report-only guards of an account's tokens would have refused.
pub async fn add_reports(
    state: &AppState,
    account_id: &str,
    tokens: &mut [Token],
) -> Result<(), ApiError> {
    if tokens.iter().all(|t| t.report_only.is_none()) {
        return Ok(());
    }
    let totals = state.db.report_only_totals(account_id).await?;
    let offenders = state
        .db
        .report_only_offenders(account_id, TOP_ADDRESSES)
        .await?;
    for token in tokens.iter_mut() {
        let Some(report) = token.report_only.as_mut() else {
            continue;
        };
        if let Some(t) = totals.iter().find(|t| t.token_id == token.id) {
            report.would_refuse = t.requests;
            report.addresses = t.addresses;
        }
        report.top = offenders
            .iter()
            .filter(|o| o.token_id == token.id)
            .map(|o| WouldRefuseFrom {
                address: o.address.clone(),
                reason: o.reason.clone(),
                operation: o.operation.clone(),
                requests: o.requests,
            })
            .collect();
    }
    Ok(())
}

/// Queues a notice for each token of the organization whose report-only guards were added at
/// least `QUIET_DAYS` ago and have refused nothing in that time: they are safe to enforce. One
/// notice per set of report-only guards (its kind names when they were added).
pub async fn schedule_quiet_notices(
    state: &AppState,
    organization_id: &str,
    now: i64,
    limit: i64,
) -> Result<usize, ApiError> {
    let quiet_from = super::usage::day_string((now - QUIET_DAYS * DAY_MS).div_euclid(DAY_MS));
    let quiet = state
        .db
        .quiet_report_only(organization_id, now - QUIET_DAYS * DAY_MS, &quiet_from, limit)
        .await?;
    let mut new = 0;
    for t in quiet {
        let id = crate::auth::random::new_id("ntc");
        let payload = serde_json::json!({
            "event": "token.report_only_quiet",
            "notice": "report_only_quiet",
            "id": id,
            "organization": {"id": t.organization_id, "slug": t.organization_slug},
            "service_account": {"id": t.account_id, "name": t.account_name},
            "token": {"id": t.token_id, "name": t.token_name},
            "report_only_since": rfc3339(t.report_only_since),
            "quiet_days": QUIET_DAYS,
        })
        .to_string();
        let notice = crate::store::NewNotice {
            id: &id,
            organization_id: &t.organization_id,
            token_id: &t.token_id,
            kind: QUIET_NOTICE,
            payload: &payload,
            now,
        };
        if state.db.insert_notice(&notice).await? {
            new += 1;
        }
    }
    Ok(new)
}
