//! The few API operations that are plain axum handlers instead of server functions, because
//! they answer with something other than one JSON value.

pub mod audit_export;
pub mod introspect;
pub mod openapi;
pub mod verify;
