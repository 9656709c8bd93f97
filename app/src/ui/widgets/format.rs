//! Display helpers for times, scopes and counts.

/// `1 account`, `60 accounts`: a count with its noun in the right number.
pub fn count(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2026-11-22T09:30:00Z` → `2026-11-22 09:30 UTC`; the API's times are always UTC.
pub fn when(rfc3339: &str) -> String {
    match (rfc3339.get(0..10), rfc3339.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => rfc3339.to_string(),
    }
}

/// A time or a placeholder when there is none.
pub fn when_or(value: &Option<String>, none: &str) -> String {
    value
        .as_deref()
        .map(when)
        .unwrap_or_else(|| none.to_string())
}

/// A token's scopes as the tables show them: `read, write`.
pub fn scopes(scopes: &[crate::domain::Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_take_the_noun_in_the_right_number() {
        assert_eq!(super::count(1, "account", "accounts"), "1 account");
        assert_eq!(super::count(0, "account", "accounts"), "0 accounts");
        assert_eq!(super::count(60, "event", "events"), "60 events");
    }

    #[test]
    fn formats_times() {
        assert_eq!(super::when("2026-11-22T09:30:00Z"), "2026-11-22 09:30 UTC");
        assert_eq!(super::when_or(&None, "Never"), "Never");
    }
}
