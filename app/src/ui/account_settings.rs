//! Settings › Your account: the password change every person can make for themself.

use super::components::{run_call, FieldError, FormError};
use crate::api::members::change_password;
use crate::domain::{check_password, ApiError};
use leptos::prelude::*;
use leptos_meta::Title;

/// Your account: change your own password.
#[component]
pub fn AccountSettingsPage() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        if let Err(e) = check_password("new_password", &new.get_untracked()) {
            return error.set(Some(e));
        }
        run_call(
            pending,
            error,
            change_password(current.get_untracked(), new.get_untracked()),
            move |_| {
                saved.set(true);
                current.set(String::new());
                new.set(String::new());
            },
        );
    };
    view! {
        <Title text="Your account"/>
        <h1>"Your account"</h1>
        <form class="card" on:submit=submit novalidate>
            <h2>"Change password"</h2>
            <FormError error=error.into() fields=&["current_password", "new_password"]/>
            <label for="current-password">"Current password"</label>
            <input id="current-password" type="password" autocomplete="current-password" prop:value=current on:input=move |ev| current.set(event_target_value(&ev))/>
            <FieldError error=error.into() field="current_password"/>
            <label for="new-password">"New password"</label>
            <input id="new-password" type="password" autocomplete="new-password" prop:value=new on:input=move |ev| new.set(event_target_value(&ev))/>
            <p class="hint">"At least 12 characters."</p>
            <FieldError error=error.into() field="new_password"/>
            <div class="actions left"><button type="submit" disabled=move || pending.get()>"Change password"</button></div>
            <p class="muted" aria-live="polite">{move || saved.get().then_some("Password changed.")}</p>
        </form>
    }
}
