//! What workspaces and groups share: creating, renaming and deleting one follows the same
//! rules (names like service-account names, unique in the organization), each change bumping
//! the access version and audited in its transaction. `workspaces` and `groups` are the
//! services; this module is theirs.

use crate::auth::random::new_id;
use crate::domain::{parse_description, ApiError, ResourceName};
use crate::services::audit::{event, AuditAction, Target};
use crate::services::clock::now_ms;
use crate::services::{on_unique, Caller};
use crate::state::AppState;
use crate::store::{NamedRow, NamedTable, NewNamed, Tx};

/// Workspaces or groups: which table, what to call one, and how its changes are audited.
#[derive(Debug, Clone, Copy)]
pub(super) struct NamedKind {
    pub table: NamedTable,
    /// Lowercase, for messages and audit targets.
    pub label: &'static str,
    prefix: &'static str,
    create: AuditAction,
    update: AuditAction,
    delete: AuditAction,
}

pub(super) const WORKSPACES: NamedKind = NamedKind {
    table: NamedTable::Workspaces,
    label: "workspace",
    prefix: "wsp",
    create: AuditAction::WorkspaceCreate,
    update: AuditAction::WorkspaceUpdate,
    delete: AuditAction::WorkspaceDelete,
};

pub(super) const GROUPS: NamedKind = NamedKind {
    table: NamedTable::Groups,
    label: "group",
    prefix: "grp",
    create: AuditAction::GroupCreate,
    update: AuditAction::GroupUpdate,
    delete: AuditAction::GroupDelete,
};

impl NamedKind {
    fn not_found(self) -> ApiError {
        ApiError::not_found(if self.label == "group" {
            "Group"
        } else {
            "Workspace"
        })
    }

    fn taken(self, name: &str) -> String {
        format!("A {} named '{name}' already exists.", self.label)
    }
}

/// One of the organization's workspaces or groups, by id or name, inside `tx`.
pub(super) async fn find(
    tx: &mut Tx,
    kind: NamedKind,
    organization_id: &str,
    key: &str,
) -> Result<NamedRow, ApiError> {
    tx.named(kind.table, organization_id, key.trim())
        .await?
        .ok_or_else(|| kind.not_found())
}

pub(super) async fn create(
    state: &AppState,
    caller: &Caller,
    kind: NamedKind,
    name: &str,
    description: Option<&str>,
) -> Result<NamedRow, ApiError> {
    let name = ResourceName::parse("name", name)?.into_string();
    let description = parse_description("description", description)?;
    let org = &caller.principal.organization.id;
    let id = new_id(kind.prefix);
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    tx.bump_access_version(org).await?;
    tx.insert_named(
        kind.table,
        &NewNamed {
            id: &id,
            organization_id: org,
            name: &name,
            description: &description,
            now,
        },
    )
    .await
    .map_err(on_unique("name", kind.taken(&name)))?;
    tx.insert_audit(&event(
        caller,
        kind.create,
        Some(Target::of(kind.label, &id, &name)),
    ))
    .await?;
    tx.commit().await?;
    Ok(NamedRow {
        id,
        name,
        description,
        created_at: now,
        updated_at: now,
    })
}

pub(super) async fn update(
    state: &AppState,
    caller: &Caller,
    kind: NamedKind,
    id: &str,
    name: Option<&str>,
    description: Option<&str>,
) -> Result<NamedRow, ApiError> {
    let name = name
        .map(|n| ResourceName::parse("name", n).map(ResourceName::into_string))
        .transpose()?;
    let description = description
        .map(|d| parse_description("description", Some(d)))
        .transpose()?;
    let org = &caller.principal.organization.id;
    let mut tx = state.db.begin().await?;
    tx.bump_access_version(org).await?;
    let current = find(&mut tx, kind, org, id).await?;
    if kind.table == NamedTable::Workspaces {
        // A workspace's name is what `/auth/verify?workspace=` checks: renaming one away (or
        // another onto its name) moves what that check grants, so it needs what deleting does.
        ensure_covers_workspace(&mut tx, caller, &current).await?;
    }
    let new_name = name.unwrap_or_else(|| current.name.clone());
    let new_description = description.unwrap_or_else(|| current.description.clone());
    let now = now_ms();
    tx.update_named(kind.table, &current.id, &new_name, &new_description, now)
        .await
        .map_err(on_unique("name", kind.taken(&new_name)))?;
    let mut record = event(
        caller,
        kind.update,
        Some(Target::of(kind.label, &current.id, &new_name)),
    );
    record.details =
        Some(serde_json::json!({ "name": {"old": current.name, "new": new_name} }).to_string());
    tx.insert_audit(&record).await?;
    tx.commit().await?;
    Ok(NamedRow {
        name: new_name,
        description: new_description,
        updated_at: now,
        ..current
    })
}

/// Deletes a workspace (its bindings go with it) or a group (its memberships and bindings go
/// with it).
pub(super) async fn delete(
    state: &AppState,
    caller: &Caller,
    kind: NamedKind,
    id: &str,
) -> Result<(), ApiError> {
    let org = &caller.principal.organization.id;
    let mut tx = state.db.begin().await?;
    tx.bump_access_version(org).await?;
    let current = find(&mut tx, kind, org, id).await?;
    // Deleting removes bindings: only a caller who could revoke each of them may.
    match kind.table {
        NamedTable::Groups => {
            if tx.group_has_people(&current.id).await? {
                crate::services::access::ceiling::ensure_person_manages_people(
                    caller,
                    "Deleting this group",
                )?;
            }
            for b in tx.bindings_of_subject(org, "group", &current.id).await? {
                ensure_may_grant_role(&mut tx, caller, &b.role_id, b.workspace_id.as_deref())
                    .await?;
            }
        }
        _ => ensure_covers_workspace(&mut tx, caller, &current).await?,
    }
    if kind.table == NamedTable::Groups {
        tx.forget_subject("group", &current.id).await?;
    }
    tx.delete_named(kind.table, &current.id).await?;
    tx.insert_audit(&event(
        caller,
        kind.delete,
        Some(Target::of(kind.label, &current.id, &current.name)),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses renaming or deleting a workspace unless the caller could grant every role bound in
/// it (each role checked once, however many bindings name it).
async fn ensure_covers_workspace(
    tx: &mut Tx,
    caller: &Caller,
    workspace: &NamedRow,
) -> Result<(), ApiError> {
    let org = &caller.principal.organization.id;
    for role_id in tx.roles_bound_in_workspace(org, &workspace.id).await? {
        ensure_may_grant_role(tx, caller, &role_id, Some(&workspace.id)).await?;
    }
    Ok(())
}

/// Refuses unless the caller may grant the role `role_id` there (organization-wide or in a
/// workspace).
async fn ensure_may_grant_role(
    tx: &mut Tx,
    caller: &Caller,
    role_id: &str,
    workspace_id: Option<&str>,
) -> Result<(), ApiError> {
    let org = &caller.principal.organization.id;
    let role = crate::services::access::roles::resolve_role(tx, org, role_id).await?;
    let (set, name) = match &role {
        Some(r) => (r.perm_set(), r.name.as_str()),
        None => (Default::default(), role_id),
    };
    crate::services::access::ceiling::ensure_may_grant(
        &caller.access,
        &set,
        workspace_id,
        &format!("the role '{name}' held here"),
    )
}
