//! Building audit records and reading the log. Every mutation calls `event` and inserts the
//! result in its own transaction; the record holds names and ids, never a secret.

pub mod export;

use crate::auth::random::new_id;
use crate::domain::{ApiError, AuditEvent, PrincipalKind};
use crate::services::clock::now_ms;
use crate::services::Caller;
use crate::state::AppState;
use crate::store::{AuditFilter, AuditRow, NewAuditEvent};

/// Every action the audit log records; the stored names are part of the API (filters use them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    SignIn,
    SignOut,
    ChangePassword,
    TokenRefused,
    ServiceAccountCreate,
    ServiceAccountUpdate,
    ServiceAccountDisable,
    ServiceAccountEnable,
    ServiceAccountDelete,
    TokenCreate,
    TokenRefresh,
    TokenRevoke,
    TokenRevokeAll,
    /// A token's guards replaced (networks, rate limit, max uses), old and new in the details.
    TokenUpdateGuards,
    /// Report-only restrictions proposed for a token (they record what they would refuse).
    TokenReportOnlyPropose,
    /// A token's report-only restrictions applied, old and new in the details.
    TokenReportOnlyEnforce,
    /// A token's report-only restrictions discarded.
    TokenReportOnlyDiscard,
    /// The guards an account's new tokens get by default replaced.
    ServiceAccountUpdateGuards,
    /// A live token reported leaked, and so suspended (the report's URL and source in details).
    TokenLeaked,
    /// A token suspended as leaked, restored by someone who checked the report.
    TokenRestore,
    /// An identity token exchanged for a short-lived token (or refused).
    TokenExchange,
    TrustAdd,
    TrustRemove,
    MemberCreate,
    MemberInvite,
    MemberUpdate,
    MemberAcceptInvite,
    SettingsUpdate,
    PermissionDeclare,
    PermissionRetire,
    RoleCreate,
    RoleUpdate,
    RoleDelete,
    WorkspaceCreate,
    WorkspaceUpdate,
    WorkspaceDelete,
    GroupCreate,
    GroupUpdate,
    GroupDelete,
    GroupAddMembers,
    GroupRemoveMembers,
    BindingGrant,
    BindingRevoke,
    WebhookTest,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "auth.sign_in",
            AuditAction::SignOut => "auth.sign_out",
            AuditAction::ChangePassword => "auth.change_password",
            AuditAction::TokenRefused => "auth.token_refused",
            AuditAction::ServiceAccountCreate => "service_account.create",
            AuditAction::ServiceAccountUpdate => "service_account.update",
            AuditAction::ServiceAccountDisable => "service_account.disable",
            AuditAction::ServiceAccountEnable => "service_account.enable",
            AuditAction::ServiceAccountDelete => "service_account.delete",
            AuditAction::TokenCreate => "token.create",
            AuditAction::TokenRefresh => "token.refresh",
            AuditAction::TokenRevoke => "token.revoke",
            AuditAction::TokenRevokeAll => "token.revoke_all",
            AuditAction::TokenUpdateGuards => "token.update_guards",
            AuditAction::TokenReportOnlyPropose => "token.report_only_propose",
            AuditAction::TokenReportOnlyEnforce => "token.report_only_enforce",
            AuditAction::TokenReportOnlyDiscard => "token.report_only_discard",
            AuditAction::ServiceAccountUpdateGuards => "service_account.update_guards",
            AuditAction::TokenLeaked => "token.leaked",
            AuditAction::TokenRestore => "token.restore",
            AuditAction::TokenExchange => "token.exchange",
            AuditAction::TrustAdd => "trust.add",
            AuditAction::TrustRemove => "trust.remove",
            AuditAction::MemberCreate => "member.create",
            AuditAction::MemberInvite => "member.invite",
            AuditAction::MemberUpdate => "member.update",
            AuditAction::MemberAcceptInvite => "member.accept_invite",
            AuditAction::SettingsUpdate => "settings.update",
            AuditAction::PermissionDeclare => "permission.declare",
            AuditAction::PermissionRetire => "permission.retire",
            AuditAction::RoleCreate => "role.create",
            AuditAction::RoleUpdate => "role.update",
            AuditAction::RoleDelete => "role.delete",
            AuditAction::WorkspaceCreate => "workspace.create",
            AuditAction::WorkspaceUpdate => "workspace.update",
            AuditAction::WorkspaceDelete => "workspace.delete",
            AuditAction::GroupCreate => "group.create",
            AuditAction::GroupUpdate => "group.update",
            AuditAction::GroupDelete => "group.delete",
            AuditAction::GroupAddMembers => "group.add_members",
            AuditAction::GroupRemoveMembers => "group.remove_members",
            AuditAction::BindingGrant => "binding.grant",
            AuditAction::BindingRevoke => "binding.revoke",
            AuditAction::WebhookTest => "settings.webhook_test",
        }
    }
}

