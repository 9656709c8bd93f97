//! Service accounts in the browser: the list and its rows, an account's page with its tokens,
//! access and usage, the dialogs that change them, and the Stale view.

pub mod access;
pub mod actions;
pub mod detail;
pub mod dialogs;
pub mod guards;
pub mod list;
pub mod new_account;
pub mod report_only;
pub mod row;
pub mod stale;
pub mod tokens;
pub mod trust;
pub mod usage_chart;
