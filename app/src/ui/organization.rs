//! Settings › Organization (admins): the maximum token lifetime.

use super::components::{run_call, FieldError, FormError};
use crate::api::settings::{get_settings, update_settings};
use crate::domain::{ApiError, Patch, SettingsChanges, MAX_EXPIRY_DAYS};
use leptos::prelude::*;
use leptos_meta::Title;

const FIELDS: &[&str] = &["max_token_lifetime_days", "webhook_url"];

#[component]
pub fn OrganizationPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| get_settings());
    view! {
        <Title text="Organization"/>
        <h1>"Organization"</h1>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message().to_string()}</p> }.into_any(),
                    Ok(r) => view! { <SettingsForm max=r.settings.max_token_lifetime_days webhook=r.settings.webhook_url.unwrap_or_default()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SettingsForm(max: Option<i64>, webhook: String) -> impl IntoView {
    let max_days = RwSignal::new(max.map(|d| d.to_string()).unwrap_or_default());
    let webhook = RwSignal::new(webhook);
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let text = max_days.get_untracked();
        let days = match text.trim() {
            "" => None,
            t => match t.parse::<i64>() {
                Ok(d) if (1..=MAX_EXPIRY_DAYS).contains(&d) => Some(d),
                _ => {
                    return error.set(Some(ApiError::invalid(
                        "max_token_lifetime_days",
                        format!("Enter a number of days from 1 to {MAX_EXPIRY_DAYS}, or leave it empty for no limit."),
                    )))
                }
            },
        };
        let hook = Some(webhook.get_untracked()).filter(|w| !w.trim().is_empty());
        let changes = SettingsChanges {
            max_token_lifetime_days: Patch::from_option(days),
            webhook_url: Patch::from_option(hook),
        };
        run_call(pending, error, update_settings(changes), move |_| {
            saved.set(true)
        });
    };
    view! {
        <form class="card" on:submit=submit novalidate>
            <FormError error=error.into() fields=FIELDS/>
            <label for="max-lifetime">"Maximum token lifetime (days)"</label>
            <input id="max-lifetime" inputmode="numeric" prop:value=max_days on:input=move |ev| max_days.set(event_target_value(&ev))/>
            <p class="hint">"Empty means no limit: tokens may also never expire. With a limit, longer or non-expiring tokens are refused."</p>
            <FieldError error=error.into() field="max_token_lifetime_days"/>
            <label for="webhook-url">"Webhook URL"</label>
            <input id="webhook-url" type="url" prop:value=webhook on:input=move |ev| webhook.set(event_target_value(&ev))/>
            <FieldError error=error.into() field="webhook_url"/>
            <div class="actions left">
                <button type="submit" disabled=move || pending.get()>{move || if pending.get() { "Saving…" } else { "Save settings" }}</button>
            </div>
            <p class="muted" aria-live="polite">{move || saved.get().then_some("Settings saved.")}</p>
        </form>
    }
}
