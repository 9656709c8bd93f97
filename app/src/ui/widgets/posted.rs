//! A form the server answered itself. Every form a page renders posts to the page's own path
//! (`method="post"`), so when the page's code is not running (JavaScript off, blocked, or not
//! loaded yet) the browser still sends it, in the body and never in the URL; the server
//! (`server/src/routes/forms.rs`) answers with a redirect, or on an error with the page again.
//! What that answer hands the page is a `PostedForm`: the error to show next to its field and
//! what was typed (never a password) to fill the form in again. It travels to the browser with
//! the page, so a page whose code does arrive hydrates with the same error showing.

use crate::domain::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The answer to a form post, as the page rendered for it sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedForm {
    /// Why the post was refused.
    pub error: Option<ApiError>,
    /// The fields as they were posted, passwords left out.
    pub values: Vec<(String, String)>,
}

impl PostedForm {
    /// What was posted in the field `name`, if anything.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The form post this page is the answer to, if any. On the server it is what the form's
/// handler provided; in the browser, during hydration, the same value read back from the page,
/// so the first render matches the server's; after that (a page opened by a link) `None`.
/// Call it once per page, where the page's component starts.
pub fn posted_form() -> Option<PostedForm> {
    SharedValue::new(use_context::<PostedForm>).into_inner()
}

/// What was posted in `name`, or the empty string.
pub fn posted_value(posted: &Option<PostedForm>, name: &str) -> String {
    posted
        .as_ref()
        .and_then(|p| p.value(name))
        .unwrap_or_default()
        .to_string()
}

/// The error the post was refused with.
pub fn posted_error(posted: &Option<PostedForm>) -> Option<ApiError> {
    posted.as_ref().and_then(|p| p.error.clone())
}
