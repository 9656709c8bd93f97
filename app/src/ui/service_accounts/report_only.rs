//! The account page's "Report-only guards" section: for each token with restrictions being
//! tried (guards, a narrowing, an earlier expiry), what they would have refused and from
//! where, with Enforce and Discard.

use crate::api::tokens::{discard_report_only, enforce_report_only};
use crate::domain::{ApiError, ReportOnly, Scope, Token};
use crate::ui::widgets::form::FieldError;
use crate::ui::widgets::format::when;
use crate::ui::widgets::toast::toaster;
use leptos::prelude::*;

/// The section, shown only when a token has report-only guards. `on_changed` reloads the page.
#[component]
pub fn ReportOnlySection(
    tokens: Vec<Token>,
    writable: bool,
    on_changed: Callback<()>,
) -> impl IntoView {
    let tried: Vec<(Token, ReportOnly)> = tokens
        .into_iter()
        .filter_map(|t| t.report_only.clone().map(|r| (t, r)))
        .collect();
    (!tried.is_empty()).then(|| {
        view! {
            <section aria-labelledby="report-only-heading">
                <h2 id="report-only-heading">"Report-only guards"</h2>
                <p class="muted">"These restrictions refuse nothing yet: requests they would refuse still succeed and are counted here. Enforce them once nothing you need would be refused."</p>
                {tried.into_iter().map(|(t, r)| report_card(t, r, writable, on_changed)).collect_view()}
            </section>
        }
    })
}

fn report_card(t: Token, r: ReportOnly, writable: bool, on_changed: Callback<()>) -> impl IntoView {
    let toaster = toaster();
    let heading = format!("Report-only guards of {}", t.name);
    let top = (!r.top.is_empty()).then(|| {
        view! {
            <table>
                <caption>{format!("Would have refused most, {}", t.name)}</caption>
                <thead><tr>
                    <th scope="col">"Address"</th>
                    <th scope="col">"Reason"</th>
                    <th scope="col">"Request"</th>
                    <th scope="col">"Requests"</th>
                </tr></thead>
                <tbody>
                    {r.top.iter().map(|o| view! {
                        <tr>
                            <td><code>{o.address.clone()}</code></td>
                            <td>{reason_label(&o.reason)}</td>
                            <td><code>{o.operation.clone()}</code></td>
                            <td>{o.requests}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    });
    let actions = writable.then(|| {
        let (enforce_id, discard_id) = (t.id.clone(), t.id.clone());
        let (enforced, discarded) = (
            format!("Enforced the report-only guards of {}.", t.name),
            format!("Discarded the report-only guards of {}.", t.name),
        );
        let enforce = move |_| {
            let said = enforced.clone();
            toaster.run(enforce_report_only(enforce_id.clone()), move |_| {
                toaster.say(said);
                on_changed.run(());
            })
        };
        let discard = move |_| {
            let said = discarded.clone();
            toaster.run(discard_report_only(discard_id.clone()), move |_| {
                toaster.say(said);
                on_changed.run(());
            })
        };
        view! {
            <div class="actions">
                <button type="button" aria-label=format!("Enforce the report-only guards of {}", t.name) on:click=enforce>"Enforce"</button>
                <button type="button" class="secondary" aria-label=format!("Discard the report-only guards of {}", t.name) on:click=discard>"Discard"</button>
            </div>
        }
    });
    let label = heading.clone();
    view! {
        <article class="report-only" aria-label=label>
            <h3>{heading}</h3>
            <p>{format!("{} · added {}", proposal_line(&r), when(&r.since))}</p>
            <p><strong>{r.summary()}</strong></p>
            {top}
            {actions}
        </article>
    }
}

/// What is proposed, with its expiry as the page shows times.
pub fn proposal_line(r: &ReportOnly) -> String {
    let mut shown = r.clone();
    shown.expires_at = shown.expires_at.map(|at| when(&at));
    shown.proposal()
}

/// A refusal reason in words.
fn reason_label(reason: &str) -> &'static str {
    match reason {
        "network_not_allowed" => "Address not allowed",
        "rate_limited" => "Over the rate limit",
        "uses_exhausted" => "Uses spent",
        "narrowed" => "Outside the narrowing",
        "expired" => "After the earlier expiry",
        _ => "Refused",
    }
}

/// What the Guards dialog adds in report-only mode: the scopes the token would keep and an
/// earlier expiry.
#[derive(Clone, Copy)]
pub struct NarrowingInputs {
    read: RwSignal<bool>,
    write: RwSignal<bool>,
    days: RwSignal<String>,
    has: StoredValue<Vec<Scope>>,
}

impl NarrowingInputs {
    /// Fields for a token with `scopes`, keeping them all and its expiry.
    pub fn new(scopes: &[Scope]) -> NarrowingInputs {
        NarrowingInputs {
            read: RwSignal::new(scopes.contains(&Scope::Read)),
            write: RwSignal::new(scopes.contains(&Scope::Write)),
            days: RwSignal::new(String::new()),
            has: StoredValue::new(scopes.to_vec()),
        }
    }

    /// The scopes to propose (only when fewer than the token has) and the earlier expiry in
    /// days (when one is typed).
    pub fn read(&self) -> Result<(Option<Vec<String>>, Option<i64>), ApiError> {
        let has = self.has.get_value();
        let kept: Vec<Scope> = [(Scope::Read, self.read), (Scope::Write, self.write)]
            .into_iter()
            .filter(|(scope, on)| has.contains(scope) && on.get_untracked())
            .map(|(scope, _)| scope)
            .collect();
        if kept.is_empty() {
            return Err(ApiError::invalid("scopes", "Keep at least one scope."));
        }
        let scopes =
            (kept.len() < has.len()).then(|| kept.iter().map(|s| s.as_str().to_string()).collect());
        let text = self.days.get_untracked().trim().to_string();
        let days = if text.is_empty() {
            None
        } else {
            Some(text.parse().map_err(|_| {
                ApiError::invalid("expires_in_days", "Days must be a whole number.")
            })?)
        };
        Ok((scopes, days))
    }
}

/// The report-only fields of the Guards dialog.
#[component]
pub fn NarrowingFields(inputs: NarrowingInputs, error: Signal<Option<ApiError>>) -> impl IntoView {
    let has = inputs.has.get_value();
    let scope_box = move |scope: Scope, on: RwSignal<bool>| {
        has.contains(&scope).then(|| view! {
            <label class="check"><input type="checkbox" prop:checked=on
                on:change=move |ev| on.set(event_target_checked(&ev))/>{format!(" {}", scope.as_str())}</label>
        })
    };
    view! {
        <fieldset>
            <legend>"Scopes it would keep"</legend>
            {scope_box(Scope::Read, inputs.read)}
            {scope_box(Scope::Write, inputs.write)}
        </fieldset>
        <FieldError error=error field="scopes"/>
        <label for="report-only-days">"Earlier expiry (days from now)"</label>
        <input id="report-only-days" inputmode="numeric" prop:value=inputs.days
            on:input=move |ev| inputs.days.set(event_target_value(&ev))/>
        <p class="hint">"Empty: its expiry stays. Permissions and workspaces can be tried through the API (tokens/report-only/propose)."</p>
        <FieldError error=error field="expires_in_days"/>
    }
}
