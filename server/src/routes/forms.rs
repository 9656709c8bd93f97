//! The pages' forms, answered without the pages' code. Every form a page renders posts
//! (`method="post"`) to the page's own path, so a password, a token or a setup or invitation
//! code travels in the body, never in a URL, even when the page's code is not running
//! (JavaScript off, its files blocked, or not loaded yet). With the code running, the form's
//! `on:submit` calls the JSON API instead (`docs/design.md`, "Forms work without the page's
//! code"), and nothing here is involved.
//!
//! These are not API operations: the body is `application/x-www-form-urlencoded`, and the
//! answer is for a browser. A change is answered with `303 See Other` to the page to show next
//! (with the session cookie when it opened one); a refusal with the page again, its status the
//! error's (401, 422, 429, …), the error next to its field and what was typed, never a
//! password, filled in again (`app::ui::PostedForm`). Each handler parses the form and calls
//! the same service as its server function, so the rules, the audit records and the
//! per-account limits are the same; the middleware gives these paths the same origin check
//! and per-address limit as the API's sign-in operations (`SESSION_FORMS`, `SIGN_IN_PATHS`).
//!
//! Longer than most files: one handler per form page, sharing the parsing, the origin check
//! and the page-again answer that make them behave alike.

use crate::middleware::rate_limits::RefusedForm;
use app::api::context::authorize;
use app::domain::{local_path, percent_encode, ApiError, Permission, SettingsChanges};
use app::services::people::members::{accept_invitation, change_password};
use app::services::people::sessions::{
    cleared_session_cookie, new_session_cookie, sign_out, start_session, SessionCookie,
};
use app::services::people::setup::{create_admin, NewAdmin};
use app::services::people::sign_in::{sign_in, SignInInput};
use app::services::{Authenticated, Caller, RequestMeta};
use app::state::AppState;
use app::ui::{shell, PostedForm};
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::sync::Arc;

/// Where a person goes once signed in, unless the sign-in page was asked for another page.
const HOME: &str = "/settings/service-accounts";

/// A form body is a few fields; the router's body limit applies as well.
const FORM_LIMIT: usize = 16 * 1024;

/// What the handlers share: the application, and the site to render a page again with.
#[derive(Clone)]
pub struct Forms {
    state: AppState,
    options: Arc<LeptosOptions>,
}

impl Forms {
    pub fn new(state: AppState, options: LeptosOptions) -> Self {
        Forms {
            state,
            options: Arc::new(options),
        }
    }

    /// The page at the request's path again, rendered with the refused form's error and
    /// values (`PostedForm`), with the error's status. The request keeps its headers and what
    /// the middleware found (the principal, for the header and the page's data).
    async fn page_again(
        &self,
        mut parts: Parts,
        error: ApiError,
        values: Vec<(&str, String)>,
    ) -> Response {
        let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
        let retry_after = error.retry_after();
        let posted = PostedForm {
            error: Some(error),
            values: values
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        };
        parts.method = Method::GET;
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        let state = self.state.clone();
        let options = self.options.clone();
        let render = leptos_axum::render_app_to_stream_in_order_with_context(
            move || {
                provide_context(state.clone());
                provide_context(posted.clone());
            },
            move || shell((*options).clone()),
        );
        let mut res = render(Request::from_parts(parts, Body::empty())).await;
        *res.status_mut() = status;
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        no_store(res)
    }

    /// `303 See Other` to `to`, setting `cookie` if given.
    fn see_other(&self, to: &str, cookie: Option<String>) -> Response {
        let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response();
        if let Some(v) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
        no_store(res)
    }

    fn signed_in(&self, session: &str, to: &str) -> Response {
        self.see_other(to, Some(new_session_cookie(&self.state.config, session)))
    }
}

