//! Members (people): listing, adding with a one-time link, role and disable changes, and
//! password changes. The last active admin of an organization always stays one.

use super::audit::{event, Target};
use super::clock::{now_ms, rfc3339};
use super::Caller;
use crate::auth::password;
use crate::auth::random::{new_id, session_secret, sha256_hex};
use crate::domain::{ApiError, Role, User};
use crate::state::AppState;
use crate::store::{StoreError, UserRow};

/// How long an invitation link stays valid.
const INVITE_TTL_MS: i64 = 7 * 86_400_000;

/// The API view of a person; never their password hash.
pub fn to_api(row: UserRow) -> User {
    User {
        role: Role::parse(&row.role).unwrap_or(Role::Viewer),
        id: row.id,
        email: row.email,
        name: row.name,
        disabled: row.disabled,
        created_at: rfc3339(row.created_at),
    }
}

pub async fn list(
    state: &AppState,
    caller: &Caller,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<(Vec<User>, i64, i64, i64), ApiError> {
    let (page, per_page) = super::service_accounts::parse_paging(page, per_page)?;
    let (rows, total) = state
        .db
        .list_members(
            &caller.principal.organization.id,
            per_page,
            (page - 1) * per_page,
        )
        .await?;
    Ok((
        rows.into_iter().map(to_api).collect(),
        total,
        page,
        per_page,
    ))
}

/// Adds a person without a password and returns them with the secret of a one-time link that
/// lets them set one.
#[tracing::instrument(skip(state, caller), fields(org = %caller.principal.organization.id))]
pub async fn invite(
    state: &AppState,
    caller: &Caller,
    email: &str,
    name: &str,
    role: &str,
) -> Result<(User, String), ApiError> {
    let email = super::authentication::parse_email("email", email)?;
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid(
            "name",
            "Enter a name of 1 to 100 characters.",
        ));
    }
    let role = super::service_accounts::parse_granted_role(caller, role)?;
    let now = now_ms();
    let id = new_id("usr");
    let secret = session_secret();
    let mut tx = state.db.begin().await?;
    tx.insert_user(
        &id,
        &caller.principal.organization.id,
        &email,
        &name,
        None,
        role.as_str(),
        now,
    )
    .await
    .map_err(|e| match e {
        StoreError::UniqueViolation => {
            ApiError::conflict("email", "A person with that email already exists.")
        }
        other => other.into(),
    })?;
    tx.insert_setup_link(
        &sha256_hex(&secret),
        "invite",
        Some(&id),
        now,
        now + INVITE_TTL_MS,
    )
    .await?;
    tx.insert_audit(&event(
        caller,
        "member.invite",
        Some(Target {
            kind: "user",
            id: &id,
            name: &email,
        }),
    ))
    .await?;
    let row = tx
        .member(&caller.principal.organization.id, &id)
        .await?
        .ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok((to_api(row), secret))
}

/// Changes a person's role and/or disables them. Disabling ends their sessions at once; the
/// last active admin can be neither demoted nor disabled.
#[tracing::instrument(skip(state, caller), fields(org = %caller.principal.organization.id))]
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    role: Option<&str>,
    disabled: Option<bool>,
) -> Result<User, ApiError> {
    let role = role
        .map(|r| super::service_accounts::parse_granted_role(caller, r))
        .transpose()?;
    let org = caller.principal.organization.id.clone();
    let mut tx = state.db.begin().await?;
    let current = tx
        .member(&org, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Member"))?;
    let new_role = role
        .map(|r| r.as_str().to_string())
        .unwrap_or_else(|| current.role.clone());
    let new_disabled = disabled.unwrap_or(current.disabled);
    let stops_being_admin =
        current.role == "admin" && !current.disabled && (new_role != "admin" || new_disabled);
    if stops_being_admin && tx.count_active_admins(&org).await? <= 1 {
        return Err(ApiError::conflict(
            "role",
            "This is the organization's last admin: make someone else an admin first.",
        ));
    }
    tx.update_member(&current.id, &new_role, new_disabled, now_ms())
        .await?;
    if new_disabled {
        tx.delete_user_sessions(&current.id).await?;
    }
    let mut record = event(
        caller,
        "member.update",
        Some(Target {
            kind: "user",
            id: &current.id,
            name: &current.email,
        }),
    );
    record.details =
        Some(serde_json::json!({ "role": new_role, "disabled": new_disabled }).to_string());
    tx.insert_audit(&record).await?;
    let row = tx
        .member(&org, &current.id)
        .await?
        .ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(to_api(row))
}

/// A person changes their own password after proving the current one.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    current: String,
    new: String,
) -> Result<(), ApiError> {
    if caller.principal.kind != crate::domain::PrincipalKind::User {
        return Err(ApiError::forbidden("Service accounts have no password."));
    }
    password::check_strength(&new).map_err(|m| ApiError::invalid("new_password", m))?;
    let user = state
        .db
        .user(&caller.principal.id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    if !password::verify(current, user.password_hash.clone()).await {
        return Err(ApiError::invalid(
            "current_password",
            "The current password is not correct.",
        ));
    }
    let hash = password::hash(new).await;
    let mut tx = state.db.begin().await?;
    tx.set_password(&user.id, &hash, now_ms()).await?;
    tx.insert_audit(&event(
        caller,
        "auth.change_password",
        Some(Target {
            kind: "user",
            id: &user.id,
            name: &user.email,
        }),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The person an invitation link is for, if it is still valid.
pub async fn invitation(state: &AppState, secret: &str) -> Result<Option<User>, ApiError> {
    Ok(state
        .db
        .invited_user(&sha256_hex(secret), now_ms())
        .await?
        .map(to_api))
}

/// Sets an invited person's first password from their link, once, and returns them.
pub async fn accept_invitation(
    state: &AppState,
    secret: &str,
    new_password: String,
    meta: &super::RequestMeta,
) -> Result<User, ApiError> {
    password::check_strength(&new_password).map_err(|m| ApiError::invalid("password", m))?;
    let hash = sha256_hex(secret);
    let user = state
        .db
        .invited_user(&hash, now_ms())
        .await?
        .ok_or_else(|| ApiError::invalid("token", "This link is no longer valid."))?;
    let password_hash = password::hash(new_password).await;
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    if !tx.consume_setup_link(&hash, "invite", now).await? {
        return Err(ApiError::invalid("token", "This link is no longer valid."));
    }
    tx.set_password(&user.id, &password_hash, now).await?;
    tx.insert_audit(&crate::store::NewAuditEvent {
        id: new_id("aud"),
        organization_id: Some(user.organization_id.clone()),
        at: now,
        actor_kind: "user".into(),
        actor_id: Some(user.id.clone()),
        actor_name: user.email.clone(),
        action: "member.accept_invite".into(),
        target_kind: Some("user".into()),
        target_id: Some(user.id.clone()),
        target_name: Some(user.email.clone()),
        ip: Some(meta.ip.clone()),
        user_agent: meta.user_agent.clone(),
        outcome: "success".into(),
        ..Default::default()
    })
    .await?;
    tx.commit().await?;
    Ok(to_api(user))
}
