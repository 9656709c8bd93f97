//! Signing a person in: the password check (bounded argon2, the same cost for unknown emails),
//! the per-account failure limit, the audit record, and a fresh session.

use crate::auth::password::Busy;
use crate::auth::random::{new_id, sha256_hex};
use crate::domain::{ApiError, EmailAddress, ResourceName, User};
use crate::services::audit::AuditAction;
use crate::services::clock::now_ms;
use crate::services::people::attempt_limits::{self, SIGN_IN};
use crate::services::people::sessions::open_session;
use crate::services::RequestMeta;
use crate::state::AppState;
use crate::store::{NewAuditEvent, UserRow};

/// What the sign-in form sends.
pub struct SignInInput {
    pub email: String,
    pub password: String,
    /// The organization's slug; needed only when the email belongs to several organizations.
    pub organization: Option<String>,
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
        action: AuditAction::SignIn.as_str().into(),
        ip: Some(meta.ip.clone()),
        user_agent: meta.user_agent.clone(),
        outcome: outcome.into(),
        ..Default::default()
    }
}

/// The people with this email, narrowed to one organization when the form names it.
async fn candidates(
    state: &AppState,
    email: &str,
    organization: Option<&str>,
) -> Result<Vec<UserRow>, ApiError> {
    let mut users = state.db.users_by_email(email).await?;
    if let Some(slug) = organization.map(str::trim).filter(|s| !s.is_empty()) {
        let slug = ResourceName::parse("organization", slug)?;
        let org = state.db.organization_by_slug(slug.as_str()).await?;
        users.retain(|u| org.as_ref().is_some_and(|o| o.id == u.organization_id));
    }
    Ok(users)
}

/// Checks a person's password and opens a new session, ending `previous` (the session id is
/// rotated at sign-in, so a planted cookie is worthless). Every attempt is audited; the answer
/// for an unknown email, a wrong password and a disabled person is the same. After ten
/// failures for one email in fifteen minutes, attempts are refused (429) before any hashing.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    state: &AppState,
    input: SignInInput,
    previous: Option<&str>,
    meta: &RequestMeta,
) -> Result<(User, String), ApiError> {
    let email = EmailAddress::parse("email", &input.email)?.into_string();
    if state.passwords.saturated() {
        return Err(Busy.into());
    }
    let users = candidates(state, &email, input.organization.as_deref()).await?;
    // The organization a record belongs to, when the email names one person.
    let known = (users.len() == 1).then(|| &users[0]);
    let subject = attempt_limits::sign_in_subject(&email);
    if let Err(refused) = attempt_limits::check(state, &subject, SIGN_IN).await {
        state
            .db
            .insert_audit(&sign_in_event(meta, known, &email, "rate_limited"))
            .await?;
        return Err(refused);
    }
    // One password hash per request, however many organizations the email is in: each costs
    // 19 MiB and a core for a moment, and a sign-in must not cost more for some emails than
    // others. Without an organization named, the password is checked against the person who
    // has been in Steward longest; when it is theirs and others share the email, the person is
    // asked which organization they mean (they have proven they may know). With no such email,
    // the same work is done against nothing, so the answer's timing reveals nothing.
    let checked = users.first();
    let ok = state
        .passwords
        .verify(
            input.password.clone(),
            checked.and_then(|u| u.password_hash.clone()),
        )
        .await?;
    let matched = checked.filter(|u| ok && !u.disabled).cloned();
    if matched.is_some() && users.len() > 1 {
        return Err(ApiError::invalid(
            "organization",
            "This email address belongs to several organizations: enter the organization to sign in to.",
        ));
    }
    let Some(user) = matched else {
        attempt_limits::record_failure(state, &subject).await?;
        state
            .db
            .insert_audit(&sign_in_event(meta, known, &email, "failure"))
            .await?;
        return Err(ApiError::unauthenticated_with(
            "Incorrect email or password.",
        ));
    };
    attempt_limits::clear(state, &subject).await?;
    let mut tx = state.db.begin().await?;
    if let Some(old) = previous {
        tx.delete_session(&sha256_hex(old)).await?;
    }
    let session = open_session(&mut tx, &state.config, &user.id).await?;
    tx.insert_audit(&sign_in_event(meta, Some(&user), &email, "success"))
        .await?;
    tx.commit().await?;
    Ok((crate::services::people::members::to_api(user), session))
}
