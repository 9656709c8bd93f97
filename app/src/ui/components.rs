//! Small building blocks shared by the pages: a modal dialog and error messages.

use super::CurrentPrincipal;
use crate::domain::{ApiError, Role};
use leptos::prelude::*;

/// What can take the keyboard focus inside a dialog.
const FOCUSABLE: &str = "input:not([disabled]):not([type=hidden]), select:not([disabled]), \
     textarea:not([disabled]), button:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])";

/// The focusable elements inside `root`, in document order.
fn focusables(root: &web_sys::Element) -> Vec<web_sys::HtmlElement> {
    elements_in(root, FOCUSABLE)
}

/// The elements inside `root` that match `selector`, in document order.
pub fn elements_in(root: &web_sys::Element, selector: &str) -> Vec<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .collect()
}

/// A modal dialog with a heading. Opening it puts the focus on its first field (`autofocus`
/// does nothing for elements added after the page loaded); Tab and Shift+Tab stay inside it;
/// Escape closes it wherever the focus is; closing returns the focus to where it was.
#[component]
pub fn Modal(
    /// The dialog's heading, also its accessible name.
    title: String,
    /// Called when the user dismisses the dialog.
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    use leptos::html;
    use wasm_bindgen::JsCast;
    let heading_id = format!(
        "dialog-{}",
        title
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    let labelled_by = heading_id.clone();
    let dialog = NodeRef::<html::Div>::new();
    // Dialogs open on a click, so only in the browser; the server never renders one.
    let opener = StoredValue::new_local(if cfg!(feature = "ssr") {
        None
    } else {
        document()
            .active_element()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    });
    Effect::new(move |_| {
        // A dialog whose code loads on demand is built inside a Suspense, before it is in the
        // document, and a detached element cannot take the focus: give it once it is painted.
        if let Some(root) = dialog.get() {
            request_animation_frame(move || {
                if let Some(first) = focusables(&root).into_iter().next() {
                    let _ = first.focus();
                }
            });
        }
    });
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            on_close.run(());
        }
    });
    on_cleanup(move || {
        escape.remove();
        if let Some(el) = opener.get_value() {
            let _ = el.focus();
        }
    });
    let trap_tab = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() != "Tab" {
            return;
        }
        let Some(root) = dialog.get() else { return };
        let items = focusables(&root);
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            return;
        };
        let active = document().active_element();
        let at = |el: &web_sys::HtmlElement| active.as_ref() == Some(el.unchecked_ref());
        if ev.shift_key() && at(first) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && at(last) {
            ev.prevent_default();
            let _ = first.focus();
        }
    };
    view! {
        <div class="backdrop">
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                node_ref=dialog
                on:keydown=trap_tab
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

/// A labelled text input bound to `value`, with an optional hint, and the server's or the
/// form's error for `field` shown right under it.
#[component]
pub fn TextField(
    /// The input's id (the label points at it).
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<ApiError>>,
    /// The API field whose errors belong here.
    field: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input id=id type="text" placeholder=placeholder prop:value=value
            on:input=move |ev| value.set(event_target_value(&ev))/>
        {hint.map(|h| view! { <p class="hint">{h}</p> })}
        <FieldError error=error field=field/>
    }
}

/// Whether the signed-in principal may do `permission` (to offer only what the server allows).
pub fn may(permission: crate::domain::Permission) -> Signal<bool> {
    let CurrentPrincipal(me) = expect_context::<CurrentPrincipal>();
    Signal::derive(move || {
        me.get()
            .and_then(|r| r.ok())
            .is_some_and(|w| w.principal.can(permission))
    })
}
