//! `members/*`: the organization's people, for admins.

use crate::domain::{ApiError, Page, User};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Answer of `members/invite`: the one-time link is shown to the admin once, to pass on.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Invitation {
    pub member: User,
    pub setup_url: String,
}

/// Answer of `members/update`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MemberResponse {
    pub member: User,
}

/// The organization's people, a page at a time.
#[server(endpoint = "v1/members/list", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_members(
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Page<User>, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized_person(Permission::MembersRead)?;
    crate::services::people::members::list(&state, &caller, page, per_page).await
}

/// Invites a person: answers a one-time setup link (valid 7 days) to hand them.
#[server(endpoint = "v1/members/invite", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn invite_member(
    email: String,
    name: String,
    role: String,
    roles: Option<Vec<String>>,
) -> Result<Invitation, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized_person(Permission::MembersWrite)?;
    let roles = roles.unwrap_or_default();
    let (member, secret) =
        crate::services::people::members::invite(&state, &caller, &email, &name, &role, &roles)
            .await?;
    let setup_url = format!("{}/setup?invite={secret}", state.config.public_url);
    Ok(Invitation { member, setup_url })
}

/// Changes a person's role or disables them (which ends their sessions).
#[server(endpoint = "v1/members/update", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn update_member(
    id: String,
    role: Option<String>,
    disabled: Option<bool>,
) -> Result<MemberResponse, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized_person(Permission::MembersWrite)?;
    let member =
        crate::services::people::members::update(&state, &caller, &id, role.as_deref(), disabled)
            .await?;
    Ok(MemberResponse { member })
}
