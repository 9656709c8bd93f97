//! Small building blocks shared by the pages: a modal dialog and error messages.

use super::CurrentPrincipal;
use crate::domain::{ApiError, Role};
use leptos::prelude::*;

/// A modal dialog with a heading; Escape or the backdrop's Cancel closes it.
#[component]
pub fn Modal(
    /// The dialog's heading, also its accessible name.
    title: String,
    /// Called when the user dismisses the dialog.
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let heading_id = format!(
        "dialog-{}",
        title
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    let labelled_by = heading_id.clone();
    view! {
        <div class="backdrop">
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        on_close.run(());
                    }
                }
            >
                <h2 id=heading_id>{title}</h2>
                {children()}
            </div>
        </div>
    }
}

/// The error for one field, shown next to it, when the last error names that field.
#[component]
pub fn FieldError(error: Signal<Option<ApiError>>, field: &'static str) -> impl IntoView {
    let message = move || {
        error
            .get()
            .filter(|e| e.field() == Some(field))
            .map(|e| e.message().to_string())
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="field-error" id=format!("{field}-error") role="alert">{message}</p>
        </Show>
    }
}

/// An error that belongs to no single field, shown at the top of a form.
#[component]
pub fn FormError(
    error: Signal<Option<ApiError>>,
    fields: &'static [&'static str],
) -> impl IntoView {
    let message = move || {
        error
            .get()
            .filter(|e| e.field().is_none_or(|f| !fields.contains(&f)))
            .map(|e| e.message().to_string())
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="form-error" role="alert">{message}</p>
        </Show>
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

/// Runs a form's server call in the browser: marks the form busy and clears the last error;
/// when the call fails its error is shown (next to its field), when it succeeds `done` gets
/// the answer. Every form and confirmation uses this, so they all behave alike.
pub fn run_call<T: 'static>(
    pending: RwSignal<bool>,
    error: RwSignal<Option<ApiError>>,
    call: impl std::future::Future<Output = Result<T, ApiError>> + 'static,
    done: impl FnOnce(T) + 'static,
) {
    pending.set(true);
    error.set(None);
    leptos::task::spawn_local(async move {
        let result = call.await;
        pending.set(false);
        match result {
            Ok(value) => done(value),
            Err(e) => error.set(Some(e)),
        }
    });
}

/// The Role select of the account forms: offers only roles up to the signed-in person's own,
/// since nobody may grant more than they hold (the server refuses it too).
#[component]
pub fn RoleSelect(id: &'static str, role: RwSignal<String>) -> impl IntoView {
    let CurrentPrincipal(me) = expect_context::<CurrentPrincipal>();
    let my_role = move || {
        me.get()
            .and_then(|r| r.ok())
            .map(|w| w.principal.role)
            .unwrap_or(Role::Viewer)
    };
    view! {
        <select id=id on:change=move |ev| role.set(event_target_value(&ev))>
            {move || Role::ALL.into_iter().filter(|r| *r <= my_role()).map(|r| view! {
                <option value=r.as_str() selected=move || role.get() == r.as_str()>{r.label()}</option>
            }).collect_view()}
        </select>
    }
}
