//! API tokens: issuing (secret shown once), listing, revoking.
//!
//! Longer than most files: creating, refreshing and revoking share the account checks, the
//! mint limits and the audit record, which read best side by side.

use crate::auth::random::new_id;
use crate::auth::token_secret;
use crate::domain::{
    parse_description, parse_expiry_days, parse_scopes, ApiError, Guards, IssuedToken, LeakReport,
    ResourceName, SessionJson, Token, TokenStatus,
};
use crate::services::access::minting::{
    lifetime_within_policy, lowered_cap, mint_limits, narrowing,
};
use crate::services::audit::{event, AuditAction, Target};
use crate::services::clock::{now_ms, rfc3339, rfc3339_opt, DAY_MS};
use crate::services::service_accounts::{account_for_change, account_of, check_ceiling};
use crate::services::tokens::guards::{self, parse_columns};
use crate::services::tokens::verification::effective_role;
use crate::services::{on_unique, Caller};
use crate::state::AppState;
use crate::store::{NewToken, ReplacedSecret, Scopes, TokenRow};

/// Tokens expiring within this window are flagged "expires soon".
const EXPIRES_SOON_MS: i64 = 7 * DAY_MS;

/// Converts a stored row to the API object, deciding its status at `now`.
pub fn to_api(row: TokenRow, now: i64) -> Token {
    let expired = row.expires_at.is_some_and(|at| at <= now);
    let status = if row.account_disabled || row.leaked_at.is_some() {
        TokenStatus::Suspended
    } else if expired {
        TokenStatus::Expired
    } else {
        TokenStatus::Active
    };
    let expires_soon = status == TokenStatus::Active
        && row.expires_at.is_some_and(|at| at - now <= EXPIRES_SOON_MS);
    let role_cap = row.role_cap;
    let effective_role = effective_role(row.account_role, row.role_cap);
    Token {
        id: row.id,
        service_account_id: row.service_account_id,
        name: row.name,
        description: row.description,
        scopes: row.scopes.0,
        hint: row.hint,
        created_at: rfc3339(row.created_at),
        created_by: row.created_by,
        expires_at: rfc3339_opt(row.expires_at),
        last_used_at: rfc3339_opt(row.last_used_at),
        last_used_ip: row.last_used_ip,
        status,
        expires_soon,
        role_cap,
        effective_role,
        narrow_permissions: split_list(row.narrow_permissions.as_deref()),
        narrow_workspaces: split_list(row.narrow_workspaces.as_deref()),
        exchanged_from: row.exchanged_from,
        exchanged_claims: row
            .exchanged_claims
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok()),
        guards: guards::from_columns(&row.guards),
        uses: row.uses,
        leak: row.leaked_at.map(|at| LeakReport {
            reported_at: rfc3339(at),
            url: row.leak_url,
            source: row.leak_source,
        }),
        report_only: super::report_only::shown(&row.report_only, now),
    }
}