/// Answers to a form are for one person at one moment: never kept by a cache.
fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The request's parts, and its form body parsed as `T`, or why it cannot be used: not a form,
/// or fields this form does not have.
async fn read_form<T: DeserializeOwned>(req: Request) -> (Parts, Result<T, ApiError>) {
    let (parts, body) = req.into_parts();
    let fields = match to_bytes(body, FORM_LIMIT).await {
        Ok(bytes) => serde_urlencoded::from_bytes::<T>(&bytes).map_err(|_| {
            ApiError::bad_request(
                "The form did not arrive as this page sends it. Reload the page and try again.",
            )
        }),
        Err(_) => Err(ApiError::bad_request("The form is too large.")),
    };
    (parts, fields)
}

/// The per-address limit's refusal, for the sign-in forms: checked before any service is called
/// (after the form is read, so the page again keeps what was typed and the link's secret).
fn refused(parts: &Parts) -> Option<ApiError> {
    parts
        .extensions
        .get::<RefusedForm>()
        .map(|RefusedForm(e)| e.clone())
}

fn meta(parts: &Parts) -> RequestMeta {
    parts
        .extensions
        .get::<RequestMeta>()
        .cloned()
        .unwrap_or_default()
}

fn session_of(parts: &Parts) -> Option<String> {
    parts.extensions.get::<SessionCookie>().map(|c| c.0.clone())
}

/// The signed-in caller, if allowed `permission`, and a person (not an API token): these forms
/// change what only people change.
fn person(parts: &Parts, permission: Option<Permission>) -> Result<Caller, ApiError> {
    let authenticated = parts.extensions.get::<Authenticated>().cloned();
    let auth = match permission {
        Some(p) => authorize(authenticated, p)?,
        None => authenticated.ok_or_else(ApiError::unauthenticated)?,
    };
    let caller = Caller {
        principal: auth.principal,
        access: auth.access,
        meta: meta(parts),
    };
    if !caller.is_person() {
        return Err(ApiError::forbidden(
            "A person must do this, signed in to Steward: API tokens cannot.",
        ));
    }
    Ok(caller)
}

/// The sign-in page for someone whose session has ended, coming back to `path` afterwards.
fn sign_in_first(forms: &Forms, path: &str) -> Response {
    forms.see_other(&format!("/login?next={}", percent_encode(path)), None)
}

/// `POST /login`: the sign-in form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInForm {
    email: String,
    password: String,
    #[serde(default)]
    organization: String,
}

pub async fn sign_in_form(State(forms): State<Forms>, req: Request) -> Response {
    let (parts, form) = read_form::<SignInForm>(req).await;
    let form = match form {
        Ok(f) => f,
        Err(e) => return forms.page_again(parts, e, vec![]).await,
    };
    let typed = vec![
        ("email", form.email.clone()),
        ("organization", form.organization.clone()),
    ];
    let input = SignInInput {
        email: form.email,
        password: form.password,
        organization: Some(form.organization).filter(|o| !o.trim().is_empty()),
    };
    // The page asked for before signing in, if it is on this site (the same rule as the page).
    let next = parts
        .uri
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "next"))
        .map(|(_, v)| v)
        .unwrap_or_default();
    if let Some(e) = refused(&parts) {
        return forms.page_again(parts, e, typed).await;
    }
    let previous = session_of(&parts);
    match sign_in(&forms.state, input, previous.as_deref(), &meta(&parts)).await {
        Ok((_, session)) => forms.signed_in(&session, &local_path(&next, HOME)),
        Err(e) => forms.page_again(parts, e, typed).await,
    }
}

/// `POST /setup`: the first administrator's form (`token`) or an invitation's (`invite`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetupForm {
    token: Option<String>,
    invite: Option<String>,
    #[serde(default)]
    org_name: String,
    #[serde(default)]
    org_slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    password: String,
}

