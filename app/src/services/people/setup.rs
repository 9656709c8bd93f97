//! The first administrator: created from the command line, or in the browser through a
//! one-time setup link printed when the server starts with nobody in the database.

use crate::auth::random::{new_id, session_secret, sha256_hex};
use crate::domain::{
    check_password, ApiError, DisplayName, EmailAddress, ResourceName, Role, User,
};
use crate::services::audit::AuditAction;
use crate::services::clock::{now_ms, rfc3339};
use crate::services::RequestMeta;
use crate::state::AppState;
use crate::store::{NewAuditEvent, NewUser, StoreError};

/// How long a first-administrator setup link stays valid.
const SETUP_LINK_TTL_MS: i64 = 24 * 3600 * 1000;
const FIRST_ADMIN: &str = "first_admin";

/// Input for creating the first administrator (CLI or setup page).
pub struct NewAdmin {
    pub org_slug: String,
    pub org_name: String,
    pub email: String,
    pub name: String,
    pub password: String,
}

/// Validated input: nothing is hashed or written before all of it passes.
struct ValidAdmin {
    slug: String,
    org_name: String,
    email: String,
    name: String,
}

fn validate(input: &NewAdmin) -> Result<ValidAdmin, ApiError> {
    let slug = ResourceName::parse("org_slug", &input.org_slug)?.into_string();
    let org_name = if input.org_name.trim().is_empty() {
        slug.clone()
    } else {
        DisplayName::parse("org_name", &input.org_name)?.into_string()
    };
    Ok(ValidAdmin {
        email: EmailAddress::parse("email", &input.email)?.into_string(),
        name: DisplayName::parse("name", &input.name)?.into_string(),
        org_name,
        slug,
    })
}

fn link_no_longer_valid() -> ApiError {
    ApiError::unknown("token", "This setup link is no longer valid.")
}

/// Creates an administrator, and the organization if it does not exist yet. Used by
/// `server admin create` (no link) and by the one-time setup page (with its link, which is
/// checked before any password is hashed and consumed in the same transaction as the insert).
pub async fn create_admin(
    state: &AppState,
    input: NewAdmin,
    setup_link: Option<&str>,
    meta: &RequestMeta,
) -> Result<User, ApiError> {
    let valid = validate(&input)?;
    check_password("password", &input.password)?;
    if let Some(link) = setup_link {
        if !setup_link_is_valid(state, link).await? {
            return Err(link_no_longer_valid());
        }
    }
    let password_hash = state.passwords.hash(input.password).await?;
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    if let Some(link) = setup_link {
        // The link is only good while nobody exists and only once.
        if tx.count_users().await? > 0
            || !tx
                .consume_setup_link(&sha256_hex(link), FIRST_ADMIN, now)
                .await?
        {
            return Err(link_no_longer_valid());
        }
    }
    let (org_id, new_organization) = match tx.organization_by_slug(&valid.slug).await? {
        Some(org) => (org.id, false),
        None => {
            let id = new_id("org");
            tx.insert_organization(&id, &valid.slug, &valid.org_name, now)
                .await?;
            (id, true)
        }
    };
    let user_id = new_id("usr");
    tx.insert_user(&NewUser {
        id: &user_id,
        organization_id: &org_id,
        email: &valid.email,
        name: &valid.name,
        password_hash: Some(&password_hash),
        role: Role::Admin.as_str(),
        now,
    })
    .await
    .map_err(|e| match e {
        StoreError::UniqueViolation => ApiError::conflict(
            "email",
            "This organization already has a person with that email.",
        ),
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
        action: AuditAction::MemberCreate.as_str().into(),
        target_kind: Some("user".into()),
        target_id: Some(user_id.clone()),
        target_name: Some(valid.email.clone()),
        ip: Some(meta.ip.clone()),
        user_agent: meta.user_agent.clone(),
        outcome: "success".into(),
        ..Default::default()
    })
    .await?;
    tx.commit().await?;
    if new_organization {
        state.organizations.forget();
    }
    Ok(User {
        id: user_id,
        email: valid.email,
        name: valid.name,
        role: Role::Admin,
        disabled: false,
        created_at: rfc3339(now),
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
        FIRST_ADMIN,
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
            .setup_link_is_valid(&sha256_hex(secret), FIRST_ADMIN, now_ms())
            .await?)
}
