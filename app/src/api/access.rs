//! `access/*`: who holds what, and why.

use crate::api::Items;
use crate::domain::{ApiError, Explanation, SubjectRef};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

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
    let items = crate::services::access::explain::effective(&state, &caller, subject).await?;
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
    use crate::services::access::explain::{explain, ExplainTarget};
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
