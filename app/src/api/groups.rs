//! `groups/*`: named sets of members and service accounts; roles bound to a group apply to
//! everyone in it.

use crate::api::{Empty, Items};
use crate::domain::{ApiError, Group};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Answer of `groups/create`, `groups/update` and the member changes.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupResponse {
    pub group: Group,
}

/// The organization's groups with their members.
#[server(endpoint = "v1/groups/list", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_groups() -> Result<Items<Group>, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    let items = crate::services::access::groups::list(&state, &caller).await?;
    Ok(Items { items })
}

/// Creates a group: roles bound to it apply to all its members.
#[server(endpoint = "v1/groups/create", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn create_group(
    name: String,
    description: Option<String>,
) -> Result<GroupResponse, ApiError> {
    use crate::api::prelude::*;
    use crate::services::access::groups::create;
    let (state, caller) = authorized(Permission::GroupsWrite)?;
    let group = create(&state, &caller, &name, description.as_deref()).await?;
    Ok(GroupResponse { group })
}

/// Renames a group or changes its description; fields left out stay as they are.
#[server(endpoint = "v1/groups/update", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn update_group(
    id: String,
    name: Option<String>,
    description: Option<String>,
) -> Result<GroupResponse, ApiError> {
    use crate::api::prelude::*;
    use crate::services::access::groups::update;
    let (state, caller) = authorized(Permission::GroupsWrite)?;
    let group = update(
        &state,
        &caller,
        &id,
        name.as_deref(),
        description.as_deref(),
    )
    .await?;
    Ok(GroupResponse { group })
}

/// Deletes a group; its memberships and bindings go with it.
#[server(endpoint = "v1/groups/delete", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn delete_group(id: String) -> Result<Empty, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::GroupsWrite)?;
    crate::services::access::groups::delete(&state, &caller, &id).await?;
    Ok(Empty {})
}

/// Adds service accounts and members to a group.
#[server(endpoint = "v1/groups/add-members", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn add_group_members(
    id: String,
    service_account_ids: Option<Vec<String>>,
    member_ids: Option<Vec<String>>,
) -> Result<GroupResponse, ApiError> {
    change_members(id, service_account_ids, member_ids, true).await
}

/// Removes service accounts and members from a group.
#[server(endpoint = "v1/groups/remove-members", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn remove_group_members(
    id: String,
    service_account_ids: Option<Vec<String>>,
    member_ids: Option<Vec<String>>,
) -> Result<GroupResponse, ApiError> {
    change_members(id, service_account_ids, member_ids, false).await
}

#[cfg(feature = "ssr")]
async fn change_members(
    id: String,
    service_account_ids: Option<Vec<String>>,
    member_ids: Option<Vec<String>>,
    add: bool,
) -> Result<GroupResponse, ApiError> {
    use crate::api::prelude::*;
    use crate::services::access::groups::{change_members, Members};
    let (state, caller) = authorized(Permission::GroupsWrite)?;
    let who = Members {
        service_account_ids: service_account_ids.unwrap_or_default(),
        member_ids: member_ids.unwrap_or_default(),
    };
    let group = change_members(&state, &caller, &id, who, add).await?;
    Ok(GroupResponse { group })
}
