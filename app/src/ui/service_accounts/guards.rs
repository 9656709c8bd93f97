//! Guards in the UI: the three fields (allowed networks, rate limit, max uses) shared by the
//! Add token form and the two guard dialogs (a token's, which may propose them report-only;
//! an account's defaults for new tokens);
//! and the leak report on a token, with Restore.

use crate::api::service_accounts::update_service_account_guards;
use crate::api::tokens::{propose_report_only, restore_token, update_token_guards};
use crate::domain::{ApiError, Guards, ServiceAccount, Token};
use crate::ui::service_accounts::report_only::{NarrowingFields, NarrowingInputs};
use crate::ui::widgets::confirm::ConfirmDialog;
use crate::ui::widgets::form::{FieldError, FormCall, FormDialog};
use crate::ui::widgets::format::when;
use crate::ui::widgets::toast::{toaster, Toaster};
use leptos::prelude::*;

/// The fields errors are shown next to; others go to the top of the form.
pub const GUARD_FIELDS: &[&str] = &[
    "guards.allowed_networks",
    "guards.rate_limit_per_minute",
    "guards.max_uses",
];

/// The Guards dialog of a token adds the fields its report-only mode proposes.
const TOKEN_FIELDS: &[&str] = &[
    "guards.allowed_networks",
    "guards.rate_limit_per_minute",
    "guards.max_uses",
    "scopes",
    "expires_in_days",
];

/// What the three fields hold, as typed.
#[derive(Clone, Copy)]
pub struct GuardInputs {
    networks: RwSignal<String>,
    rate: RwSignal<String>,
    uses: RwSignal<String>,
}

impl GuardInputs {
    /// Fields showing `guards` (one network a line).
    pub fn new(guards: &Guards) -> GuardInputs {
        let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        GuardInputs {
            networks: RwSignal::new(
                guards
                    .allowed_networks
                    .clone()
                    .unwrap_or_default()
                    .join("\n"),
            ),
            rate: RwSignal::new(number(guards.rate_limit_per_minute)),
            uses: RwSignal::new(number(guards.max_uses)),
        }
    }

    /// The guards the fields describe, checked by the same rules as the server's; an empty
    /// field is no guard of that kind.
    pub fn read(&self) -> Result<Guards, ApiError> {
        let networks: Vec<String> = self
            .networks
            .get_untracked()
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let number = |field: &str, text: String, what: &str| -> Result<Option<i64>, ApiError> {
            let text = text.trim().replace([',', '_'], "");
            if text.is_empty() {
                return Ok(None);
            }
            text.parse()
                .map(Some)
                .map_err(|_| ApiError::invalid(field, format!("{what} must be a whole number.")))
        };
        Guards {
            allowed_networks: (!networks.is_empty()).then_some(networks),
            rate_limit_per_minute: number(
                "guards.rate_limit_per_minute",
                self.rate.get_untracked(),
                "Rate limit",
            )?,
            max_uses: number("guards.max_uses", self.uses.get_untracked(), "Max uses")?,
        }
        .parse()
    }
}

/// The three guard fields with their labels and errors. `id` keeps the inputs' ids unique on
/// a page.
#[component]
pub fn GuardFields(
    inputs: GuardInputs,
    error: Signal<Option<ApiError>>,
    id: &'static str,
) -> impl IntoView {
    let (networks_id, rate_id, uses_id) = (
        format!("{id}-networks"),
        format!("{id}-rate"),
        format!("{id}-uses"),
    );
    view! {
        <label for=networks_id.clone()>"Allowed networks"</label>
        <textarea id=networks_id rows="3" placeholder="10.0.0.0/8\n2001:db8::/32" prop:value=inputs.networks
            on:input=move |ev| inputs.networks.set(event_target_value(&ev))/>
        <p class="hint">"CIDR ranges or addresses, one a line. Empty: usable from any address."</p>
        <FieldError error=error field="guards.allowed_networks"/>
        <label for=rate_id.clone()>"Rate limit (requests a minute)"</label>
        <input id=rate_id inputmode="numeric" prop:value=inputs.rate
            on:input=move |ev| inputs.rate.set(event_target_value(&ev))/>
        <FieldError error=error field="guards.rate_limit_per_minute"/>
        <label for=uses_id.clone()>"Max uses"</label>
        <input id=uses_id inputmode="numeric" prop:value=inputs.uses
            on:input=move |ev| inputs.uses.set(event_target_value(&ev))/>
        <p class="hint">"Empty: no limit. Refused requests say which guard refused them."</p>
        <FieldError error=error field="guards.max_uses"/>
    }
}

/// One line for a token's row: its guards and, with max uses, how many are spent.
pub fn token_guards_line(t: &Token) -> Option<String> {
    if t.guards.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(nets) = &t.guards.allowed_networks {
        parts.push(format!("from {}", nets.join(", ")));
    }
    if let Some(rate) = t.guards.rate_limit_per_minute {
        parts.push(format!("{rate}/min"));
    }
    if let Some(max) = t.guards.max_uses {
        parts.push(format!("{} of {max} uses", t.uses));
    }
    Some(parts.join(" · "))
}

