//! Tokens other services can trust: introspection (RFC 7662) for a service that asks with
//! its own credentials, and the check a reverse proxy makes for each request it forwards. Both
//! verify the presented token exactly as Steward's own API does, so revoking, expiring,
//! disabling or deleting takes effect on them at once, on every replica.

use crate::domain::{
    ApiError, ErrorCode, Introspection, NamedRef, OrganizationSlug, Permission, PermissionName,
    Scope, SentJson, TokenFacts,
};
use crate::services::access::describe;
use crate::services::clock::parse_rfc3339;
use crate::services::tokens::verification::{principal_from_token, Presented};
use crate::services::{authorize, Authenticated, RequestMeta};
use crate::state::AppState;

/// What a token may do, for a service account's token that authenticated; `None` for a person.
pub async fn facts(state: &AppState, auth: Authenticated) -> Result<Option<TokenFacts>, ApiError> {
    let Some(token) = auth.principal.token.clone() else {
        return Ok(None);
    };
    let p = describe(state, auth).await?;
    let seconds = |t: Option<&str>| t.and_then(parse_rfc3339).map(|ms| ms / 1000);
    let scope = p
        .scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Some(TokenFacts {
        scope,
        client_id: p.id.clone(),
        username: p.name.clone(),
        token_type: "Bearer".into(),
        iss: state.config.tenant_url(),
        jti: token.id.clone(),
        sub: p.id.clone(),
        service_account: NamedRef {
            id: p.id,
            name: p.name,
        },
        organization: OrganizationSlug {
            id: p.organization.id,
            slug: p.organization.slug,
        },
        role: p.role,
        scopes: p.scopes,
        exp: seconds(token.expires_at.as_deref()),
        iat: seconds(token.created_at.as_deref()).unwrap_or(0),
        token_id: token.id,
        permissions: p.permissions,
        workspaces: p.workspaces,
    }))
}

/// What introspection tells `caller` about a presented token, once `look_up_pair` has found
/// both: the caller must authenticate and hold `tokens:introspect` before the token it asks
/// about is even considered. 401 (with `true`: the caller's own Bearer token was refused, for
/// the per-address guessing limit) or 403 when the caller may not ask.
pub async fn introspect_pair(
    state: &AppState,
    caller: Presented,
    target: Presented,
    meta: &RequestMeta,
) -> Result<SentJson, (ApiError, bool)> {
    // The gateway's own token is used from the gateway; the token it asks about, from the
    // client it reports (when it is a trusted proxy).
    let from_peer;
    let caller_meta = if meta.peer_ip.is_empty() || meta.peer_ip == meta.ip {
        meta
    } else {
        from_peer = meta.from_peer();
        &from_peer
    };
    let caller = caller
        .authenticate(state, caller_meta)
        .await
        .map_err(|e| (e, false))?
        .ok_or((ApiError::unauthenticated(), true))?;
    let caller = authorize(Some(caller), Permission::TokensIntrospect).map_err(|e| (e, false))?;
    let target = refused_by_guard_is_inactive(target.authenticate(state, meta).await)
        .map_err(|e| (e, false))?;
    answer(state, &caller, target).await.map_err(|e| (e, false))
}

/// A token one of its guards refuses is simply inactive to introspection (RFC 7662 says
/// nothing more about an inactive token); the refusal is audited and counted all the same.
fn refused_by_guard_is_inactive(
    authenticated: Result<Option<Authenticated>, ApiError>,
) -> Result<Option<Authenticated>, ApiError> {
    match authenticated {
        Err(e) if e.code() != ErrorCode::Unavailable => Ok(None),
        other => other,
    }
}

/// The same for a caller already authenticated (a browser session): one lookup, of the token
/// it asks about, after the caller's permission is checked.
pub async fn introspect_as(
    state: &AppState,
    caller: Authenticated,
    secret: &str,
    meta: &RequestMeta,
) -> Result<SentJson, ApiError> {
    let caller = authorize(Some(caller), Permission::TokensIntrospect)?;
    let target =
        refused_by_guard_is_inactive(principal_from_token(state, secret.trim(), meta).await)?;
    answer(state, &caller, target).await
}

/// Inactive for a token that did not authenticate and for another organization's token;
/// otherwise everything it may do, built once per credential read and kept with it.
async fn answer(
    state: &AppState,
    caller: &Authenticated,
    target: Option<Authenticated>,
) -> Result<SentJson, ApiError> {
    let Some(auth) = target else {
        return inactive();
    };
    if auth.principal.organization.id != caller.principal.organization.id {
        return inactive();
    }
    let credential = auth.credential.clone();
    if let Some(kept) = credential.as_ref().and_then(|c| c.introspection.get()) {
        return Ok(kept.clone());
    }
    let answer = match facts(state, auth).await? {
        Some(facts) => Introspection {
            active: true,
            facts: Some(facts),
        },
        None => Introspection::inactive(),
    };
    let answer = SentJson::of(&answer).map_err(|_| ApiError::internal())?;
    Ok(match credential {
        Some(c) => c.introspection.get_or_init(|| answer).clone(),
        None => answer,
    })
}

