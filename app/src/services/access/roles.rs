//! Roles: built-in ones (from code, not editable) and custom ones (named sets of permissions,
//! `permissions` says which exist). Nobody creates or changes a role holding a permission
//! they do not hold themselves. Every change bumps the organization's access version and is
//! audited in the same transaction.

use crate::auth::random::new_id;
use crate::domain::{parse_description, ApiError, ResourceName, Role, RoleInfo};
use crate::services::access::ceiling::{ensure_may_grant, ensure_person_manages_people};
use crate::services::access::permissions::{known_permissions, set_of};
use crate::services::access::PermSet;
use crate::services::audit::{event, AuditAction, Target};
use crate::services::clock::now_ms;
use crate::services::{on_unique, Caller};
use crate::state::AppState;
use crate::store::{NamedTable, NewNamed, Tx};
use std::collections::{BTreeSet, HashMap};

/// A role found by id or name, with its permissions.
#[derive(Debug, Clone)]
pub struct ResolvedRole {
    pub id: String,
    pub name: String,
    pub builtin: Option<Role>,
    pub permissions: BTreeSet<String>,
}

impl ResolvedRole {
    /// What the role holds, as a set to check ceilings against.
    pub fn perm_set(&self) -> PermSet {
        match self.builtin {
            Some(role) => PermSet::of_role(role),
            None => PermSet {
                all: false,
                names: self.permissions.iter().cloned().collect(),
            },
        }
    }
}

/// A built-in role by name, or a custom role of the organization by id or name.
pub async fn resolve_role(
    tx: &mut Tx,
    organization_id: &str,
    key: &str,
) -> Result<Option<ResolvedRole>, ApiError> {
    let key = key.trim();
    if let Some(role) = Role::parse(key) {
        return Ok(Some(ResolvedRole {
            id: role.as_str().into(),
            name: role.as_str().into(),
            builtin: Some(role),
            permissions: role.permissions().iter().map(|p| p.to_string()).collect(),
        }));
    }
    let Some(row) = tx.named(NamedTable::Roles, organization_id, key).await? else {
        return Ok(None);
    };
    let permissions = tx.permissions_of_role(&row.id).await?.into_iter().collect();
    Ok(Some(ResolvedRole {
        id: row.id,
        name: row.name,
        builtin: None,
        permissions,
    }))
}

/// The built-in roles, then the organization's own, with how many bindings name each.
pub async fn list_roles(state: &AppState, caller: &Caller) -> Result<Vec<RoleInfo>, ApiError> {
    let org = &caller.principal.organization.id;
    let rows = state.db.list_named(NamedTable::Roles, org).await?;
    let mut permissions: HashMap<String, Vec<String>> = HashMap::new();
    for (role_id, permission) in state.db.role_permissions(org).await? {
        permissions.entry(role_id).or_default().push(permission);
    }
    let mut counts: HashMap<String, i64> = HashMap::new();
    for b in state.db.list_bindings(org, &Default::default()).await? {
        *counts.entry(b.role_id).or_default() += 1;
    }
    let builtin = Role::ALL.into_iter().map(|r| RoleInfo {
        id: r.as_str().into(),
        name: r.as_str().into(),
        description: r.description().into(),
        permissions: r.permissions().iter().map(|p| p.to_string()).collect(),
        builtin: true,
        all_permissions: r.holds_everything(),
        bindings: counts.get(r.as_str()).copied().unwrap_or(0),
    });
    let custom = rows.into_iter().map(|row| RoleInfo {
        permissions: permissions.remove(&row.id).unwrap_or_default(),
        bindings: counts.get(&row.id).copied().unwrap_or(0),
        id: row.id,
        name: row.name,
        description: row.description,
        builtin: false,
        all_permissions: false,
    });
    Ok(builtin.chain(custom).collect())
}

/// A custom role's name: a resource name that is not a built-in role's.
fn role_name(input: &str) -> Result<String, ApiError> {
    let name = ResourceName::parse("name", input)?.into_string();
    if Role::parse(&name).is_some() {
        return Err(ApiError::conflict(
            "name",
            format!("'{name}' is a built-in role."),
        ));
    }
    Ok(name)
}

fn builtin_refused() -> ApiError {
    ApiError::forbidden("Built-in roles cannot be changed or deleted.")
}

/// Input for a new or changed custom role.
#[derive(Debug, Clone, Default)]
pub struct RoleInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Option<Vec<String>>,
}

/// Creates a custom role; the caller must hold every permission in it.
pub async fn create_role(
    state: &AppState,
    caller: &Caller,
    input: RoleInput,
) -> Result<RoleInfo, ApiError> {
    let name = role_name(input.name.as_deref().unwrap_or(""))?;
    let description = parse_description("description", input.description.as_deref())?;
    let org = &caller.principal.organization.id;
    let mut tx = state.db.begin().await?;
    tx.bump_access_version(org).await?;
    let permissions =
        known_permissions(&mut tx, org, input.permissions.as_deref().unwrap_or(&[])).await?;
    ensure_may_grant(&caller.access, &set_of(&permissions), None, "this role")?;
    let id = new_id("rol");
    tx.insert_named(
        NamedTable::Roles,
        &NewNamed {
            id: &id,
            organization_id: org,
            name: &name,
            description: &description,
            now: now_ms(),
        },
    )
    .await
    .map_err(on_unique(
        "name",
        format!("A role named '{name}' already exists."),
    ))?;
    let list: Vec<String> = permissions.iter().cloned().collect();
    tx.set_role_permissions(&id, &list).await?;
    let mut record = event(
        caller,
        AuditAction::RoleCreate,
        Some(Target::of("role", &id, &name)),
    );
    record.details = Some(serde_json::json!({ "permissions": list }).to_string());
    tx.insert_audit(&record).await?;
    tx.commit().await?;
    Ok(RoleInfo {
        id,
        name,
        description,
        permissions: list,
        builtin: false,
        all_permissions: false,
        bindings: 0,
    })
}

