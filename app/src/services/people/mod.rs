//! People: members and invitations, signing in, browser sessions, the first administrator's
//! setup, and the per-account limits on guessing a password.

pub mod attempt_limits;
pub mod members;
pub mod sessions;
pub mod setup;
pub mod sign_in;