/// `{"active": false}`, as RFC 7662 answers for any token it must not describe.
fn inactive() -> Result<SentJson, ApiError> {
    SentJson::of(&Introspection::inactive()).map_err(|_| ApiError::internal())
}

/// What a reverse proxy may require of the token it forwards: the organization it belongs to, a
/// scope, a permission, a workspace (by name or by id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirement {
    /// The organization's slug: a token of any other organization is refused.
    pub organization: Option<String>,
    pub scope: Option<String>,
    pub permission: Option<String>,
    /// The workspace by name; names can change.
    pub workspace: Option<String>,
    /// The workspace by id, which never changes.
    pub workspace_id: Option<String>,
}

/// Checks an authenticated token against what the proxy requires: `Ok` or 403 saying what is
/// missing (400 for a requirement that is not one, or a missing `organization` on a server that
/// holds several).
pub async fn check_requirement(
    state: &AppState,
    auth: &Authenticated,
    req: &Requirement,
) -> Result<(), ApiError> {
    let organization = &auth.principal.organization;
    match req.organization.as_deref().map(str::trim) {
        Some(slug) if slug != organization.slug => {
            return Err(ApiError::forbidden(
                "This token belongs to another organization.",
            ));
        }
        Some(_) => {}
        None => {
            if state
                .organizations
                .several(&state.db, &organization.id)
                .await?
            {
                return Err(ApiError::bad_parameter(
                    "organization",
                    "This server holds several organizations: name the one whose tokens \
                     pass with organization=<slug>.",
                ));
            }
        }
    }
    if let Some(scope) = req.scope.as_deref() {
        let scope = Scope::parse(scope.trim())
            .ok_or_else(|| ApiError::invalid("scope", "Scope must be read or write."))?;
        if !auth.principal.scopes.contains(&scope) {
            return Err(ApiError::forbidden(format!(
                "This token lacks the '{}' scope.",
                scope.as_str()
            )));
        }
    }
    let workspace = required_workspace(state, auth, req).await?;
    let Some(permission) = req.permission.as_deref() else {
        // A workspace alone asks that the token may act there at all: it exists, and the token
        // is not narrowed to other workspaces.
        let narrowed = auth
            .access
            .limits
            .as_ref()
            .and_then(|l| l.workspaces.as_ref());
        if let (Some((id, name)), Some(allowed)) = (&workspace, narrowed) {
            if !allowed.contains(id) {
                return Err(ApiError::forbidden(format!(
                    "This token is narrowed to other workspaces than '{name}'."
                )));
            }
        }
        return Ok(());
    };
    let steward = Permission::parse(permission.trim());
    let permission = match steward {
        Some(p) => p.as_str().to_string(),
        None => PermissionName::parse("permission", permission)?.into_string(),
    };
    if let Some(p) = steward.filter(|p| !auth.principal.scopes.contains(&p.scope())) {
        return Err(ApiError::forbidden(format!(
            "This token lacks the '{}' scope that '{p}' needs.",
            p.scope().as_str()
        )));
    }
    let workspace_id = workspace.as_ref().map(|(id, _)| id.as_str());
    if !auth.access.allows(&permission, workspace_id) {
        let place = workspace
            .as_ref()
            .map(|(_, name)| format!(" in workspace '{name}'"))
            .unwrap_or_default();
        return Err(ApiError::forbidden(format!(
            "This token does not hold '{permission}'{place}."
        )));
    }
    Ok(())
}

/// The workspace a requirement names, as `(id, name)` in the token's organization: by name, by
/// id, or by both when they agree; 403 when the organization has no such workspace.
async fn required_workspace(
    state: &AppState,
    auth: &Authenticated,
    req: &Requirement,
) -> Result<Option<(String, String)>, ApiError> {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_string)
    };
    let (name, id) = (given(&req.workspace), given(&req.workspace_id));
    if name.is_none() && id.is_none() {
        return Ok(None);
    }
    let ids = crate::services::access::workspace_ids(
        state,
        &auth.principal.organization.id,
        auth.access.version,
    )
    .await?;
    let by_name = name
        .map(|name| {
            ids.get(&name)
                .map(|id| (id.clone(), name.clone()))
                .ok_or_else(|| ApiError::forbidden(format!("There is no workspace '{name}'.")))
        })
        .transpose()?;
    let by_id = id
        .map(|id| {
            ids.iter()
                .find(|(_, candidate)| **candidate == id)
                .map(|(name, id)| (id.clone(), name.clone()))
                .ok_or_else(|| {
                    ApiError::forbidden(format!("There is no workspace with id '{id}'."))
                })
        })
        .transpose()?;
    match (by_name, by_id) {
        // Both: a requirement only the workspace that is both can meet.
        (Some(named), Some(identified)) if named.0 != identified.0 => {
            Err(ApiError::forbidden(format!(
                "The workspace called '{}' is not the one with id '{}'.",
                named.1, identified.0
            )))
        }
        (named, identified) => Ok(named.or(identified)),
    }
}
