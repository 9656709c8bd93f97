//! Credential primitives: random identifiers, token secrets, password hashing. The rules of
//! who may sign in live in `services::people::sign_in`, `services::people::sessions` and
//! `services::tokens::verification`; this module only does the cryptography.

pub mod low_priority;
pub mod password;
pub mod random;
pub mod sealing;
pub mod token_secret;
