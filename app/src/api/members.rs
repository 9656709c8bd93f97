//! `members/*` (admins), `auth/change-password`, and accepting an invitation.

use crate::api::auth::{Empty, LoginResponse};
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
    crate::services::members::list(&state, &caller, page, per_page).await
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
        crate::services::members::invite(&state, &caller, &email, &name, &role, &roles).await?;
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
        crate::services::members::update(&state, &caller, &id, role.as_deref(), disabled).await?;
    Ok(MemberResponse { member })
}

/// A person changes their own password; their other sessions end and this one is replaced.
#[server(endpoint = "v1/auth/change-password", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<Empty, ApiError> {
    use crate::api::context::{set_session_cookie, signed_in_person, state};
    let caller = signed_in_person()?;
    let state = state();
    let session =
        crate::services::members::change_password(&state, &caller, current_password, new_password)
            .await?;
    set_session_cookie(&state, &session);
    Ok(Empty {})
}

/// Who an invitation link is for (the page shows it before asking for a password).
#[server(endpoint = "v1/setup/invitation", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn check_invitation(token: String) -> Result<Option<User>, ApiError> {
    use crate::api::prelude::*;
    crate::services::members::invitation(&state(), &token).await
}

/// Sets the invited person's password and signs them in.
#[server(endpoint = "v1/setup/accept-invite", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn accept_invitation(token: String, password: String) -> Result<LoginResponse, ApiError> {
    use crate::api::context::{request_meta, set_session_cookie, state};
    let state = state();
    let (user, session) =
        crate::services::members::accept_invitation(&state, &token, password, &request_meta())
            .await?;
    set_session_cookie(&state, &session);
    Ok(LoginResponse { user })
}
