//! Permissions: Steward's own and the ones an organization declares for its applications
//! (e.g. `deploy:production`), which roles then hold. Declaring and retiring bump the
//! organization's access version and are audited in the same transaction.

use crate::domain::parse_description;
use crate::domain::{ApiError, Permission, PermissionInfo, PermissionKind, PermissionName};
use crate::services::access::ceiling::ensure_may_grant;
use crate::services::access::minting::parse_permission_list;
use crate::services::access::PermSet;
use crate::services::audit::{event, AuditAction, Target};
use crate::services::clock::now_ms;
use crate::services::{on_unique, Caller};
use crate::state::AppState;
use crate::store::Tx;
use std::collections::BTreeSet;

/// Steward's permissions and the organization's declared ones; anything else is refused with
/// the name of the first unknown one.
pub(super) async fn known_permissions(
    tx: &mut Tx,
    organization_id: &str,
    list: &[String],
) -> Result<BTreeSet<String>, ApiError> {
    let wanted = parse_permission_list("permissions", list)?;
    let application: Vec<String> = wanted
        .iter()
        .filter(|p| Permission::parse(p).is_none())
        .cloned()
        .collect();
    let declared = tx.declared_among(organization_id, &application).await?;
    if let Some(unknown) = application.iter().find(|p| !declared.contains(p)) {
        return Err(ApiError::unknown(
            "permissions",
            format!("'{unknown}' is not a permission of this organization: declare it first."),
        ));
    }
    Ok(wanted)
}

/// A set of named permissions, to check a ceiling against.
pub(super) fn set_of(names: &BTreeSet<String>) -> PermSet {
    PermSet {
        all: false,
        names: names.iter().cloned().collect(),
    }
}

/// Every permission: Steward's own, then the organization's, by name.
pub async fn list_permissions(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<PermissionInfo>, ApiError> {
    let declared = state
        .db
        .declared_permissions(&caller.principal.organization.id)
        .await?;
    let steward = Permission::ALL.iter().map(|p| PermissionInfo {
        name: p.as_str().into(),
        description: p.description().into(),
        kind: PermissionKind::Steward,
    });
    let application = declared.into_iter().map(|d| PermissionInfo {
        name: d.name,
        description: d.description,
        kind: PermissionKind::Application,
    });
    Ok(steward.chain(application).collect())
}

/// Declares an application permission, e.g. `deploy:production`.
pub async fn declare_permission(
    state: &AppState,
    caller: &Caller,
    name: &str,
    description: Option<&str>,
) -> Result<PermissionInfo, ApiError> {
    let name = PermissionName::parse("name", name)?.into_string();
    let description = parse_description("description", description)?;
    let org = &caller.principal.organization.id;
    let mut tx = state.db.begin().await?;
    tx.bump_access_version(org).await?;
    tx.declare_permission(org, &name, &description, now_ms())
        .await
        .map_err(on_unique("name", format!("'{name}' is declared already.")))?;
    tx.insert_audit(&event(
        caller,
        AuditAction::PermissionDeclare,
        Some(Target::of("permission", &name, &name)),
    ))
    .await?;
    tx.commit().await?;
    Ok(PermissionInfo {
        name,
        description,
        kind: PermissionKind::Application,
    })
}

/// Retires an application permission: no role holds it any more.
pub async fn retire_permission(
    state: &AppState,
    caller: &Caller,
    name: &str,
) -> Result<(), ApiError> {
    let name = PermissionName::parse("name", name)?.into_string();
    let org = &caller.principal.organization.id;
    ensure_may_grant(
        &caller.access,
        &set_of(&BTreeSet::from([name.clone()])),
        None,
        &format!("'{name}'"),
    )?;
    let mut tx = state.db.begin().await?;
    tx.bump_access_version(org).await?;
    if !tx.retire_permission(org, &name).await? {
        return Err(ApiError::not_found("Permission"));
    }
    tx.insert_audit(&event(
        caller,
        AuditAction::PermissionRetire,
        Some(Target::of("permission", &name, &name)),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}
