//! The API: Leptos server functions at the stable paths of the design's contract. Each is thin:
//! take the caller, check the permission, call a service. The browser and scripts use the same
//! functions.

pub mod access;
pub mod audit;
pub mod auth;
pub mod bindings;
pub mod directory;
pub mod members;
pub mod service_accounts;
pub mod settings;
pub mod tokens;

#[cfg(feature = "ssr")]
pub mod context;

/// What a server function's body uses, in one `use crate::api::prelude::*;` (server only: the
/// browser's copy of a server function has no body).
#[cfg(feature = "ssr")]
pub mod prelude {
    pub use super::context::{authorized, authorized_person, request_meta, signed_in, state};
    pub use crate::domain::Permission;
}

/// An answer that is a list: `{items: [...]}`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}
