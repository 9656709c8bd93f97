//! Domain types and rules shared by the browser (instant form feedback) and the server
//! (authoritative checks).

mod access_model;
mod error;
mod export;
mod guards;
mod introspection;
mod leaks;
mod model;
mod page;
mod patch;
mod people;
mod permissions;
mod report_only;
mod role;
mod shared;
mod sort;
mod stale;
mod trust;
mod urls;
mod validation;

pub use access_model::{
    Binding, EffectivePermission, Explanation, Group, GroupMember, NamedRef, Reason, RoleInfo,
    SubjectRef, SubjectType, Workspace,
};
pub use error::{ApiError, ErrorBody, ErrorCode};
pub use export::ExportFormat;
pub use guards::{Guards, NetworkList, MAX_NETWORKS, MAX_RATE_PER_MINUTE, MAX_USES};
pub use introspection::{Introspection, IntrospectionRequest, OrganizationSlug, TokenFacts};
pub use leaks::{
    check_report, report_text, GitLabRevocation, LeakLabel, LeakReport, LeakVerdict, LeakedToken,
    MAX_REPORTED_TOKENS, STEWARD_TOKEN_TYPE,
};
pub use model::*;
pub use page::Page;
pub use patch::Patch;
pub use people::{
    check_password, DisplayName, EmailAddress, MAX_DISPLAY_NAME_CHARS, MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
};
pub use permissions::{Permission, PermissionInfo, PermissionKind, PermissionName};
pub use report_only::{ReportOnly, WouldRefuseFrom};
pub use role::{Role, Scope};
#[cfg(feature = "ssr")]
pub use shared::SentJson;
pub use shared::Shared;
pub use sort::AccountSort;
pub use stale::{
    parse_unused_days, token_reasons, usage_reason, KeylessStaticToken, NetworkUse, StaleAccount,
    StaleReason, StaleReport, StaleToken, UnguardedToken, DEFAULT_UNUSED_DAYS,
    EXPIRING_WITHIN_DAYS, FEW_NETWORKS, KEYLESS_DAYS, NETWORK_WINDOW_DAYS, STALE_LIMIT,
};
pub use trust::{
    claim_text, glob_matches, match_conditions, parse_audience, parse_conditions, parse_issuer,
    parse_lifetime, trust_templates, ClaimCondition, MatchKind, TrustExchange, TrustPolicy,
    TrustTemplate, DEFAULT_LIFETIME_SECONDS, MAX_LIFETIME_SECONDS, RECENT_EXCHANGES,
};
pub use urls::{local_path, percent_encode};
pub use validation::{
    parse_description, parse_expiry_days, parse_scopes, ResourceName, EXPIRY_PRESETS,
    MAX_DESCRIPTION_CHARS, MAX_EXPIRY_DAYS, MAX_NAME_CHARS,
};
