//! What Steward tells another service about a token (RFC 7662 style).

use super::{NamedRef, Role, Scope};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The organization a token belongs to, as introspection reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationSlug {
    pub id: String,
    pub slug: String,
}

/// Everything about an active token. Absent for an inactive one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenFacts {
    /// The service account's id.
    pub sub: String,
    pub service_account: NamedRef,
    pub organization: OrganizationSlug,
    /// The token's effective built-in role.
    pub role: Role,
    pub scopes: Vec<Scope>,
    /// Expiry, seconds since the epoch; absent for a token that never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Creation, seconds since the epoch.
    pub iat: i64,
    pub token_id: String,
    /// Permissions allowed organization-wide.
    pub permissions: Vec<String>,
    /// Permissions allowed per workspace (where bindings give more), by workspace name.
    pub workspaces: BTreeMap<String, Vec<String>>,
}

/// The answer of `tokens/introspect`: `{"active": false}` and nothing else for any token that
/// must not be accepted, never saying why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Introspection {
    pub active: bool,
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<TokenFacts>,
}

impl Introspection {
    pub fn inactive() -> Introspection {
        Introspection {
            active: false,
            facts: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inactive_says_nothing_else() {
        assert_eq!(
            serde_json::to_value(Introspection::inactive()).unwrap(),
            serde_json::json!({"active": false})
        );
    }
}
