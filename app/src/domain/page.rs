//! One page of a longer list, the same shape for every paged list of the API.

use serde::{Deserialize, Serialize};

/// A page of `T`: the items, how many there are in all, and where this page is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many match, over every page.
    pub total: i64,
    /// This page's number, from 1.
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    /// How many pages there are (at least one, so an empty list still has a page 1).
    pub fn last_page(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page.max(1)).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_page_counts_a_partial_page_and_an_empty_list_has_one() {
        let page = |total| Page::<u8> {
            items: vec![],
            total,
            page: 1,
            per_page: 50,
        };
        assert_eq!(page(0).last_page(), 1);
        assert_eq!(page(50).last_page(), 1);
        assert_eq!(page(51).last_page(), 2);
    }
}
