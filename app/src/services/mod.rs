//! The rules: permissions beyond the role check, uniqueness, role ceilings, audit records.
//! Each mutation is one transaction with its audit event.

pub mod access;
pub mod audit;
pub mod clock;
pub mod housekeeping;
pub mod monitoring;
pub mod notices;
pub mod organizations;
pub mod outbound;
pub mod people;
pub mod seed;
pub mod service_accounts;
pub mod settings;
pub mod stale;
pub mod tokens;
pub mod trust;
pub mod whoami;

use crate::domain::{ApiError, Permission, Principal, PrincipalKind};
use crate::store::StoreError;

/// Where a request came from, for the audit log and the networks a token may be used from.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// The client's address, as resolved through the trusted proxies.
    pub ip: String,
    pub user_agent: Option<String>,
    /// The TCP peer itself (the same as `ip` unless a trusted proxy forwarded the request):
    /// introspection checks its caller's own token against it, and the token it asks about
    /// against `ip`, the client the gateway reports.
    pub peer_ip: String,
    /// What the request asked for, as report-only guards record it: its path, and for
    /// `/auth/verify` its requirements (the query).
    pub operation: String,
}

impl RequestMeta {
    /// The same request as seen from its TCP peer, for the credential the peer itself presents.
    pub fn from_peer(&self) -> RequestMeta {
        RequestMeta {
            ip: if self.peer_ip.is_empty() {
                self.ip.clone()
            } else {
                self.peer_ip.clone()
            },
            ..self.clone()
        }
    }
}

/// A principal the middleware authenticated, and what it may do.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub principal: Principal,
    pub access: std::sync::Arc<access::Access>,
    /// The API token's credential it was verified from (`None` for a session): answers that
    /// follow from the credential alone are kept there for as long as it is fresh.
    pub credential: Option<std::sync::Arc<tokens::credential_cache::Credential>>,
    /// The principal the token would be with its report-only narrowing, which each operation
    /// is tried against too (`None`: none proposed).
    pub report_only: Option<std::sync::Arc<Authenticated>>,
}

/// An authenticated caller together with where the call came from.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub access: std::sync::Arc<access::Access>,
    pub meta: RequestMeta,
}

impl Caller {
    /// How the caller is recorded as a token's or account's creator.
    pub fn display_name(&self) -> String {
        match self.principal.kind {
            PrincipalKind::User => self.principal.name.clone(),
            PrincipalKind::ServiceAccount => format!("{} (service account)", self.principal.name),
        }
    }

    /// Whether the caller is a person signed in to the browser (not an API token).
    pub fn is_person(&self) -> bool {
        self.principal.kind == PrincipalKind::User
    }

    /// Whether the caller may see people's email addresses: a person holding `members:read`.
    /// Everyone else (tokens included) sees a member as their id.
    pub fn sees_people(&self) -> bool {
        self.is_person() && self.access.allows_steward(Permission::MembersRead)
    }
}

/// Maps a unique-index refusal to a 409 naming `field` with `message`; any other store error
/// as usual. Used as `.map_err(on_unique("name", "…"))` on the insert or update that can collide.
pub(crate) fn on_unique(
    field: &'static str,
    message: impl Into<String>,
) -> impl FnOnce(StoreError) -> ApiError {
    let message = message.into();
    move |e| match e {
        StoreError::UniqueViolation => ApiError::conflict(field, message),
        other => other.into(),
    }
}

impl From<StoreError> for ApiError {
    /// Unexpected store errors are logged here with their cause and reported without it.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::UniqueViolation => {
                ApiError::conflict("name", "That name is already taken.")
            }
            StoreError::Unstorable => ApiError::bad_request(
                "The request holds a character that cannot be stored, such as NUL.",
            ),
            StoreError::Unavailable(err) => {
                tracing::warn!(error = %err, "database unavailable");
                ApiError::unavailable("The database is not answering. Try again in a moment.", 5)
            }
            StoreError::Database(err) => {
                tracing::error!(error = %err, "database error");
                ApiError::internal()
            }
        }
    }
}

/// Whether the authenticated principal may do what `permission` covers: 401 when there is
/// none, 403 when its permissions or (for tokens) its scopes fall short. Server functions and
/// the few plain axum handlers (streamed exports) share this one check.
pub fn authorize(
    authenticated: Option<Authenticated>,
    permission: Permission,
) -> Result<Authenticated, ApiError> {
    let auth = authenticated.ok_or_else(ApiError::unauthenticated)?;
    if !auth.principal.scopes.contains(&permission.scope()) {
        return Err(ApiError::forbidden(format!(
            "This token lacks the '{}' scope needed for this.",
            permission.scope().as_str()
        )));
    }
    let replaced = auth
        .access
        .limits
        .as_ref()
        .is_some_and(|l| l.replaced_secret);
    if replaced && access::WITHHELD_FROM_REPLACED_SECRETS.contains(&permission) {
        return Err(ApiError::forbidden(
            "This token was presented with the secret a refresh replaced: during its grace period it still authenticates, but it cannot manage tokens or service accounts. Use the token's new secret.",
        ));
    }
    if !auth.access.allows_steward(permission) {
        return Err(ApiError::forbidden(format!(
            "This needs the '{permission}' permission, which you do not have."
        )));
    }
    Ok(auth)
}
