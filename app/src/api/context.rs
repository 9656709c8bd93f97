//! How a server function learns who is calling: the middleware has put the principal and the
//! request's origin into the request's extensions; Leptos hands us the request parts.

use crate::domain::{ApiError, Permission, Principal, PrincipalKind};
pub use crate::services::authorize;
use crate::services::people::sessions::SessionCookie;
use crate::services::{Authenticated, Caller, RequestMeta};
use crate::state::AppState;
use http::request::Parts;
use leptos::prelude::{expect_context, use_context, with_context};

/// The shared state, provided to every server function by the router.
pub fn state() -> AppState {
    expect_context::<AppState>()
}

/// One extension of the request, copied out of the parts Leptos keeps in context (reading it
/// in place: copying the parts would copy every header and extension on each call).
fn extension<T: Clone + Send + Sync + 'static>() -> Option<T> {
    with_context::<Parts, _>(|p| p.extensions.get::<T>().cloned()).flatten()
}

/// Client IP and user agent of the current request.
pub fn request_meta() -> RequestMeta {
    extension::<RequestMeta>().unwrap_or_default()
}

/// The authenticated principal and what it may do, if any.
pub fn authenticated() -> Option<Authenticated> {
    extension::<Authenticated>()
}

/// The authenticated principal, if any.
pub fn principal() -> Option<Principal> {
    authenticated().map(|a| a.principal)
}

/// The session cookie of the current request, if it carries one.
pub fn session_cookie() -> Option<String> {
    extension::<SessionCookie>().map(|c| c.0)
}

fn caller_from(auth: Authenticated) -> Caller {
    Caller {
        principal: auth.principal,
        access: auth.access,
        meta: request_meta(),
    }
}

/// The caller, if authenticated and allowed `permission`. A token with a report-only
/// narrowing is tried against it too, and noted when it would have been refused.
pub fn caller(permission: Permission) -> Result<Caller, ApiError> {
    let auth = authorize(authenticated(), permission)?;
    if let Some(proposed) = &auth.report_only {
        if authorize(Some((**proposed).clone()), permission).is_err() {
            let note = crate::services::tokens::report_only::note_narrowed;
            note(&state(), &auth, &request_meta());
        }
    }
    Ok(caller_from(auth))
}

/// The server's state and the caller, if authenticated and allowed `permission`: the first
/// line of every server function that needs a permission.
pub fn authorized(permission: Permission) -> Result<(AppState, Caller), ApiError> {
    Ok((state(), caller(permission)?))
}

/// As `authorized`, for what only a person signed in to the browser may do.
pub fn authorized_person(permission: Permission) -> Result<(AppState, Caller), ApiError> {
    Ok((state(), person(permission)?))
}

/// The caller, if authenticated at all (signing out, asking who one is).
pub fn signed_in() -> Result<Caller, ApiError> {
    authenticated()
        .map(caller_from)
        .ok_or_else(ApiError::unauthenticated)
}

/// The caller, if a person signed in to the browser and allowed `permission`. People are
/// managed by people: an API token must not invite someone (a password login that would
/// outlive the token) or change the organization's policies.
pub fn person(permission: Permission) -> Result<Caller, ApiError> {
    only_people(caller(permission)?)
}

/// The caller, if a person signed in to the browser (changing one's own password).
pub fn signed_in_person() -> Result<Caller, ApiError> {
    only_people(signed_in()?)
}

fn only_people(caller: Caller) -> Result<Caller, ApiError> {
    if caller.principal.kind != PrincipalKind::User {
        return Err(ApiError::forbidden(
            "A person must do this, signed in to Steward: API tokens cannot manage members or organization settings.",
        ));
    }
    Ok(caller)
}

/// Adds a response header (used for `Set-Cookie`).
pub fn append_header(name: http::HeaderName, value: &str) {
    if let (Some(opts), Ok(v)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        opts.append_header(name, v);
    }
}

/// Sets the cookie of a session just opened.
pub fn set_session_cookie(state: &AppState, session: &str) {
    append_header(
        http::header::SET_COOKIE,
        &crate::services::people::sessions::new_session_cookie(&state.config, session),
    );
}
