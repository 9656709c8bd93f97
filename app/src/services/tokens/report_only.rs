//! Report-only restrictions: guards, a narrowing (scopes, permissions, workspaces) or an
//! earlier expiry proposed for a token, that refuse nothing. A request they would refuse still
//! succeeds; it is counted (token, day, address, reason, operation) so the account's page can
//! say what enforcing them would break. An admin then enforces them (the token gets them) or
//! discards them. A notice says when they have refused nothing for 7 days.
//!
//! Counting costs no write per request: refusals are noted in memory and written with the
//! usage batch. A proposed rate limit is counted like an enforced one, in its own windows; a
//! proposed max uses spends its own count (`report_only_uses`). A narrowing is tried where
//! operations are authorized (each API operation's permission, `/auth/verify`'s requirement);
//! checks made deeper inside an operation (a binding in a workspace) are not tried.

use super::guards::{self, TokenGuards};
use super::issuing::{split_list, to_api, token_for_change};
use crate::domain::{
    parse_scopes, ApiError, Guards, ReportOnly, Scope, Token, WouldRefuseFrom, MAX_EXPIRY_DAYS,
};
use crate::services::access::minting::{mint_limits, narrowing};
use crate::services::audit::{event, AuditAction, Target};
use crate::services::clock::{now_ms, rfc3339, rfc3339_opt, DAY_MS};
use crate::services::{Authenticated, Caller, RequestMeta};
use crate::state::AppState;
use crate::store::{Db, Narrowed, ReportOnlyColumns, Scopes, TokenRow, Tx, WouldRefuse};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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

