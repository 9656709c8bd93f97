//! What Steward tells another service about a token: RFC 7662 token introspection, with the
//! members of its section 2.2 beside Steward's own.

use super::{NamedRef, Role, Scope, Shared};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The organization a token belongs to, as introspection reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrganizationSlug {
    pub id: String,
    pub slug: String,
}

/// Everything about an active token. Absent for an inactive one. `scope`, `client_id`,
/// `username`, `token_type`, `exp`, `iat`, `sub`, `iss` and `jti` are RFC 7662's (section
/// 2.2), so any RFC 7662 client reads them; the rest is Steward's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenFacts {
    /// The token's scopes as RFC 7662 writes them: space-separated (`read write`).
    pub scope: String,
    /// The OAuth client the token was issued to: the service account's id.
    pub client_id: String,
    /// Who the token acts as, for people to read: the service account's name.
    pub username: String,
    /// Always `Bearer`.
    #[schema(pattern = "^Bearer$")]
    pub token_type: String,
    /// Who issued the token: the server's public URL (`tenant_url`).
    pub iss: String,
    /// The token's id (the same as `token_id`).
    pub jti: String,
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
    #[schema(value_type = Vec<String>)]
    pub permissions: Shared<Vec<String>>,
    /// Permissions allowed per workspace (where bindings give more), by workspace name.
    #[schema(value_type = BTreeMap<String, Vec<String>>)]
    pub workspaces: Shared<BTreeMap<String, Vec<String>>>,
}

/// The body of `tokens/introspect`: JSON, or RFC 7662's form (`token=…&token_type_hint=…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntrospectionRequest {
    /// The token to ask about, `stw_…`.
    pub token: String,
    /// RFC 7662's hint of what kind of token it is (`access_token`, `refresh_token`, …). Any
    /// value is taken and none changes the answer: Steward has one kind of token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type_hint: Option<String>,
}

/// The answer of `tokens/introspect`: `{"active": false}` and nothing else for any token that
/// must not be accepted, never saying why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Introspection {
    pub active: bool,
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<TokenFacts>,
}

/// Written by hand because the derived schema cannot say "either exactly `{active: false}`, or
/// `active: true` with every fact".
impl utoipa::PartialSchema for Introspection {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            AdditionalProperties, AllOfBuilder, ObjectBuilder, OneOfBuilder, Ref, Type,
        };
        let active = |value: bool| {
            ObjectBuilder::new()
                .property(
                    "active",
                    ObjectBuilder::new()
                        .schema_type(Type::Boolean)
                        .enum_values(Some([value])),
                )
                .required("active")
        };
        OneOfBuilder::new()
            .description(Some(
                "`{\"active\": false}` and nothing else for a token that must not be accepted; \
                 `active: true` with every fact of `TokenFacts` for a good one.",
            ))
            .item(
                active(false).additional_properties(Some(AdditionalProperties::<
                    utoipa::openapi::schema::Schema,
                >::FreeForm(false))),
            )
            .item(
                AllOfBuilder::new()
                    .item(active(true))
                    .item(Ref::from_schema_name("TokenFacts")),
            )
            .into()
    }
}

impl utoipa::ToSchema for Introspection {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        schemas.push(("TokenFacts".into(), TokenFacts::schema()));
        <TokenFacts as utoipa::ToSchema>::schemas(schemas);
    }
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
