//! Input rules for people and organizations: email addresses, display names (of people and
//! organizations) and passwords. The forms use them for instant feedback; the server is the
//! authority.

use super::ApiError;

/// Longest display name of a person or an organization.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;
/// RFC 5321's limit on a whole address.
const MAX_EMAIL_CHARS: usize = 254;

/// Characters that reorder or hide text (bidirectional overrides and isolates, marks, zero-width
/// characters): a name containing them can display as something other than what it is.
fn is_deceptive_format_char(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A person's or organization's display name: trimmed, 1–100 characters, no control or
/// bidirectional formatting characters. Unlike resource names, any script and spaces are fine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(field: &str, input: &str) -> Result<DisplayName, ApiError> {
        let name = input.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_DISPLAY_NAME_CHARS {
            return Err(ApiError::invalid(
                field,
                format!("Enter a name of 1 to {MAX_DISPLAY_NAME_CHARS} characters."),
            ));
        }
        if let Some(bad) = name
            .chars()
            .find(|c| c.is_control() || is_deceptive_format_char(*c))
        {
            return Err(ApiError::invalid(
                field,
                format!(
                    "Name must not contain control or text-direction characters (found U+{:04X}).",
                    bad as u32
                ),
            ));
        }
        Ok(DisplayName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An email address, trimmed and lowercased; checked loosely (one `@`, a dot in the domain, no
/// spaces or control characters), since only a delivered message proves an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(field: &str, input: &str) -> Result<EmailAddress, ApiError> {
        let e = input.trim().to_lowercase();
        let valid = e.chars().count() <= MAX_EMAIL_CHARS
            && !e
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || is_deceptive_format_char(c))
            && matches!(e.split_once('@'), Some((local, domain))
                if !local.is_empty() && domain.contains('.') && !domain.contains('@')
                    && !domain.starts_with('.') && !domain.ends_with('.'));
        if valid {
            Ok(EmailAddress(e))
        } else {
            Err(ApiError::invalid(
                field,
                "Enter an email address like name@example.com.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The password rule, shared by setup, invitations and password changes: 12–256 characters.
pub fn check_password(field: &str, password: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(ApiError::invalid(
            field,
            format!("Password must be at least {MIN_PASSWORD_CHARS} characters."),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(ApiError::invalid(
            field,
            format!("Password must be at most {MAX_PASSWORD_CHARS} characters."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names() {
        assert_eq!(
            DisplayName::parse("name", "  Ada Lovelace ")
                .unwrap()
                .as_str(),
            "Ada Lovelace"
        );
        assert!(DisplayName::parse("name", "Zoë Ørsted-Łukasz").is_ok());
        assert!(DisplayName::parse("name", "   ").is_err());
        assert!(DisplayName::parse("name", &"x".repeat(101)).is_err());
        assert!(DisplayName::parse("name", &"é".repeat(100)).is_ok());
        for bad in [
            "bell\u{7}",
            "new\nline",
            "evil\u{202E}gnp.exe",
            "a\u{2067}b",
            "zero\u{200B}width",
        ] {
            let e = DisplayName::parse("org_name", bad).unwrap_err();
            assert_eq!(e.field(), Some("org_name"), "{bad:?}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            EmailAddress::parse("email", " Ada@Example.COM ")
                .unwrap()
                .as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.io",
            "ada@localhost",
            "a b@x.io",
            "a@b@x.io",
            "a@x.io.",
            "a@\u{202E}x.io",
        ] {
            assert!(EmailAddress::parse("email", bad).is_err(), "{bad:?}");
        }
        assert!(EmailAddress::parse("email", &format!("{}@x.io", "a".repeat(250))).is_err());
    }

    #[test]
    fn passwords() {
        assert_eq!(
            check_password("new_password", "short").unwrap_err().field(),
            Some("new_password")
        );
        assert!(check_password("password", "long enough pass").is_ok());
        assert!(check_password("password", &"p".repeat(257)).is_err());
    }
}
