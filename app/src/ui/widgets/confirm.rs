//! The confirmation every destructive action goes through: it says what will happen, can ask
//! for a name to be typed, shows the server's refusal in place, and is busy while it works.

use crate::domain::ApiError;
use crate::ui::widgets::form::{FormCall, FormError};
use crate::ui::widgets::modal::Modal;
use leptos::prelude::*;
use std::future::Future;

/// Asks before doing `confirm`. With `type_to_confirm`, the button stays disabled until that
/// exact text is typed. `on_close(true)` after it was done, `on_close(false)` when cancelled.
#[component]
pub fn ConfirmDialog<F, Fut>(
    /// The dialog's heading.
    title: String,
    /// What will happen, in a sentence or two.
    message: String,
    /// The confirm button's text, e.g. "Revoke token".
    confirm_label: String,
    /// The text to type before the button works (an account's or a token's name).
    #[prop(optional)]
    type_to_confirm: Option<String>,
    /// The change itself.
    confirm: F,
    on_close: Callback<bool>,
) -> impl IntoView
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), ApiError>> + 'static,
{
    let typed = RwSignal::new(String::new());
    let form = FormCall::new();
    let expected = StoredValue::new(type_to_confirm.clone());
    let matches =
        move || expected.with_value(|e| e.as_ref().is_none_or(|name| typed.get().trim() == name));
    let confirm = StoredValue::new(confirm);
    let go = move |_| form.run(confirm.with_value(|f| f()), move |()| on_close.run(true));
    let busy_label = format!("{}…", confirm_label.trim_end_matches('.'));
    view! {
        <Modal title=title on_close=Callback::new(move |_| on_close.run(false))>
            <p>{message}</p>
            {type_to_confirm.map(|name| view! {
                <label for="confirm-name">{format!("Type {name} to confirm")}</label>
                <input id="confirm-name" autocomplete="off" prop:value=typed
                    on:input=move |ev| typed.set(event_target_value(&ev))/>
            })}
            <FormError error=form.error() fields=&[]/>
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| on_close.run(false)>"Cancel"</button>
                <button type="button" class="danger" on:click=go disabled=move || form.pending() || !matches()>
                    {move || if form.pending() { busy_label.clone() } else { confirm_label.clone() }}
                </button>
            </div>
        </Modal>
    }
}
