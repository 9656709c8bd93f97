//! Members (people): listing, adding with a one-time link, role and disable changes, and
//! password changes. The last active admin of an organization always stays one.

use crate::auth::random::{new_id, session_secret, sha256_hex};
use crate::domain::{check_password, ApiError, DisplayName, EmailAddress, Role, User};
use crate::services::audit::{event, failure, AuditAction, Target};
use crate::services::clock::{now_ms, rfc3339};
use crate::services::people::attempt_limits::{self, PASSWORD_CHANGE};
use crate::services::people::sessions::open_session;
use crate::services::{on_unique, Caller};
use crate::state::AppState;
use crate::store::{NewUser, UserRow};

/// How long an invitation link stays valid.
const INVITE_TTL_MS: i64 = 7 * 86_400_000;

/// The API view of a person; never their password hash.
pub fn to_api(row: UserRow) -> User {
    User {
        role: row.role,
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
) -> Result<crate::domain::Page<User>, ApiError> {
    let (page, per_page) = crate::services::service_accounts::parse_paging(page, per_page)?;
    let (rows, total) = state
        .db
        .list_members(
            &caller.principal.organization.id,
            per_page,
            (page - 1) * per_page,
        )
        .await?;
    Ok(crate::domain::Page {
        items: rows.into_iter().map(to_api).collect(),
        total,
        page,
        per_page,
    })
}

/// Adds a person without a password and returns them with the secret of a one-time link that
/// lets them set one. Email addresses are unique within an organization only, so an address
/// used in another organization is invited like any other and reveals nothing.
#[tracing::instrument(skip(state, caller), fields(org = %caller.principal.organization.id))]
pub async fn invite(
    state: &AppState,
    caller: &Caller,
    email: &str,
    name: &str,
    role: &str,
    roles: &[String],
) -> Result<(User, String), ApiError> {
    let email = EmailAddress::parse("email", email)?.into_string();
    let name = DisplayName::parse("name", name)?.into_string();
    let role = crate::services::access::ceiling::parse_granted_role(caller, role)?;
    let now = now_ms();
    let id = new_id("usr");
    let secret = session_secret();
    let org = &caller.principal.organization.id;
    let mut tx = state.db.begin().await?;
    let choice = crate::services::access::bindings::resolve_roles(&mut tx, caller, roles).await?;
    let role = role.max(choice.builtin.unwrap_or(Role::Viewer));
    tx.insert_user(&NewUser {
        id: &id,
        organization_id: org,
        email: &email,
        name: &name,
        password_hash: None,
        role: role.as_str(),
        now,
    })
    .await
    .map_err(on_unique(
        "email",
        "This organization already has a member with that email.",
    ))?;
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
        AuditAction::MemberInvite,
        Some(Target::user(&id, &email)),
    ))
    .await?;
    if !choice.custom.is_empty() {
        let subject = crate::domain::SubjectRef {
            kind: crate::domain::SubjectType::Member,
            id: id.clone(),
        };
        crate::services::access::bindings::set_org_roles(
            &mut tx,
            caller,
            &subject,
            &email,
            &choice.custom,
        )
        .await?;
    }
    let row = tx.member(org, &id).await?.ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok((to_api(row), secret))
}

