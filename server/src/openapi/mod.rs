//! The OpenAPI 3.1 document of Steward's API, served at `GET /api/v1/openapi.json` and drawn as
//! the reference page at `/api/reference`. Every server function's path, body and answer come
//! from its own Rust types (the input struct Leptos generates, which derives `ToSchema`, and its
//! `ServerFn::Output`), so the document cannot describe a body the server does not take; the
//! operation table adds what the types cannot say: the tag, the permission, the errors and an
//! example.

mod document;
mod inputs;
mod leak_reports;
mod operations;
mod plain;
pub mod reference;

pub use document::{document, document_json};

use app::domain::Permission;

/// What an operation requires of its caller.
#[derive(Debug, Clone, Copy)]
pub enum Needs {
    /// Nothing: sign-in and the one-time links.
    Nothing,
    /// Any valid credential, person or token.
    SignedIn,
    /// A signed-in person (a token is refused).
    Person,
    /// This permission organization-wide (and, for a token, the permission's scope).
    Permission(Permission),
    /// This permission, and a person: tokens are refused whatever they hold.
    PersonWith(Permission),
}

impl Needs {
    /// The permission's name, for `x-steward-permission`.
    pub fn permission(self) -> Option<Permission> {
        match self {
            Needs::Permission(p) | Needs::PersonWith(p) => Some(p),
            _ => None,
        }
    }

    pub fn people_only(self) -> bool {
        matches!(self, Needs::Person | Needs::PersonWith(_))
    }

    /// One sentence for the operation's description.
    pub fn sentence(self) -> String {
        match self {
            Needs::Nothing => "Needs no credential.".into(),
            Needs::SignedIn => "Needs any valid credential.".into(),
            Needs::Person => "Needs a signed-in person; API tokens are refused.".into(),
            Needs::Permission(p) => format!(
                "Needs `{p}` organization-wide; a token also needs the `{}` scope.",
                p.scope().as_str()
            ),
            Needs::PersonWith(p) => {
                format!("Needs `{p}` organization-wide, and a person: API tokens are refused.")
            }
        }
    }
}
