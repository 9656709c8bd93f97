//! "May X do P in W?" for a member, service account, group or token: yes or no, and the chain of
//! reasons (the subject's own organization role, or a binding, the role it names, the group it
//! came through, the workspace it applies in). For a token whose account holds the permission,
//! also what stops the token from using it.

use crate::domain::{
    ApiError, EffectivePermission, Explanation, Permission, PermissionName, Reason, Role,
    SubjectRef, SubjectType,
};
use crate::services::access::workspace_group_rules::{GROUPS, WORKSPACES};
use crate::services::access::{grants_from_rows, list_from_text, role_holds, Access, TokenLimits};
use crate::services::clock::now_ms;
use crate::services::Caller;
use crate::state::AppState;
use crate::store::GrantRow;
use std::sync::Arc;

/// Whom the question is about.
#[derive(Debug, Clone)]
pub enum ExplainTarget {
    Subject(SubjectRef),
    Token(String),
}

/// A subject found in the organization: its kind, id, organization role (groups have none),
/// and why it may use nothing at all (a disabled account).
struct Found {
    kind: SubjectType,
    id: String,
    role: Option<Role>,
    limits: Option<TokenLimits>,
    inactive: Option<&'static str>,
}

async fn find(state: &AppState, org: &str, target: &ExplainTarget) -> Result<Found, ApiError> {
    let not_found = |what| ApiError::not_found(what);
    match target {
        ExplainTarget::Subject(s) => match s.kind {
            SubjectType::ServiceAccount => {
                let a = state
                    .db
                    .account(org, &s.id)
                    .await?
                    .ok_or_else(|| not_found("Service account"))?;
                Ok(Found {
                    kind: SubjectType::ServiceAccount,
                    role: Some(a.role),
                    inactive: a.disabled.then_some("the service account is disabled"),
                    id: a.id,
                    limits: None,
                })
            }
            SubjectType::Member => {
                let u = state
                    .db
                    .user(&s.id)
                    .await?
                    .filter(|u| u.organization_id == org)
                    .ok_or_else(|| not_found("Member"))?;
                Ok(Found {
                    kind: SubjectType::Member,
                    role: Some(u.role),
                    inactive: u.disabled.then_some("the member is disabled"),
                    id: u.id,
                    limits: None,
                })
            }
            SubjectType::Group => {
                let g = state
                    .db
                    .named(GROUPS.table, org, &s.id)
                    .await?
                    .ok_or_else(|| not_found("Group"))?;
                Ok(Found {
                    kind: SubjectType::Group,
                    id: g.id,
                    role: None,
                    limits: None,
                    inactive: None,
                })
            }
        },
        ExplainTarget::Token(id) => {
            let t = state
                .db
                .token(org, id)
                .await?
                .ok_or_else(|| not_found("Token"))?;
            let inactive = if t.account_disabled {
                Some("the token is suspended: its service account is disabled")
            } else if t.expires_at.is_some_and(|at| at <= now_ms()) {
                Some("the token has expired")
            } else {
                None
            };
            Ok(Found {
                kind: SubjectType::ServiceAccount,
                id: t.service_account_id,
                role: Some(t.account_role),
                limits: Some(TokenLimits {
                    role_cap: Some(t.role_cap),
                    cap_extra: list_from_text(t.cap_permissions.as_deref()),
                    permissions: list_from_text(t.narrow_permissions.as_deref()),
                    workspaces: list_from_text(t.narrow_workspaces.as_deref()),
                    scopes: Some(t.scopes.0),
                    replaced_secret: false,
                }),
                inactive,
            })
        }
    }
}

/// Why a token may not use a permission its account holds.
fn token_denial(limits: &TokenLimits, permission: &str, workspace: Option<&str>) -> String {
    // In Steward's own API, a token also needs the permission's scope.
    let missing_scope = Permission::parse(permission)
        .zip(limits.scopes.as_ref())
        .filter(|(p, scopes)| !scopes.contains(&p.scope()))
        .map(|(p, _)| p.scope());
    if let Some(scope) = missing_scope {
        return format!("the token lacks the '{}' scope", scope.as_str());
    }
    let capped = limits.role_cap.is_some_and(|r| !role_holds(r, permission))
        && !limits
            .cap_extra
            .as_ref()
            .is_some_and(|e| e.contains(permission));
    let why = if capped {
        "the token's cap: whoever minted it did not hold this permission"
    } else if limits
        .permissions
        .as_ref()
        .is_some_and(|p| !p.contains(permission))
    {
        "the token is narrowed to other permissions"
    } else if limits.workspaces.is_some() && workspace.is_none() {
        "the token is narrowed to workspaces, so it holds nothing organization-wide"
    } else {
        "the token is narrowed to other workspaces"
    };
    why.to_string()
}

/// The reasons among the subject's organization role and grant rows.
fn reasons(
    role: Option<Role>,
    rows: &[&GrantRow],
    permission: &str,
    ws: Option<&str>,
) -> Vec<Reason> {
    let mut out = Vec::new();
    if let Some(r) = role.filter(|r| role_holds(*r, permission)) {
        out.push(Reason {
            binding_id: None,
            role: r.as_str().into(),
            via_group: None,
            workspace: None,
        });
    }
    for row in rows {
        let applies = row.workspace_id.is_none() || row.workspace_id.as_deref() == ws;
        let holds = match Role::parse(&row.role_id) {
            Some(builtin) => role_holds(builtin, permission),
            None => row.permission.as_deref() == Some(permission),
        };
        let seen = out
            .iter()
            .any(|r| r.binding_id.as_deref() == Some(row.binding_id.as_str()));
        if applies && holds && !seen {
            out.push(Reason {
                binding_id: Some(row.binding_id.clone()),
                role: row.role_name.clone().unwrap_or_else(|| row.role_id.clone()),
                via_group: row.group_name.clone(),
                workspace: row.workspace_name.clone(),
            });
        }
    }
    out
}

