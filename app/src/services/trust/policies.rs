//! Adding, listing and removing trust policies. A policy is a token factory, so creating one
//! passes the same ceiling as creating a token: the caller must cover the account, hold the
//! scopes, and may narrow only within its own narrowing; the policy keeps the caller's cap,
//! and every token it issues carries that cap (the lower of it and the account's role acts).

use crate::auth::random::new_id;
use crate::domain::{
    parse_audience, parse_conditions, parse_issuer, parse_lifetime, parse_scopes, ApiError,
    ClaimCondition, TrustExchange, TrustPolicy, RECENT_EXCHANGES,
};
use crate::services::access::minting::{mint_limits, narrowing};
use crate::services::audit::{event, AuditAction, Target};
use crate::services::clock::{now_ms, rfc3339, rfc3339_opt};
use crate::services::service_accounts::{account_for_change, account_of, check_ceiling};
use crate::services::Caller;
use crate::state::AppState;
use crate::store::{ExchangeRow, NewTrustPolicy, TrustPolicyRow};

/// A policy to add, not yet validated.
pub struct NewTrustInput {
    pub service_account_id: String,
    pub issuer: String,
    pub audience: String,
    pub conditions: Vec<ClaimCondition>,
    pub scopes: Option<Vec<String>>,
    pub permissions: Option<Vec<String>>,
    pub workspaces: Option<Vec<String>>,
    pub lifetime_seconds: Option<i64>,
}

/// A stored comma-separated list, `None` staying `None`.
fn split_list(text: Option<&str>) -> Option<Vec<String>> {
    text.map(|t| {
        t.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
}

/// The API object of a stored policy.
pub fn to_api(row: TrustPolicyRow) -> TrustPolicy {
    TrustPolicy {
        conditions: serde_json::from_str(&row.conditions).unwrap_or_default(),
        id: row.id,
        service_account_id: row.service_account_id,
        issuer: row.issuer,
        audience: row.audience,
        scopes: row.scopes.0,
        narrow_permissions: split_list(row.narrow_permissions.as_deref()),
        narrow_workspaces: split_list(row.narrow_workspaces.as_deref()),
        lifetime_seconds: row.lifetime_seconds,
        created_at: rfc3339(row.created_at),
        created_by: row.created_by,
        last_exchange_at: rfc3339_opt(row.last_exchange_at),
        recent_exchanges: Vec::new(),
    }
}

/// The API object of a token an exchange issued.
fn exchange_to_api(row: ExchangeRow) -> TrustExchange {
    TrustExchange {
        token_id: row.id,
        at: rfc3339(row.created_at),
        expires_at: rfc3339_opt(row.expires_at),
        revoked: row.revoked_at.is_some(),
        claims: row
            .exchanged_claims
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default(),
    }
}

/// Adds a policy to an account of the caller's organization.
#[tracing::instrument(skip(state, caller, input), fields(org = %caller.principal.organization.id))]
pub async fn add(
    state: &AppState,
    caller: &Caller,
    input: NewTrustInput,
) -> Result<TrustPolicy, ApiError> {
    let issuer = parse_issuer(&input.issuer)?;
    let audience = parse_audience(&input.audience)?;
    let conditions = parse_conditions(&input.conditions)?;
    let scopes = parse_scopes(input.scopes.as_deref())?;
    let lifetime = parse_lifetime(input.lifetime_seconds)?;
    let org = caller.principal.organization.id.clone();
    let mut tx = state.db.begin().await?;
    let account = account_for_change(state, &mut tx, caller, &input.service_account_id).await?;
    let limits = mint_limits(&mut tx, caller).await?;
    limits.check_scopes(&scopes)?;
    // A policy issues tokens for as long as it exists: a caller whose own token expires
    // cannot leave behind something that outlives it.
    limits.check_no_expiry_for_factory("a trust policy")?;
    let narrowed = narrowing(
        state,
        &mut tx,
        caller,
        (&account.id, account.role),
        &limits,
        input.permissions,
        input.workspaces,
    )
    .await?;
    let row = NewTrustPolicy {
        id: new_id("trp"),
        organization_id: org.clone(),
        service_account_id: account.id.clone(),
        issuer: issuer.clone(),
        audience,
        conditions: serde_json::to_string(&conditions).map_err(|_| ApiError::internal())?,
        scopes: crate::store::Scopes(scopes),
        role_cap: limits.role,
        cap_permissions: limits.extra_text(),
        narrow_permissions: narrowed.permissions,
        narrow_workspaces: narrowed.workspaces,
        lifetime_seconds: lifetime,
        created_by: caller.display_name(),
        created_at: now_ms(),
        last_exchange_at: None,
    };
    tx.insert_trust_policy(&row).await?;
    let mut record = event(
        caller,
        AuditAction::TrustAdd,
        Some(Target::service_account(&account.id, &account.name)),
    );
    record.details = Some(
        serde_json::json!({"policy_id": row.id, "issuer": issuer, "audience": row.audience, "conditions": conditions})
            .to_string(),
    );
    tx.insert_audit(&record).await?;
    tx.commit().await?;
    Ok(to_api(row))
}

/// The policies of an account of the caller's organization, each with its latest exchanges.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    service_account_id: &str,
) -> Result<Vec<TrustPolicy>, ApiError> {
    account_of(state, caller, service_account_id).await?;
    let mut exchanges = state
        .db
        .recent_exchanges(service_account_id, RECENT_EXCHANGES)
        .await?;
    Ok(state
        .db
        .trust_policies(service_account_id)
        .await?
        .into_iter()
        .map(|row| {
            let (mine, others) = exchanges
                .drain(..)
                .partition(|e| e.trust_policy_id == row.id);
            exchanges = others;
            TrustPolicy {
                recent_exchanges: mine.into_iter().map(exchange_to_api).collect(),
                ..to_api(row)
            }
        })
        .collect())
}

/// Removes a policy; the tokens it issued are revoked with it, so removing trust takes
/// effect at once rather than when the last exchanged token expires.
#[tracing::instrument(skip(state, caller), fields(org = %caller.principal.organization.id))]
pub async fn remove(state: &AppState, caller: &Caller, id: &str) -> Result<u64, ApiError> {
    let org = caller.principal.organization.id.clone();
    let mut tx = state.db.begin().await?;
    let policy = tx
        .trust_policy(&org, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Trust policy"))?;
    let account = tx
        .account(&org, &policy.service_account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Trust policy"))?;
    check_ceiling(state, caller, &account).await?;
    let tokens = tx.tokens_of_trust_policy(&policy.id).await?;
    let now = now_ms();
    for token in &tokens {
        tx.revoke_token(token, now).await?;
    }
    tx.delete_trust_policy(&policy.id).await?;
    let mut record = event(
        caller,
        AuditAction::TrustRemove,
        Some(Target::service_account(&account.id, &account.name)),
    );
    record.details = Some(
        serde_json::json!({"policy_id": policy.id, "issuer": policy.issuer, "revoked": tokens.len()})
            .to_string(),
    );
    tx.insert_audit(&record).await?;
    tx.commit().await?;
    Ok(tokens.len() as u64)
}
