//! The one-time setup page that creates the first administrator and the organization, and the
//! page an invited person sets their password on.
//!
//! Both forms post to `/setup`, with the link's secret in a hidden field rather than in the
//! URL, so they work before (or without) the page's code: the server answers with the session
//! cookie and a redirect, or with this page again and the error (`crate::ui::widgets::posted`). With the
//! code running they call `setup/complete` and `setup/accept-invite` instead. The inputs are
//! read when the form is sent, not bound to signals, so what was typed before the code arrived
//! stays.

use crate::api::setup::{accept_invitation, check_invitation, check_setup_link, complete_setup};
use crate::domain::{check_password, DisplayName, EmailAddress};
use crate::ui::widgets::form::{FieldError, FormCall, FormError};
use crate::ui::widgets::posted::{posted_error, posted_form, posted_value, PostedForm};
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const FIELDS: &[&str] = &["org_slug", "name", "email", "password"];
const HOME: &str = "/settings/service-accounts";

fn value_of(input: NodeRef<html::Input>) -> String {
    input.get_untracked().map(|i| i.value()).unwrap_or_default()
}

/// `/setup?token=…` creates the first administrator; `/setup?invite=…` lets an invited person
/// set their password. A form posted back to `/setup` carries the secret in its body instead.
#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    let posted = posted_form();
    let from_query = |name: &str| query.read_untracked().get(name);
    let from_post = |name: &str| {
        posted
            .as_ref()
            .and_then(|p| p.value(name))
            .map(str::to_string)
    };
    match from_query("invite").or_else(|| from_post("invite")) {
        Some(invite) => view! { <AcceptInvite secret=invite posted=posted.clone()/> }.into_any(),
        None => {
            let token = from_query("token")
                .or_else(|| from_post("token"))
                .unwrap_or_default();
            view! { <FirstAdmin token=token posted=posted.clone()/> }.into_any()
        }
    }
}

#[component]
fn AcceptInvite(secret: String, posted: Option<PostedForm>) -> impl IntoView {
    let secret = StoredValue::new(secret);
    let invited = Resource::new(
        move || secret.get_value(),
        |s| async move { check_invitation(s).await.ok().flatten() },
    );
    let password = NodeRef::<html::Input>::new();
    let form = FormCall::showing(posted_error(&posted));
    let error = form.error();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let password = value_of(password);
        if form.check(check_password("password", &password)).is_none() {
            return;
        }
        form.run(accept_invitation(secret.get_value(), password), |_| {
            let _ = window().location().set_href(HOME);
        });
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
                        <form method="post" action="/setup" on:submit=submit>
                            <input type="hidden" name="invite" value=secret.get_value()/>
                            <FormError error=error fields=&["password"]/>
                            <label for="password">"Password"</label>
                            <input id="password" name="password" type="password" autocomplete="new-password" required node_ref=password/>
                            <p class="hint">"At least 12 characters."</p>
                            <FieldError error=error field="password"/>
                            <button type="submit" disabled=move || form.pending()>{move || if form.pending() { "Setting password…" } else { "Set password" }}</button>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn FirstAdmin(token: String, posted: Option<PostedForm>) -> impl IntoView {
    let token = StoredValue::new(token);
    let valid = Resource::new(
        move || token.get_value(),
        |t| async move { check_setup_link(t).await.unwrap_or(false) },
    );
    let typed = StoredValue::new(posted.clone());
    let typed = move |name: &str| posted_value(&typed.get_value(), name);
    let org_name = NodeRef::<html::Input>::new();
    let org_slug = NodeRef::<html::Input>::new();
    let name = NodeRef::<html::Input>::new();
    let email = NodeRef::<html::Input>::new();
    let password = NodeRef::<html::Input>::new();
    let form = FormCall::showing(posted_error(&posted));
    let error = form.error();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (person, address, secret) = (value_of(name), value_of(email), value_of(password));
        // The same rules as the server, before any request.
        let checked = DisplayName::parse("name", &person)
            .and_then(|_| EmailAddress::parse("email", &address))
            .and_then(|_| check_password("password", &secret));
        if form.check(checked).is_none() {
            return;
        }
        let call = complete_setup(
            token.get_value(),
            value_of(org_name),
            value_of(org_slug),
            person,
            address,
            secret,
        );
        form.run(call, |_| {
            let _ = window().location().set_href(HOME);
        });
    };
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
                        <form method="post" action="/setup" on:submit=submit>
                            <input type="hidden" name="token" value=token.get_value()/>
                            <FormError error=error fields=FIELDS/>
                            <label for="org_name">"Organization name"</label>
                            <input id="org_name" name="org_name" value=typed("org_name") node_ref=org_name/>
                            <label for="org_slug">"Organization slug"</label>
                            <input id="org_slug" name="org_slug" required value=typed("org_slug") node_ref=org_slug/>
                            <FieldError error=error field="org_slug"/>
                            <label for="name">"Your name"</label>
                            <input id="name" name="name" required value=typed("name") node_ref=name/>
                            <FieldError error=error field="name"/>
                            <label for="email">"Email"</label>
                            <input id="email" name="email" type="email" autocomplete="username" required value=typed("email") node_ref=email/>
                            <FieldError error=error field="email"/>
                            <label for="password">"Password"</label>
                            <input id="password" name="password" type="password" autocomplete="new-password" required node_ref=password/>
                            <FieldError error=error field="password"/>
                            <button type="submit" disabled=move || form.pending()>{move || if form.pending() { "Creating…" } else { "Create administrator" }}</button>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}
