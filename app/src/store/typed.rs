//! Roles and scopes as the database holds them (text), decoded into their domain types here and
//! nowhere else. One rule for a value the code does not know: the read fails (a 500 that names
//! nothing) rather than quietly becoming some role, since only these values are ever written.

use crate::domain::{Role, Scope};
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Type};

/// Both are stored as text, so they take the database's text type.
macro_rules! stored_as_text {
    ($($t:ty),*) => {$(
        impl<DB: Database> Type<DB> for $t
        where
            String: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as Type<DB>>::compatible(ty)
            }
        }
    )*};
}

stored_as_text!(Role, Scopes);

impl<'r, DB: Database> Decode<'r, DB> for Role
where
    &'r str: Decode<'r, DB>,
{
    fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<DB>>::decode(value)?;
        Role::parse(text).ok_or_else(|| format!("unknown role '{text}' in the database").into())
    }
}

/// A token's scopes as stored (`read,write`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(pub Vec<Scope>);

impl Scopes {
    /// The text the database keeps, `read,write`.
    pub fn to_text(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    fn from_text(text: &str) -> Result<Self, BoxDynError> {
        text.split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                Scope::parse(s).ok_or_else(|| format!("unknown scope '{s}' in the database").into())
            })
            .collect::<Result<Vec<_>, BoxDynError>>()
            .map(Scopes)
    }
}

impl std::ops::Deref for Scopes {
    type Target = [Scope];

    fn deref(&self) -> &[Scope] {
        &self.0
    }
}

impl<'r, DB: Database> Decode<'r, DB> for Scopes
where
    &'r str: Decode<'r, DB>,
{
    fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        Scopes::from_text(<&str as Decode<DB>>::decode(value)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_back_what_was_written_and_refuse_the_unknown() {
        let text = Scopes::to_text(&[Scope::Read, Scope::Write]);
        assert_eq!(text, "read,write");
        assert_eq!(
            Scopes::from_text(&text).unwrap(),
            Scopes(vec![Scope::Read, Scope::Write])
        );
        assert_eq!(Scopes::from_text("").unwrap(), Scopes(vec![]));
        assert!(Scopes::from_text("read,admin").is_err());
    }
}