/// What one count is kept per: token, day, client address, reason, operation.
type RefusalKey = (String, i64, String, &'static str, String);

/// What a token's report-only guards would have refused since the last flush.
#[derive(Default)]
pub struct WouldRefuseRecorder {
    pending: Mutex<HashMap<RefusalKey, i64>>,
}

impl WouldRefuseRecorder {
    /// Notes one request of `token_id` that report-only restrictions would have refused for
    /// `reason`; no I/O.
    pub fn note(&self, token_id: &str, meta: &RequestMeta, reason: &'static str, at: i64) {
        let day = at.div_euclid(DAY_MS);
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let (address, operation) = if pending.len() < MAX_PENDING {
            (meta.ip.clone(), meta.operation.clone())
        } else {
            ("*".to_string(), "*".to_string())
        };
        *pending
            .entry((token_id.to_string(), day, address, reason, operation))
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
            .map(
                |((token_id, day, address, reason, operation), n)| WouldRefuse {
                    token_id: token_id.clone(),
                    day: super::usage::day_string(*day),
                    address: address.clone(),
                    reason: reason.to_string(),
                    operation: operation.clone(),
                    requests: *n,
                },
            )
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

/// What a token's report-only restrictions check on every request it authenticates, parsed
/// once per credential read.
#[derive(Debug)]
pub struct ReportOnlyChecks {
    guards: Option<TokenGuards>,
    expires_at: Option<i64>,
}

/// The per-request checks of a token's report-only restrictions (`None`: nothing to check on
/// each request; a narrowing is tried where operations are authorized).
pub fn parse(columns: &ReportOnlyColumns) -> Option<ReportOnlyChecks> {
    let guards = columns
        .guards()
        .and_then(|g| TokenGuards::from_columns(&g))
        .map(TokenGuards::report_only);
    let expires_at = columns
        .report_only_since
        .and(columns.report_only_expires_at);
    (guards.is_some() || expires_at.is_some()).then_some(ReportOnlyChecks { guards, expires_at })
}

/// Tries a request the token's own guards admitted against its report-only ones and its
/// proposed expiry, and notes it when they would have refused it. Never refuses: a failure to
/// count is logged.
pub async fn observe(
    state: &AppState,
    checks: &ReportOnlyChecks,
    token_id: &str,
    meta: &RequestMeta,
    now: i64,
) {
    if checks.expires_at.is_some_and(|at| at <= now) {
        state
            .usage
            .would_refuse
            .note(token_id, meta, "expired", now);
        return;
    }
    let Some(proposed) = &checks.guards else {
        return;
    };
    match proposed
        .admit(&state.db, &state.rate_windows, token_id, &meta.ip, now)
        .await
    {
        Ok(Some(refusal)) => state
            .usage
            .would_refuse
            .note(token_id, meta, refusal.reason(), now),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e.message(), "could not count a report-only guard"),
    }
}

/// The principal a token would be with its proposed narrowing, to try each operation against
/// (`None`: no narrowing is proposed).
pub fn narrowed(auth: &Authenticated, columns: &ReportOnlyColumns) -> Option<Arc<Authenticated>> {
    if !columns.narrows() {
        return None;
    }
    let mut proposed = auth.clone();
    let mut access = (*auth.access).clone();
    let limits = access.limits.get_or_insert_with(Default::default);
    if let Some(scopes) = scopes_of(columns.report_only_scopes.as_deref()) {
        proposed.principal.scopes = scopes.clone();
        limits.scopes = Some(scopes);
    }
    if let Some(p) = split_list(columns.report_only_permissions.as_deref()) {
        limits.permissions = Some(p.into_iter().collect());
    }
    if let Some(w) = split_list(columns.report_only_workspaces.as_deref()) {
        limits.workspaces = Some(w.into_iter().collect());
    }
    proposed.access = Arc::new(access);
    proposed.report_only = None;
    Some(Arc::new(proposed))
}

/// Notes that the token `auth` authenticated would have been refused this operation by its
/// proposed narrowing.
pub fn note_narrowed(state: &AppState, auth: &Authenticated, meta: &RequestMeta) {
    if let Some(token) = &auth.principal.token {
        state
            .usage
            .would_refuse
            .note(&token.id, meta, "narrowed", now_ms());
    }
}

fn scopes_of(text: Option<&str>) -> Option<Vec<Scope>> {
    text.map(|t| t.split(',').filter_map(Scope::parse).collect())
}

/// What may be proposed, as the API takes it.
#[derive(Debug, Clone, Default)]
pub struct Proposal {
    pub guards: Option<Guards>,
    pub scopes: Option<Vec<String>>,
    pub permissions: Option<Vec<String>>,
    pub workspaces: Option<Vec<String>>,
    pub expires_in_days: Option<i64>,
}

/// Gives a token report-only restrictions (replacing earlier ones and their report). Each must
/// restrict: guards, scopes, permissions and workspaces within what the token has, an expiry
/// before its own. The token itself is unchanged.
pub async fn propose(
    state: &AppState,
    caller: &Caller,
    id: &str,
    proposal: Proposal,
) -> Result<Token, ApiError> {
    let guard_columns = proposal
        .guards
        .as_ref()
        .map(guards::parse_columns)
        .transpose()?;
    if guard_columns
        .as_ref()
        .is_some_and(|g| *g == Default::default())
    {
        return Err(ApiError::invalid(
            "guards",
            "Proposed guards need at least one guard: a network, a rate limit or max uses.",
        ));
    }
    let scopes = proposal
        .scopes
        .as_deref()
        .map(|s| parse_scopes(Some(s)))
        .transpose()?;
    let days = proposal.expires_in_days;
    if days.is_some_and(|d| !(1..=MAX_EXPIRY_DAYS).contains(&d)) {
        return Err(ApiError::invalid(
            "expires_in_days",
            format!("Expiration must be between 1 and {MAX_EXPIRY_DAYS} days."),
        ));
    }
    let nothing = guard_columns.is_none()
        && scopes.is_none()
        && proposal.permissions.is_none()
        && proposal.workspaces.is_none()
        && days.is_none();
    if nothing {
        return Err(ApiError::invalid(
            "guards",
            "Propose something to try: guards, scopes, permissions, workspaces or an earlier expiry.",
        ));
    }
    let org = caller.principal.organization.id.clone();
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    let token = token_for_change(state, &mut tx, caller, id).await?;
    if let Some(wanted) = &scopes {
        if let Some(extra) = wanted.iter().find(|s| !token.scopes.contains(s)) {
            return Err(ApiError::invalid(
                "scopes",
                format!(
                    "Token {} has no '{}' scope to narrow to: propose only scopes it has.",
                    token.name,
                    extra.as_str()
                ),
            ));
        }
    }
    let expires_at = days.map(|d| now + d * DAY_MS);
    if let (Some(proposed), Some(own)) = (expires_at, token.expires_at) {
        if proposed >= own {
            return Err(ApiError::invalid(
                "expires_in_days",
                format!(
                    "Token {} already expires at {}: propose an earlier expiry.",
                    token.name,
                    rfc3339(own)
                ),
            ));
        }
    }
    let narrowed = if proposal.permissions.is_some() || proposal.workspaces.is_some() {
        let account = tx
            .account(&org, &token.service_account_id)
            .await?
            .ok_or_else(|| ApiError::not_found("Token"))?;
        let limits = mint_limits(&mut tx, caller).await?;
        let n = narrowing(
            state,
            &mut tx,
            caller,
            (&account.id, account.role),
            &limits,
            proposal.permissions.clone(),
            proposal.workspaces.clone(),
        )
        .await?;
        within_token(
            "permissions",
            proposal.permissions.is_some(),
            n.permissions.as_deref(),
            token.narrow_permissions.as_deref(),
            &token.name,
        )?;
        within_token(
            "workspaces",
            proposal.workspaces.is_some(),
            n.workspaces.as_deref(),
            token.narrow_workspaces.as_deref(),
            &token.name,
        )?;
        Some(n)
    } else {
        None
    };
    let g = guard_columns.unwrap_or_default();
    let columns = ReportOnlyColumns {
        report_only_networks: g.allowed_networks,
        report_only_rate_limit_per_minute: g.rate_limit_per_minute,
        report_only_max_uses: g.max_uses,
        report_only_scopes: scopes.as_deref().map(Scopes::to_text),
        report_only_permissions: narrowed
            .as_ref()
            .filter(|_| proposal.permissions.is_some())
            .and_then(|n| n.permissions.clone()),
        report_only_workspaces: narrowed
            .as_ref()
            .filter(|_| proposal.workspaces.is_some())
            .and_then(|n| n.workspaces.clone()),
        report_only_expires_at: expires_at,
        report_only_since: Some(now),
    };
    tx.set_report_only(&token.id, Some(&columns)).await?;
    let details = serde_json::json!({
        "old": shown(&token.report_only, now).map(|r| r.proposal()),
        "new": shown(&columns, now).map(|r| r.proposal()),
    });
    let action = AuditAction::TokenReportOnlyPropose;
    audited(tx, caller, &token, action, details, now).await
}

/// Records `action` on `token` with `details`, commits, and answers the token as it is now.
async fn audited(
    mut tx: Tx,
    caller: &Caller,
    token: &TokenRow,
    action: AuditAction,
    details: serde_json::Value,
    now: i64,
) -> Result<Token, ApiError> {
    let mut record = event(caller, action, Some(Target::token(&token.id, &token.name)));
    record.details = Some(details.to_string());
    tx.insert_audit(&record).await?;
    let org = &caller.principal.organization.id;
    let row = tx
        .token(org, &token.id)
        .await?
        .ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(to_api(row, now))
}

/// A token the caller may change, with what is proposed for it: 409 naming `id` when nothing
/// is.
async fn with_proposal(
    state: &AppState,
    tx: &mut Tx,
    caller: &Caller,
    id: &str,
    now: i64,
) -> Result<(TokenRow, ReportOnly), ApiError> {
    let token = token_for_change(state, tx, caller, id).await?;
    match shown(&token.report_only, now) {
        Some(proposed) => Ok((token, proposed)),
        None => Err(ApiError::conflict(
            "id",
            format!("Token {} has nothing report-only to apply.", token.name),
        )),
    }
}

/// A proposed narrowing must not reach beyond the token's own (it inherits none when it asks
/// for none; `asked` says whether it asked).
fn within_token(
    field: &str,
    asked: bool,
    proposed: Option<&str>,
    own: Option<&str>,
    name: &str,
) -> Result<(), ApiError> {
    let (Some(proposed), Some(own), true) = (proposed, own, asked) else {
        return Ok(());
    };
    let own: Vec<&str> = own.split(',').collect();
    match proposed.split(',').find(|p| !own.contains(p)) {
        None => Ok(()),
        Some(extra) => Err(ApiError::invalid(
            field,
            format!(
                "Token {name} is already narrowed without '{extra}': propose only what it has."
            ),
        )),
    }
}

/// Applies a token's report-only restrictions, from the next request on every replica: its
/// guards, scopes, narrowing and expiry become the proposed ones (each that was proposed). Uses
/// counted against proposed max uses carry over, so enforcing changes nothing the report did
/// not show.
pub async fn enforce(state: &AppState, caller: &Caller, id: &str) -> Result<Token, ApiError> {
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    let (token, proposed) = with_proposal(state, &mut tx, caller, id, now).await?;
    let before = enforced_view(&token);
    let r = &token.report_only;
    if let Some(new_guards) = r.guards() {
        if new_guards.max_uses.is_some() {
            let spent = tx.report_only_uses(&token.id).await?;
            tx.set_token_uses(&token.id, spent.max(token.uses)).await?;
        }
        tx.set_token_guards(&token.id, &new_guards).await?;
    }
    let narrows = r.narrows() || r.report_only_expires_at.is_some();
    if narrows {
        let scopes = r
            .report_only_scopes
            .clone()
            .unwrap_or_else(|| Scopes::to_text(&token.scopes));
        tx.narrow_token(&Narrowed {
            id: &token.id,
            scopes: &scopes,
            permissions: r
                .report_only_permissions
                .as_deref()
                .or(token.narrow_permissions.as_deref()),
            workspaces: r
                .report_only_workspaces
                .as_deref()
                .or(token.narrow_workspaces.as_deref()),
            expires_at: r.report_only_expires_at.or(token.expires_at),
        })
        .await?;
    }
    tx.set_report_only(&token.id, None).await?;
    let details = serde_json::json!({"old": before, "new": proposed.proposal()});
    let action = AuditAction::TokenReportOnlyEnforce;
    audited(tx, caller, &token, action, details, now).await
}

/// What the token had of what the proposal replaces, in the proposal's words.
fn enforced_view(token: &TokenRow) -> String {
    let r = &token.report_only;
    let mut parts = Vec::new();
    if r.guards().is_some() {
        parts.push(guards::from_columns(&token.guards).summary());
    }
    if r.report_only_scopes.is_some() {
        parts.push(format!(
            "scopes {}",
            Scopes::to_text(&token.scopes).replace(',', ", ")
        ));
    }
    if r.report_only_permissions.is_some() {
        let own = token
            .narrow_permissions
            .as_deref()
            .unwrap_or("all it holds");
        parts.push(format!("permissions {}", own.replace(',', ", ")));
    }
    if r.report_only_workspaces.is_some() {
        let own = token.narrow_workspaces.as_deref().unwrap_or("all");
        parts.push(format!("workspaces {}", own.replace(',', ", ")));
    }
    if r.report_only_expires_at.is_some() {
        let own = rfc3339_opt(token.expires_at).unwrap_or_else(|| "never".into());
        parts.push(format!("expires {own}"));
    }
    parts.join("; ")
}

/// Drops a token's report-only restrictions and their report; the token stays as it is.
pub async fn discard(state: &AppState, caller: &Caller, id: &str) -> Result<Token, ApiError> {
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    let (token, proposed) = with_proposal(state, &mut tx, caller, id, now).await?;
    tx.set_report_only(&token.id, None).await?;
    let details = serde_json::json!({"discarded": proposed.proposal()});
    let action = AuditAction::TokenReportOnlyDiscard;
    audited(tx, caller, &token, action, details, now).await
}

/// A token's report-only restrictions as the API shows them, without counts (the list adds
/// them).
pub fn shown(columns: &ReportOnlyColumns, now: i64) -> Option<ReportOnly> {
    let since = columns.report_only_since?;
    Some(ReportOnly {
        guards: columns.guards().map(|g| guards::from_columns(&g)),
        scopes: scopes_of(columns.report_only_scopes.as_deref()),
        permissions: split_list(columns.report_only_permissions.as_deref()),
        workspaces: split_list(columns.report_only_workspaces.as_deref()),
        expires_at: rfc3339_opt(columns.report_only_expires_at),
        since: rfc3339(since),
        would_refuse: 0,
        addresses: 0,
        days: ((now - since) / DAY_MS + 1).max(1),
        top: Vec::new(),
    })
}

/// Fills in what the report-only restrictions of an account's tokens would have refused.
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
        .quiet_report_only(
            organization_id,
            now - QUIET_DAYS * DAY_MS,
            &quiet_from,
            limit,
        )
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
