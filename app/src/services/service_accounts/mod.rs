//! Service accounts: listing, creating, reading, and where every change starts (the account of
//! the caller's organization, within the caller's ceiling). The changes themselves are in
//! `changes`.

mod changes;

pub use changes::{delete, disable, enable, update, update_guards, AccountChanges};

use crate::auth::random::new_id;
use crate::domain::AccountSort;
use crate::domain::{
    AccountDetail, ApiError, NamedRef, ResourceName, Role, ServiceAccount, SubjectRef, SubjectType,
};
use crate::services::access::bindings::{resolve_roles, set_org_roles, RoleChoice};
use crate::services::access::ceiling::{ensure_caller_covers, parse_granted_role};
use crate::services::audit::{event, AuditAction, Target};
use crate::services::clock::{now_ms, rfc3339, rfc3339_opt};
use crate::services::{on_unique, Caller};
use crate::state::AppState;
use crate::store::{AccountFilter, AccountRow};

pub const DEFAULT_PER_PAGE: i64 = 50;
pub const MAX_PER_PAGE: i64 = 200;

/// Converts a stored row to the API object.
pub fn to_api(row: AccountRow) -> ServiceAccount {
    ServiceAccount {
        role: row.role,
        id: row.id,
        name: row.name,
        description: row.description,
        disabled: row.disabled,
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
        token_count: row.token_count,
        requests_7d: row.requests_7d,
        keyless: row.trust_policies > 0,
        last_used_at: rfc3339_opt(row.last_used_at),
        default_guards: crate::services::tokens::guards::from_columns(&row.default_guards),
    }
}

/// The list request as the API receives it.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub query: Option<String>,
    pub role: Option<String>,
    pub status: Option<String>,
    pub sort: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Checks paging input: page ≥ 1, per_page 1–200 (default 50).
pub fn parse_paging(page: Option<i64>, per_page: Option<i64>) -> Result<(i64, i64), ApiError> {
    let page = page.unwrap_or(1);
    if !(1..=1_000_000).contains(&page) {
        return Err(ApiError::invalid("page", "Page must be 1 or more."));
    }
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(ApiError::invalid(
            "per_page",
            format!("per_page must be between 1 and {MAX_PER_PAGE}."),
        ));
    }
    Ok((page, per_page))
}

/// One page of the caller's organization's accounts.
#[tracing::instrument(skip(state, caller), fields(org = %caller.principal.organization.id))]
pub async fn list(
    state: &AppState,
    caller: &Caller,
    q: ListQuery,
) -> Result<crate::domain::Page<ServiceAccount>, ApiError> {
    let (page, per_page) = parse_paging(q.page, q.per_page)?;
    // Closed sets are taken exactly as the document lists them (no trimming, no blank).
    let role =
        match q.role.as_deref() {
            None => None,
            Some(r) => Some(Role::parse(r).ok_or_else(|| {
                ApiError::invalid("role", "Role must be viewer, editor or admin.")
            })?),
        };
    let disabled = match q.status.as_deref() {
        None | Some("all") => None,
        Some("active") => Some(false),
        Some("disabled") => Some(true),
        Some(_) => {
            return Err(ApiError::invalid(
                "status",
                "Status must be active, disabled or all.",
            ))
        }
    };
    let sort = AccountSort::parse("sort", q.sort.as_deref())?;
    // The length is that of the text as sent: lowercasing can lengthen it.
    if q.query.as_ref().is_some_and(|s| s.chars().count() > 100) {
        return Err(ApiError::invalid(
            "query",
            "Search text must be at most 100 characters.",
        ));
    }
    let query = q
        .query
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    let filter = AccountFilter {
        query,
        role: role.map(|r| r.as_str().to_string()),
        disabled,
        sort,
        limit: per_page,
        offset: (page - 1) * per_page,
        usage_since: crate::services::tokens::usage_report::first_day(7),
    };
    let (rows, total) = state
        .db
        .list_accounts(&caller.principal.organization.id, &filter)
        .await?;
    Ok(crate::domain::Page {
        items: rows.into_iter().map(to_api).collect(),
        total,
        page,
        per_page,
    })
}

/// Input for a new account, not yet validated.
pub struct NewAccount {
    pub name: String,
    pub description: Option<String>,
    /// The organization role (built-in).
    pub role: Option<String>,
    /// Roles to hold organization-wide: built-in names pick the organization role (the highest
    /// of them and `role`), custom roles become bindings.
    pub roles: Option<Vec<String>>,
}

