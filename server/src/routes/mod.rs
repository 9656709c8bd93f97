//! The few API operations that are plain axum handlers instead of server functions, because
//! they answer with something other than one JSON value, or (whoami) because they are the
//! hottest request and the server-function machinery was a measurable part of its cost.

pub mod audit_export;
pub mod introspect;
pub mod openapi;
pub mod principal;
pub mod verify;
pub mod whoami;
