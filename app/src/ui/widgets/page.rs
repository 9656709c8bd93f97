//! What every list page opens with, and how it says that its data could not be loaded.

use crate::domain::ApiError;
use leptos::prelude::*;
use leptos_meta::Title;

/// A page's heading, the sentence under it, and its actions (`children`) on the right; the
/// heading is also the browser tab's title.
#[component]
pub fn PageHead(
    title: &'static str,
    intro: &'static str,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <Title text=title/>
        <div class="page-head">
            <div>
                <h1>{title}</h1>
                <p class="muted">{intro}</p>
            </div>
            {children.map(|c| c())}
        </div>
    }
}

/// A list that could not be loaded: the server's reason, announced.
pub fn load_error(e: &ApiError) -> AnyView {
    view! { <p class="form-error" role="alert">{e.message().to_string()}</p> }.into_any()
}
