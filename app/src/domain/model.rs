//! The objects of the API contract, as they travel between server, browser and scripts.
//! Times are RFC 3339 UTC strings; ids are opaque strings.

use super::{ApiError, Binding, NamedRef, Patch, Role, Scope, MAX_EXPIRY_DAYS};
use serde::{Deserialize, Serialize};

/// The organization a principal belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrganizationRef {
    pub id: String,
    pub slug: String,
    pub name: String,
}

/// Whether the caller is a person or a service account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    User,
    ServiceAccount,
}

/// The token a service-account principal authenticated with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PrincipalToken {
    pub id: String,
    pub name: String,
    pub expires_at: Option<String>,
    /// When the token was created.
    #[serde(default)]
    pub created_at: Option<String>,
}

/// Who is making a request: the result of authentication, checked by every server function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub id: String,
    pub name: String,
    pub role: Role,
    pub scopes: Vec<Scope>,
    pub organization: OrganizationRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<PrincipalToken>,
    /// The permissions allowed organization-wide (`whoami` fills them in).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub permissions: super::Shared<Vec<String>>,
    /// The permissions allowed in each workspace where bindings give more, by workspace name.
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeMap<String, Vec<String>>)]
    pub workspaces: super::Shared<std::collections::BTreeMap<String, Vec<String>>>,
}

/// Answer of `auth/whoami`: who is asking, and where automation sends its tokens.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WhoamiResponse {
    pub principal: Principal,
    /// The URL automation uses with its tokens (`tenantURL` in `session.json`).
    pub tenant_url: String,
}

impl Principal {
    /// Whether the principal was told it may do `permission` (the UI uses this to offer only
    /// what the server would allow; the server decides with the full access model).
    pub fn can(&self, permission: super::Permission) -> bool {
        self.permissions.iter().any(|p| p == permission.as_str())
            && self.scopes.contains(&permission.scope())
    }

    /// Whether the principal may act on, or grant, something holding the built-in `role`: the
    /// per-account ceiling the UI offers by (nobody goes above their own role). The server
    /// applies the whole ceiling, bindings included (`services::access::ceiling`).
    pub fn may_change(&self, role: Role) -> bool {
        self.role >= role
    }

    /// Whether the principal may change an account holding `role`: it may write service
    /// accounts at all, and the account is not above it.
    pub fn may_change_account(&self, role: Role) -> bool {
        self.can(super::Permission::ServiceAccountsWrite) && self.may_change(role)
    }
}

/// A person who can sign in to the web UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: String,
}

/// A non-human identity that automation uses through its API tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServiceAccount {
    pub id: String,
    pub name: String,
    pub description: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: String,
    pub updated_at: String,
    pub token_count: i64,
    pub last_used_at: Option<String>,
    /// Authenticated requests in the last seven days (in lists; 0 elsewhere).
    #[serde(default)]
    pub requests_7d: i64,
    /// Whether it trusts some identity token issuer (keyless automation, docs/keyless.md).
    #[serde(default)]
    pub keyless: bool,
    /// The guards its new tokens get unless they are made with their own.
    #[serde(default)]
    pub default_guards: super::Guards,
}

/// Answer of `service-accounts/get`: the account and its live tokens.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountDetail {
    pub service_account: ServiceAccount,
    pub tokens: Vec<Token>,
    /// The organization's maximum token lifetime, so forms offer only allowed choices.
    #[serde(default)]
    pub max_token_lifetime_days: Option<i64>,
    /// The account's own role bindings, organization-wide and per workspace.
    #[serde(default)]
    pub bindings: Vec<Binding>,
    /// The groups it belongs to (their bindings apply to it too).
    #[serde(default)]
    pub groups: Vec<NamedRef>,
}

/// Whether a token can be used right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Active,
    Expired,
    /// The account is disabled; the token works again when it is enabled.
    Suspended,
}

