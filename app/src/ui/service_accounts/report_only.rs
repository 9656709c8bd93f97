//! The account page's "Report-only guards" section: for each token with guards being tried,
//! what they would have refused and from where, with Enforce and Discard.

use crate::api::tokens::{discard_report_only, enforce_report_only};
use crate::domain::{ReportOnlyGuards, Token};
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
    let tried: Vec<(Token, ReportOnlyGuards)> = tokens
        .into_iter()
        .filter_map(|t| t.report_only.clone().map(|r| (t, r)))
        .collect();
    (!tried.is_empty()).then(|| {
        view! {
            <section aria-labelledby="report-only-heading">
                <h2 id="report-only-heading">"Report-only guards"</h2>
                <p class="muted">"These guards refuse nothing yet: requests they would refuse still succeed and are counted here. Enforce them once nothing you need would be refused."</p>
                {tried.into_iter().map(|(t, r)| report_card(t, r, writable, on_changed)).collect_view()}
            </section>
        }
    })
}

fn report_card(
    t: Token,
    r: ReportOnlyGuards,
    writable: bool,
    on_changed: Callback<()>,
) -> impl IntoView {
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
            format!("Enforced the guards of {}.", t.name),
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
            <p>{format!("{} · added {}", r.guards.summary(), when(&r.since))}</p>
            <p><strong>{r.summary()}</strong></p>
            {top}
            {actions}
        </article>
    }
}

/// A refusal reason in words.
fn reason_label(reason: &str) -> &'static str {
    match reason {
        "network_not_allowed" => "Address not allowed",
        "rate_limited" => "Over the rate limit",
        "uses_exhausted" => "Uses spent",
        _ => "Refused",
    }
}
