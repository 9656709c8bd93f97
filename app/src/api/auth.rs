//! `auth/*`: sign-in, sign-out, who am I, and a person's own password.

use crate::api::Empty;
pub use crate::domain::WhoamiResponse;
use crate::domain::{ApiError, User};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Answer of `auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub user: User,
}

/// Signs a person in and sets the session cookie. `organization` (a slug) is needed only when
/// the email address belongs to people in several organizations.
#[server(endpoint = "v1/auth/login", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn login(
    email: String,
    password: String,
    #[server(default)] organization: Option<String>,
) -> Result<LoginResponse, ApiError> {
    use crate::api::context::{request_meta, session_cookie, set_session_cookie, state};
    use crate::services::people::sign_in::{sign_in, SignInInput};
    let state = state();
    let input = SignInInput {
        email,
        password,
        organization,
    };
    let previous = session_cookie();
    let (user, session) = sign_in(&state, input, previous.as_deref(), &request_meta()).await?;
    set_session_cookie(&state, &session);
    Ok(LoginResponse { user })
}

/// Ends the current session (if the caller has one) and clears the cookie.
#[server(endpoint = "v1/auth/logout", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn logout() -> Result<Empty, ApiError> {
    use crate::api::context::{append_header, session_cookie, signed_in, state};
    use crate::services::people::sessions::{cleared_session_cookie, sign_out};
    let state = state();
    let caller = signed_in()?;
    sign_out(&state, &caller, session_cookie().as_deref()).await?;
    append_header(
        http::header::SET_COOKIE,
        &cleared_session_cookie(&state.config),
    );
    Ok(Empty {})
}

/// The authenticated principal: a person or a service account and its token.
#[server(endpoint = "v1/auth/whoami", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn whoami() -> Result<WhoamiResponse, ApiError> {
    use crate::api::context::{authenticated, state};
    crate::services::whoami::answer(&state(), authenticated()).await
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
    let session = crate::services::people::members::change_password(
        &state,
        &caller,
        current_password,
        new_password,
    )
    .await?;
    set_session_cookie(&state, &session);
    Ok(Empty {})
}
