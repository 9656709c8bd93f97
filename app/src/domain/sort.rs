//! The orders the service-account list offers: a closed set, parsed here for the server and
//! listed here for the browser's Sort by menu, so both always agree.

use super::ApiError;

/// How `service-accounts/list` orders its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccountSort {
    #[default]
    NameAsc,
    NameDesc,
    CreatedDesc,
    CreatedAsc,
    /// Most requests in the last seven days first.
    RequestsDesc,
    /// Most recently used first; never used last.
    LastUsedDesc,
}

impl AccountSort {
    /// Every order, as the Sort by menu offers them.
    pub const ALL: [AccountSort; 6] = [
        AccountSort::NameAsc,
        AccountSort::NameDesc,
        AccountSort::CreatedDesc,
        AccountSort::CreatedAsc,
        AccountSort::RequestsDesc,
        AccountSort::LastUsedDesc,
    ];

    /// The API's name for the order (`-` means descending).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountSort::NameAsc => "name",
            AccountSort::NameDesc => "-name",
            AccountSort::CreatedAsc => "created",
            AccountSort::CreatedDesc => "-created",
            AccountSort::RequestsDesc => "-requests",
            AccountSort::LastUsedDesc => "-last_used",
        }
    }

    /// What the Sort by menu says.
    pub fn label(self) -> &'static str {
        match self {
            AccountSort::NameAsc => "Name (A–Z)",
            AccountSort::NameDesc => "Name (Z–A)",
            AccountSort::CreatedDesc => "Newest first",
            AccountSort::CreatedAsc => "Oldest first",
            AccountSort::RequestsDesc => "Most used (7 days)",
            AccountSort::LastUsedDesc => "Recently used",
        }
    }

    /// The order named `input` (`name` when absent); 422 on `field` for anything else.
    pub fn parse(field: &str, input: Option<&str>) -> Result<AccountSort, ApiError> {
        let input = input.unwrap_or("name");
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == input)
            .ok_or_else(|| {
                ApiError::invalid(
                    field,
                    "Sort must be name, -name, created, -created, -requests or -last_used.",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_order_reads_back_and_nothing_else_does() {
        for sort in AccountSort::ALL {
            assert_eq!(
                AccountSort::parse("sort", Some(sort.as_str())).unwrap(),
                sort
            );
        }
        assert_eq!(
            AccountSort::parse("sort", None).unwrap(),
            AccountSort::NameAsc
        );
        let e = AccountSort::parse("sort", Some("name; DROP TABLE")).unwrap_err();
        assert_eq!(e.field(), Some("sort"));
    }
}