/// The object an action was done to.
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: &'a str,
    pub name: &'a str,
}

impl<'a> Target<'a> {
    pub fn service_account(id: &'a str, name: &'a str) -> Self {
        Target {
            kind: "service_account",
            id,
            name,
        }
    }

    pub fn token(id: &'a str, name: &'a str) -> Self {
        Target {
            kind: "token",
            id,
            name,
        }
    }

    /// A person, named by their email address.
    pub fn user(id: &'a str, email: &'a str) -> Self {
        Target {
            kind: "user",
            id,
            name: email,
        }
    }

    /// A role, workspace, group, binding or permission: `kind` says which.
    pub fn of(kind: &'a str, id: &'a str, name: &'a str) -> Self {
        Target { kind, id, name }
    }

    pub fn organization(id: &'a str, slug: &'a str) -> Self {
        Target {
            kind: "organization",
            id,
            name: slug,
        }
    }
}

/// A successful action by `caller` on `target`.
pub fn event(caller: &Caller, action: AuditAction, target: Option<Target<'_>>) -> NewAuditEvent {
    let p = &caller.principal;
    NewAuditEvent {
        id: new_id("aud"),
        organization_id: Some(p.organization.id.clone()),
        at: now_ms(),
        actor_kind: match p.kind {
            PrincipalKind::User => "user".into(),
            PrincipalKind::ServiceAccount => "service_account".into(),
        },
        actor_id: Some(p.id.clone()),
        actor_name: p.name.clone(),
        token_id: p.token.as_ref().map(|t| t.id.clone()),
        action: action.as_str().to_string(),
        target_kind: target.as_ref().map(|t| t.kind.to_string()),
        target_id: target.as_ref().map(|t| t.id.to_string()),
        target_name: target.as_ref().map(|t| t.name.to_string()),
        ip: Some(caller.meta.ip.clone()),
        user_agent: caller.meta.user_agent.clone(),
        outcome: "success".into(),
        details: None,
    }
}

/// An action that was refused, e.g. a wrong current password.
pub fn failure(caller: &Caller, action: AuditAction, target: Option<Target<'_>>) -> NewAuditEvent {
    NewAuditEvent {
        outcome: "failure".into(),
        ..event(caller, action, target)
    }
}

/// The audit list request as the API receives it.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub(crate) fn to_api(row: AuditRow) -> AuditEvent {
    AuditEvent {
        id: row.id,
        at: crate::services::clock::rfc3339(row.at),
        actor_kind: row.actor_kind,
        actor_id: row.actor_id,
        actor_name: row.actor_name,
        token_id: row.token_id,
        action: row.action,
        target_kind: row.target_kind,
        target_id: row.target_id,
        target_name: row.target_name,
        ip: row.ip,
        user_agent: row.user_agent,
        outcome: row.outcome,
    }
}

/// An RFC 3339 time, exactly as the API document's `date-time` has it (no blank, no padding).
fn parse_time(field: &str, value: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(v) = value else {
        return Ok(None);
    };
    let parsed = (v.trim() == v)
        .then(|| crate::services::clock::parse_rfc3339(v))
        .flatten();
    parsed.map(Some).ok_or_else(|| {
        ApiError::invalid(field, "Use an RFC 3339 time such as 2026-11-22T09:30:00Z.")
    })
}

/// The store's filter for a query, with `limit` rows from `offset`.
pub(crate) fn filter(q: &AuditQuery, limit: i64, offset: i64) -> Result<AuditFilter, ApiError> {
    // NUL cannot be stored (PostgreSQL refuses it), so it can match nothing: refused before
    // the query, and before an export's first byte, on both databases alike.
    let clean = |field: &str, v: &Option<String>| match v.as_deref() {
        Some(text) if text.contains('\0') => {
            let mut e = ApiError::bad_request(format!("{field} holds the NUL character."));
            e.error.field = Some(field.to_string());
            Err(e)
        }
        other => Ok(other
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)),
    };
    Ok(AuditFilter {
        actor: clean("actor", &q.actor)?,
        action: clean("action", &q.action)?,
        target: clean("target", &q.target)?,
        since: parse_time("since", q.since.as_deref())?,
        until: parse_time("until", q.until.as_deref())?,
        limit,
        offset,
    })
}

/// One page of the caller's organization's audit log, newest first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    q: AuditQuery,
) -> Result<crate::domain::Page<AuditEvent>, ApiError> {
    let (page, per_page) = crate::services::service_accounts::parse_paging(q.page, q.per_page)?;
    let f = filter(&q, per_page, (page - 1) * per_page)?;
    let (rows, total) = state
        .db
        .list_audit(&caller.principal.organization.id, &f)
        .await?;
    Ok(crate::domain::Page {
        items: rows.into_iter().map(to_api).collect(),
        total,
        page,
        per_page,
    })
}
