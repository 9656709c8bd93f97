//! Settings › Organization (admins): the maximum token lifetime, and the webhook expiry notices
//! go to (with its signing secret, a Send test button and the delivery log).

use crate::api::settings::{get_settings, list_deliveries, test_webhook, update_settings};
use crate::domain::{OrganizationSettings, Patch, SettingsChanges};
use crate::ui::widgets::confirm::ConfirmDialog;
use crate::ui::widgets::form::{FieldError, FormCall, FormError};
use crate::ui::widgets::format::{when, when_or};
use crate::ui::widgets::page::load_error;
use crate::ui::widgets::posted::{posted_error, posted_form, posted_value, PostedForm};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const FIELDS: &[&str] = &["max_token_lifetime_days", "webhook_url", "webhook_secret"];

#[component]
pub fn OrganizationPage() -> impl IntoView {
    let posted = StoredValue::new(posted_form());
    let settings = Resource::new(|| (), |_| get_settings());
    let deliveries = Resource::new(|| (), |_| list_deliveries());
    view! {
        <Title text="Organization"/>
        <h1>"Organization"</h1>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Err(e) => load_error(&e),
                    Ok(r) => view! { <SettingsForm settings=r.settings posted=posted.get_value() on_saved=Callback::new(move |_| deliveries.refetch())/> }.into_any(),
                }
            })}
        </Suspense>
        <h2>"Expiry notices"</h2>
        <p class="muted">"Steward posts a signed notice to the webhook 7 days and 1 day before a token expires, and when it has expired."</p>
        <TestWebhook on_sent=Callback::new(move |_| deliveries.refetch())/>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let items = deliveries.await.map(|d| d.items).unwrap_or_default();
                if items.is_empty() {
                    return view! { <div class="empty">"No notices sent yet."</div> }.into_any();
                }
                view! {
                    <table>
                        <caption>"Delivery log"</caption>
                        <thead><tr>
                            <th scope="col">"Notice"</th><th scope="col">"Created"</th><th scope="col">"Status"</th>
                            <th scope="col">"Attempts"</th><th scope="col">"Last answer"</th><th scope="col">"Delivered"</th>
                        </tr></thead>
                        <tbody>
                            {items.into_iter().map(|d| view! {
                                <tr>
                                    <td>{d.kind.replace('_', " ")}</td>
                                    <td>{when(&d.created_at)}</td>
                                    <td>{d.status}</td>
                                    <td>{d.attempts}</td>
                                    <td>{d.last_error.or(d.last_status.map(|s| s.to_string())).unwrap_or_default()}</td>
                                    <td>{when_or(&d.delivered_at, "—")}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </Transition>
    }
}

#[component]
fn SettingsForm(
    settings: OrganizationSettings,
    /// The form as posted, when the server answers it with the page again.
    posted: Option<PostedForm>,
    on_saved: Callback<()>,
) -> impl IntoView {
    // Posted without the page's code: the values as typed, else the settings as they are. The
    // saved webhook URL is never sent back (its path and query often hold a secret): the field
    // starts empty, and an empty field keeps the webhook there is.
    let (max_days, webhook) = match &posted {
        Some(_) => (
            posted_value(&posted, "max_token_lifetime_days"),
            posted_value(&posted, "webhook_url"),
        ),
        None => (
            settings
                .max_token_lifetime_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            String::new(),
        ),
    };
    // The attributes carry the values for a page whose code does not run; the signals after.
    let (max_days_attr, webhook_attr) = (max_days.clone(), webhook.clone());
    let max_days = RwSignal::new(max_days);
    let webhook = RwSignal::new(webhook);
    let webhook_origin = RwSignal::new(settings.webhook_origin);
    let removing = RwSignal::new(false);
    let secret = RwSignal::new(String::new());
    let secret_set = RwSignal::new(settings.webhook_secret_set);
    let form = FormCall::showing(posted_error(&posted));
    let error = form.error();
    // The server's answer to a post that worked is a redirect to `?saved=1`.
    let saved = RwSignal::new(use_query_map().read_untracked().get("saved").is_some());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let Some(changes) = form.check(SettingsChanges::from_form(
            &max_days.get_untracked(),
            &webhook.get_untracked(),
            &secret.get_untracked(),
        )) else {
            return;
        };
        form.run(update_settings(changes), move |r| {
            saved.set(true);
            webhook.set(String::new());
            webhook_origin.set(r.settings.webhook_origin);
            secret.set(String::new());
            secret_set.set(r.settings.webhook_secret_set);
            on_saved.run(());
        });
    };
    let remove_webhook = move || async move {
        let changes = SettingsChanges {
            webhook_url: Patch::Clear,
            ..Default::default()
        };
        let r = update_settings(changes).await?;
        webhook_origin.set(r.settings.webhook_origin);
        Ok(())
    };
    view! {
        <form class="card" method="post" action="/settings/organization" on:submit=submit novalidate>
            <FormError error=error fields=FIELDS/>
            <label for="max-lifetime">"Maximum token lifetime (days)"</label>
            <input id="max-lifetime" name="max_token_lifetime_days" inputmode="numeric" value=max_days_attr prop:value=max_days on:input=move |ev| max_days.set(event_target_value(&ev))/>
            <p class="hint">"Empty means no limit: tokens may also never expire. With a limit, longer or non-expiring tokens are refused."</p>
            <FieldError error=error field="max_token_lifetime_days"/>
            <label for="webhook-url">"Webhook URL"</label>
            <input id="webhook-url" name="webhook_url" type="url" value=webhook_attr prop:value=webhook on:input=move |ev| webhook.set(event_target_value(&ev))/>
            <p class="hint">{move || match webhook_origin.get() {
                Some(origin) => format!(
                    "Notices go to {origin}/… (the rest of the URL is not shown again). Type a new URL to replace it."
                ),
                None => "Where expiry notices go: an https URL (or http to localhost, for testing).".to_string(),
            }}</p>
            <FieldError error=error field="webhook_url"/>
            <Show when=move || webhook_origin.get().is_some()>
                <div class="actions left">
                    <button type="button" class="secondary" on:click=move |_| removing.set(true)>"Remove webhook"</button>
                </div>
            </Show>
            <Show when=move || removing.get()>
                <ConfirmDialog
                    title="Remove the webhook?".to_string()
                    message="Expiry notices stop until a webhook is set again. Its full URL is not shown anywhere, so keep a copy if you will need it.".to_string()
                    confirm_label="Remove webhook".to_string()
                    confirm=remove_webhook
                    on_close=Callback::new(move |_| removing.set(false))
                />
            </Show>
            <label for="webhook-secret">"Signing secret"</label>
            <input id="webhook-secret" name="webhook_secret" type="password" autocomplete="new-password" prop:value=secret on:input=move |ev| secret.set(event_target_value(&ev))/>
            <p class="hint">{move || if secret_set.get() {
                "A secret is set; notices carry X-Steward-Signature. Type a new one to replace it."
            } else {
                "None yet: notices are unsigned. 16 characters or more; the receiver checks X-Steward-Signature with it."
            }}</p>
            <FieldError error=error field="webhook_secret"/>
            <div class="actions left">
                <button type="submit" disabled=move || form.pending()>{move || if form.pending() { "Saving…" } else { "Save settings" }}</button>
            </div>
            <p class="muted" aria-live="polite">{move || saved.get().then_some("Settings saved.")}</p>
        </form>
    }
}

/// Send test: posts a test notice now and says how it went.
#[component]
fn TestWebhook(on_sent: Callback<()>) -> impl IntoView {
    let sending = FormCall::new();
    let result = RwSignal::new(None::<String>);
    let send = move |_| {
        result.set(None);
        sending.run(test_webhook(), move |d| {
            result.set(Some(if d.status == "delivered" {
                format!(
                    "Delivered: the receiver answered {}.",
                    d.last_status.unwrap_or_default()
                )
            } else {
                format!("Not delivered: {}.", d.last_error.unwrap_or_default())
            }));
            on_sent.run(());
        });
    };
    view! {
        <div class="actions left">
            <button type="button" class="secondary" disabled=move || sending.pending() on:click=send>
                {move || if sending.pending() { "Sending…" } else { "Send test" }}
            </button>
        </div>
        <FormError error=sending.error() fields=&[]/>
        <p class="muted" role="status">{move || result.get()}</p>
    }
}