/// A stored comma-separated list, `None` staying `None`.
pub(crate) fn split_list(text: Option<&str>) -> Option<Vec<String>> {
    text.map(|t| {
        t.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
}

/// Input for a new token, not yet validated.
pub struct NewTokenInput {
    pub service_account_id: String,
    pub name: String,
    pub description: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub expires_in_days: Option<i64>,
    pub never_expires: bool,
    /// Narrow the token to some of the account's permissions (`None`: all it holds, now and later).
    pub permissions: Option<Vec<String>>,
    /// Narrow the token to some workspaces, by id or name.
    pub workspaces: Option<Vec<String>>,
    /// Its own guards (`None`: its account's defaults).
    pub guards: Option<Guards>,
}

/// A just-issued secret with its token and the `session.json` the UI offers for download.
fn issued_token(state: &AppState, row: TokenRow, secret: String, now: i64) -> IssuedToken {
    let session_json = SessionJson {
        access_token: secret.clone(),
        tenant_url: state.config.tenant_url(),
        scopes: row.scopes.0.clone(),
    };
    IssuedToken {
        token: to_api(row, now),
        secret,
        session_json,
    }
}

/// Issues a token for an account of the caller's organization.
#[tracing::instrument(skip(state, caller, input), fields(org = %caller.principal.organization.id, account = %input.service_account_id))]
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: NewTokenInput,
) -> Result<IssuedToken, ApiError> {
    let name = ResourceName::parse("name", &input.name)?;
    let description = parse_description("description", input.description.as_deref())?;
    let scopes = parse_scopes(input.scopes.as_deref())?;
    let days = parse_expiry_days(input.expires_in_days, input.never_expires)?;
    let own_guards = input.guards.as_ref().map(parse_columns).transpose()?;
    let org = caller.principal.organization.id.clone();
    let mut tx = state.db.begin().await?;
    let account = account_for_change(state, &mut tx, caller, &input.service_account_id).await?;
    let token_guards = own_guards.unwrap_or_else(|| account.default_guards.clone());
    let is_default = input.expires_in_days.is_none() && !input.never_expires;
    let days = lifetime_within_policy(&mut tx, &org, days, is_default).await?;
    let now = now_ms();
    let limits = mint_limits(&mut tx, caller).await?;
    let expires_at = limits.expiry(days.map(|d| now + d * DAY_MS), is_default);
    limits.check_scopes(&scopes)?;
    limits.check_expiry(expires_at)?;
    let account_role = account.role;
    let narrowed = narrowing(
        state,
        &mut tx,
        caller,
        (&account.id, account_role),
        &limits,
        input.permissions,
        input.workspaces,
    )
    .await?;
    let cap_permissions = limits.extra_text();
    let issued = token_secret::generate();
    let id = new_id("tok");
    let scopes_text = Scopes::to_text(&scopes);
    let created_by = caller.display_name();
    tx.insert_token(&NewToken {
        id: &id,
        organization_id: &org,
        service_account_id: &account.id,
        name: name.as_str(),
        description: &description,
        scopes: &scopes_text,
        secret_hash: &issued.hash,
        hint: &issued.hint,
        created_by: &created_by,
        created_at: now,
        expires_at,
        role_cap: limits.role.as_str(),
        cap_permissions: cap_permissions.as_deref(),
        narrow_permissions: narrowed.permissions.as_deref(),
        narrow_workspaces: narrowed.workspaces.as_deref(),
        guards: &token_guards,
        exchanged: None,
    })
    .await
    .map_err(on_unique(
        "name",
        format!(
            "This service account already has a token named '{}'.",
            name.as_str()
        ),
    ))?;
    let mut record = event(
        caller,
        AuditAction::TokenCreate,
        Some(Target::token(&id, name.as_str())),
    );
    if token_guards != Default::default() {
        let summary = guards::from_columns(&token_guards).summary();
        record.details = Some(serde_json::json!({ "guards": summary }).to_string());
    }
    tx.insert_audit(&record).await?;
    let row = tx.token(&org, &id).await?.ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(issued_token(state, row, issued.secret, now))
}

/// The live tokens of an account of the caller's organization.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    service_account_id: &str,
) -> Result<Vec<Token>, ApiError> {
    account_of(state, caller, service_account_id).await?;
    let now = now_ms();
    let mut tokens: Vec<Token> = state
        .db
        .list_tokens(service_account_id)
        .await?
        .into_iter()
        .map(|r| to_api(r, now))
        .collect();
    super::report_only::add_reports(state, service_account_id, &mut tokens).await?;
    Ok(tokens)
}

