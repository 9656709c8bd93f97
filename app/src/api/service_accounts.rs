//! `service-accounts/*`: list, create, get.

use crate::domain::{AccountDetail, ApiError, Page, ServiceAccount};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Answer of `service-accounts/create`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountResponse {
    pub service_account: ServiceAccount,
}

/// Lists the organization's accounts: search by name, filter by role and status, sort, page.
#[server(endpoint = "v1/service-accounts/list", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_service_accounts(
    /// Part of the account's name.
    query: Option<String>,
    /// `viewer`, `editor` or `admin`.
    role: Option<String>,
    /// `active` or `disabled`.
    status: Option<String>,
    /// `name` (default), `-name`, `created`, `-created`, `-requests` (most used in 7 days) or
    /// `-last_used` (most recently used first, never used last).
    sort: Option<String>,
    /// From 1; default 1.
    page: Option<i64>,
    /// 1–200; default 50.
    per_page: Option<i64>,
) -> Result<Page<ServiceAccount>, ApiError> {
    use crate::api::prelude::*;
    use crate::services::service_accounts::{list, ListQuery};
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    let q = ListQuery {
        query,
        role,
        status,
        sort,
        page,
        per_page,
    };
    list(&state, &caller, q).await
}

/// Creates a service account.
#[server(endpoint = "v1/service-accounts/create", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn create_service_account(
    /// Unique in the organization; lowercase a-z, 0-9, `-` and `_`.
    name: String,
    description: Option<String>,
    /// The built-in role: `viewer`, `editor` or `admin`.
    role: Option<String>,
    /// Custom roles (by name) bound organization-wide as well.
    roles: Option<Vec<String>>,
) -> Result<AccountResponse, ApiError> {
    use crate::api::prelude::*;
    use crate::services::service_accounts::{create, NewAccount};
    let (state, caller) = authorized(Permission::ServiceAccountsWrite)?;
    let service_account = create(
        &state,
        &caller,
        NewAccount {
            name,
            description,
            role,
            roles,
        },
    )
    .await?;
    Ok(AccountResponse { service_account })
}

/// One account with its tokens.
#[server(endpoint = "v1/service-accounts/get", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_service_account(id: String) -> Result<AccountDetail, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    crate::services::service_accounts::detail(&state, &caller, &id).await
}

/// Edits an account's name, description or role.
#[server(endpoint = "v1/service-accounts/update", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn update_service_account(
    id: String,
    name: Option<String>,
    description: Option<String>,
    role: Option<String>,
    roles: Option<Vec<String>>,
) -> Result<AccountResponse, ApiError> {
    use crate::api::prelude::*;
    use crate::services::service_accounts::{update, AccountChanges};
    let (state, caller) = authorized(Permission::ServiceAccountsWrite)?;
    let changes = AccountChanges {
        name,
        description,
        role,
        roles,
    };
    let service_account = update(&state, &caller, &id, changes).await?;
    Ok(AccountResponse { service_account })
}

/// Replaces the guards the account's new tokens get unless made with their own (its existing
/// tokens keep theirs).
#[server(endpoint = "v1/service-accounts/update-guards", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn update_service_account_guards(
    id: String,
    /// The default guards from now on (`{}`: none).
    guards: crate::domain::Guards,
) -> Result<AccountResponse, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsWrite)?;
    let service_account =
        crate::services::service_accounts::update_guards(&state, &caller, &id, &guards).await?;
    Ok(AccountResponse { service_account })
}

/// Disables an account; by default also revokes all its tokens (`revoke_tokens: false` suspends them).
#[server(endpoint = "v1/service-accounts/disable", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn disable_service_account(
    id: String,
    /// Revoke every token (default); `false` suspends them until the account is enabled.
    revoke_tokens: Option<bool>,
) -> Result<AccountResponse, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsWrite)?;
    let service_account = crate::services::service_accounts::disable(
        &state,
        &caller,
        &id,
        revoke_tokens.unwrap_or(true),
    )
    .await?;
    Ok(AccountResponse { service_account })
}

/// Enables a disabled account.
#[server(endpoint = "v1/service-accounts/enable", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn enable_service_account(id: String) -> Result<AccountResponse, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsWrite)?;
    let service_account = crate::services::service_accounts::enable(&state, &caller, &id).await?;
    Ok(AccountResponse { service_account })
}

/// An account's authenticated requests per day (last `days`, 1–90, default 30) and per token.
#[server(endpoint = "v1/service-accounts/usage", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn service_account_usage(
    id: String,
    /// How many days back, 1–90; default 30.
    days: Option<i64>,
) -> Result<crate::domain::Usage, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    crate::services::tokens::usage_report::report(&state, &caller, &id, days).await
}

/// Deletes an account and all its tokens.
#[server(endpoint = "v1/service-accounts/delete", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn delete_service_account(id: String) -> Result<crate::api::Empty, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsWrite)?;
    crate::services::service_accounts::delete(&state, &caller, &id).await?;
    Ok(crate::api::Empty {})
}

/// Enabled accounts and live tokens that need a look: never used, or unused for
/// `unused_days`; tokens that never expire or expire within seven days.
#[server(endpoint = "v1/service-accounts/stale", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn stale_credentials(
    /// The window, 1–365 days; default 30.
    unused_days: Option<i64>,
) -> Result<crate::domain::StaleReport, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    crate::services::stale::report(&state, &caller, unused_days).await
}
