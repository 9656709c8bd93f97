//! The objects of the access model as the API reports them: roles, workspaces, groups, role
//! bindings, and the answer to "may X do P in W?".

use serde::{Deserialize, Serialize};

/// Who can hold role bindings.
// One type for the API, the services and the stored `subject_type` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectType {
    Member,
    ServiceAccount,
    Group,
}

impl SubjectType {
    pub const ALL: [SubjectType; 3] = [
        SubjectType::Member,
        SubjectType::ServiceAccount,
        SubjectType::Group,
    ];

    /// The name in the API and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectType::Member => "member",
            SubjectType::ServiceAccount => "service_account",
            SubjectType::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectType> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A member, service account or group, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubjectRef {
    #[serde(rename = "type")]
    pub kind: SubjectType,
    pub id: String,
}

/// A role or workspace named in another object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NamedRef {
    pub id: String,
    pub name: String,
}

/// A role: built-in (`viewer`, `editor`, `admin`; not editable) or the organization's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoleInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
    pub builtin: bool,
    /// The built-in admin role also holds every application permission, declared now or later.
    #[serde(default)]
    pub all_permissions: bool,
    /// How many bindings name this role (for built-in roles, not counting people's and
    /// service accounts' own organization role).
    #[serde(default)]
    pub bindings: i64,
}

/// A named scope inside an organization, e.g. `prod` or `ml-research`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupMember {
    #[serde(rename = "type")]
    pub kind: SubjectType,
    pub id: String,
    pub name: String,
}

/// A named set of members and service accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub members: Vec<GroupMember>,
}

/// A subject holding a role, organization-wide or in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Binding {
    pub id: String,
    pub subject: SubjectRef,
    pub subject_name: String,
    pub role: NamedRef,
    pub workspace: Option<NamedRef>,
    pub created_at: String,
    pub created_by: String,
}

/// One reason a permission is allowed: a binding (or the subject's own organization role,
/// which has no binding id), the role it names, the group it came through, where it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reason {
    pub binding_id: Option<String>,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
}

/// One permission a subject holds, organization-wide (`workspace` null) or only in a workspace,
/// and why: a row of `access/effective`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EffectivePermission {
    pub permission: String,
    pub workspace: Option<String>,
    pub because: Vec<Reason>,
}

/// The answer of `access/explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Explanation {
    pub allowed: bool,
    pub because: Vec<Reason>,
    /// For a token whose account holds the permission but which may not use it: why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denied_by: Option<String>,
}
