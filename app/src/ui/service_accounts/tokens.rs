//! The token dialogs: add, refresh, show a secret once, revoke one, revoke all.

use crate::api::tokens::{create_token, refresh_token, revoke_all_tokens, revoke_token};
use crate::domain::IssuedToken;
use crate::domain::{
    parse_description, ApiError, Guards, ResourceName, Token, EXPIRY_PRESETS, MAX_EXPIRY_DAYS,
};
use crate::ui::service_accounts::guards::{GuardFields, GuardInputs};
use crate::ui::widgets::confirm::ConfirmDialog;
use crate::ui::widgets::copy::download_text;
use crate::ui::widgets::copy::CopyButton;
use crate::ui::widgets::form::{FieldError, FormCall, FormDialog};
use crate::ui::widgets::modal::Modal;
use leptos::prelude::*;

const TOKEN_FIELDS: &[&str] = &[
    "name",
    "description",
    "scopes",
    "expires_in_days",
    "grace_seconds",
    "guards.allowed_networks",
    "guards.rate_limit_per_minute",
    "guards.max_uses",
];

/// Turns the Expiration field into the API's `(expires_in_days, never_expires)`.
fn expiry_choice(choice: &str, date: &str) -> Result<(Option<i64>, Option<bool>), ApiError> {
    match choice {
        "never" => Ok((None, Some(true))),
        "date" => {
            let target = js_sys::Date::parse(&format!("{date}T23:59:59Z"));
            if date.is_empty() || target.is_nan() {
                return Err(ApiError::invalid(
                    "expires_in_days",
                    "Choose the date the token should expire.",
                ));
            }
            // Whole days from now that still end on the chosen date (at this time of day).
            let days = ((target - js_sys::Date::now()) / 86_400_000.0).floor() as i64;
            if days < 1 {
                return Err(ApiError::invalid(
                    "expires_in_days",
                    "Choose a date in the future.",
                ));
            }
            Ok((Some(days), None))
        }
        days => Ok((days.parse().ok(), None)),
    }
}

/// The Expiration select (and a date input when "A date" is chosen). Offers only what the
/// organization's maximum lifetime allows.
#[component]
fn ExpirationField(
    choice: RwSignal<String>,
    date: RwSignal<String>,
    max_days: Option<i64>,
) -> impl IntoView {
    let allowed = move |d: i64| max_days.is_none_or(|m| d <= m);
    view! {
        <label for="token-expiration">"Expiration"</label>
        <select id="token-expiration" on:change=move |ev| choice.set(event_target_value(&ev))>
            {EXPIRY_PRESETS.into_iter().filter(|d| allowed(*d)).map(|d| view! {
                <option value=d.to_string() selected=move || choice.get() == d.to_string()>{format!("{d} days")}</option>
            }).collect_view()}
            {max_days.filter(|m| !EXPIRY_PRESETS.contains(m)).map(|m| view! {
                <option value=m.to_string() selected=move || choice.get() == m.to_string()>{format!("{m} days (maximum)")}</option>
            })}
            <option value="date" selected=move || choice.get() == "date">"A date"</option>
            {max_days.is_none().then(|| view! { <option value="never" selected=move || choice.get() == "never">"Never"</option> })}
        </select>
        {max_days.map(|m| view! { <p class="hint">{format!("Your organization allows tokens of at most {m} days.")}</p> })}
        <Show when=move || choice.get() == "date">
            <label for="token-expiry-date">"Expires on"</label>
            <input id="token-expiry-date" type="date" prop:value=date on:input=move |ev| date.set(event_target_value(&ev))/>
        </Show>
    }
}

/// The default choice: 30 days, or the maximum when that is shorter.
fn default_choice(max_days: Option<i64>) -> String {
    match max_days {
        Some(m) if m < 30 => EXPIRY_PRESETS
            .iter()
            .rev()
            .find(|d| **d <= m)
            .map(|d| d.to_string())
            .unwrap_or_else(|| m.to_string()),
        _ => "30".to_string(),
    }
}