/// Changes a custom role's name, description or permissions. The caller must hold what the
/// role holds now and what it will hold.
pub async fn update_role(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: RoleInput,
) -> Result<RoleInfo, ApiError> {
    let org = &caller.principal.organization.id;
    let mut tx = state.db.begin().await?;
    tx.bump_access_version(org).await?;
    let current = resolve_role(&mut tx, org, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Role"))?;
    if current.builtin.is_some() {
        return Err(builtin_refused());
    }
    ensure_may_grant(&caller.access, &current.perm_set(), None, "this role")?;
    if tx.role_reaches_people(org, &current.id).await? {
        ensure_person_manages_people(caller, "Changing this role, which people hold,")?;
    }
    let name = match &input.name {
        Some(n) => role_name(n)?,
        None => current.name.clone(),
    };
    let description = match &input.description {
        Some(d) => parse_description("description", Some(d))?,
        None => tx
            .named(NamedTable::Roles, org, &current.id)
            .await?
            .map(|r| r.description)
            .unwrap_or_default(),
    };
    let permissions = match &input.permissions {
        Some(list) => known_permissions(&mut tx, org, list).await?,
        None => current.permissions.clone(),
    };
    ensure_may_grant(&caller.access, &set_of(&permissions), None, "this role")?;
    tx.update_named(
        NamedTable::Roles,
        &current.id,
        &name,
        &description,
        now_ms(),
    )
    .await
    .map_err(on_unique(
        "name",
        format!("A role named '{name}' already exists."),
    ))?;
    let list: Vec<String> = permissions.iter().cloned().collect();
    tx.set_role_permissions(&current.id, &list).await?;
    let mut record = event(
        caller,
        AuditAction::RoleUpdate,
        Some(Target::of("role", &current.id, &name)),
    );
    record.details = Some(
        serde_json::json!({
            "name": {"old": current.name, "new": name},
            "permissions": {"old": current.permissions, "new": list},
        })
        .to_string(),
    );
    tx.insert_audit(&record).await?;
    let bindings = tx.bindings_of_role(org, &current.id).await?.len() as i64;
    tx.commit().await?;
    Ok(RoleInfo {
        id: current.id,
        name,
        description,
        permissions: list,
        builtin: false,
        all_permissions: false,
        bindings,
    })
}

/// Deletes a custom role. While bindings name it the answer is 409 naming them, unless `force`
/// removes those bindings too.
pub async fn delete_role(
    state: &AppState,
    caller: &Caller,
    id: &str,
    force: bool,
) -> Result<(), ApiError> {
    let org = &caller.principal.organization.id;
    let mut tx = state.db.begin().await?;
    tx.bump_access_version(org).await?;
    let role = resolve_role(&mut tx, org, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Role"))?;
    if role.builtin.is_some() {
        return Err(builtin_refused());
    }
    ensure_may_grant(&caller.access, &role.perm_set(), None, "this role")?;
    if tx.role_reaches_people(org, &role.id).await? {
        ensure_person_manages_people(caller, "Deleting this role, which people hold,")?;
    }
    let bound = tx.bindings_of_role(org, &role.id).await?;
    if !bound.is_empty() && !force {
        let names: Vec<String> = bound
            .iter()
            .take(5)
            .map(|b| {
                // A person is named by id: their email is for people who may see members.
                let who = match (b.subject_type.as_str(), &b.subject_name) {
                    ("member", _) if !caller.sees_people() => b.subject_id.clone(),
                    (_, Some(name)) => name.clone(),
                    (_, None) => b.subject_id.clone(),
                };
                match &b.workspace_name {
                    Some(w) => format!("{} {who} in {w}", b.subject_type.replace('_', " ")),
                    None => format!("{} {who}", b.subject_type.replace('_', " ")),
                }
            })
            .collect();
        let more = if bound.len() > 5 {
            format!(" and {} more", bound.len() - 5)
        } else {
            String::new()
        };
        return Err(ApiError::conflict(
            "id",
            format!(
                "The role '{}' is still bound: {}{more}. Revoke those bindings or delete with force.",
                role.name,
                names.join(", ")
            ),
        ));
    }
    let removed = tx.delete_bindings_of_role(&role.id).await?;
    tx.delete_named(NamedTable::Roles, &role.id).await?;
    let mut record = event(
        caller,
        AuditAction::RoleDelete,
        Some(Target::of("role", &role.id, &role.name)),
    );
    record.details = Some(serde_json::json!({ "bindings_removed": removed }).to_string());
    tx.insert_audit(&record).await?;
    tx.commit().await?;
    Ok(())
}
