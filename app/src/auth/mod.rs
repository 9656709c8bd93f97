//! Credential primitives: random identifiers, token secrets, password hashing. The rules of
//! who may sign in live in `services::authentication`; this module only does the cryptography.

pub mod password;
pub mod random;
pub mod token_secret;
