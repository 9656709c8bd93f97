//! The API: Leptos server functions at the stable paths of the design's contract, one file per
//! URL prefix (`tokens.rs` holds `/api/v1/tokens/*`). Each is thin: take the caller, check the
//! permission, call one service, shape the answer. The browser and scripts use the same
//! functions.

pub mod access;
pub mod audit;
pub mod auth;
pub mod bindings;
pub mod groups;
pub mod members;
pub mod permissions;
pub mod roles;
pub mod service_accounts;
pub mod settings;
pub mod setup;
pub mod tokens;
pub mod trust;
pub mod workspaces;

#[cfg(feature = "ssr")]
pub mod context;

/// What a server function's body uses, in one `use crate::api::prelude::*;` (server only: the
/// browser's copy of a server function has no body).
#[cfg(feature = "ssr")]
pub mod prelude {
    pub use super::context::{authorized, authorized_person, request_meta, signed_in, state};
    pub use crate::domain::Permission;
}

/// An empty JSON object, for operations with nothing to return.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Empty {}

/// An answer that is a list: `{items: [...]}`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}