/// Changes a person's role and/or disables or enables them. Disabling, enabling and lowering
/// the role end their sessions at once, so no browser keeps powers the person no longer has;
/// the last active admin can be neither demoted nor disabled.
#[tracing::instrument(skip(state, caller), fields(org = %caller.principal.organization.id))]
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    role: Option<&str>,
    disabled: Option<bool>,
) -> Result<User, ApiError> {
    let role = role
        .map(|r| crate::services::access::ceiling::parse_granted_role(caller, r))
        .transpose()?;
    let org = caller.principal.organization.id.clone();
    let mut tx = state.db.begin().await?;
    let current = tx
        .member(&org, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Member"))?;
    let current_role = current.role;
    crate::services::access::ceiling::ensure_caller_covers(
        state,
        caller,
        crate::domain::SubjectType::Member,
        &current.id,
        current_role,
    )
    .await?;
    let new_role = role.unwrap_or(current_role);
    let new_disabled = disabled.unwrap_or(current.disabled);
    let stops_being_admin = current_role == Role::Admin
        && !current.disabled
        && (new_role != Role::Admin || new_disabled);
    if stops_being_admin && tx.count_active_admins(&org).await? <= 1 {
        return Err(ApiError::conflict(
            "role",
            "This is the organization's last admin: make someone else an admin first.",
        ));
    }
    tx.update_member(&current.id, new_role.as_str(), new_disabled, now_ms())
        .await?;
    let ends_sessions = new_disabled != current.disabled || new_role < current_role;
    if ends_sessions {
        tx.delete_user_sessions(&current.id).await?;
    }
    let mut record = event(
        caller,
        AuditAction::MemberUpdate,
        Some(Target::user(&current.id, &current.email)),
    );
    record.details = Some(
        serde_json::json!({
            "role": {"old": current_role, "new": new_role},
            "disabled": {"old": current.disabled, "new": new_disabled},
            "sessions_ended": ends_sessions,
        })
        .to_string(),
    );
    tx.insert_audit(&record).await?;
    let row = tx
        .member(&org, &current.id)
        .await?
        .ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(to_api(row))
}

/// A person changes their own password after proving the current one. Every session of theirs
/// ends, and the new session id returned here replaces the one they used: whoever else held a
/// session (a stolen cookie, a forgotten browser) is signed out. Five wrong current passwords
/// in fifteen minutes lock further attempts for a while.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    current: String,
    new: String,
) -> Result<String, ApiError> {
    if !caller.is_person() {
        return Err(ApiError::forbidden("Service accounts have no password."));
    }
    check_password("new_password", &new)?;
    let subject = attempt_limits::password_change_subject(&caller.principal.id);
    attempt_limits::check(state, &subject, PASSWORD_CHANGE).await?;
    let user = state
        .db
        .user(&caller.principal.id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    let target = || Some(Target::user(&user.id, &user.email));
    if !state
        .passwords
        .verify(current, user.password_hash.clone())
        .await?
    {
        attempt_limits::record_failure(state, &subject).await?;
        state
            .db
            .insert_audit(&failure(caller, AuditAction::ChangePassword, target()))
            .await?;
        return Err(ApiError::invalid(
            "current_password",
            "The current password is not correct.",
        ));
    }
    let hash = state.passwords.hash(new).await?;
    let mut tx = state.db.begin().await?;
    tx.set_password(&user.id, &hash, now_ms()).await?;
    tx.delete_user_sessions(&user.id).await?;
    let session = open_session(&mut tx, &state.config, &user.id).await?;
    tx.insert_audit(&event(caller, AuditAction::ChangePassword, target()))
        .await?;
    tx.commit().await?;
    attempt_limits::clear(state, &subject).await?;
    Ok(session)
}

/// The person an invitation link is for, if it is still valid.
pub async fn invitation(state: &AppState, secret: &str) -> Result<Option<User>, ApiError> {
    Ok(state
        .db
        .invited_user(&sha256_hex(secret), now_ms())
        .await?
        .map(to_api))
}

fn invitation_no_longer_valid() -> ApiError {
    ApiError::unknown("token", "This link is no longer valid.")
}

/// Sets an invited person's first password from their link, once, and signs them in: returns
/// the person and a new session id. The link is checked before the password is hashed.
pub async fn accept_invitation(
    state: &AppState,
    secret: &str,
    new_password: String,
    meta: &crate::services::RequestMeta,
) -> Result<(User, String), ApiError> {
    check_password("password", &new_password)?;
    let hash = sha256_hex(secret);
    let user = state
        .db
        .invited_user(&hash, now_ms())
        .await?
        .ok_or_else(invitation_no_longer_valid)?;
    let password_hash = state.passwords.hash(new_password).await?;
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    if !tx.consume_setup_link(&hash, "invite", now).await? {
        return Err(invitation_no_longer_valid());
    }
    tx.set_password(&user.id, &password_hash, now).await?;
    let session = open_session(&mut tx, &state.config, &user.id).await?;
    tx.insert_audit(&crate::store::NewAuditEvent {
        id: new_id("aud"),
        organization_id: Some(user.organization_id.clone()),
        at: now,
        actor_kind: "user".into(),
        actor_id: Some(user.id.clone()),
        actor_name: user.email.clone(),
        action: AuditAction::MemberAcceptInvite.as_str().into(),
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
    Ok((to_api(user), session))
}
