//! Role bindings: a member, service account or group holds a role, organization-wide or in one
//! workspace. Nobody binds a role holding permissions they lack (there), nor changes the
//! bindings of a principal that holds more than they do.
//!
//! Longer than most files: granting, revoking and listing share the subject and ceiling
//! checks, and the organization-wide roles of an account are set through the same rules.

use crate::auth::random::new_id;
use crate::domain::{ApiError, Binding, NamedRef, Role, SubjectRef, SubjectType};
use crate::services::access::ceiling::{
    ensure_caller_covers, ensure_may_grant, ensure_person_manages_people,
};
use crate::services::access::roles::resolve_role;
use crate::services::access::workspace_group_rules::{find, GROUPS, WORKSPACES};
use crate::services::access::PermSet;
use crate::services::audit::{event, AuditAction, Target};
use crate::services::clock::{now_ms, rfc3339};
use crate::services::Caller;
use crate::state::AppState;
use crate::store::{BindingFilter, BindingRow, NewBinding, Tx};

/// The API view of a stored binding.
pub fn to_api(row: BindingRow) -> Binding {
    let kind = SubjectType::parse(&row.subject_type).unwrap_or(SubjectType::ServiceAccount);
    Binding {
        id: row.id,
        subject_name: row.subject_name.unwrap_or_else(|| row.subject_id.clone()),
        subject: SubjectRef {
            kind,
            id: row.subject_id,
        },
        role: NamedRef {
            name: row.role_name.unwrap_or_else(|| row.role_id.clone()),
            id: row.role_id,
        },
        workspace: row
            .workspace_id
            .zip(row.workspace_name)
            .map(|(id, name)| NamedRef { id, name }),
        created_at: rfc3339(row.created_at),
        created_by: row.created_by,
    }
}

/// Checks that the subject exists in the caller's organization and that the caller may change
/// what it holds; returns it by id (a group may be named by name) with its display name.
async fn checked_subject(
    state: &AppState,
    tx: &mut Tx,
    caller: &Caller,
    subject: &SubjectRef,
) -> Result<(SubjectRef, String), ApiError> {
    let org = &caller.principal.organization.id;
    let missing = || {
        ApiError::not_found(match subject.kind {
            SubjectType::Member => "Member",
            SubjectType::ServiceAccount => "Service account",
            SubjectType::Group => "Group",
        })
    };
    match subject.kind {
        SubjectType::ServiceAccount => {
            let a = tx.account(org, &subject.id).await?.ok_or_else(missing)?;
            let role = a.role;
            ensure_caller_covers(state, caller, SubjectType::ServiceAccount, &a.id, role).await?;
            Ok((
                SubjectRef {
                    kind: subject.kind,
                    id: a.id,
                },
                a.name,
            ))
        }
        SubjectType::Member => {
            let m = tx.member(org, &subject.id).await?.ok_or_else(missing)?;
            let role = m.role;
            ensure_caller_covers(state, caller, SubjectType::Member, &m.id, role).await?;
            Ok((
                SubjectRef {
                    kind: subject.kind,
                    id: m.id,
                },
                m.email,
            ))
        }
        SubjectType::Group => {
            let g = find(tx, GROUPS, org, &subject.id).await?;
            if tx.group_has_people(&g.id).await? {
                ensure_person_manages_people(caller, "This group has people in it, so its roles")?;
            }
            Ok((
                SubjectRef {
                    kind: subject.kind,
                    id: g.id,
                },
                g.name,
            ))
        }
    }
}