/// Name, Description, Expiration, Scopes, Guards → a new token. Right after an account is
/// created it asks for the account's first token, and its Cancel becomes Skip. The guards
/// start as the account's defaults.
#[component]
pub fn AddTokenDialog(
    account_id: String,
    max_days: Option<i64>,
    #[prop(optional)] default_guards: Guards,
    #[prop(optional)] first: bool,
    on_close: Callback<()>,
    on_created: Callback<IssuedToken>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let choice = RwSignal::new(default_choice(max_days));
    let date = RwSignal::new(String::new());
    let read = RwSignal::new(true);
    let write = RwSignal::new(true);
    let form = FormCall::new();
    let error = form.error();
    let account_id = StoredValue::new(account_id);
    let guards = GuardInputs::new(&default_guards);
    let guarded = !default_guards.is_empty();
    let submit = Callback::new(move |_| {
        let checked = (|| {
            ResourceName::parse("name", &name.get_untracked())?;
            parse_description("description", Some(&description.get_untracked()))?;
            let scopes: Vec<String> = [(read, "read"), (write, "write")]
                .into_iter()
                .filter(|(on, _)| on.get_untracked())
                .map(|(_, s)| s.to_string())
                .collect();
            if scopes.is_empty() {
                return Err(ApiError::invalid("scopes", "Choose at least one scope."));
            }
            let (days, never) = expiry_choice(&choice.get_untracked(), &date.get_untracked())?;
            if days.is_some_and(|d| d > max_days.unwrap_or(MAX_EXPIRY_DAYS)) {
                return Err(ApiError::invalid(
                    "expires_in_days",
                    "That date is beyond the longest lifetime allowed.",
                ));
            }
            Ok((scopes, days, never, guards.read()?))
        })();
        let Some((scopes, days, never, guards)) = form.check(checked) else {
            return;
        };
        let call = create_token(
            account_id.get_value(),
            name.get_untracked(),
            Some(description.get_untracked()),
            Some(scopes),
            days,
            never,
            None,
            None,
            Some(guards),
        );
        form.run(call, move |r| on_created.run(r));
    });
    view! {
        <FormDialog title=if first { "Add the account's first API token" } else { "Add API token" }.to_string()
            form=form fields=TOKEN_FIELDS submit="Create token" busy="Creating…" on_submit=submit
            on_close=on_close cancel=if first { "Skip" } else { "Cancel" }>
                {first.then(|| view! { <p class="muted">"Automation signs in with an API token. You can also add one later."</p> })}
                <label for="token-name">"Name"</label>
                <input id="token-name" autofocus prop:value=name
                    on:input=move |ev| {
                        name.set(event_target_value(&ev));
                        form.show(ResourceName::parse("name", &name.get_untracked()).err());
                    }/>
                <FieldError error=error field="name"/>
                <label for="token-description">"Description"</label>
                <textarea id="token-description" prop:value=description
                    on:input=move |ev| {
                        description.set(event_target_value(&ev));
                        form.show(parse_description("description", Some(&description.get_untracked())).err());
                    }/>
                <FieldError error=error field="description"/>
                <ExpirationField choice=choice date=date max_days=max_days/>
                <FieldError error=error field="expires_in_days"/>
                <fieldset>
                    <legend>"Scopes"</legend>
                    <label class="check"><input type="checkbox" prop:checked=read on:change=move |ev| read.set(event_target_checked(&ev))/>" read"</label>
                    <label class="check"><input type="checkbox" prop:checked=write on:change=move |ev| write.set(event_target_checked(&ev))/>" write"</label>
                </fieldset>
                <FieldError error=error field="scopes"/>
                <details open=guarded>
                    <summary>"Guards (optional)"</summary>
                    <GuardFields inputs=guards error=error id="token-guards"/>
                </details>
        </FormDialog>
    }
}

