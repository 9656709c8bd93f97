//! The integration suite: the real server on a random port over a fresh database (SQLite, and
//! PostgreSQL when configured), spoken to over HTTP. One binary, one module per area.

#[macro_use]
mod common;

mod abuse;
mod access;
mod audit;
mod auth;
mod authorization;
mod backup;
mod conformance;
mod contract;
mod credential_cache;
mod docs_examples;
mod documented;
mod forms;
mod hostile;
mod integrity;
mod keyless_examples;
mod leak_reports;
mod members;
mod metrics;
mod minting;
mod notices;
mod openapi;
mod outage;
mod panics;
mod people_and_rotation;
mod permission_matrix;
mod proxies;
mod reads;
mod replicas;
mod replies;
mod report_only;
mod reported_access;
mod rfc7662;
mod service_accounts;
mod sessions;
mod setup;
mod site_files;
mod stale;
mod test_issuer;
mod token_exchange;
mod token_guards;
mod tokens;
mod usage;
mod verification;
mod verify_requirements;
mod webhook_safety;
mod writes;