/// Binds `role` (id or name) to `subject`, organization-wide or in `workspace` (id or name).
pub async fn grant(
    state: &AppState,
    caller: &Caller,
    subject: SubjectRef,
    role: &str,
    workspace: Option<&str>,
) -> Result<Binding, ApiError> {
    let org = caller.principal.organization.id.clone();
    let mut tx = state.db.begin().await?;
    tx.bump_access_version(&org).await?;
    let (subject, subject_name) = checked_subject(state, &mut tx, caller, &subject).await?;
    let role = resolve_role(&mut tx, &org, role)
        .await?
        .ok_or_else(|| ApiError::unknown("role", format!("There is no role '{role}'.")))?;
    let workspace = match workspace.map(str::trim).filter(|w| !w.is_empty()) {
        None => None,
        Some(w) => Some(find(&mut tx, WORKSPACES, &org, w).await.map_err(|_| {
            ApiError::unknown("workspace", format!("There is no workspace '{w}'."))
        })?),
    };
    let ws_id = workspace.as_ref().map(|w| w.id.as_str());
    ensure_may_grant(
        &caller.access,
        &role.perm_set(),
        ws_id,
        &format!("the role '{}'", role.name),
    )?;
    let kind = subject.kind.as_str();
    if tx
        .binding_exists(kind, &subject.id, &role.id, ws_id)
        .await?
    {
        return Err(ApiError::conflict(
            "role",
            format!("{subject_name} already holds '{}' there.", role.name),
        ));
    }
    let id = new_id("bnd");
    tx.insert_binding(&NewBinding {
        id: &id,
        organization_id: &org,
        subject_type: kind,
        subject_id: &subject.id,
        role_id: &role.id,
        workspace_id: ws_id,
        created_by: &caller.display_name(),
        now: now_ms(),
    })
    .await?;
    let mut record = event(
        caller,
        AuditAction::BindingGrant,
        Some(Target::of(kind, &subject.id, &subject_name)),
    );
    record.details = Some(
        serde_json::json!({
            "binding_id": id,
            "role": role.name,
            "workspace": workspace.as_ref().map(|w| &w.name),
        })
        .to_string(),
    );
    tx.insert_audit(&record).await?;
    let row = tx
        .binding(&org, &id)
        .await?
        .ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(to_api(row))
}

/// The subject type of a binding, for choosing the permission that revoking it needs.
pub async fn subject_type_of(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<SubjectType, ApiError> {
    state
        .db
        .binding(&caller.principal.organization.id, id)
        .await?
        .map(|b| to_api(b).subject.kind)
        .ok_or_else(|| ApiError::not_found("Binding"))
}

/// Revokes a binding; the caller must hold the role's permissions there, and everything the
/// subject holds.
pub async fn revoke(state: &AppState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    let org = caller.principal.organization.id.clone();
    let mut tx = state.db.begin().await?;
    tx.bump_access_version(&org).await?;
    let row = tx
        .binding(&org, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Binding"))?;
    let binding = to_api(row.clone());
    checked_subject(state, &mut tx, caller, &binding.subject).await?;
    let role = resolve_role(&mut tx, &org, &row.role_id).await?;
    let set = role.map_or_else(PermSet::default, |r| r.perm_set());
    ensure_may_grant(
        &caller.access,
        &set,
        row.workspace_id.as_deref(),
        &format!("the role '{}'", binding.role.name),
    )?;
    tx.delete_binding(&row.id).await?;
    let mut record = event(
        caller,
        AuditAction::BindingRevoke,
        Some(Target::of(
            &row.subject_type,
            &row.subject_id,
            &binding.subject_name,
        )),
    );
    record.details = Some(
        serde_json::json!({
            "binding_id": row.id,
            "role": binding.role.name,
            "workspace": binding.workspace.as_ref().map(|w| &w.name),
        })
        .to_string(),
    );
    tx.insert_audit(&record).await?;
    tx.commit().await?;
    Ok(())
}

/// Which bindings to list: by subject, workspace (id or name) and role (id or name).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub subject: Option<SubjectRef>,
    pub workspace: Option<String>,
    pub role: Option<String>,
}

pub async fn list(
    state: &AppState,
    caller: &Caller,
    q: ListQuery,
) -> Result<Vec<Binding>, ApiError> {
    let org = &caller.principal.organization.id;
    let workspace_id = match q
        .workspace
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        None => None,
        Some(w) => Some(
            state
                .db
                .named(WORKSPACES.table, org, w)
                .await?
                .ok_or_else(|| {
                    ApiError::unknown("workspace", format!("There is no workspace '{w}'."))
                })?
                .id,
        ),
    };
    let role_id = match q.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(r) if Role::parse(r).is_some() => Some(r.to_string()),
        Some(r) => Some(
            state
                .db
                .named(crate::store::NamedTable::Roles, org, r)
                .await?
                .ok_or_else(|| ApiError::unknown("role", format!("There is no role '{r}'.")))?
                .id,
        ),
    };
    let filter = BindingFilter {
        subject_type: q.subject.as_ref().map(|s| s.kind.as_str().to_string()),
        subject_id: q.subject.map(|s| s.id),
        workspace_id,
        role_id,
    };
    let sees_people = caller.sees_people();
    Ok(state
        .db
        .list_bindings(org, &filter)
        .await?
        .into_iter()
        .map(to_api)
        .map(|mut b| {
            // People's emails are for those who may see members.
            if b.subject.kind == SubjectType::Member && !sees_people {
                b.subject_name = b.subject.id.clone();
            }
            b
        })
        .collect())
}

