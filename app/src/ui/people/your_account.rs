//! Settings › Your account: the password change every person can make for themself.
//!
//! The form posts to this page's own path, so it works before (or without) the page's code:
//! the server answers a change with a redirect to `?saved=1`, a refusal with the page again
//! and the error under its field (`crate::ui::widgets::posted`). With the code running it calls
//! `auth/change-password` instead, as scripts do. The inputs are read when the form is sent,
//! not bound to signals, so what was typed before the code arrived stays.

use crate::api::auth::change_password;
use crate::domain::check_password;
use crate::ui::widgets::form::{FieldError, FormCall, FormError};
use crate::ui::widgets::posted::{posted_error, posted_form};
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Your account: change your own password.
#[component]
pub fn AccountSettingsPage() -> impl IntoView {
    let posted = posted_form();
    let current = NodeRef::<html::Input>::new();
    let new = NodeRef::<html::Input>::new();
    let form = FormCall::showing(posted_error(&posted));
    let error = form.error();
    let saved = RwSignal::new(use_query_map().read_untracked().get("saved").is_some());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let value = |input: NodeRef<html::Input>| {
            input.get_untracked().map(|i| i.value()).unwrap_or_default()
        };
        let (current_password, new_password) = (value(current), value(new));
        if form
            .check(check_password("new_password", &new_password))
            .is_none()
        {
            return;
        }
        form.run(change_password(current_password, new_password), move |_| {
            saved.set(true);
            for input in [current, new] {
                if let Some(i) = input.get_untracked() {
                    i.set_value("");
                }
            }
        });
    };
    view! {
        <Title text="Your account"/>
        <h1>"Your account"</h1>
        <form class="card" method="post" action="/settings/account" on:submit=submit novalidate>
            <h2>"Change password"</h2>
            <FormError error=error fields=&["current_password", "new_password"]/>
            <label for="current-password">"Current password"</label>
            <input id="current-password" name="current_password" type="password" autocomplete="current-password" node_ref=current/>
            <FieldError error=error field="current_password"/>
            <label for="new-password">"New password"</label>
            <input id="new-password" name="new_password" type="password" autocomplete="new-password" node_ref=new/>
            <p class="hint">"At least 12 characters."</p>
            <FieldError error=error field="new_password"/>
            <div class="actions left"><button type="submit" disabled=move || form.pending()>{move || if form.pending() { "Changing…" } else { "Change password" }}</button></div>
            <p class="muted" aria-live="polite">{move || saved.get().then_some("Password changed.")}</p>
        </form>
    }
}
