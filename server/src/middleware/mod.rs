//! Request middleware, each in its own module.

pub mod api_errors;
pub mod authenticate;
pub mod client_ip;
pub mod json_body;
pub mod rate_limits;
pub mod request_log;
pub mod verification_timing;
