//! `bindings/*`: who holds which role, organization-wide or in a workspace.

use crate::api::Empty;
use crate::api::Items;
use crate::domain::{ApiError, Binding, SubjectRef};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Answer of `bindings/grant`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BindingResponse {
    pub binding: Binding,
}

/// Changing what a subject holds needs the right to change that subject: service accounts
/// `service_accounts:write`, groups `groups:write`, members `members:write` and a person.
#[cfg(feature = "ssr")]
fn caller_for(kind: crate::domain::SubjectType) -> Result<crate::services::Caller, ApiError> {
    use crate::api::context::{caller, person};
    use crate::domain::{Permission, SubjectType};
    match kind {
        SubjectType::ServiceAccount => caller(Permission::ServiceAccountsWrite),
        SubjectType::Group => caller(Permission::GroupsWrite),
        SubjectType::Member => person(Permission::MembersWrite),
    }
}

/// Binds a role (id or name) to a member, service account or group, organization-wide or in a
/// workspace (id or name).
#[server(endpoint = "v1/bindings/grant", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn grant_binding(
    /// Who receives the role.
    subject: SubjectRef,
    /// The role, by id or name.
    role: String,
    /// Only in this workspace (id or name); organization-wide when left out.
    workspace: Option<String>,
) -> Result<BindingResponse, ApiError> {
    use crate::api::prelude::*;
    let caller = caller_for(subject.kind)?;
    let state = state();
    let binding = crate::services::access::bindings::grant(
        &state,
        &caller,
        subject,
        &role,
        workspace.as_deref(),
    )
    .await?;
    Ok(BindingResponse { binding })
}

/// Removes a role binding. Needs the permission that granting it needed (by subject type).
#[server(endpoint = "v1/bindings/revoke", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn revoke_binding(id: String) -> Result<Empty, ApiError> {
    use crate::api::prelude::*;
    use crate::services::access::bindings::{revoke, subject_type_of};
    let state = state();
    let kind = subject_type_of(&state, &signed_in()?, &id).await?;
    let caller = caller_for(kind)?;
    revoke(&state, &caller, &id).await?;
    Ok(Empty {})
}

/// Bindings by subject, workspace and role (each optional).
#[server(endpoint = "v1/bindings/list", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_bindings(
    subject: Option<SubjectRef>,
    workspace: Option<String>,
    role: Option<String>,
) -> Result<Items<Binding>, ApiError> {
    use crate::api::prelude::*;
    use crate::services::access::bindings::{list, ListQuery};
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    let q = ListQuery {
        subject,
        workspace,
        role,
    };
    let items = list(&state, &caller, q).await?;
    Ok(Items { items })
}
