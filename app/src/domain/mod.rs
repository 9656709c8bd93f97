//! Domain types and rules shared by the browser (instant form feedback) and the server
//! (authoritative checks).

mod error;
mod model;
mod role;
mod validation;

pub use error::{ApiError, ErrorBody, ErrorCode};
pub use model::*;
pub use role::{Permission, Role, Scope};
pub use validation::{
    parse_description, parse_expiry_days, parse_scopes, ResourceName, EXPIRY_PRESETS,
    MAX_DESCRIPTION_CHARS, MAX_EXPIRY_DAYS, MAX_NAME_CHARS,
};
