//! Permissions: `resource:action` strings. Steward's own are a fixed list covering what its API
//! does; an organization declares application permissions for its other systems, which Steward
//! grants and reports but does not interpret.

use super::{ApiError, Scope};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Steward's own permissions. Each API operation names one.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Permission {
    #[serde(rename = "service_accounts:read")]
    ServiceAccountsRead,
    #[serde(rename = "service_accounts:write")]
    ServiceAccountsWrite,
    #[serde(rename = "tokens:write")]
    TokensWrite,
    #[serde(rename = "tokens:introspect")]
    TokensIntrospect,
    #[serde(rename = "members:read")]
    MembersRead,
    #[serde(rename = "members:write")]
    MembersWrite,
    #[serde(rename = "audit:read")]
    AuditRead,
    #[serde(rename = "settings:read")]
    SettingsRead,
    #[serde(rename = "settings:write")]
    SettingsWrite,
    #[serde(rename = "roles:write")]
    RolesWrite,
    #[serde(rename = "groups:write")]
    GroupsWrite,
    #[serde(rename = "workspaces:write")]
    WorkspacesWrite,
}

impl Permission {
    pub const ALL: [Permission; 12] = [
        Permission::ServiceAccountsRead,
        Permission::ServiceAccountsWrite,
        Permission::TokensWrite,
        Permission::TokensIntrospect,
        Permission::MembersRead,
        Permission::MembersWrite,
        Permission::AuditRead,
        Permission::SettingsRead,
        Permission::SettingsWrite,
        Permission::RolesWrite,
        Permission::GroupsWrite,
        Permission::WorkspacesWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ServiceAccountsRead => "service_accounts:read",
            Permission::ServiceAccountsWrite => "service_accounts:write",
            Permission::TokensWrite => "tokens:write",
            Permission::TokensIntrospect => "tokens:introspect",
            Permission::MembersRead => "members:read",
            Permission::MembersWrite => "members:write",
            Permission::AuditRead => "audit:read",
            Permission::SettingsRead => "settings:read",
            Permission::SettingsWrite => "settings:write",
            Permission::RolesWrite => "roles:write",
            Permission::GroupsWrite => "groups:write",
            Permission::WorkspacesWrite => "workspaces:write",
        }
    }

    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// What it allows, for the roles page and `permissions/list`.
    pub fn description(self) -> &'static str {
        match self {
            Permission::ServiceAccountsRead => "See service accounts and their tokens' metadata",
            Permission::ServiceAccountsWrite => {
                "Create, edit, disable, enable and delete service accounts"
            }
            Permission::TokensWrite => "Create, refresh and revoke API tokens",
            Permission::TokensIntrospect => {
                "Ask whether any token of the organization is valid, and whose it is"
            }
            Permission::MembersRead => "See the organization's members",
            Permission::MembersWrite => "Invite members and change their roles",
            Permission::AuditRead => "Read and export the audit log",
            Permission::SettingsRead => "See the organization's settings",
            Permission::SettingsWrite => "Change the organization's settings",
            Permission::RolesWrite => "Create and change roles and application permissions",
            Permission::GroupsWrite => "Create and change groups and their members",
            Permission::WorkspacesWrite => "Create and change workspaces",
        }
    }

    /// The token scope it needs: reading (and introspecting) needs `read`, everything else
    /// `write`.
    pub fn scope(self) -> Scope {
        if self.as_str().ends_with(":read") || self == Permission::TokensIntrospect {
            Scope::Read
        } else {
            Scope::Write
        }
    }

    /// The resource part, for grouping on the roles page.
    pub fn resource(self) -> &'static str {
        self.as_str().split(':').next().unwrap_or("")
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Resources that belong to Steward: an application permission may not use them.
const STEWARD_RESOURCES: [&str; 8] = [
    "service_accounts",
    "tokens",
    "members",
    "audit",
    "settings",
    "roles",
    "groups",
    "workspaces",
];

const MAX_PART_CHARS: usize = 48;

/// An application permission's name, `resource:action`: each part 1–48 of `a-z 0-9 _ - .`,
/// starting with a letter or digit, e.g. `deploy:production` or `repo:read`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
pub struct PermissionName(String);

impl PermissionName {
    pub fn parse(field: &str, input: &str) -> Result<PermissionName, ApiError> {
        let name = input.trim();
        let Some((resource, action)) = name.split_once(':') else {
            return Err(ApiError::invalid(
                field,
                "A permission is resource:action, like deploy:production.",
            ));
        };
        for part in [resource, action] {
            let valid_chars = part.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.')
            });
            let starts_well = part
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
            if !valid_chars || !starts_well || part.chars().count() > MAX_PART_CHARS {
                return Err(ApiError::invalid(
                    field,
                    format!(
                        "Each part of a permission is 1–{MAX_PART_CHARS} of a-z, 0-9, _, - and ., starting with a letter or digit."
                    ),
                ));
            }
        }
        if STEWARD_RESOURCES.contains(&resource) {
            return Err(ApiError::invalid(
                field,
                format!("'{resource}' is one of Steward's own resources; choose another name."),
            ));
        }
        Ok(PermissionName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Whether a permission is one of Steward's own or one the organization declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PermissionKind {
    Steward,
    Application,
}

/// A permission as `permissions/list` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PermissionInfo {
    pub name: String,
    pub description: String,
    pub kind: PermissionKind,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    #[test]
    fn steward_permissions_round_trip_and_scope_by_action() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(Permission::AuditRead.scope(), Scope::Read);
        assert_eq!(Permission::TokensWrite.scope(), Scope::Write);
    }

    #[test]
    fn built_in_roles_keep_their_meaning() {
        assert_eq!(
            Role::Viewer.permissions(),
            &[Permission::ServiceAccountsRead]
        );
        assert!(Role::Editor
            .permissions()
            .contains(&Permission::TokensWrite));
        assert!(!Role::Editor.permissions().contains(&Permission::AuditRead));
        assert!(Role::Admin.holds_everything() && !Role::Editor.holds_everything());
    }

    #[test]
    fn application_permission_names() {
        for ok in [
            "deploy:production",
            "repo:read",
            "ml.jobs:run-gpu",
            "k8s:exec",
        ] {
            assert_eq!(PermissionName::parse("name", ok).unwrap().as_str(), ok);
        }
        for bad in [
            "deploy",
            "Deploy:prod",
            "deploy:",
            ":x",
            "a:b:c",
            "-a:b",
            "tokens:steal",
            "a b:c",
            &format!("{}:x", "a".repeat(49)),
        ] {
            assert_eq!(
                PermissionName::parse("name", bad).unwrap_err().field(),
                Some("name"),
                "{bad}"
            );
        }
    }
}
