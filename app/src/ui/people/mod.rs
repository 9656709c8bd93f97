//! People's pages: Members, Your account, sign-in, and setup (the first administrator's link
//! and an invitation's).

pub mod members;
pub mod setup;
pub mod sign_in;
pub mod your_account;
