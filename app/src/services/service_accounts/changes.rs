//! Changing a service account: edit, default guards, disable (revoking or suspending its
//! tokens), enable, delete. Each starts from `account_for_change` (the caller's organization,
//! within the caller's ceiling) and is audited in the same transaction.

use super::{account_for_change, to_api};
use crate::domain::{ApiError, ResourceName, ServiceAccount, SubjectRef, SubjectType};
use crate::services::access::bindings::{resolve_roles, set_org_roles};
use crate::services::access::ceiling::parse_granted_role;
use crate::services::audit::{event, AuditAction, Target};
use crate::services::clock::now_ms;
use crate::services::{on_unique, Caller};
use crate::state::AppState;
use crate::store::Tx;

/// The changes an edit asks for; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub role: Option<String>,
    /// The organization-wide roles: built-in names set the organization role (the highest),
    /// custom roles become exactly the account's organization-wide bindings.
    pub roles: Option<Vec<String>>,
}

/// Edits name, description and role; audited with the fields that changed.
#[tracing::instrument(skip(state, caller, changes), fields(org = %caller.principal.organization.id))]
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    changes: AccountChanges,
) -> Result<ServiceAccount, ApiError> {
    let name = changes
        .name
        .as_deref()
        .map(|n| ResourceName::parse("name", n))
        .transpose()?;
    let description = changes
        .description
        .as_deref()
        .map(|d| crate::domain::parse_description("description", Some(d)))
        .transpose()?;
    let role = changes
        .role
        .as_deref()
        .map(|r| parse_granted_role(caller, r))
        .transpose()?;
    let mut tx = state.db.begin().await?;
    let current = account_for_change(state, &mut tx, caller, id).await?;
    let choice = match &changes.roles {
        Some(names) => Some(resolve_roles(&mut tx, caller, names).await?),
        None => None,
    };
    let new_name = name
        .map(|n| n.into_string())
        .unwrap_or_else(|| current.name.clone());
    let new_description = description.unwrap_or_else(|| current.description.clone());
    let new_role = role
        .max(choice.as_ref().and_then(|c| c.builtin))
        .unwrap_or(current.role);
    if let Some(choice) = &choice {
        let subject = SubjectRef {
            kind: SubjectType::ServiceAccount,
            id: current.id.clone(),
        };
        set_org_roles(&mut tx, caller, &subject, &new_name, &choice.custom).await?;
    }
    let changed: Vec<&str> = [
        ("name", new_name != current.name),
        ("description", new_description != current.description),
        ("role", new_role != current.role),
    ]
    .into_iter()
    .filter_map(|(f, c)| c.then_some(f))
    .collect();
    tx.update_account(
        &current.id,
        &new_name,
        &new_description,
        new_role.as_str(),
        now_ms(),
    )
    .await
    .map_err(on_unique(
        "name",
        format!("A service account named '{new_name}' already exists."),
    ))?;
    let mut record = event(
        caller,
        AuditAction::ServiceAccountUpdate,
        Some(Target::service_account(&current.id, &new_name)),
    );
    record.details = Some(
        serde_json::json!({ "changed": changed, "previous_name": current.name, "role": new_role.as_str() })
            .to_string(),
    );
    tx.insert_audit(&record).await?;
    committed(tx, caller, &current.id).await
}

/// Replaces the guards an account's new tokens get unless made with their own; its existing
/// tokens keep theirs (`tokens/update-guards` changes those).
#[tracing::instrument(skip(state, caller, guards), fields(org = %caller.principal.organization.id))]
pub async fn update_guards(
    state: &AppState,
    caller: &Caller,
    id: &str,
    guards: &crate::domain::Guards,
) -> Result<ServiceAccount, ApiError> {
    use crate::services::tokens::{guards::parse_columns, issuing::guard_change};
    let columns = parse_columns(guards)?;
    let mut tx = state.db.begin().await?;
    let current = account_for_change(state, &mut tx, caller, id).await?;
    tx.set_account_default_guards(&current.id, &columns, now_ms())
        .await?;
    let mut record = event(
        caller,
        AuditAction::ServiceAccountUpdateGuards,
        Some(Target::service_account(&current.id, &current.name)),
    );
    record.details = Some(guard_change(&current.default_guards, &columns));
    tx.insert_audit(&record).await?;
    committed(tx, caller, &current.id).await
}

/// Disables an account: its tokens stop working at once. With `revoke_tokens` (the default)
/// they are revoked for good; otherwise they are suspended until the account is enabled.
#[tracing::instrument(skip(state, caller), fields(org = %caller.principal.organization.id))]
pub async fn disable(
    state: &AppState,
    caller: &Caller,
    id: &str,
    revoke_tokens: bool,
) -> Result<ServiceAccount, ApiError> {
    let mut tx = state.db.begin().await?;
    let account = account_for_change(state, &mut tx, caller, id).await?;
    let now = now_ms();
    tx.set_account_disabled(&account.id, true, now).await?;
    let revoked = if revoke_tokens {
        tx.revoke_account_tokens(&account.id, now).await?
    } else {
        0
    };
    let mut record = event(
        caller,
        AuditAction::ServiceAccountDisable,
        Some(Target::service_account(&account.id, &account.name)),
    );
    record.details =
        Some(serde_json::json!({ "revoke_tokens": revoke_tokens, "revoked": revoked }).to_string());
    tx.insert_audit(&record).await?;
    committed(tx, caller, &account.id).await
}

/// Enables a disabled account; suspended tokens work again, revoked ones never do.
#[tracing::instrument(skip(state, caller), fields(org = %caller.principal.organization.id))]
pub async fn enable(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<ServiceAccount, ApiError> {
    let mut tx = state.db.begin().await?;
    let account = account_for_change(state, &mut tx, caller, id).await?;
    tx.set_account_disabled(&account.id, false, now_ms())
        .await?;
    tx.insert_audit(&event(
        caller,
        AuditAction::ServiceAccountEnable,
        Some(Target::service_account(&account.id, &account.name)),
    ))
    .await?;
    committed(tx, caller, &account.id).await
}

/// Deletes an account and all its tokens; the audit log keeps the record.
#[tracing::instrument(skip(state, caller), fields(org = %caller.principal.organization.id))]
pub async fn delete(state: &AppState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    let mut tx = state.db.begin().await?;
    let account = account_for_change(state, &mut tx, caller, id).await?;
    tx.forget_subject("service_account", &account.id).await?;
    tx.bump_access_version(&caller.principal.organization.id)
        .await?;
    tx.delete_account(&account.id).await?;
    let mut record = event(
        caller,
        AuditAction::ServiceAccountDelete,
        Some(Target::service_account(&account.id, &account.name)),
    );
    record.details = Some(serde_json::json!({ "tokens_deleted": account.token_count }).to_string());
    tx.insert_audit(&record).await?;
    tx.commit().await?;
    Ok(())
}

/// Commits a change and answers the account as it left it, as every change does.
async fn committed(mut tx: Tx, caller: &Caller, id: &str) -> Result<ServiceAccount, ApiError> {
    let row = tx
        .account(&caller.principal.organization.id, id)
        .await?
        .ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(to_api(row))
}
