//! Handing a text over: a Copy button that puts it on the clipboard and says so (secrets, the
//! tenant URL), and a download of it as a file (session.json).

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

/// Offers `text` as a file download, without a server round trip.
pub fn download_text(filename: &str, content_type: &str, text: &str) {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(content_type);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = document().create_element("a") {
        if let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() {
            a.set_href(&url);
            a.set_download(filename);
            a.click();
        }
    }
    // Revoking at once can cancel the download in some browsers; give it a moment.
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
}
