//! Built-in roles and token scopes.

use super::Permission;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A person's or service account's role. Ordered: viewer < editor < admin.
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
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Editor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// Parses the stored or submitted spelling; `None` for anything else.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Steward's own permissions this built-in role holds. The admin role also holds every
    /// application permission the organization declares (see `holds_everything`).
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Viewer => &[ServiceAccountsRead],
            Role::Editor => &[ServiceAccountsRead, ServiceAccountsWrite, TokensWrite],
            Role::Admin => &Permission::ALL,
        }
    }

    /// Whether this role holds every permission, Steward's and the organization's own.
    pub fn holds_everything(self) -> bool {
        self == Role::Admin
    }

    /// What the role is for, in a sentence for the roles page.
    pub fn description(self) -> &'static str {
        match self {
            Role::Viewer => "Reads service accounts and token metadata.",
            Role::Editor => "Viewer, and creates, changes and deletes service accounts and tokens.",
            Role::Admin => "Everything: members, the audit log, settings, roles, groups, workspaces and every application permission.",
        }
    }

    /// A capitalised label for the UI.
    pub fn label(self) -> &'static str {
        match self {
            Role::Viewer => "Viewer",
            Role::Editor => "Editor",
            Role::Admin => "Admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A token scope: `read` allows reading operations, `write` allows mutations.
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
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::Read, Scope::Write];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_round_trip() {
        assert!(Role::Viewer < Role::Editor && Role::Editor < Role::Admin);
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("Admin"), None);
        assert_eq!(Role::parse("owner"), None);
    }
}
