//! Who is calling: sign-in and sign-out for people, verification of API tokens, the first
//! administrator. Token verification is a hash and one indexed lookup, never a slow KDF.

use super::audit::event;
use super::clock::{now_ms, rfc3339_opt};
use super::{Caller, RequestMeta};
use crate::auth::password;
use crate::auth::random::{new_id, session_secret, sha256_hex};
use crate::auth::token_secret;
use crate::domain::{
    ApiError, OrganizationRef, Principal, PrincipalKind, PrincipalToken, Role, Scope, User,
};
use crate::state::AppState;
use crate::store::{NewAuditEvent, UserRow};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "steward_session";

/// The session cookie's value as the middleware read it, handed to the server functions that
/// end or replace a session (sign-in, sign-out) so the cookie is parsed in one place.
#[derive(Debug, Clone)]
pub struct SessionCookie(pub String);
/// How long a first-administrator setup link stays valid.
const SETUP_LINK_TTL_MS: i64 = 24 * 3600 * 1000;
/// Sessions are extended at most this often, so browsing is not a write per request.
const SESSION_TOUCH_MS: i64 = 60_000;

/// Resolves a Bearer token to its service account, or `None` for anything that must not
/// authenticate (malformed, unknown, expired, revoked, suspended). Records the use for
/// last-used tracking without writing to the database here.
pub async fn principal_from_token(
    state: &AppState,
    secret: &str,
    meta: &RequestMeta,
) -> Option<Principal> {
    if !token_secret::is_well_formed(secret) {
        return None;
    }
    let hash = sha256_hex(secret);
    let row = match state.db.credential(&hash).await {
        Ok(row) => row?,
        Err(e) => {
            tracing::error!(error = %e, "token lookup failed");
            return None;
        }
    };
    let now = now_ms();
    let is_current = row.secret_hash == hash;
    let refusal = if row.revoked_at.is_some() {
        Some("revoked")
    } else if row.disabled {
        Some("suspended")
    } else if row.expires_at.is_some_and(|at| at <= now) {
        Some("expired")
    } else if !is_current && !row.previous_valid_until.is_some_and(|until| until > now) {
        Some("replaced")
    } else {
        None
    };
    if let Some(reason) = refusal {
        audit_refused_token(state, &row, reason, meta, now).await;
        return None;
    }
    state.usage.record(&row.token_id, now, &meta.ip);
    Some(Principal {
        kind: PrincipalKind::ServiceAccount,
        id: row.account_id,
        name: row.account_name,
        role: Role::parse(&row.role)?,
        scopes: crate::store::scopes_from_text(&row.scopes),
        organization: OrganizationRef {
            id: row.org_id,
            slug: row.org_slug,
            name: row.org_name,
        },
        token: Some(PrincipalToken {
            id: row.token_id,
            name: row.token_name,
            expires_at: rfc3339_opt(row.expires_at),
        }),
    })
}

/// Records a refused use of a token Steward knows, at most once a minute per token, so a
/// misconfigured job cannot flood the audit log.
async fn audit_refused_token(
    state: &AppState,
    row: &crate::store::CredentialRow,
    reason: &str,
    meta: &RequestMeta,
    now: i64,
) {
    match state.db.claim_refused_audit(&row.token_id, now).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(error = %e, "could not throttle refused-token audit");
            return;
        }
    }
    let record = NewAuditEvent {
        id: new_id("aud"),
        organization_id: Some(row.org_id.clone()),
        at: now,
        actor_kind: "service_account".into(),
        actor_id: Some(row.account_id.clone()),
        actor_name: row.account_name.clone(),
        token_id: Some(row.token_id.clone()),
        action: "auth.token_refused".into(),
        target_kind: Some("token".into()),
        target_id: Some(row.token_id.clone()),
        target_name: Some(row.token_name.clone()),
        ip: Some(meta.ip.clone()),
        user_agent: meta.user_agent.clone(),
        outcome: "failure".into(),
        details: Some(serde_json::json!({ "reason": reason }).to_string()),
    };
    if let Err(e) = state.db.insert_audit(&record).await {
        tracing::warn!(error = %e, "could not audit a refused token");
    }
}

