//! Steward's application crate: the domain shared by server and browser, the server functions
//! that form the API, the UI, and (behind the `ssr` feature) the services and the store.
// The release wasm lays out each lazily loaded page's whole view type at once; the
// service-account list's row (a table inside a row menu inside a row) nests deeper than the
// default limit of 128.
#![recursion_limit = "256"]

pub mod api;
pub mod domain;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod services;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;
