//! The rules: permissions beyond the role check, uniqueness, role ceilings, audit records.
//! Each mutation is one transaction with its audit event.

pub mod audit;
pub mod authentication;
pub mod clock;
pub mod members;
pub mod service_accounts;
pub mod settings;
pub mod tokens;
pub mod usage;

use crate::domain::{ApiError, Principal, PrincipalKind};
use crate::store::StoreError;

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: Option<String>,
}

/// An authenticated caller together with where the call came from.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
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
}

impl From<StoreError> for ApiError {
    /// Unexpected store errors are logged here with their cause and reported without it.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::UniqueViolation => {
                ApiError::conflict("name", "That name is already taken.")
            }
            StoreError::Database(err) => {
                tracing::error!(error = %err, "database error");
                ApiError::internal()
            }
        }
    }
}