/// Everything a member, service account or group holds: each permission organization-wide, and
/// in each workspace what it holds only there, with the reasons (the explain view as a table).
/// The rows are read once and indexed by permission, so the cost grows with the rows and the
/// permissions, not with their product, and the work runs off the async workers.
pub async fn effective(
    state: &AppState,
    caller: &Caller,
    subject: SubjectRef,
) -> Result<Vec<EffectivePermission>, ApiError> {
    let org = &caller.principal.organization.id;
    let found = find(state, org, &ExplainTarget::Subject(subject)).await?;
    let rows = state
        .db
        .grant_rows(org, found.kind.as_str(), &found.id)
        .await?;
    let declared: Vec<String> = state
        .db
        .declared_permissions(org)
        .await?
        .into_iter()
        .map(|d| d.name)
        .collect();
    let role = found.role;
    tokio::task::spawn_blocking(move || effective_from_rows(role, &rows, &declared))
        .await
        .map_err(|_| ApiError::internal())
}

/// `effective` once the rows are read: each permission's reasons from the rows that name it
/// (and the rows of built-in roles, which name none), organization-wide and per workspace.
fn effective_from_rows(
    role: Option<Role>,
    rows: &[GrantRow],
    declared: &[String],
) -> Vec<EffectivePermission> {
    use std::collections::{BTreeSet, HashMap};
    // Row positions, so each permission's rows keep the order the bindings were made in.
    let mut naming: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut builtin: Vec<(usize, Role)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match (Role::parse(&row.role_id), row.permission.as_deref()) {
            (Some(r), _) => builtin.push((i, r)),
            (None, Some(p)) => naming.entry(p).or_default().push(i),
            (None, None) => {}
        }
    }
    let candidates: BTreeSet<&str> = Permission::ALL
        .iter()
        .map(|p| p.as_str())
        .chain(declared.iter().map(String::as_str))
        .chain(naming.keys().copied())
        .collect();
    let mut out = Vec::new();
    for p in candidates {
        let mut positions: Vec<usize> = naming.get(p).cloned().unwrap_or_default();
        positions.extend(
            builtin
                .iter()
                .filter(|(_, r)| role_holds(*r, p))
                .map(|(i, _)| *i),
        );
        positions.sort_unstable();
        let here: Vec<&GrantRow> = positions.into_iter().map(|i| &rows[i]).collect();
        let org_wide = reasons(role, &here, p, None);
        if !org_wide.is_empty() {
            out.push(EffectivePermission {
                permission: p.to_string(),
                workspace: None,
                because: org_wide,
            });
        }
        let mut places: Vec<(&str, &str)> = here
            .iter()
            .filter_map(|r| r.workspace_id.as_deref().zip(r.workspace_name.as_deref()))
            .collect();
        places.sort_by(|a, b| a.1.cmp(b.1));
        places.dedup();
        for (id, name) in places {
            let in_workspace: Vec<Reason> = reasons(None, &here, p, Some(id))
                .into_iter()
                .filter(|r| r.workspace.as_deref() == Some(name))
                .collect();
            if !in_workspace.is_empty() {
                out.push(EffectivePermission {
                    permission: p.to_string(),
                    workspace: Some(name.to_string()),
                    because: in_workspace,
                });
            }
        }
    }
    out
}

/// Answers whether the target may do `permission`, organization-wide or in `workspace`.
pub async fn explain(
    state: &AppState,
    caller: &Caller,
    target: ExplainTarget,
    permission: &str,
    workspace: Option<&str>,
) -> Result<Explanation, ApiError> {
    let org = &caller.principal.organization.id;
    let permission = match Permission::parse(permission.trim()) {
        Some(p) => p.as_str().to_string(),
        None => PermissionName::parse("permission", permission)?.into_string(),
    };
    let ws_id = match workspace.map(str::trim).filter(|w| !w.is_empty()) {
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
    let found = find(state, org, &target).await?;
    let rows = state
        .db
        .grant_rows(org, found.kind.as_str(), &found.id)
        .await?;
    let all: Vec<&GrantRow> = rows.iter().collect();
    let because = reasons(found.role, &all, &permission, ws_id.as_deref());
    let mut denied_by = found.inactive.map(str::to_string);
    if let (Some(limits), false, None) = (&found.limits, because.is_empty(), &denied_by) {
        let access = Access {
            role: found.role.unwrap_or(Role::Viewer),
            grants: Arc::new(grants_from_rows(&rows)),
            limits: Some(limits.clone()),
            version: 0,
        };
        if !access.allows(&permission, ws_id.as_deref()) {
            denied_by = Some(token_denial(limits, &permission, ws_id.as_deref()));
        }
    }
    Ok(Explanation {
        allowed: !because.is_empty() && denied_by.is_none(),
        because,
        denied_by,
    })
}