/// Resolves a session cookie's value to its person, extending the session when idle long enough.
pub async fn principal_from_session(state: &AppState, session_id: &str) -> Option<Principal> {
    let hash = sha256_hex(session_id);
    let row = match state.db.session(&hash).await {
        Ok(row) => row?,
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            return None;
        }
    };
    let now = now_ms();
    if row.disabled || row.expires_at <= now {
        return None;
    }
    if now - row.last_seen_at > SESSION_TOUCH_MS {
        let expires = now + state.config.session_idle_secs * 1000;
        if let Err(e) = state.db.touch_session(&hash, now, expires).await {
            tracing::warn!(error = %e, "could not extend session");
        }
    }
    Some(Principal {
        kind: PrincipalKind::User,
        id: row.user_id,
        name: row.user_name,
        role: Role::parse(&row.role)?,
        scopes: Scope::ALL.to_vec(),
        organization: OrganizationRef {
            id: row.org_id,
            slug: row.org_slug,
            name: row.org_name,
        },
        token: None,
    })
}

fn sign_in_event(
    meta: &RequestMeta,
    user: Option<&UserRow>,
    email: &str,
    outcome: &str,
) -> NewAuditEvent {
    NewAuditEvent {
        id: new_id("aud"),
        organization_id: user.map(|u| u.organization_id.clone()),
        at: now_ms(),
        actor_kind: "user".into(),
        actor_id: user.map(|u| u.id.clone()),
        actor_name: email.to_string(),
        action: "auth.sign_in".into(),
        ip: Some(meta.ip.clone()),
        user_agent: meta.user_agent.clone(),
        outcome: outcome.into(),
        ..Default::default()
    }
}

/// Checks a person's password and opens a new session, ending `previous` (the session id is
/// rotated at sign-in, so a planted cookie is worthless). Every attempt is audited; the answer
/// for an unknown email, a wrong password and a disabled person is the same.
#[tracing::instrument(skip(state, password, previous, meta), fields(email = %email))]
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: String,
    previous: Option<&str>,
    meta: &RequestMeta,
) -> Result<(User, String), ApiError> {
    let email = email.trim().to_ascii_lowercase();
    let user = state.db.user_by_email(&email).await?;
    let ok = password::verify(
        password,
        user.as_ref().and_then(|u| u.password_hash.clone()),
    )
    .await;
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        other => {
            state
                .db
                .insert_audit(&sign_in_event(meta, other.as_ref(), &email, "failure"))
                .await?;
            return Err(ApiError::unauthenticated_with(
                "Incorrect email or password.",
            ));
        }
    };
    if let Some(old) = previous {
        state.db.delete_session(&sha256_hex(old)).await?;
    }
    let session = open_session(state, &user.id).await?;
    state
        .db
        .insert_audit(&sign_in_event(meta, Some(&user), &email, "success"))
        .await?;
    Ok((super::members::to_api(user), session))
}

/// Ends a session; signing out twice is not an error.
pub async fn sign_out(
    state: &AppState,
    caller: &Caller,
    session_id: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(id) = session_id {
        state.db.delete_session(&sha256_hex(id)).await?;
    }
    state
        .db
        .insert_audit(&event(caller, "auth.sign_out", None))
        .await?;
    Ok(())
}

/// Input for creating the first administrator (CLI or setup page).
pub struct NewAdmin {
    pub org_slug: String,
    pub org_name: String,
    pub email: String,
    pub name: String,
    pub password: String,
}

/// Validates an organization slug: same character rule as resource names.
fn parse_slug(slug: &str) -> Result<String, ApiError> {
    crate::domain::ResourceName::parse("org_slug", slug).map(|n| n.into_string())
}

/// Validates an email address loosely: one `@`, something on both sides, no spaces.
pub fn parse_email(field: &str, email: &str) -> Result<String, ApiError> {
    let e = email.trim().to_ascii_lowercase();
    let valid = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(e.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.contains('@'));
    if valid {
        Ok(e)
    } else {
        Err(ApiError::invalid(
            field,
            "Enter an email address like name@example.com.",
        ))
    }
}

