//! Assertions on a reply that read as the sentence they check, and print the whole reply
//! (status, headers, body) when they fail:
//! `reply.assert_error(StatusCode::FORBIDDEN, "forbidden")`.
// In a file of its own rather than beside `Reply` in `common.rs`: an inherent impl may live in
// any module of the crate, and this keeps the reading side apart from the server plumbing.

use crate::common::Reply;
use reqwest::StatusCode;

impl Reply {
    /// The reply has `status`.
    #[track_caller]
    pub fn assert_status(&self, status: StatusCode) -> &Self {
        assert_eq!(self.status, status, "unexpected status: {self:#?}");
        self
    }

    /// The reply is the error `code` (the contract's `error.code`) with `status`.
    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, code: &str) -> &Self {
        self.assert_status(status);
        assert_eq!(self.error_code(), code, "unexpected error code: {self:#?}");
        self
    }

    /// The reply is an error with `status` that names `field`.
    #[track_caller]
    pub fn assert_field(&self, status: StatusCode, field: &str) -> &Self {
        self.assert_status(status);
        assert_eq!(self.error_field(), field, "unexpected field: {self:#?}");
        self
    }
}
