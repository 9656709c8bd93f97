//! `tokens/*`: create, list, refresh, revoke, update-guards, report-only restrictions
//! (propose, enforce, discard), restore.

use crate::api::{Empty, Items};
use crate::domain::{ApiError, Guards, IssuedToken, Token};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Issues a token for a service account.
// Each argument is a field of the JSON body scripts send, so there are as many as it has.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "v1/tokens/create", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn create_token(
    /// The account the token acts as.
    service_account_id: String,
    /// Unique among the account's live tokens; lowercase a-z, 0-9, `-` and `_`.
    name: String,
    description: Option<String>,
    /// `read`, `write` or both; default both.
    scopes: Option<Vec<String>>,
    /// 1–3650, at most the organization's maximum lifetime; default 30 (or that maximum, when
    /// it is shorter).
    expires_in_days: Option<i64>,
    /// A token that never expires; refused when the organization sets a maximum lifetime.
    never_expires: Option<bool>,
    /// Narrow the token to these permissions (each held by the account and the caller).
    permissions: Option<Vec<String>>,
    /// Narrow the token to these workspaces (by name).
    workspaces: Option<Vec<String>>,
    /// Where it may be used from, how fast, how often; default: its account's default guards.
    guards: Option<Guards>,
) -> Result<IssuedToken, ApiError> {
    use crate::api::prelude::*;
    use crate::services::tokens::issuing::{create, NewTokenInput};
    let (state, caller) = authorized(Permission::TokensWrite)?;
    let input = NewTokenInput {
        service_account_id,
        name,
        description,
        scopes,
        expires_in_days,
        never_expires: never_expires.unwrap_or(false),
        permissions,
        workspaces,
        guards,
    };
    create(&state, &caller, input).await
}

/// Answer of `tokens/update-guards`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub token: Token,
}

/// Replaces a token's guards: the networks it may be used from, its rate limit and its max
/// uses (a member left out is removed). Every replica applies them from the next request.
#[server(endpoint = "v1/tokens/update-guards", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn update_token_guards(
    /// The token.
    id: String,
    /// The guards it has from now on (`{}`: none).
    guards: Guards,
) -> Result<TokenResponse, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::TokensWrite)?;
    let token =
        crate::services::tokens::issuing::update_guards(&state, &caller, &id, &guards).await?;
    Ok(TokenResponse { token })
}

/// Proposes restrictions for a token in report-only mode: they refuse nothing, and the token's
/// `report_only` says what they would have refused until they are enforced or discarded. They
/// replace earlier ones and their report; the token itself is unchanged.
#[server(endpoint = "v1/tokens/report-only/propose", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn propose_report_only(
    /// The token.
    id: String,
    /// Guards it would have instead of its own (at least one guard).
    guards: Option<Guards>,
    /// Scopes it would be narrowed to, among those it has.
    scopes: Option<Vec<String>>,
    /// Permissions it would be narrowed to, within its own narrowing.
    permissions: Option<Vec<String>>,
    /// Workspaces (by name) it would be narrowed to, within its own narrowing.
    workspaces: Option<Vec<String>>,
    /// An earlier expiry, in days from now (1–3650, before its own).
    expires_in_days: Option<i64>,
) -> Result<TokenResponse, ApiError> {
    use crate::api::prelude::*;
    use crate::services::tokens::report_only::{propose, Proposal};
    let (state, caller) = authorized(Permission::TokensWrite)?;
    let proposal = Proposal {
        guards,
        scopes,
        permissions,
        workspaces,
        expires_in_days,
    };
    let token = propose(&state, &caller, &id, proposal).await?;
    Ok(TokenResponse { token })
}

/// Applies a token's report-only restrictions (from the next request, on every replica).
#[server(endpoint = "v1/tokens/report-only/enforce", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn enforce_report_only(
    /// The token.
    id: String,
) -> Result<TokenResponse, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::TokensWrite)?;
    let token = crate::services::tokens::report_only::enforce(&state, &caller, &id).await?;
    Ok(TokenResponse { token })
}

/// Drops a token's report-only restrictions and their report; the token stays as it is.
#[server(endpoint = "v1/tokens/report-only/discard", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn discard_report_only(
    /// The token.
    id: String,
) -> Result<TokenResponse, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::TokensWrite)?;
    let token = crate::services::tokens::report_only::discard(&state, &caller, &id).await?;
    Ok(TokenResponse { token })
}

/// The live tokens of a service account.
#[server(endpoint = "v1/tokens/list", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_tokens(service_account_id: String) -> Result<Items<Token>, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    let items =
        crate::services::tokens::issuing::list(&state, &caller, &service_account_id).await?;
    Ok(Items { items })
}

/// Revokes a token permanently.
#[server(endpoint = "v1/tokens/revoke", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn revoke_token(id: String) -> Result<Empty, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::TokensWrite)?;
    crate::services::tokens::issuing::revoke(&state, &caller, &id).await?;
    Ok(Empty {})
}

/// Answer of `tokens/revoke-all`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RevokedCount {
    pub revoked: u64,
}

/// Replaces a token's secret, optionally keeping the old one valid for a grace period.
#[server(endpoint = "v1/tokens/refresh", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn refresh_token(
    /// The token to refresh.
    id: String,
    /// The new secret's lifetime, as for `tokens/create`.
    expires_in_days: Option<i64>,
    /// The new secret never expires (when the organization allows it).
    never_expires: Option<bool>,
    /// How long the old secret keeps working: 0 (default) to 604800 seconds (7 days).
    grace_seconds: Option<i64>,
) -> Result<IssuedToken, ApiError> {
    use crate::api::prelude::*;
    use crate::services::tokens::issuing::{refresh, RefreshInput};
    let (state, caller) = authorized(Permission::TokensWrite)?;
    let input = RefreshInput {
        id,
        expires_in_days,
        never_expires: never_expires.unwrap_or(false),
        grace_seconds,
    };
    refresh(&state, &caller, input).await
}

/// Revokes every token of a service account.
#[server(endpoint = "v1/tokens/revoke-all", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn revoke_all_tokens(service_account_id: String) -> Result<RevokedCount, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::TokensWrite)?;
    let revoked =
        crate::services::tokens::issuing::revoke_all(&state, &caller, &service_account_id).await?;
    Ok(RevokedCount { revoked })
}

/// Lifts the suspension of a token reported leaked, once someone has checked the report (to
/// end the token instead, revoke it).
#[server(endpoint = "v1/tokens/restore", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn restore_token(id: String) -> Result<TokenResponse, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::TokensWrite)?;
    let token = crate::services::tokens::leaks::restore(&state, &caller, &id).await?;
    Ok(TokenResponse { token })
}