/// The organization role of a new account: `role` and the built-in names in `roles`, the
/// highest wins; viewer when only custom roles are named.
fn organization_role(
    caller: &Caller,
    role: Option<&str>,
    choice: &RoleChoice,
) -> Result<Role, ApiError> {
    let named = role.map(|r| parse_granted_role(caller, r)).transpose()?;
    match (named, choice.builtin) {
        (None, None) if choice.custom.is_empty() => {
            Err(ApiError::invalid("role", "Choose a role."))
        }
        (a, b) => Ok(a.max(b).unwrap_or(Role::Viewer)),
    }
}

/// Creates an account in the caller's organization, audited in the same transaction.
#[tracing::instrument(skip(state, caller, input), fields(org = %caller.principal.organization.id))]
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: NewAccount,
) -> Result<ServiceAccount, ApiError> {
    let name = ResourceName::parse("name", &input.name)?;
    let description =
        crate::domain::parse_description("description", input.description.as_deref())?;
    let org = &caller.principal.organization.id;
    let id = new_id("sa");
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    let choice = resolve_roles(&mut tx, caller, input.roles.as_deref().unwrap_or(&[])).await?;
    let role = organization_role(caller, input.role.as_deref(), &choice)?;
    tx.insert_account(&crate::store::NewAccount {
        id: &id,
        organization_id: org,
        name: name.as_str(),
        description: &description,
        role,
        created_by: &caller.display_name(),
        now,
    })
    .await
    .map_err(on_unique(
        "name",
        format!(
            "A service account named '{}' already exists.",
            name.as_str()
        ),
    ))?;
    tx.insert_audit(&event(
        caller,
        AuditAction::ServiceAccountCreate,
        Some(Target::service_account(&id, name.as_str())),
    ))
    .await?;
    if !choice.custom.is_empty() {
        let subject = SubjectRef {
            kind: SubjectType::ServiceAccount,
            id: id.clone(),
        };
        set_org_roles(&mut tx, caller, &subject, name.as_str(), &choice.custom).await?;
    }
    let row = tx.account(org, &id).await?.ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(to_api(row))
}

/// An account of the caller's organization; 404 for anything else.
pub async fn get(state: &AppState, caller: &Caller, id: &str) -> Result<ServiceAccount, ApiError> {
    Ok(to_api(account_of(state, caller, id).await?))
}

/// An account of the caller's organization, to read; 404 for any other (another
/// organization's account does not exist for the caller).
pub async fn account_of(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<AccountRow, ApiError> {
    state
        .db
        .account(&caller.principal.organization.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Service account"))
}

/// An account's page: the account, its live tokens, the organization's longest token lifetime
/// (so forms offer only allowed choices), its own bindings and its groups (whose bindings apply
/// to it too).
pub async fn detail(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<AccountDetail, ApiError> {
    let service_account = get(state, caller, id).await?;
    let tokens = crate::services::tokens::issuing::list(state, caller, id).await?;
    let max_token_lifetime_days =
        crate::services::settings::token_lifetime_limit(state, caller).await?;
    let query = crate::services::access::bindings::ListQuery {
        subject: Some(SubjectRef {
            kind: SubjectType::ServiceAccount,
            id: id.to_string(),
        }),
        ..Default::default()
    };
    let bindings = crate::services::access::bindings::list(state, caller, query).await?;
    let groups = state
        .db
        .groups_of(SubjectType::ServiceAccount.as_str(), id)
        .await?
        .into_iter()
        .map(|(id, name)| NamedRef { id, name })
        .collect();
    Ok(AccountDetail {
        service_account,
        tokens,
        max_token_lifetime_days,
        bindings,
        groups,
    })
}

/// Refuses acting on an account holding more than the caller (see `ceiling`).
pub async fn check_ceiling(
    state: &AppState,
    caller: &Caller,
    account: &AccountRow,
) -> Result<(), ApiError> {
    let role = account.role;
    ensure_caller_covers(
        state,
        caller,
        SubjectType::ServiceAccount,
        &account.id,
        role,
    )
    .await
}

/// Loads an account of the caller's organization inside `tx` and checks the ceiling: where
/// every change to an account, its tokens or its trust starts.
pub async fn account_for_change(
    state: &AppState,
    tx: &mut crate::store::Tx,
    caller: &Caller,
    id: &str,
) -> Result<AccountRow, ApiError> {
    let account = tx
        .account(&caller.principal.organization.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Service account"))?;
    check_ceiling(state, caller, &account).await?;
    Ok(account)
}
