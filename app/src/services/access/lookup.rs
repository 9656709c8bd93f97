//! What the database says a subject holds, through the in-memory caches: its grants, the
//! organization's declared application permissions and workspace ids, and the full effective
//! view `whoami` and introspection report. Each is kept per organization access version, so a
//! change made through any replica is seen on the next request.

use crate::domain::SubjectType;
use crate::services::access::cache::{Effective, EffectiveKey};
use crate::services::access::{grants_from_rows, Access, Grants};
use std::collections::HashMap;
use std::sync::Arc;

/// The grants of a subject at its organization's `version`: from memory when this process
/// computed them at that version, else with one query.
pub async fn grants(
    state: &crate::state::AppState,
    organization_id: &str,
    kind: SubjectType,
    id: &str,
    version: i64,
) -> Result<Arc<Grants>, crate::store::StoreError> {
    let key = (kind, id.to_string());
    if let Some(g) = state.access_cache.grants.get(&key, version) {
        return Ok(g);
    }
    let rows = state
        .db
        .grant_rows(organization_id, kind.as_str(), id)
        .await?;
    let grants = Arc::new(grants_from_rows(&rows));
    state.access_cache.grants.put(key, version, grants.clone());
    Ok(grants)
}

/// The names of the application permissions an organization declares, at `version`.
pub async fn declared_names(
    state: &crate::state::AppState,
    organization_id: &str,
    version: i64,
) -> Result<Arc<Vec<String>>, crate::store::StoreError> {
    let key = organization_id.to_string();
    if let Some(names) = state.access_cache.declared.get(&key, version) {
        return Ok(names);
    }
    let names: Vec<String> = state
        .db
        .declared_permissions(organization_id)
        .await?
        .into_iter()
        .map(|d| d.name)
        .collect();
    let names = Arc::new(names);
    state.access_cache.declared.put(key, version, names.clone());
    Ok(names)
}

/// The principal with what it may do filled in: organization-wide permissions, and per
/// workspace the permissions it holds there (for `whoami` and introspection). Computed once
/// per principal, token and access version: it walks every permission in every workspace.
pub async fn describe(
    state: &crate::state::AppState,
    auth: crate::services::Authenticated,
) -> Result<crate::domain::Principal, crate::store::StoreError> {
    let mut principal = auth.principal;
    let version = auth.access.version;
    let key = EffectiveKey {
        principal_id: principal.id.clone(),
        token_id: principal.token.as_ref().map(|t| t.id.clone()),
        role: principal.role.as_str(),
        replaced_secret: auth
            .access
            .limits
            .as_ref()
            .is_some_and(|l| l.replaced_secret),
    };
    let effective = match state.access_cache.effective.get(&key, version) {
        Some(effective) => effective,
        None => {
            let effective = Arc::new(compute_effective(state, &principal, &auth.access).await?);
            state
                .access_cache
                .effective
                .put(key, version, effective.clone());
            effective
        }
    };
    principal.permissions = effective.0.clone();
    principal.workspaces = effective.1.clone();
    Ok(principal)
}

async fn compute_effective(
    state: &crate::state::AppState,
    principal: &crate::domain::Principal,
    access: &Access,
) -> Result<Effective, crate::store::StoreError> {
    let organization_id = &principal.organization.id;
    let declared = declared_names(state, organization_id, access.version).await?;
    // A token narrowed to workspaces holds its organization-wide permissions there too, even
    // where no binding names the workspace: report those workspaces as well.
    let narrowed = access.limits.as_ref().and_then(|l| l.workspaces.as_ref());
    let extra: Vec<(String, String)> = match narrowed {
        Some(ids) => state
            .db
            .list_named(crate::store::NamedTable::Workspaces, organization_id)
            .await?
            .into_iter()
            .filter(|w| ids.contains(&w.id))
            .map(|w| (w.id, w.name))
            .collect(),
        None => Vec::new(),
    };
    let (permissions, workspaces) = access.effective(&declared, &extra);
    Ok((permissions.into(), workspaces.into()))
}

/// The organization's workspaces, name to id, at `version`: from memory while the version holds
/// (renaming or deleting a workspace bumps it), so a check naming a workspace costs no query.
pub async fn workspace_ids(
    state: &crate::state::AppState,
    organization_id: &str,
    version: i64,
) -> Result<Arc<HashMap<String, String>>, crate::store::StoreError> {
    let key = organization_id.to_string();
    if let Some(ids) = state.access_cache.workspaces.get(&key, version) {
        return Ok(ids);
    }
    let ids: HashMap<String, String> = state
        .db
        .list_named(crate::store::NamedTable::Workspaces, organization_id)
        .await?
        .into_iter()
        .map(|w| (w.name, w.id))
        .collect();
    let ids = Arc::new(ids);
    state.access_cache.workspaces.put(key, version, ids.clone());
    Ok(ids)
}
