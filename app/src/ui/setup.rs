//! The one-time setup page that creates the first administrator and the organization.

use super::components::{run_call, FieldError, FormError};
use crate::api::auth::{check_setup_link, complete_setup};
use crate::api::members::{accept_invitation, check_invitation};
use crate::domain::{check_password, ApiError, DisplayName, EmailAddress};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const FIELDS: &[&str] = &["org_slug", "name", "email", "password"];

/// `/setup?token=…` creates the first administrator; `/setup?invite=…` lets an invited person
/// set their password.
#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    match query.read_untracked().get("invite") {
        Some(invite) => view! { <AcceptInvite secret=invite/> }.into_any(),
        None => view! { <FirstAdmin/> }.into_any(),
    }
}

#[component]
fn AcceptInvite(secret: String) -> impl IntoView {
    let secret = StoredValue::new(secret);
    let invited = Resource::new(
        move || secret.get_value(),
        |s| async move { check_invitation(s).await.ok().flatten() },
    );
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Err(e) = check_password("password", &password.get_untracked()) {
            return error.set(Some(e));
        }
        run_call(
            pending,
            error,
            accept_invitation(secret.get_value(), password.get_untracked()),
            |_| {
                let _ = window().location().set_href("/settings/service-accounts");
            },
        );
    };
    view! {
        <Title text="Set your password"/>
        <section class="card narrow">
            <h1>"Set your password"</h1>
            <Suspense fallback=|| view! { <p>"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    let Some(user) = invited.await else {
                        return view! {
                            <p role="alert">"This link is not valid any more. Ask an administrator for a new one."</p>
                        }.into_any();
                    };
                    view! {
                        <p>{format!("Welcome, {}. Choose a password for {}.", user.name, user.email)}</p>
                        <form on:submit=submit>
                            <FormError error=error.into() fields=&["password"]/>
                            <label for="password">"Password"</label>
                            <input id="password" type="password" autocomplete="new-password" required prop:value=password
                                on:input=move |ev| password.set(event_target_value(&ev))/>
                            <p class="hint">"At least 12 characters."</p>
                            <FieldError error=error.into() field="password"/>
                            <button type="submit" disabled=move || pending.get()>"Set password"</button>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn FirstAdmin() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let valid = Resource::new(token, |t| async move {
        check_setup_link(t).await.unwrap_or(false)
    });
    let org_name = RwSignal::new(String::new());
    let org_slug = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The same rules as the server, before any request.
        let checked = DisplayName::parse("name", &name.get_untracked())
            .and_then(|_| EmailAddress::parse("email", &email.get_untracked()))
            .and_then(|_| check_password("password", &password.get_untracked()));
        if let Err(e) = checked {
            return error.set(Some(e));
        }
        let call = complete_setup(
            token(),
            org_name.get_untracked(),
            org_slug.get_untracked(),
            name.get_untracked(),
            email.get_untracked(),
            password.get_untracked(),
        );
        run_call(pending, error, call, |_| {
            let _ = window().location().set_href("/settings/service-accounts");
        });
    };
    let bind = |s: RwSignal<String>| move |ev| s.set(event_target_value(&ev));
    view! {
        <Title text="Set up Steward"/>
        <section class="card narrow">
            <h1>"Set up Steward"</h1>
            <Suspense fallback=|| view! { <p>"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    if !valid.await {
                        return view! {
                            <p role="alert">"This setup link is not valid any more. Ask whoever runs the server for a new one, or sign in."</p>
                            <p><a href="/login">"Go to sign in"</a></p>
                        }.into_any();
                    }
                    view! {
                        <p>"Create your organization and its first administrator."</p>
                        <form on:submit=submit>
                            <FormError error=error.into() fields=FIELDS/>
                            <label for="org_name">"Organization name"</label>
                            <input id="org_name" prop:value=org_name on:input=bind(org_name)/>
                            <label for="org_slug">"Organization slug"</label>
                            <input id="org_slug" required prop:value=org_slug on:input=bind(org_slug)/>
                            <FieldError error=error.into() field="org_slug"/>
                            <label for="name">"Your name"</label>
                            <input id="name" required prop:value=name on:input=bind(name)/>
                            <FieldError error=error.into() field="name"/>
                            <label for="email">"Email"</label>
                            <input id="email" type="email" autocomplete="username" required prop:value=email on:input=bind(email)/>
                            <FieldError error=error.into() field="email"/>
                            <label for="password">"Password"</label>
                            <input id="password" type="password" autocomplete="new-password" required prop:value=password on:input=bind(password)/>
                            <FieldError error=error.into() field="password"/>
                            <button type="submit" disabled=move || pending.get()>"Create administrator"</button>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}
