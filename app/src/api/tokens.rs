//! `tokens/*`: create, list, revoke.

use crate::domain::{ApiError, SessionJson, Token};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Answer of `tokens/create`: the secret appears here and never again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuedTokenResponse {
    pub token: Token,
    pub secret: String,
    pub session_json: SessionJson,
}

/// Answer of `tokens/list`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenList {
    pub items: Vec<Token>,
}

/// Issues a token for a service account.
#[server(endpoint = "v1/tokens/create", input = Json, output = Json)]
pub async fn create_token(
    service_account_id: String,
    name: String,
    description: Option<String>,
    scopes: Option<Vec<String>>,
    expires_in_days: Option<i64>,
    never_expires: Option<bool>,
    permissions: Option<Vec<String>>,
    workspaces: Option<Vec<String>>,
) -> Result<IssuedTokenResponse, ApiError> {
    use crate::services::tokens::{create, NewTokenInput};
    let caller = crate::api::context::caller(crate::domain::Permission::TokensWrite)?;
    let input = NewTokenInput {
        service_account_id,
        name,
        description,
        scopes,
        expires_in_days,
        never_expires: never_expires.unwrap_or(false),
        permissions,
        workspaces,
    };
    let issued = create(&crate::api::context::state(), &caller, input).await?;
    Ok(IssuedTokenResponse {
        token: issued.token,
        secret: issued.secret,
        session_json: issued.session_json,
    })
}

/// The live tokens of a service account.
#[server(endpoint = "v1/tokens/list", input = Json, output = Json)]
pub async fn list_tokens(service_account_id: String) -> Result<TokenList, ApiError> {
    let caller = crate::api::context::caller(crate::domain::Permission::ServiceAccountsRead)?;
    let items =
        crate::services::tokens::list(&crate::api::context::state(), &caller, &service_account_id)
            .await?;
    Ok(TokenList { items })
}

/// Revokes a token permanently.
#[server(endpoint = "v1/tokens/revoke", input = Json, output = Json)]
pub async fn revoke_token(id: String) -> Result<crate::api::auth::Empty, ApiError> {
    let caller = crate::api::context::caller(crate::domain::Permission::TokensWrite)?;
    crate::services::tokens::revoke(&crate::api::context::state(), &caller, &id).await?;
    Ok(crate::api::auth::Empty {})
}

/// Whether a token is good and whose it is (RFC 7662 style), for services that accept Steward's
/// tokens. Needs `tokens:introspect`; another organization's token is inactive.
#[server(endpoint = "v1/tokens/introspect", input = Json, output = Json)]
pub async fn introspect_token(token: String) -> Result<crate::domain::Introspection, ApiError> {
    use crate::api::context::{caller, request_meta, state};
    let caller = caller(crate::domain::Permission::TokensIntrospect)?;
    crate::services::introspection::introspect(&state(), &caller, &token, &request_meta()).await
}

/// Answer of `tokens/revoke-all`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RevokedCount {
    pub revoked: u64,
}

/// Replaces a token's secret, optionally keeping the old one valid for a grace period.
#[server(endpoint = "v1/tokens/refresh", input = Json, output = Json)]
pub async fn refresh_token(
    id: String,
    expires_in_days: Option<i64>,
    never_expires: Option<bool>,
    grace_seconds: Option<i64>,
) -> Result<IssuedTokenResponse, ApiError> {
    use crate::services::tokens::{refresh, RefreshInput};
    let caller = crate::api::context::caller(crate::domain::Permission::TokensWrite)?;
    let input = RefreshInput {
        id,
        expires_in_days,
        never_expires: never_expires.unwrap_or(false),
        grace_seconds,
    };
    let issued = refresh(&crate::api::context::state(), &caller, input).await?;
    Ok(IssuedTokenResponse {
        token: issued.token,
        secret: issued.secret,
        session_json: issued.session_json,
    })
}

/// Revokes every token of a service account.
#[server(endpoint = "v1/tokens/revoke-all", input = Json, output = Json)]
pub async fn revoke_all_tokens(service_account_id: String) -> Result<RevokedCount, ApiError> {
    let caller = crate::api::context::caller(crate::domain::Permission::TokensWrite)?;
    let revoked = crate::services::tokens::revoke_all(
        &crate::api::context::state(),
        &caller,
        &service_account_id,
    )
    .await?;
    Ok(RevokedCount { revoked })
}