/// An API token's metadata. The secret itself is never part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Token {
    pub id: String,
    pub service_account_id: String,
    pub name: String,
    pub description: String,
    pub scopes: Vec<Scope>,
    /// `stw_` and the last four characters, to recognise a token without revealing it.
    pub hint: String,
    pub created_at: String,
    /// The name of the person or service account that created the token.
    pub created_by: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub last_used_ip: Option<String>,
    pub status: TokenStatus,
    /// Active and expiring within seven days.
    #[serde(default)]
    pub expires_soon: bool,
    /// The role of whoever minted the token: it never acts above it, whatever its account's role.
    pub role_cap: Role,
    /// What the token may do now: the lower of its account's role and its cap.
    pub effective_role: Role,
    /// The permissions it was narrowed to at creation (`None`: all its account holds).
    #[serde(default)]
    pub narrow_permissions: Option<Vec<String>>,
    /// The workspace ids it was narrowed to at creation (`None`: not narrowed).
    #[serde(default)]
    pub narrow_workspaces: Option<Vec<String>>,
    /// For a token a CI job or workload got by exchanging its identity token (`POST
    /// /oauth/token`): the issuer of that identity token (`None`: an ordinary token).
    #[serde(default)]
    pub exchanged_from: Option<String>,
    /// The claims of the identity token that matched the trust policy's conditions.
    #[serde(default)]
    pub exchanged_claims: Option<std::collections::BTreeMap<String, String>>,
    /// Where it may be used from, how fast, how often (`tokens/update-guards`).
    #[serde(default)]
    pub guards: super::Guards,
    /// Accepted uses so far, counted for a token with `max_uses`.
    #[serde(default)]
    pub uses: i64,
    /// Set while the token is suspended because it was reported leaked (`tokens/restore`
    /// lifts it; `tokens/revoke` ends it).
    #[serde(default)]
    pub leak: Option<super::LeakReport>,
    /// Guards, a narrowing or an earlier expiry proposed for it that record what they would
    /// refuse instead of refusing it (`tokens/report-only/propose`).
    #[serde(default)]
    pub report_only: Option<super::ReportOnly>,
}

/// The file a user downloads next to a new secret, ready for CLI tools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionJson {
    pub access_token: String,
    #[serde(rename = "tenantURL")]
    pub tenant_url: String,
    pub scopes: Vec<Scope>,
}

/// Answer of `tokens/create`: the secret appears here and never again.
// Also `tokens/refresh`'s answer, and what the services return; named as the document has
// always named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = IssuedTokenResponse)]
pub struct IssuedToken {
    pub token: Token,
    pub secret: String,
    pub session_json: SessionJson,
}

/// One recorded action: who did what to which object, from where, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub id: String,
    pub at: String,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub token_id: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub outcome: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Permission;

    #[test]
    fn session_json_uses_the_documented_keys() {
        let s = SessionJson {
            access_token: "stw_x".into(),
            tenant_url: "http://h/".into(),
            scopes: vec![Scope::Read],
        };
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({"accessToken": "stw_x", "tenantURL": "http://h/", "scopes": ["read"]})
        );
    }

    #[test]
    fn scopes_narrow_what_the_permissions_allow() {
        let mut p = Principal {
            kind: PrincipalKind::ServiceAccount,
            id: "sa".into(),
            name: "ci".into(),
            role: Role::Admin,
            scopes: vec![Scope::Read],
            organization: OrganizationRef {
                id: "o".into(),
                slug: "o".into(),
                name: "O".into(),
            },
            token: None,
            permissions: vec!["audit:read".to_string(), "tokens:write".to_string()].into(),
            workspaces: Default::default(),
        };
        assert!(p.can(Permission::AuditRead));
        assert!(!p.can(Permission::TokensWrite), "the read scope");
        p.scopes.push(Scope::Write);
        assert!(p.can(Permission::TokensWrite));
        assert!(!p.can(Permission::SettingsWrite), "not granted");
    }

    #[test]
    fn an_account_is_offered_for_change_up_to_ones_own_role() {
        let mut p = Principal {
            kind: PrincipalKind::User,
            id: "u".into(),
            name: "ed@example.com".into(),
            role: Role::Editor,
            scopes: vec![Scope::Read, Scope::Write],
            organization: OrganizationRef {
                id: "o".into(),
                slug: "o".into(),
                name: "O".into(),
            },
            token: None,
            permissions: Role::Editor
                .permissions()
                .iter()
                .map(|p| p.as_str().to_string())
                .collect::<Vec<_>>()
                .into(),
            workspaces: Default::default(),
        };
        assert!(p.may_change_account(Role::Editor));
        assert!(!p.may_change_account(Role::Admin), "above one's own role");
        assert!(p.may_change(Role::Viewer) && !p.may_change(Role::Admin));
        p.permissions = vec!["service_accounts:read".to_string()].into();
        assert!(!p.may_change_account(Role::Viewer), "no write permission");
    }
}

