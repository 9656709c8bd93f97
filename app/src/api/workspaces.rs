//! `workspaces/*`: named places inside an organization that role bindings can be limited to.

use crate::api::{Empty, Items};
use crate::domain::{ApiError, Workspace};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Answer of `workspaces/create` and `workspaces/update`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WorkspaceResponse {
    pub workspace: Workspace,
}

/// The organization's workspaces.
#[server(endpoint = "v1/workspaces/list", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_workspaces() -> Result<Items<Workspace>, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    let items = crate::services::access::workspaces::list(&state, &caller).await?;
    Ok(Items { items })
}

/// Creates a workspace: a place role bindings can be limited to, e.g. `prod`.
#[server(endpoint = "v1/workspaces/create", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn create_workspace(
    name: String,
    description: Option<String>,
) -> Result<WorkspaceResponse, ApiError> {
    use crate::api::prelude::*;
    use crate::services::access::workspaces::create;
    let (state, caller) = authorized(Permission::WorkspacesWrite)?;
    let workspace = create(&state, &caller, &name, description.as_deref()).await?;
    Ok(WorkspaceResponse { workspace })
}

/// Renames a workspace or changes its description; fields left out stay as they are.
#[server(endpoint = "v1/workspaces/update", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn update_workspace(
    id: String,
    name: Option<String>,
    description: Option<String>,
) -> Result<WorkspaceResponse, ApiError> {
    use crate::api::prelude::*;
    use crate::services::access::workspaces::update;
    let (state, caller) = authorized(Permission::WorkspacesWrite)?;
    let workspace = update(
        &state,
        &caller,
        &id,
        name.as_deref(),
        description.as_deref(),
    )
    .await?;
    Ok(WorkspaceResponse { workspace })
}

/// Deletes a workspace; the bindings in it go with it.
#[server(endpoint = "v1/workspaces/delete", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn delete_workspace(id: String) -> Result<Empty, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::WorkspacesWrite)?;
    crate::services::access::workspaces::delete(&state, &caller, &id).await?;
    Ok(Empty {})
}
