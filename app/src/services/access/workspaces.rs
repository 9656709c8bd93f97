//! Workspaces: named places inside an organization, such as `prod`, that a role binding can be
//! limited to. Renaming or deleting one needs what revoking every binding in it would.

use crate::domain::{ApiError, Workspace};
use crate::services::access::workspace_group_rules::{self as rules, WORKSPACES};
use crate::services::clock::rfc3339;
use crate::services::Caller;
use crate::state::AppState;
use crate::store::NamedRow;

/// The organization's workspaces, by name.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<Workspace>, ApiError> {
    let org = &caller.principal.organization.id;
    let rows = state.db.list_named(WORKSPACES.table, org).await?;
    Ok(rows.into_iter().map(to_api).collect())
}

pub async fn create(
    state: &AppState,
    caller: &Caller,
    name: &str,
    description: Option<&str>,
) -> Result<Workspace, ApiError> {
    rules::create(state, caller, WORKSPACES, name, description)
        .await
        .map(to_api)
}

/// Renames a workspace or changes its description; what is left out stays.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    name: Option<&str>,
    description: Option<&str>,
) -> Result<Workspace, ApiError> {
    rules::update(state, caller, WORKSPACES, id, name, description)
        .await
        .map(to_api)
}

/// Deletes a workspace; the bindings in it go with it.
pub async fn delete(state: &AppState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    rules::delete(state, caller, WORKSPACES, id).await
}

fn to_api(row: NamedRow) -> Workspace {
    Workspace {
        id: row.id,
        name: row.name,
        description: row.description,
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    }
}
