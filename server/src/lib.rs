//! The Steward server: configuration, the axum router and its middleware. `main.rs` is only the
//! command line; integration tests build the same router through `build_router`.

pub mod cli;
pub mod middleware;
pub mod openapi;
pub mod precompress;
pub mod router;
pub mod routes;
pub mod shutdown;
pub mod site_files;

pub use router::{build_router, spawn_background_tasks, RouterConfig};
