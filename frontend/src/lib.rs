//! The browser entry point: hydrates the server-rendered page into the live Leptos app.

use leptos::prelude::document;

/// Called by the hydration script that the server puts in every page. Pages are lazy routes
/// (their code comes in chunks of their own), so hydration waits for the current page's chunk;
/// only then does `<body data-hydrated="true">` tell the tests that the page
/// is interactive.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let body = document().body().expect("a page has a body");
        leptos::mount::hydrate_from_async(body.clone(), app::ui::App)
            .await
            .forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
