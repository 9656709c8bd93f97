//! Steward's application crate: the domain shared by server and browser, the server functions
//! that form the API, the UI, and (behind the `ssr` feature) the services and the store.

pub mod api;
pub mod domain;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod services;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;
