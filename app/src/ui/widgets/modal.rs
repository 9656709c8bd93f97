//! The modal dialog every dialog is built on: focus in on open, kept inside, given back on close.

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