/// The roles a create or update names in `roles`: built-in names pick the organization role
/// (the highest named), the others are custom roles to hold organization-wide.
#[derive(Debug, Clone, Default)]
pub struct RoleChoice {
    pub builtin: Option<Role>,
    pub custom: Vec<crate::services::access::roles::ResolvedRole>,
}

/// Resolves `roles` (ids or names), refusing unknown ones naming the field and any the caller
/// may not grant.
pub async fn resolve_roles(
    tx: &mut Tx,
    caller: &Caller,
    names: &[String],
) -> Result<RoleChoice, ApiError> {
    let org = &caller.principal.organization.id;
    let mut choice = RoleChoice::default();
    for key in names {
        let role = resolve_role(tx, org, key)
            .await?
            .ok_or_else(|| ApiError::unknown("roles", format!("There is no role '{key}'.")))?;
        ensure_may_grant(
            &caller.access,
            &role.perm_set(),
            None,
            &format!("the role '{}'", role.name),
        )?;
        match role.builtin {
            Some(b) => choice.builtin = choice.builtin.max(Some(b)),
            None if !choice.custom.iter().any(|c| c.id == role.id) => choice.custom.push(role),
            None => {}
        }
    }
    Ok(choice)
}

/// Makes the subject's organization-wide custom-role bindings exactly `custom`: adds the missing
/// ones and revokes the others (which the caller must be able to grant, too). Audited per change.
pub async fn set_org_roles(
    tx: &mut Tx,
    caller: &Caller,
    subject: &SubjectRef,
    subject_name: &str,
    custom: &[crate::services::access::roles::ResolvedRole],
) -> Result<(), ApiError> {
    let org = caller.principal.organization.id.clone();
    let kind = subject.kind.as_str();
    tx.bump_access_version(&org).await?;
    let current: Vec<BindingRow> = tx
        .bindings_of_subject(&org, kind, &subject.id)
        .await?
        .into_iter()
        .filter(|b| b.workspace_id.is_none() && Role::parse(&b.role_id).is_none())
        .collect();
    for stale in current
        .iter()
        .filter(|b| !custom.iter().any(|c| c.id == b.role_id))
    {
        let role = resolve_role(tx, &org, &stale.role_id).await?;
        let set = role.map_or_else(PermSet::default, |r| r.perm_set());
        ensure_may_grant(&caller.access, &set, None, "that role")?;
        tx.delete_binding(&stale.id).await?;
        let mut record = event(
            caller,
            AuditAction::BindingRevoke,
            Some(Target::of(kind, &subject.id, subject_name)),
        );
        record.details = Some(
            serde_json::json!({ "binding_id": stale.id, "role": stale.role_name }).to_string(),
        );
        tx.insert_audit(&record).await?;
    }
    for role in custom
        .iter()
        .filter(|c| !current.iter().any(|b| b.role_id == c.id))
    {
        let id = new_id("bnd");
        tx.insert_binding(&NewBinding {
            id: &id,
            organization_id: &org,
            subject_type: kind,
            subject_id: &subject.id,
            role_id: &role.id,
            workspace_id: None,
            created_by: &caller.display_name(),
            now: now_ms(),
        })
        .await?;
        let mut record = event(
            caller,
            AuditAction::BindingGrant,
            Some(Target::of(kind, &subject.id, subject_name)),
        );
        record.details =
            Some(serde_json::json!({ "binding_id": id, "role": role.name }).to_string());
        tx.insert_audit(&record).await?;
    }
    Ok(())
}
