//! What `auth/whoami` answers: the principal, what it may do everywhere, and the tenant URL.
//! The server function (which the pages call) and the plain handler that serves automation
//! (`server/src/routes/whoami.rs`, the hottest request) give the same answer from here.

use crate::domain::{ApiError, SentJson, WhoamiResponse};
use crate::services::Authenticated;
use crate::state::AppState;

/// The answer for whoever `auth` is: 401 when nobody is signed in.
pub async fn answer(
    state: &AppState,
    auth: Option<Authenticated>,
) -> Result<WhoamiResponse, ApiError> {
    let auth = auth.ok_or_else(ApiError::unauthenticated)?;
    let principal = crate::services::access::describe(state, auth).await?;
    Ok(WhoamiResponse {
        principal,
        tenant_url: state.config.tenant_url(),
    })
}

/// The same answer as JSON, for an API token written once per credential read and kept with
/// the credential: everything in it follows from the credential, so it lives and dies with it.
pub async fn shared(state: &AppState, auth: Option<Authenticated>) -> Result<SentJson, ApiError> {
    let credential = auth.as_ref().and_then(|a| a.credential.clone());
    if let Some(answer) = credential.as_ref().and_then(|c| c.whoami.get()) {
        return Ok(answer.clone());
    }
    let answer = SentJson::of(&answer(state, auth).await?).map_err(|_| ApiError::internal())?;
    Ok(match credential {
        Some(c) => c.whoami.get_or_init(|| answer).clone(),
        None => answer,
    })
}
