//! Nobody acts above themselves: a caller may grant only what they hold, and may act on a
//! service account or a person only when they hold everything it holds.

use crate::domain::SubjectType;
use crate::domain::{ApiError, Permission, Role};
use crate::services::access::{self, Access, PermSet};
use crate::services::Caller;
use crate::state::AppState;
use std::sync::Arc;

/// What a service account or person holds right now: its built-in role and its grants.
pub async fn subject_access(
    state: &AppState,
    organization_id: &str,
    kind: SubjectType,
    id: &str,
    role: Role,
) -> Result<Access, ApiError> {
    let version = state.db.access_version(organization_id).await?;
    let grants = access::grants(state, organization_id, kind, id, version).await?;
    Ok(Access {
        role,
        grants,
        limits: None,
        version,
    })
}

/// Refuses acting on a subject that holds something the caller does not: otherwise an editor
/// could mint an admin token, or edit a deployer's roles without holding `deploy:production`.
pub async fn ensure_caller_covers(
    state: &AppState,
    caller: &Caller,
    kind: SubjectType,
    id: &str,
    role: Role,
) -> Result<(), ApiError> {
    let target = subject_access(state, &caller.principal.organization.id, kind, id, role).await?;
    if caller.access.covers_principal(&target) {
        return Ok(());
    }
    let what = match kind {
        SubjectType::ServiceAccount => "This service account",
        SubjectType::Member => "This person",
        SubjectType::Group => "This group",
    };
    let detail = if caller.access.covers(&PermSet::of_role(role), None) {
        "permissions you do not have".to_string()
    } else {
        format!("the {role} role, above yours")
    };
    Err(ApiError::forbidden(format!("{what} holds {detail}.")))
}

/// Validates a built-in role to grant and refuses one the caller does not hold.
pub fn parse_granted_role(caller: &Caller, role: &str) -> Result<Role, ApiError> {
    let role = Role::parse(role.trim())
        .ok_or_else(|| ApiError::invalid("role", "Role must be viewer, editor or admin."))?;
    ensure_may_grant(&caller.access, &PermSet::of_role(role), None, role.as_str())?;
    Ok(role)
}

/// Refuses granting (or defining) `set` when the granter does not hold all of it there.
pub fn ensure_may_grant(
    granter: &Arc<Access>,
    set: &PermSet,
    workspace: Option<&str>,
    what: &str,
) -> Result<(), ApiError> {
    if granter.covers(set, workspace) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "You cannot grant {what}: it holds permissions you do not have{}.",
            if workspace.is_some() {
                " in that workspace"
            } else {
                ""
            }
        )))
    }
}

/// People are managed by people: what gives a person roles or takes them away (a binding on a
/// group with people in it, deleting such a group, changing or deleting a role a person holds)
/// needs a person signed in with `members:write`, as binding a role to a member directly does.
/// Otherwise a service account's token could make someone an admin through a group, leaving a
/// password login behind after the token is revoked.
pub fn ensure_person_manages_people(caller: &Caller, what: &str) -> Result<(), ApiError> {
    if caller.is_person() && caller.access.allows_steward(Permission::MembersWrite) {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "{what} changes what people hold: a person with the 'members:write' permission must do \
         this, signed in to Steward."
    )))
}
