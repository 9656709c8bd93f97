//! The sign-in page. After signing in, the person returns to the page they first asked for.

use super::components::{run_call, FormError};
use crate::api::auth::login;
use crate::domain::ApiError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Only same-site paths are followed after sign-in, never another host.
fn safe_next(next: Option<String>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n,
        _ => "/settings/service-accounts".to_string(),
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let next = safe_next(query.read_untracked().get("next"));
        run_call(
            pending,
            error,
            login(email.get_untracked(), password.get_untracked()),
            move |_| {
                let _ = window().location().set_href(&next);
            },
        );
    };
    view! {
        <Title text="Sign in"/>
        <section class="card narrow">
            <h1>"Sign in to Steward"</h1>
            <form on:submit=submit>
                <FormError error=error.into() fields=&[]/>
                <label for="email">"Email"</label>
                <input id="email" type="email" autocomplete="username" required
                    prop:value=email on:input=move |ev| email.set(event_target_value(&ev))/>
                <label for="password">"Password"</label>
                <input id="password" type="password" autocomplete="current-password" required
                    prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                <button type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            super::safe_next(Some("/settings/service-accounts/sa_1".into())),
            "/settings/service-accounts/sa_1"
        );
        assert_eq!(
            super::safe_next(Some("//evil.example".into())),
            "/settings/service-accounts"
        );
        assert_eq!(
            super::safe_next(Some("https://evil.example".into())),
            "/settings/service-accounts"
        );
        assert_eq!(super::safe_next(None), "/settings/service-accounts");
    }
}
