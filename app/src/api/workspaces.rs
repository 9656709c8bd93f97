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
    use crate::services::access::named::{workspace_to_api, WORKSPACES};
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    let rows = state
        .db
        .list_named(WORKSPACES.table, &caller.principal.organization.id)
        .await
        .map_err(ApiError::from)?;
    Ok(Items {
        items: rows.into_iter().map(workspace_to_api).collect(),
    })
}

/// Creates a workspace: a place role bindings can be limited to, e.g. `prod`.
#[server(endpoint = "v1/workspaces/create", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn create_workspace(
    name: String,
    description: Option<String>,
) -> Result<WorkspaceResponse, ApiError> {
    use crate::api::prelude::*;
    use crate::services::access::named::{create, workspace_to_api, WORKSPACES};
    let (state, caller) = authorized(Permission::WorkspacesWrite)?;
    let row = create(&state, &caller, WORKSPACES, &name, description.as_deref()).await?;
    Ok(WorkspaceResponse {
        workspace: workspace_to_api(row),
    })
}

/// Renames a workspace or changes its description; fields left out stay as they are.
#[server(endpoint = "v1/workspaces/update", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn update_workspace(
    id: String,
    name: Option<String>,
    description: Option<String>,
) -> Result<WorkspaceResponse, ApiError> {
    use crate::api::prelude::*;
    use crate::services::access::named::{update, workspace_to_api, WORKSPACES};
    let (state, caller) = authorized(Permission::WorkspacesWrite)?;
    let row = update(
        &state,
        &caller,
        WORKSPACES,
        &id,
        name.as_deref(),
        description.as_deref(),
    )
    .await?;
    Ok(WorkspaceResponse {
        workspace: workspace_to_api(row),
    })
}

/// Deletes a workspace; the bindings in it go with it.
#[server(endpoint = "v1/workspaces/delete", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn delete_workspace(id: String) -> Result<Empty, ApiError> {
    use crate::api::prelude::*;
    use crate::services::access::named::{delete, WORKSPACES};
    let (state, caller) = authorized(Permission::WorkspacesWrite)?;
    delete(&state, &caller, WORKSPACES, &id).await?;
    Ok(Empty {})
}