/// A live token of the caller's organization that the caller may change: 404 for another
/// organization's or an unknown one, 403 when its account is above what the caller may manage.
pub async fn token_for_change(
    state: &AppState,
    tx: &mut crate::store::Tx,
    caller: &Caller,
    id: &str,
) -> Result<TokenRow, ApiError> {
    let org = &caller.principal.organization.id;
    let token = tx
        .token(org, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Token"))?;
    let account = tx
        .account(org, &token.service_account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Token"))?;
    check_ceiling(state, caller, &account).await?;
    Ok(token)
}

/// Revokes a token permanently and at once.
#[tracing::instrument(skip(state, caller), fields(org = %caller.principal.organization.id))]
pub async fn revoke(state: &AppState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    let mut tx = state.db.begin().await?;
    let token = token_for_change(state, &mut tx, caller, id).await?;
    tx.revoke_token(&token.id, now_ms()).await?;
    tx.insert_audit(&event(
        caller,
        AuditAction::TokenRevoke,
        Some(Target::token(&token.id, &token.name)),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces a token's guards (all three at once: an absent one is removed). Takes effect on
/// every replica at the next request, like a revocation. (Guards to try first are
/// `report_only::propose`.)
#[tracing::instrument(skip(state, caller, new), fields(org = %caller.principal.organization.id))]
pub async fn update_guards(
    state: &AppState,
    caller: &Caller,
    id: &str,
    new: &Guards,
) -> Result<Token, ApiError> {
    let columns = parse_columns(new)?;
    let org = caller.principal.organization.id.clone();
    let mut tx = state.db.begin().await?;
    let token = token_for_change(state, &mut tx, caller, id).await?;
    tx.set_token_guards(&token.id, &columns).await?;
    let mut record = event(
        caller,
        AuditAction::TokenUpdateGuards,
        Some(Target::token(&token.id, &token.name)),
    );
    record.details = Some(guard_change(&token.guards, &columns));
    tx.insert_audit(&record).await?;
    let row = tx
        .token(&org, &token.id)
        .await?
        .ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(to_api(row, now_ms()))
}

/// The audit details of a change of guards: `{"old": "...", "new": "..."}`.
pub fn guard_change(old: &crate::store::GuardColumns, new: &crate::store::GuardColumns) -> String {
    serde_json::json!({
        "old": guards::from_columns(old).summary(),
        "new": guards::from_columns(new).summary(),
    })
    .to_string()
}

/// Input for a refresh, not yet validated.
pub struct RefreshInput {
    pub id: String,
    pub expires_in_days: Option<i64>,
    pub never_expires: bool,
    pub grace_seconds: Option<i64>,
}

/// Longest grace period during which a refreshed token's old secret keeps working.
pub const MAX_GRACE_SECONDS: i64 = 7 * 86_400;

/// Gives a token a new secret, keeping its name, description, scopes and history. With a grace
/// period the old secret keeps working until it ends, so rotation needs no downtime.
#[tracing::instrument(skip(state, caller, input), fields(org = %caller.principal.organization.id))]
pub async fn refresh(
    state: &AppState,
    caller: &Caller,
    input: RefreshInput,
) -> Result<IssuedToken, ApiError> {
    let days = parse_expiry_days(input.expires_in_days, input.never_expires)?;
    let grace = input.grace_seconds.unwrap_or(0);
    if !(0..=MAX_GRACE_SECONDS).contains(&grace) {
        return Err(ApiError::invalid(
            "grace_seconds",
            format!("Grace period must be between 0 and {MAX_GRACE_SECONDS} seconds."),
        ));
    }
    let org = caller.principal.organization.id.clone();
    let mut tx = state.db.begin().await?;
    let token = token_for_change(state, &mut tx, caller, &input.id).await?;
    let is_default = input.expires_in_days.is_none() && !input.never_expires;
    let days = lifetime_within_policy(&mut tx, &org, days, is_default).await?;
    let now = now_ms();
    // A new secret for a token is as good as a new token: the same limits apply, and the cap
    // can only go down.
    let limits = mint_limits(&mut tx, caller).await?;
    let expires_at = limits.expiry(days.map(|d| now + d * DAY_MS), is_default);
    limits.check_scopes(&token.scopes)?;
    limits.check_expiry(expires_at)?;
    limits.check_narrowing(
        token.narrow_permissions.as_deref(),
        token.narrow_workspaces.as_deref(),
    )?;
    let (cap, cap_extra) = lowered_cap(token.role_cap, token.cap_permissions.as_deref(), &limits);
    let issued = token_secret::generate();
    let grace_until = (grace > 0).then(|| now + grace * 1000);
    tx.replace_token_secret(&ReplacedSecret {
        id: &token.id,
        secret_hash: &issued.hash,
        hint: &issued.hint,
        expires_at,
        previous_valid_until: grace_until,
        role_cap: cap.as_str(),
        cap_permissions: cap_extra.as_deref(),
    })
    .await?;
    let mut record = event(
        caller,
        AuditAction::TokenRefresh,
        Some(Target::token(&token.id, &token.name)),
    );
    record.details = Some(serde_json::json!({ "grace_seconds": grace }).to_string());
    tx.insert_audit(&record).await?;
    let row = tx
        .token(&org, &token.id)
        .await?
        .ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(issued_token(state, row, issued.secret, now))
}

/// Revokes every live token of an account; returns how many.
#[tracing::instrument(skip(state, caller), fields(org = %caller.principal.organization.id))]
pub async fn revoke_all(
    state: &AppState,
    caller: &Caller,
    service_account_id: &str,
) -> Result<u64, ApiError> {
    let mut tx = state.db.begin().await?;
    let account = account_for_change(state, &mut tx, caller, service_account_id).await?;
    let revoked = tx.revoke_account_tokens(&account.id, now_ms()).await?;
    let mut record = event(
        caller,
        AuditAction::TokenRevokeAll,
        Some(Target::service_account(&account.id, &account.name)),
    );
    record.details = Some(serde_json::json!({ "revoked": revoked }).to_string());
    tx.insert_audit(&record).await?;
    tx.commit().await?;
    Ok(revoked)
}
