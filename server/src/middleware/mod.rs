//! Request middleware, each in its own module.

pub mod api_errors;
pub mod authenticate;
pub mod request_log;
pub mod rate_limits;