/// Whose guards a dialog edits.
#[derive(Clone)]
enum GuardsOf {
    /// Boxed: a token is far larger than the account's id, and the dialog keeps this around.
    Token(Box<Token>),
    /// An account's defaults for its new tokens.
    Account(String),
}

/// The guards dialog: the three fields, saved for a token or as an account's defaults.
#[component]
fn GuardsDialog(
    title: String,
    intro: String,
    of: GuardsOf,
    initial: Guards,
    save_label: &'static str,
    on_close: Callback<bool>,
) -> impl IntoView {
    let inputs = GuardInputs::new(&initial);
    let form = FormCall::new();
    let report_only = RwSignal::new(false);
    let narrowing = match &of {
        GuardsOf::Token(t) => Some(NarrowingInputs::new(&t.scopes)),
        GuardsOf::Account(_) => None,
    };
    let fields = if narrowing.is_some() {
        TOKEN_FIELDS
    } else {
        GUARD_FIELDS
    };
    let of = StoredValue::new(of);
    let initial = StoredValue::new(initial);
    let toaster = toaster();
    let submit = Callback::new(move |_| {
        let Some(guards) = form.check(inputs.read()) else {
            return;
        };
        match (of.get_value(), narrowing) {
            (GuardsOf::Token(t), Some(narrowing)) if report_only.get_untracked() => {
                let Some((scopes, days)) = form.check(narrowing.read()) else {
                    return;
                };
                // Only what differs from the token is proposed.
                let guards = (guards != initial.get_value()).then_some(guards);
                let proposed = propose_report_only(t.id, guards, scopes, None, None, days);
                let said = format!(
                    "Trying the changes to {} report-only: nothing is refused yet.",
                    t.name
                );
                form.run(proposed, saying(toaster, said, on_close))
            }
            (GuardsOf::Token(t), _) => {
                let said = format!("Saved the guards of {}.", t.name);
                form.run(
                    update_token_guards(t.id, guards),
                    saying(toaster, said, on_close),
                )
            }
            (GuardsOf::Account(id), _) => {
                let said = "Saved the default guards for new tokens.".to_string();
                form.run(
                    update_service_account_guards(id, guards),
                    saying(toaster, said, on_close),
                )
            }
        }
    });
    view! {
        <FormDialog title=title form=form fields=fields submit=save_label busy="Saving…"
            on_submit=submit on_close=Callback::new(move |_| on_close.run(false))>
            <p>{intro}</p>
            <GuardFields inputs=inputs error=form.error() id="guards"/>
            {narrowing.map(|narrowing| view! {
                <label class="check">
                    <input type="checkbox" prop:checked=report_only
                        on:change=move |ev| report_only.set(event_target_checked(&ev))/>
                    "Report only: count what these changes would refuse, and refuse nothing yet"
                </label>
                <p class="hint">"The account's page then shows what they would have refused, from where, with Enforce and Discard."</p>
                <Show when=move || report_only.get()>
                    <NarrowingFields inputs=narrowing error=form.error()/>
                </Show>
            })}
        </FormDialog>
    }
}

/// What a dialog does once its call succeeded: says `message`, then closes as changed.
fn saying<T>(toaster: Toaster, message: String, on_close: Callback<bool>) -> impl FnOnce(T) {
    move |_| {
        toaster.say(message);
        on_close.run(true)
    }
}

/// Edits a token's guards.
#[component]
pub fn TokenGuardsDialog(token: Token, on_close: Callback<bool>) -> impl IntoView {
    view! {
        <GuardsDialog title=format!("Guards of {}", token.name)
            intro="Every replica applies new guards from the next request.".to_string()
            initial=token.guards.clone() of=GuardsOf::Token(Box::new(token)) save_label="Save guards" on_close=on_close/>
    }
}

/// Edits the guards an account's new tokens get by default.
#[component]
pub fn DefaultGuardsDialog(account: ServiceAccount, on_close: Callback<bool>) -> impl IntoView {
    view! {
        <GuardsDialog title="Default guards for new tokens".to_string()
            intro=format!("New tokens of {} start with these guards; its existing tokens keep their own.", account.name)
            of=GuardsOf::Account(account.id) initial=account.default_guards
            save_label="Save default guards" on_close=on_close/>
    }
}

/// "Reported leaked at … from …" for a token suspended by a leak report.
pub fn leak_line(t: &Token) -> Option<String> {
    let leak = t.leak.as_ref()?;
    let from = match (&leak.url, &leak.source) {
        (Some(url), _) => format!(" from {url}"),
        (None, Some(source)) => format!(" ({source})"),
        (None, None) => String::new(),
    };
    Some(format!("Reported leaked {}{from}", when(&leak.reported_at)))
}

/// Asks before restoring a token reported leaked: whoever found it may still hold it.
#[component]
pub fn RestoreTokenDialog(token: Token, on_close: Callback<bool>) -> impl IntoView {
    let id = token.id.clone();
    let line = leak_line(&token).unwrap_or_default();
    view! {
        <ConfirmDialog
            title="Restore token".to_string()
            message=format!("{line}. Restore {} only if the report was wrong: whoever found it may still hold it. Otherwise revoke it and make a new one.", token.name)
            confirm_label="Restore token".to_string()
            confirm=move || { let id = id.clone(); async move { restore_token(id).await.map(|_| ()) } }
            on_close=on_close/>
    }
}
