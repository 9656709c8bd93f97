//! Enabling and disabling an account from any page, each reported in the toast: a disable that
//! only suspended the tokens can be undone from there, one that revoked them cannot. A refusal
//! is reported in the toast too, since these are one-click actions without a form. The caller
//! passes its `Toaster` (looked up while its component was built: handlers have no context).

use crate::api::service_accounts::{disable_service_account, enable_service_account};
use crate::ui::widgets::toast::Toaster;

/// What refreshes the page after a change (plain closures: a toast's Undo can outlive the
/// dialog or row that started it).
pub trait Changed: Fn() + Clone + Send + Sync + 'static {}
impl<F: Fn() + Clone + Send + Sync + 'static> Changed for F {}

/// Enables the account and says so.
pub fn enable_account(toaster: Toaster, id: String, name: String, changed: impl Changed) {
    toaster.run(enable_service_account(id), move |_| {
        toaster.say(format!("Enabled {name}."));
        changed();
    });
}

/// Disables the account keeping its tokens suspended (so Undo gives everything back).
pub fn suspend_account(toaster: Toaster, id: String, name: String, changed: impl Changed) {
    toaster.run(
        disable_service_account(id.clone(), Some(false)),
        move |_| {
            report_disabled(toaster, id, name, true, changed.clone());
            changed();
        },
    );
}

/// Says that an account was disabled; with Undo when its tokens were `kept` suspended.
pub fn report_disabled(
    toaster: Toaster,
    id: String,
    name: String,
    kept: bool,
    changed: impl Changed,
) {
    if kept {
        let message = format!("Disabled {name}; its tokens are suspended.");
        toaster.say_with_undo(message, move || {
            enable_account(toaster, id.clone(), name.clone(), changed.clone())
        });
    } else {
        toaster.say(format!("Disabled {name}; its tokens are revoked."));
    }
}