/// Creates an administrator, and the organization if it does not exist yet. Used by
/// `server admin create` and by the one-time setup page.
pub async fn create_admin(
    state: &AppState,
    input: NewAdmin,
    setup_link: Option<&str>,
    meta: &RequestMeta,
) -> Result<User, ApiError> {
    let slug = parse_slug(&input.org_slug)?;
    let email = parse_email("email", &input.email)?;
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid(
            "name",
            "Enter a name of 1 to 100 characters.",
        ));
    }
    password::check_strength(&input.password).map_err(|m| ApiError::invalid("password", m))?;
    let org_name = if input.org_name.trim().is_empty() {
        slug.clone()
    } else {
        input.org_name.trim().to_string()
    };
    let password_hash = password::hash(input.password).await;
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    if let Some(link) = setup_link {
        // The link is only good while nobody exists and only once.
        if tx.count_users().await? > 0
            || !tx
                .consume_setup_link(&sha256_hex(link), "first_admin", now)
                .await?
        {
            return Err(ApiError::invalid(
                "token",
                "This setup link is no longer valid.",
            ));
        }
    }
    let org_id = match tx.organization_by_slug(&slug).await? {
        Some(org) => org.id,
        None => {
            let id = new_id("org");
            tx.insert_organization(&id, &slug, &org_name, now).await?;
            id
        }
    };
    let user_id = new_id("usr");
    tx.insert_user(
        &user_id,
        &org_id,
        &email,
        &name,
        Some(&password_hash),
        Role::Admin.as_str(),
        now,
    )
    .await
    .map_err(|e| match e {
        crate::store::StoreError::UniqueViolation => {
            ApiError::conflict("email", "A person with that email already exists.")
        }
        other => other.into(),
    })?;
    tx.insert_audit(&NewAuditEvent {
        id: new_id("aud"),
        organization_id: Some(org_id),
        at: now,
        actor_kind: "system".into(),
        actor_name: if setup_link.is_some() {
            "setup link".into()
        } else {
            "command line".into()
        },
        action: "member.create".into(),
        target_kind: Some("user".into()),
        target_id: Some(user_id.clone()),
        target_name: Some(email.clone()),
        ip: Some(meta.ip.clone()),
        user_agent: meta.user_agent.clone(),
        outcome: "success".into(),
        ..Default::default()
    })
    .await?;
    tx.commit().await?;
    Ok(User {
        id: user_id,
        email,
        name,
        role: Role::Admin,
        disabled: false,
        created_at: super::clock::rfc3339(now),
    })
}

/// With nobody in the database, makes a one-time link for creating the first administrator
/// in the browser. Returns the secret part of the link, or `None` when people exist.
pub async fn first_admin_setup_link(state: &AppState) -> Result<Option<String>, ApiError> {
    if state.db.count_users().await? > 0 {
        return Ok(None);
    }
    let secret = session_secret();
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    tx.insert_setup_link(
        &sha256_hex(&secret),
        "first_admin",
        None,
        now,
        now + SETUP_LINK_TTL_MS,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(secret))
}

/// Whether a first-administrator link can still be used.
pub async fn setup_link_is_valid(state: &AppState, secret: &str) -> Result<bool, ApiError> {
    Ok(state.db.count_users().await? == 0
        && state
            .db
            .setup_link_is_valid(&sha256_hex(secret), "first_admin", now_ms())
            .await?)
}

/// Opens a session for a person who just completed setup.
pub async fn open_session(state: &AppState, user_id: &str) -> Result<String, ApiError> {
    let session = session_secret();
    let now = now_ms();
    state
        .db
        .insert_session(
            &sha256_hex(&session),
            user_id,
            now,
            now + state.config.session_idle_secs * 1000,
        )
        .await?;
    Ok(session)
}

/// The `Set-Cookie` value for a new session.
pub fn session_cookie(state: &AppState, session: &str) -> String {
    let secure = if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        state.config.session_idle_secs
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_session_cookie(state: &AppState) -> String {
    let secure = if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}")
}
