//! A Copy button: puts a text on the clipboard and says so, for secrets and the tenant URL.

use leptos::prelude::*;

/// Copies `text` when pressed; its label turns to "Copied" and a polite live region tells
/// screen-reader users what happened.
#[component]
pub fn CopyButton(
    /// What goes on the clipboard.
    text: String,
    /// The button's visible text, e.g. "Copy token".
    label: &'static str,
    /// Read out after copying, e.g. "Token copied to the clipboard."
    announcement: &'static str,
    /// A longer accessible name when the visible text alone is ambiguous.
    #[prop(optional)]
    aria_label: Option<&'static str>,
    #[prop(optional)] secondary: bool,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = StoredValue::new(text);
    let copy = move |_| {
        let text = text.get_value();
        leptos::task::spawn_local(async move {
            let clipboard = window().navigator().clipboard();
            if wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text))
                .await
                .is_ok()
            {
                copied.set(true);
            }
        });
    };
    view! {
        <button type="button" class:secondary=secondary aria-label=aria_label on:click=copy>
            {move || if copied.get() { "Copied" } else { label }}
        </button>
        <span class="visually-hidden" aria-live="polite">{move || copied.get().then_some(announcement)}</span>
    }
}
