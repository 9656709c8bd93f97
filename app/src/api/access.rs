//! `permissions/*`, `roles/*` and `access/explain`: what there is to hold, the named sets of it,
//! and who holds what.

use crate::api::auth::Empty;
use crate::api::Items;
use crate::domain::{ApiError, Explanation, PermissionInfo, RoleInfo, SubjectRef};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Answer of `permissions/declare`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PermissionResponse {
    pub permission: PermissionInfo,
}

/// Answer of `roles/create` and `roles/update`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoleResponse {
    pub role: RoleInfo,
}

/// Steward's permissions and the organization's application permissions.
#[server(endpoint = "v1/permissions/list", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_permissions() -> Result<Items<PermissionInfo>, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    let items = crate::services::roles::list_permissions(&state, &caller).await?;
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
    let permission =
        crate::services::roles::declare_permission(&state, &caller, &name, description.as_deref())
            .await?;
    Ok(PermissionResponse { permission })
}

/// Retires an application permission; roles holding it no longer do.
#[server(endpoint = "v1/permissions/retire", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn retire_permission(name: String) -> Result<Empty, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::RolesWrite)?;
    crate::services::roles::retire_permission(&state, &caller, &name).await?;
    Ok(Empty {})
}

/// The built-in roles and the organization's own.
#[server(endpoint = "v1/roles/list", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_roles() -> Result<Items<RoleInfo>, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    let items = crate::services::roles::list_roles(&state, &caller).await?;
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
    use crate::services::roles::{create_role, RoleInput};
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
    use crate::services::roles::{update_role, RoleInput};
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
    crate::services::roles::delete_role(&state, &caller, &id, force.unwrap_or(false)).await?;
    Ok(Empty {})
}

/// Everything a member, service account or group holds, and why (the explain view as a table).
#[server(endpoint = "v1/access/effective", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn effective_access(
    subject: SubjectRef,
) -> Result<Items<crate::domain::EffectivePermission>, ApiError> {
    use crate::api::prelude::*;
    use crate::domain::{Permission, SubjectType};
    let needs = if subject.kind == SubjectType::Member {
        Permission::MembersRead
    } else {
        Permission::ServiceAccountsRead
    };
    let (state, caller) = authorized(needs)?;
    let items = crate::services::explain::effective(&state, &caller, subject).await?;
    Ok(Items { items })
}

/// "May this member, service account, group or token do `permission` (in `workspace`)?"
#[server(endpoint = "v1/access/explain", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn explain_access(
    /// Whose access to explain; or give `token_id`.
    subject: Option<SubjectRef>,
    /// A token whose access to explain, limits included.
    token_id: Option<String>,
    /// The permission asked about.
    permission: String,
    /// In this workspace (by name); organization-wide when left out.
    workspace: Option<String>,
) -> Result<Explanation, ApiError> {
    use crate::api::prelude::*;
    use crate::domain::{Permission, SubjectType};
    use crate::services::explain::{explain, ExplainTarget};
    let target = match (subject, token_id) {
        (Some(s), None) => ExplainTarget::Subject(s),
        (None, Some(t)) => ExplainTarget::Token(t),
        _ => {
            return Err(ApiError::invalid(
                "subject",
                "Name either a subject or a token_id.",
            ))
        }
    };
    let needs = match &target {
        ExplainTarget::Subject(s) if s.kind == SubjectType::Member => Permission::MembersRead,
        _ => Permission::ServiceAccountsRead,
    };
    let (state, caller) = authorized(needs)?;
    explain(&state, &caller, target, &permission, workspace.as_deref()).await
}
