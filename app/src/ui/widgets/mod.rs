//! The building blocks every page uses: the page heading, the modal dialog, form fields and errors, the
//! confirmation, copy and download, the row menu, toasts, dates and counts, and the answer to a
//! form posted without the page's code.

pub mod confirm;
pub mod copy;
pub mod form;
pub mod format;
pub mod menu;
pub mod modal;
pub mod page;
pub mod posted;
pub mod toast;
