//! The browser entry point: hydrates the server-rendered page into the live Leptos app.
// The release build lays out the whole view tree's types at once; the service-account list's
// row (a table inside a row menu inside a row) nests deeper than the default limit of 128.
#![recursion_limit = "256"]

/// Called by the hydration script that the server puts in every page.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::ui::App);
}