pub async fn setup_form(State(forms): State<Forms>, req: Request) -> Response {
    let (parts, form) = read_form::<SetupForm>(req).await;
    let form = match form {
        Ok(f) => f,
        Err(e) => return forms.page_again(parts, e, vec![]).await,
    };
    let state = &forms.state;
    let meta = meta(&parts);
    if let Some(invite) = form.invite {
        if let Some(e) = refused(&parts) {
            return forms.page_again(parts, e, vec![("invite", invite)]).await;
        }
        return match accept_invitation(state, &invite, form.password, &meta).await {
            Ok((_, session)) => forms.signed_in(&session, HOME),
            Err(e) => forms.page_again(parts, e, vec![("invite", invite)]).await,
        };
    }
    let token = form.token.unwrap_or_default();
    let typed = vec![
        ("token", token.clone()),
        ("org_name", form.org_name.clone()),
        ("org_slug", form.org_slug.clone()),
        ("name", form.name.clone()),
        ("email", form.email.clone()),
    ];
    if let Some(e) = refused(&parts) {
        return forms.page_again(parts, e, typed).await;
    }
    let input = NewAdmin {
        org_slug: form.org_slug,
        org_name: form.org_name,
        email: form.email,
        name: form.name,
        password: form.password,
    };
    let created = match create_admin(state, input, Some(&token), &meta).await {
        Ok(user) => start_session(state, &user.id).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(session) => forms.signed_in(&session, HOME),
        Err(e) => forms.page_again(parts, e, typed).await,
    }
}

/// `POST /settings/account`: Your account › Change password.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordForm {
    current_password: String,
    new_password: String,
}

pub async fn password_form(State(forms): State<Forms>, req: Request) -> Response {
    const PAGE: &str = "/settings/account";
    let (parts, form) = read_form::<PasswordForm>(req).await;
    let caller = match person(&parts, None) {
        Ok(c) => c,
        Err(e) if e.status_code() == 401 => return sign_in_first(&forms, PAGE),
        Err(e) => return forms.page_again(parts, e, vec![]).await,
    };
    let form = match form {
        Ok(f) => f,
        Err(e) => return forms.page_again(parts, e, vec![]).await,
    };
    let changed = change_password(
        &forms.state,
        &caller,
        form.current_password,
        form.new_password,
    )
    .await;
    match changed {
        Ok(session) => forms.signed_in(&session, "/settings/account?saved=1"),
        Err(e) => forms.page_again(parts, e, vec![]).await,
    }
}

/// `POST /settings/organization`: the organization's settings (admins).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsForm {
    #[serde(default)]
    max_token_lifetime_days: String,
    #[serde(default)]
    webhook_url: String,
    #[serde(default)]
    webhook_secret: String,
}

pub async fn settings_form(State(forms): State<Forms>, req: Request) -> Response {
    const PAGE: &str = "/settings/organization";
    let (parts, form) = read_form::<SettingsForm>(req).await;
    let caller = match person(&parts, Some(Permission::SettingsWrite)) {
        Ok(c) => c,
        Err(e) if e.status_code() == 401 => return sign_in_first(&forms, PAGE),
        Err(e) => return forms.page_again(parts, e, vec![]).await,
    };
    let form = match form {
        Ok(f) => f,
        Err(e) => return forms.page_again(parts, e, vec![]).await,
    };
    let typed = vec![
        (
            "max_token_lifetime_days",
            form.max_token_lifetime_days.clone(),
        ),
        ("webhook_url", form.webhook_url.clone()),
    ];
    let changes = SettingsChanges::from_form(
        &form.max_token_lifetime_days,
        &form.webhook_url,
        &form.webhook_secret,
    );
    let updated = match changes {
        Ok(changes) => app::services::settings::update(&forms.state, &caller, changes).await,
        Err(e) => Err(e),
    };
    match updated {
        Ok(_) => forms.see_other("/settings/organization?saved=1", None),
        Err(e) => forms.page_again(parts, e, typed).await,
    }
}

/// `POST /logout`: the header's Sign out.
pub async fn sign_out_form(State(forms): State<Forms>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let cleared = Some(cleared_session_cookie(&forms.state.config));
    let Ok(caller) = person(&parts, None) else {
        return forms.see_other("/login", cleared);
    };
    match sign_out(&forms.state, &caller, session_of(&parts).as_deref()).await {
        Ok(()) => forms.see_other("/login", cleared),
        Err(e) => forms.page_again(parts, e, vec![]).await,
    }
}
