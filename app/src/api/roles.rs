//! `roles/*`: named sets of permissions, built in or the organization's own.

use crate::api::{Empty, Items};
use crate::domain::{ApiError, RoleInfo};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Answer of `roles/create` and `roles/update`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoleResponse {
    pub role: RoleInfo,
}

/// The built-in roles and the organization's own.
#[server(endpoint = "v1/roles/list", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_roles() -> Result<Items<RoleInfo>, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    let items = crate::services::access::roles::list_roles(&state, &caller).await?;
    Ok(Items { items })
}

/// Creates a custom role from permissions the caller holds.
#[server(endpoint = "v1/roles/create", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn create_role(
    name: String,
    description: Option<String>,
    permissions: Vec<String>,
) -> Result<RoleResponse, ApiError> {
    use crate::api::prelude::*;
    use crate::services::access::roles::{create_role, RoleInput};
    let (state, caller) = authorized(Permission::RolesWrite)?;
    let input = RoleInput {
        name: Some(name),
        description,
        permissions: Some(permissions),
    };
    let role = create_role(&state, &caller, input).await?;
    Ok(RoleResponse { role })
}

/// Changes a custom role; fields left out stay as they are.
#[server(endpoint = "v1/roles/update", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn update_role(
    id: String,
    name: Option<String>,
    description: Option<String>,
    permissions: Option<Vec<String>>,
) -> Result<RoleResponse, ApiError> {
    use crate::api::prelude::*;
    use crate::services::access::roles::{update_role, RoleInput};
    let (state, caller) = authorized(Permission::RolesWrite)?;
    let input = RoleInput {
        name,
        description,
        permissions,
    };
    let role = update_role(&state, &caller, &id, input).await?;
    Ok(RoleResponse { role })
}

/// Deletes a custom role: 409 naming its bindings while it is bound, unless `force`.
#[server(endpoint = "v1/roles/delete", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn delete_role(id: String, force: Option<bool>) -> Result<Empty, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::RolesWrite)?;
    crate::services::access::roles::delete_role(&state, &caller, &id, force.unwrap_or(false))
        .await?;
    Ok(Empty {})
}
