//! `permissions/*`: what there is to hold: Steward's own permissions and the ones an
//! organization declares for its other systems.

use crate::api::{Empty, Items};
use crate::domain::{ApiError, PermissionInfo};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Answer of `permissions/declare`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PermissionResponse {
    pub permission: PermissionInfo,
}

/// Steward's permissions and the organization's application permissions.
#[server(endpoint = "v1/permissions/list", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_permissions() -> Result<Items<PermissionInfo>, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    let items = crate::services::access::permissions::list_permissions(&state, &caller).await?;
    Ok(Items { items })
}

/// Declares an application permission, e.g. `deploy:production`.
#[server(endpoint = "v1/permissions/declare", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn declare_permission(
    name: String,
    description: Option<String>,
) -> Result<PermissionResponse, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::RolesWrite)?;
    let permission = crate::services::access::permissions::declare_permission(
        &state,
        &caller,
        &name,
        description.as_deref(),
    )
    .await?;
    Ok(PermissionResponse { permission })
}

/// Retires an application permission; roles holding it no longer do.
#[server(endpoint = "v1/permissions/retire", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn retire_permission(name: String) -> Result<Empty, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::RolesWrite)?;
    crate::services::access::permissions::retire_permission(&state, &caller, &name).await?;
    Ok(Empty {})
}
