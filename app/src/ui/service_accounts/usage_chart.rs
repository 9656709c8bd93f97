//! An account's requests over the last 30 days: a bar per day, the total, and the busiest
//! tokens. Drawn as SVG on the page itself (nothing fetched, no chart library in the bundle).

use crate::api::service_accounts::service_account_usage;
use crate::domain::Usage;
use crate::ui::widgets::page::load_error;
use leptos::prelude::*;

const DAYS: i64 = 30;
const WIDTH: f64 = 300.0;
const HEIGHT: f64 = 60.0;

/// The Usage section of an account's page.
#[component]
pub fn UsageChart(account_id: String) -> impl IntoView {
    let usage = Resource::new(
        move || account_id.clone(),
        |id| service_account_usage(id, Some(DAYS)),
    );
    view! {
        <h2>"Usage"</h2>
        <Transition fallback=|| view! { <p aria-busy="true">"Counting requests…"</p> }>
            {move || Suspend::new(async move {
                match usage.await {
                    Ok(u) => chart(u).into_any(),
                    Err(e) => load_error(&e),
                }
            })}
        </Transition>
    }
}

fn chart(u: Usage) -> impl IntoView {
    let max = u.days.iter().map(|d| d.requests).max().unwrap_or(0).max(1) as f64;
    let slot = WIDTH / u.days.len().max(1) as f64;
    let summary = format!("{} requests in the last {DAYS} days", u.total);
    let bars = u.days.into_iter().enumerate().map(|(i, d)| {
        let h = (d.requests as f64 / max * HEIGHT).max(if d.requests > 0 { 1.0 } else { 0.0 });
        let label = format!("{}: {} requests", d.date, d.requests);
        view! {
            <rect class="bar" x=format!("{:.1}", i as f64 * slot + 1.0) y=format!("{:.1}", HEIGHT - h)
                width=format!("{:.1}", slot - 2.0) height=format!("{h:.1}")>
                <title>{label}</title>
            </rect>
        }
    }).collect_view();
    view! {
        <figure class="usage">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" role="img" aria-label=summary.clone()>
                {bars}
            </svg>
            <figcaption>{summary}</figcaption>
        </figure>
        {(!u.tokens.is_empty()).then(|| view! {
            <ul class="chips" aria-label="Requests per token">
                {u.tokens.into_iter().map(|t| view! { <li class="chip">{format!("{}: {}", t.name, t.requests)}</li> }).collect_view()}
            </ul>
        })}
    }
}
