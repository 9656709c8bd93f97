//! The few API operations that are plain axum handlers instead of server functions, because
//! they answer with something other than one JSON value, or (whoami) because they are the
//! hottest request and the server-function machinery was a measurable part of its cost; and
//! the pages' forms posted without the pages' code (`forms`), which are not API operations.

pub mod audit_export;
pub mod forms;
pub mod introspect;
pub mod leak_reports;
pub mod metrics;
pub mod oauth_token;
pub mod openapi;
pub mod principal;
pub mod verify;
pub mod whoami;
