//! URL rules shared by the server (redirects) and the browser (links, the return after sign-in).

/// Percent-encodes everything but RFC 3986's unreserved characters and `/`, for a value placed
/// in a query string.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where to go after signing in: `next` when it is a path on this site, otherwise `fallback`.
///
/// The test follows the WHATWG URL parser, which is what the browser applies to the result:
/// it drops leading and trailing spaces and control characters, removes every tab and line
/// break anywhere, and reads `\` as `/`. What remains is on this origin exactly when it starts
/// with one `/` followed by anything but another `/` (or `\`): `//host` and `/\host` name
/// another host, and anything else is either a scheme (`https:`, `javascript:`) or relative to
/// the sign-in page. So `/%09/evil.example` (a tab between the slashes) is refused.
pub fn local_path(next: &str, fallback: &str) -> String {
    let trimmed = next.trim_matches(|c: char| c <= ' ');
    let cleaned: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let mut chars = cleaned.chars().map(|c| if c == '\\' { '/' } else { c });
    match (chars.next(), chars.next()) {
        (Some('/'), Some('/')) => fallback.to_string(),
        (Some('/'), _) => cleaned,
        _ => fallback.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: &str = "/settings/service-accounts";

    #[test]
    fn only_paths_on_this_site_are_followed() {
        for ok in [
            "/settings/service-accounts/sa_1",
            "/settings/audit-log?page=2#x",
            "/",
        ] {
            assert_eq!(local_path(ok, HOME), ok);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            " //evil.example",
            "\u{1}//evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
        ] {
            assert_eq!(local_path(bad, HOME), HOME, "{bad:?}");
        }
        assert_eq!(local_path("/a\tb", HOME), "/ab");
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(percent_encode("/a/b?x=1&y=2"), "/a/b%3Fx%3D1%26y%3D2");
        assert_eq!(
            percent_encode("2026-11-22T09:30:00Z"),
            "2026-11-22T09%3A30%3A00Z"
        );
        assert_eq!(percent_encode("é"), "%C3%A9");
    }
}
