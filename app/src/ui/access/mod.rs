//! The access model's pages: Roles, Groups and Workspaces, and the dialogs they share.

pub mod dialogs;
pub mod groups;
pub mod roles;
pub mod workspaces;
