//! Credential primitives: random identifiers, token secrets, password hashing. The rules of
//! who may sign in live in `services::sign_in`, `services::sessions` and
//! `services::token_verification`; this module only does the cryptography.

pub mod low_priority;
pub mod password;
pub mod random;
pub mod sealing;
pub mod token_secret;
