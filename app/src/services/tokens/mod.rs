//! API tokens: issuing them (the secret shown once), verifying a presented one and its guards
//! (enforced, or report-only while being tried), the cache of recently read credentials, introspection for other services, and usage counts.

pub mod credential_cache;
pub mod guards;
pub mod introspection;
pub mod issuing;
pub mod leaks;
pub mod report_only;
pub mod usage;
pub mod usage_report;
pub mod verification;
