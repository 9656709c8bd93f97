//! `setup/*`: the one-time links: the first administrator's, and a person's invitation.

use crate::api::auth::LoginResponse;
use crate::domain::{ApiError, User};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Whether a first-administrator setup link can still be used (the setup page asks first).
#[server(endpoint = "v1/setup/check", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn check_setup_link(token: String) -> Result<bool, ApiError> {
    use crate::api::prelude::*;
    crate::services::people::setup::setup_link_is_valid(&state(), &token).await
}

/// Creates the first administrator and organization from a one-time setup link, and signs in.
#[server(endpoint = "v1/setup/complete", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn complete_setup(
    token: String,
    org_name: String,
    org_slug: String,
    name: String,
    email: String,
    password: String,
) -> Result<LoginResponse, ApiError> {
    use crate::api::context::{request_meta, set_session_cookie, state};
    use crate::services::people::sessions::start_session;
    use crate::services::people::setup::{create_admin, NewAdmin};
    let state = state();
    let input = NewAdmin {
        org_slug,
        org_name,
        email,
        name,
        password,
    };
    let user = create_admin(&state, input, Some(&token), &request_meta()).await?;
    let session = start_session(&state, &user.id).await?;
    set_session_cookie(&state, &session);
    Ok(LoginResponse { user })
}

/// Who an invitation link is for (the page shows it before asking for a password).
#[server(endpoint = "v1/setup/invitation", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn check_invitation(token: String) -> Result<Option<User>, ApiError> {
    use crate::api::prelude::*;
    crate::services::people::members::invitation(&state(), &token).await
}

/// Sets the invited person's password and signs them in.
#[server(endpoint = "v1/setup/accept-invite", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn accept_invitation(token: String, password: String) -> Result<LoginResponse, ApiError> {
    use crate::api::context::{request_meta, set_session_cookie, state};
    let state = state();
    let (user, session) = crate::services::people::members::accept_invitation(
        &state,
        &token,
        password,
        &request_meta(),
    )
    .await?;
    set_session_cookie(&state, &session);
    Ok(LoginResponse { user })
}