/// An organization's settings, as admins see and change them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrganizationSettings {
    pub organization_id: String,
    pub slug: String,
    pub name: String,
    /// Tokens may live at most this many days; `None` allows any lifetime, including never.
    pub max_token_lifetime_days: Option<i64>,
    /// Where expiry notices go: the webhook URL's scheme, host and port only (its path and
    /// query often hold a secret, so they are never shown again once saved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_origin: Option<String>,
    /// Whether a webhook URL is set.
    #[serde(default)]
    pub webhook_url_set: bool,
    /// Whether notices are signed (the secret itself is never shown again).
    #[serde(default)]
    pub webhook_secret_set: bool,
}

/// What `settings/update` changes: each field left out stays as it is, `null` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SettingsChanges {
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    #[schema(value_type = Option<i64>)]
    pub max_token_lifetime_days: Patch<i64>,
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    #[schema(value_type = Option<String>)]
    pub webhook_url: Patch<String>,
    /// The secret notices are signed with (write-only).
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    #[schema(value_type = Option<String>)]
    pub webhook_secret: Patch<String>,
}

impl SettingsChanges {
    /// The changes the Organization page's form asks for, from its three text fields as typed:
    /// an empty lifetime clears it, an empty webhook URL or secret keeps the one there is. One
    /// reading for the page's code and for the server's answer to the same form posted without
    /// it, so both send the service the same thing.
    pub fn from_form(max_days: &str, webhook_url: &str, secret: &str) -> Result<Self, ApiError> {
        let days = match max_days.trim() {
            "" => None,
            t => match t.parse::<i64>() {
                Ok(d) if (1..=MAX_EXPIRY_DAYS).contains(&d) => Some(d),
                _ => {
                    return Err(ApiError::invalid(
                        "max_token_lifetime_days",
                        format!(
                            "Enter a number of days from 1 to {MAX_EXPIRY_DAYS}, or leave it empty for no limit."
                        ),
                    ))
                }
            },
        };
        Ok(SettingsChanges {
            max_token_lifetime_days: Patch::from_option(days),
            // The saved URL is never shown again, so an empty field keeps it (Remove webhook
            // clears it).
            webhook_url: if webhook_url.trim().is_empty() {
                Patch::Unchanged
            } else {
                Patch::Set(webhook_url.to_string())
            },
            webhook_secret: if secret.is_empty() {
                Patch::Unchanged
            } else {
                Patch::Set(secret.to_string())
            },
        })
    }
}

/// One expiry notice (or test) and how its delivery went, for the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: String,
    /// `expires_in_7_days`, `expires_in_1_day`, `expired` or `test`.
    pub kind: String,
    pub token_id: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// Requests on one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UsageDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub requests: i64,
    /// Uses of the account's tokens that were refused (a guard, expiry, revocation).
    #[serde(default)]
    pub refused: i64,
}

/// Requests with one token over the reported days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenUsage {
    pub id: String,
    pub name: String,
    pub requests: i64,
}

/// A service account's authenticated requests: per day (every day of the period, oldest first)
/// and per token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Usage {
    pub days: Vec<UsageDay>,
    pub tokens: Vec<TokenUsage>,
    pub total: i64,
}