/// A new secret for an existing token, with an optional grace period for the old one.
#[component]
pub fn RefreshTokenDialog(
    token: Token,
    max_days: Option<i64>,
    on_close: Callback<()>,
    on_refreshed: Callback<IssuedToken>,
) -> impl IntoView {
    let choice = RwSignal::new(default_choice(max_days));
    let date = RwSignal::new(String::new());
    let grace = RwSignal::new("0".to_string());
    let form = FormCall::new();
    let error = form.error();
    let id = StoredValue::new(token.id.clone());
    let submit = Callback::new(move |_| {
        let Some((days, never)) = form.check(expiry_choice(
            &choice.get_untracked(),
            &date.get_untracked(),
        )) else {
            return;
        };
        let grace_seconds = grace.get_untracked().parse::<i64>().ok();
        form.run(
            refresh_token(id.get_value(), days, never, grace_seconds),
            move |r| on_refreshed.run(r),
        );
    });
    view! {
        <FormDialog title="Refresh token".to_string() form=form fields=TOKEN_FIELDS
            submit="Refresh token" busy="Refreshing…" on_submit=submit on_close=on_close>
                <p>{format!("Issue a new secret for {}. Its name, description, scopes and history stay the same.", token.name)}</p>
                <ExpirationField choice=choice date=date max_days=max_days/>
                <FieldError error=error field="expires_in_days"/>
                <label for="token-grace">"Old secret keeps working for"</label>
                <select id="token-grace" on:change=move |ev| grace.set(event_target_value(&ev))>
                    <option value="0" selected=true>"No grace period (stops now)"</option>
                    <option value="3600">"1 hour"</option>
                    <option value="86400">"1 day"</option>
                    <option value="604800">"7 days"</option>
                </select>
                <p class="hint">"A grace period lets you roll the new secret out before the old one stops."</p>
                <FieldError error=error field="grace_seconds"/>
        </FormDialog>
    }
}

/// Shows a new secret once, with Copy token and Download session.json. Closing it drops the
/// secret from memory: there is no way back to it.
#[component]
pub fn TokenSecretDialog(issued: IssuedToken, on_close: Callback<()>) -> impl IntoView {
    let json =
        StoredValue::new(serde_json::to_string_pretty(&issued.session_json).unwrap_or_default());
    let download = move |_| download_text("session.json", "application/json", &json.get_value());
    view! {
        <Modal title="Copy your new token".to_string() on_close=on_close>
            <p class="warning" role="note">
                <strong>"This token will not be shown again."</strong>
                " Copy it or download session.json now and store it somewhere safe."
            </p>
            <label for="new-token">{format!("Token {}", issued.token.name)}</label>
            <input id="new-token" class="secret" readonly prop:value=issued.secret.clone()/>
            <div class="actions left">
                <CopyButton text=issued.secret.clone() label="Copy token" announcement="Token copied to the clipboard."/>
                <button type="button" class="secondary" on:click=download>"Download session.json"</button>
            </div>
            <div class="actions">
                <button type="button" on:click=move |_| on_close.run(())>"Done"</button>
            </div>
        </Modal>
    }
}

/// Asks before revoking one token: revocation is permanent, so the token's name is typed.
#[component]
pub fn RevokeTokenDialog(token: Token, on_close: Callback<bool>) -> impl IntoView {
    let id = token.id.clone();
    view! {
        <ConfirmDialog
            title="Revoke token".to_string()
            message=format!("Revoke the token {}? Anything using it stops working at once. This cannot be undone.", token.name)
            confirm_label="Revoke token".to_string()
            type_to_confirm=token.name.clone()
            confirm=move || { let id = id.clone(); async move { revoke_token(id).await.map(|_| ()) } }
            on_close=on_close/>
    }
}

/// Asks before revoking every token of an account, saying how many.
#[component]
pub fn RevokeAllTokensDialog(
    account_id: String,
    account_name: String,
    count: usize,
    on_close: Callback<bool>,
) -> impl IntoView {
    let noun = if count == 1 { "token" } else { "tokens" };
    view! {
        <ConfirmDialog
            title="Delete all tokens".to_string()
            message=format!("Revoke all {count} {noun} of {account_name}? Everything using them stops working at once. This cannot be undone.")
            confirm_label=format!("Delete {count} {noun}")
            confirm=move || { let id = account_id.clone(); async move { revoke_all_tokens(id).await.map(|_| ()) } }
            on_close=on_close/>
    }
}
