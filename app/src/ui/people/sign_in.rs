//! The sign-in page. After signing in, the person returns to the page they first asked for,
//! if that page is on this site.
//!
//! The inputs are not bound to signals: their values are read when the form is submitted. So
//! whatever a person (or a password manager) typed before the page's code loaded stays in the
//! fields when the code takes over, instead of being overwritten with the signals' empty values.
//!
//! The form posts to `/login` (keeping `next`), so signing in works without the page's code:
//! the server answers with the session cookie and a redirect, or with this page again and the
//! error (`crate::ui::widgets::posted`). With the code running, the form calls `auth/login` instead.

use crate::api::auth::login;
use crate::domain::{local_path, percent_encode};
use crate::ui::widgets::form::{FieldError, FormCall, FormError};
use crate::ui::widgets::posted::{posted_error, posted_form, posted_value};
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const HOME: &str = "/settings/service-accounts";
const FIELDS: &[&str] = &["email", "organization"];

/// Where to go after signing in. `local_path` decides by the URL parser's rules; the browser's
/// own parser then confirms the result stays on this origin.
fn return_to(next: Option<String>) -> String {
    let path = local_path(next.as_deref().unwrap_or(""), HOME);
    let origin = window().location().origin().unwrap_or_default();
    match web_sys::Url::new_with_base(&path, &origin) {
        Ok(url) if url.origin() == origin => path,
        _ => HOME.to_string(),
    }
}

fn value_of(input: NodeRef<html::Input>) -> String {
    input.get_untracked().map(|i| i.value()).unwrap_or_default()
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let posted = posted_form();
    // Where the form posts when the page's code is not running: this page, with its `next`.
    let action = match query.read_untracked().get("next") {
        Some(next) => format!("/login?next={}", percent_encode(&next)),
        None => "/login".to_string(),
    };
    let (typed_email, typed_organization) = (
        posted_value(&posted, "email"),
        posted_value(&posted, "organization"),
    );
    let organization_typed = !typed_organization.is_empty();
    let email = NodeRef::<html::Input>::new();
    let password = NodeRef::<html::Input>::new();
    let organization = NodeRef::<html::Input>::new();
    let form = FormCall::showing(posted_error(&posted));
    let error = form.error();
    // Asked for only when the email address belongs to people in several organizations.
    let needs_organization = Memo::new(move |was: Option<&bool>| {
        was.copied().unwrap_or(false)
            || error.with(|e| e.as_ref().and_then(|e| e.field()) == Some("organization"))
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let next = return_to(query.read_untracked().get("next"));
        let org = Some(value_of(organization)).filter(|o| !o.trim().is_empty());
        form.run(login(value_of(email), value_of(password), org), move |_| {
            let _ = window().location().set_href(&next);
        });
    };
    view! {
        <Title text="Sign in"/>
        <section class="card narrow">
            <h1>"Sign in to Steward"</h1>
            <form method="post" action=action on:submit=submit>
                <FormError error=error fields=FIELDS/>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" autocomplete="username" required value=typed_email node_ref=email/>
                <FieldError error=error field="email"/>
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required node_ref=password/>
                // Open when the server asked which organization; otherwise at hand for a person
                // whose email is in several organizations with a different password in each
                // (the password is checked against one person only, unless one is named).
                <details class="organization" open={move || needs_organization.get() || organization_typed}>
                    <summary>"Sign in to a specific organization"</summary>
                    <label for="organization">"Organization"</label>
                    <input id="organization" name="organization" autocomplete="organization" value=typed_organization node_ref=organization/>
                    <p class="hint">"Needed when your email address belongs to several organizations: the short name of the one to sign in to, like acme."</p>
                    <FieldError error=error field="organization"/>
                </details>
                <button type="submit" disabled=move || form.pending()>
                    {move || if form.pending() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}
