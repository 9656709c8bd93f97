//! Input rules, used by the forms for instant feedback and by the server as the authority.
//! Each error names the field so the UI can show it next to the input.

use super::{ApiError, Scope};
use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 64;
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Ten years: longer than that is "never" in all but name, so ask for "never" explicitly.
pub const MAX_EXPIRY_DAYS: i64 = 3650;
/// The expiration choices offered by the token form, in days.
pub const EXPIRY_PRESETS: [i64; 5] = [7, 30, 60, 90, 365];

/// A service-account or token name: 1–64 of `a-z 0-9 _ -`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResourceName(String);

impl ResourceName {
    /// Trims, then checks the rule. Uppercase is refused with its own message rather than
    /// silently lowered, so that what the user typed is what gets stored.
    pub fn parse(field: &str, input: &str) -> Result<ResourceName, ApiError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(ApiError::invalid(field, "Name is required."));
        }
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            return Err(ApiError::invalid(
                field,
                format!("Name must be at most {MAX_NAME_CHARS} characters (it has {chars})."),
            ));
        }
        if name.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(ApiError::invalid(
                field,
                "Name must be lowercase: use a-z, 0-9, - and _.",
            ));
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_'))
        {
            let shown = if bad.is_whitespace() || bad.is_control() {
                format!("U+{:04X}", bad as u32)
            } else {
                format!("'{bad}'")
            };
            return Err(ApiError::invalid(
                field,
                format!("Name may only contain a-z, 0-9, - and _ (found {shown})."),
            ));
        }
        let first = name.chars().next().unwrap_or('-');
        if !first.is_ascii_alphanumeric() {
            return Err(ApiError::invalid(
                field,
                "Name must start with a letter or a digit.",
            ));
        }
        Ok(ResourceName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An optional free-text description: trimmed, at most 500 characters, no control characters
/// other than line breaks and tabs.
pub fn parse_description(field: &str, input: Option<&str>) -> Result<String, ApiError> {
    let text = input.unwrap_or("").trim();
    let chars = text.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        return Err(ApiError::invalid(
            field,
            format!(
                "Description must be at most {MAX_DESCRIPTION_CHARS} characters (it has {chars})."
            ),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(ApiError::invalid(
            field,
            "Description must not contain control characters.",
        ));
    }
    Ok(text.to_string())
}

/// A token lifetime in days: `None` with `never_expires` means no expiry; otherwise 1–3650,
/// defaulting to 30.
pub fn parse_expiry_days(days: Option<i64>, never_expires: bool) -> Result<Option<i64>, ApiError> {
    if never_expires {
        if days.is_some() {
            return Err(ApiError::invalid(
                "expires_in_days",
                "Choose either a number of days or never expires, not both.",
            ));
        }
        return Ok(None);
    }
    let days = days.unwrap_or(30);
    if !(1..=MAX_EXPIRY_DAYS).contains(&days) {
        return Err(ApiError::invalid(
            "expires_in_days",
            format!("Expiration must be between 1 and {MAX_EXPIRY_DAYS} days."),
        ));
    }
    Ok(Some(days))
}

/// Token scopes: default both; an explicit list must be non-empty and only `read`/`write`,
/// exactly (`" read"` is refused).
pub fn parse_scopes(input: Option<&[String]>) -> Result<Vec<Scope>, ApiError> {
    let Some(list) = input else {
        return Ok(Scope::ALL.to_vec());
    };
    let mut scopes = Vec::new();
    for s in list {
        // A closed set: taken exactly as written, like every other one.
        let scope = Scope::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "scopes",
                format!("Unknown scope '{s}': use read and/or write."),
            )
        })?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(ApiError::invalid("scopes", "Choose at least one scope."));
    }
    scopes.sort();
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Result<String, String> {
        ResourceName::parse("name", s)
            .map(|n| n.into_string())
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn accepts_valid_names() {
        for ok in ["a", "ci-deploy", "build_bot-2", "0day", &"x".repeat(64)] {
            assert_eq!(name(ok).as_deref(), Ok(ok), "{ok}");
        }
        assert_eq!(name("  ci  ").unwrap(), "ci");
    }

    #[test]
    fn rejects_invalid_names_with_reasons() {
        assert!(name("").unwrap_err().contains("required"));
        assert!(name("   ").unwrap_err().contains("required"));
        assert!(name(&"x".repeat(65)).unwrap_err().contains("at most 64"));
        assert!(name("CI").unwrap_err().contains("lowercase"));
        assert!(name("ci bot").unwrap_err().contains("U+0020"));
        assert!(name("ci\u{0}bot").unwrap_err().contains("U+0000"));
        assert!(
            name("сi").unwrap_err().contains("'с'"),
            "cyrillic look-alike"
        );
        assert!(name("ci.bot").unwrap_err().contains("'.'"));
        assert!(name("-ci").unwrap_err().contains("start with"));
        assert!(name("_ci").unwrap_err().contains("start with"));
    }

    #[test]
    fn error_names_the_field() {
        let e = ResourceName::parse("token_name", "Bad").unwrap_err();
        assert_eq!(e.field(), Some("token_name"));
    }

    #[test]
    fn descriptions() {
        assert_eq!(parse_description("description", None).unwrap(), "");
        assert_eq!(
            parse_description("description", Some("  runs CI\nnightly ")).unwrap(),
            "runs CI\nnightly"
        );
        assert!(parse_description("description", Some(&"é".repeat(500))).is_ok());
        assert!(parse_description("description", Some(&"é".repeat(501))).is_err());
        assert!(parse_description("description", Some("bell\u{7}")).is_err());
    }

    #[test]
    fn expiry() {
        assert_eq!(parse_expiry_days(None, false).unwrap(), Some(30));
        assert_eq!(parse_expiry_days(Some(7), false).unwrap(), Some(7));
        assert_eq!(parse_expiry_days(None, true).unwrap(), None);
        for bad in [0, -1, 3651, 100_000] {
            assert_eq!(
                parse_expiry_days(Some(bad), false).unwrap_err().field(),
                Some("expires_in_days")
            );
        }
        assert!(parse_expiry_days(Some(7), true).is_err());
    }

    #[test]
    fn scopes() {
        assert_eq!(parse_scopes(None).unwrap(), vec![Scope::Read, Scope::Write]);
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_scopes(Some(&s(&["write", "read", "read"]))).unwrap(),
            vec![Scope::Read, Scope::Write]
        );
        assert!(parse_scopes(Some(&s(&[]))).is_err());
        assert!(parse_scopes(Some(&s(&["admin"]))).is_err());
        assert!(parse_scopes(Some(&s(&[" read"]))).is_err());
    }
}
