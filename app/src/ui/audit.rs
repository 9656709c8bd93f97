//! Settings › Audit log (admins): newest first, filters, pages, and export.

use crate::api::audit::list_audit;
use crate::domain::{percent_encode, ExportFormat};
use crate::ui::widgets::format::count;
use crate::ui::widgets::page::load_error;
use crate::ui::widgets::page::PageHead;
use leptos::prelude::*;

const PER_PAGE: i64 = 50;

/// The filter as typed; applied when the form is submitted.
#[derive(Clone, Default, PartialEq)]
struct Filter {
    actor: String,
    action: String,
    target: String,
    since: String,
    until: String,
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// A `datetime-local` value (browser local time, no zone) as RFC 3339 UTC.
fn to_utc(local: &str) -> Option<String> {
    let local = local.trim();
    if local.is_empty() {
        return None;
    }
    let ms = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(local)).get_time();
    if ms.is_nan() {
        return Some(local.to_string());
    }
    Some(
        js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms))
            .to_iso_string()
            .as_string()
            .unwrap_or_default(),
    )
}

/// The streamed export of everything the applied filter selects: a plain link, so the browser
/// downloads it with its own progress, and it works before the page's code has loaded.
fn export_url(format: ExportFormat, f: &Filter) -> String {
    let mut url = format!("/api/v1/audit/export?format={}", format.as_str());
    let params = [
        ("actor", opt(&f.actor)),
        ("action", opt(&f.action)),
        ("target", opt(&f.target)),
        ("since", to_utc(&f.since)),
        ("until", to_utc(&f.until)),
    ];
    for (key, value) in params {
        if let Some(v) = value {
            url.push_str(&format!("&{key}={}", percent_encode(&v)));
        }
    }
    url
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let draft = RwSignal::new(Filter::default());
    let applied = RwSignal::new(Filter::default());
    let page = RwSignal::new(1i64);
    let events = Resource::new(
        move || (applied.get(), page.get()),
        |(f, page)| async move {
            list_audit(
                opt(&f.actor),
                opt(&f.action),
                opt(&f.target),
                to_utc(&f.since),
                to_utc(&f.until),
                Some(page),
                Some(PER_PAGE),
            )
            .await
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        page.set(1);
        applied.set(draft.get_untracked());
    };
    let field = move |id: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      get: fn(&Filter) -> String,
                      set: fn(&mut Filter, String)| {
        view! {
            <div class="filter-field">
                <label for=id>{label}</label>
                <input id=id type=kind prop:value=move || get(&draft.get()) on:input=move |ev| {
                    let v = event_target_value(&ev);
                    draft.update(|f| set(f, v));
                }/>
            </div>
        }
    };
    view! {
        <PageHead title="Audit log" intro="Every change and sign-in in your organization, newest first.">
            <div class="actions top">
                <a class="button secondary" download href=move || export_url(ExportFormat::Jsonl, &applied.get())>"Export JSON Lines"</a>
                <a class="button secondary" download href=move || export_url(ExportFormat::Csv, &applied.get())>"Export CSV"</a>
            </div>
        </PageHead>
        // The one form that stays a GET: its filters are no secret (design.md, "Forms work
        // without the page's code"). The page's code applies them; without it, nothing is sent.
        <form class="audit-filters" method="get" action="/settings/audit-log" on:submit=submit role="search">
            {field("audit-actor", "Actor", "text", |f| f.actor.clone(), |f, v| f.actor = v)}
            {field("audit-action", "Action", "text", |f| f.action.clone(), |f, v| f.action = v)}
            {field("audit-target", "Target", "text", |f| f.target.clone(), |f, v| f.target = v)}
            {field("audit-since", "From", "datetime-local", |f| f.since.clone(), |f, v| f.since = v)}
            {field("audit-until", "Until", "datetime-local", |f| f.until.clone(), |f, v| f.until = v)}
            <button type="submit">"Apply filter"</button>
        </form>
        <Transition fallback=|| view! { <p aria-busy="true">"Loading the audit log…"</p> }>
            {move || Suspend::new(async move {
                match events.await {
                    Err(e) => load_error(&e),
                    Ok(list) if list.items.is_empty() => view! { <div class="empty">"No events match this filter."</div> }.into_any(),
                    Ok(list) => {
                        let last_page = list.last_page();
                        view! {
                            <table>
                                <caption class="visually-hidden">"Audit events"</caption>
                                <thead><tr>
                                    <th scope="col">"Time"</th><th scope="col">"Actor"</th><th scope="col">"Action"</th>
                                    <th scope="col">"Target"</th><th scope="col">"From"</th><th scope="col">"Outcome"</th>
                                </tr></thead>
                                <tbody>
                                    {list.items.into_iter().map(|e| view! {
                                        <tr>
                                            <td>{crate::ui::widgets::format::when(&e.at)}</td>
                                            <td>{e.actor_name.clone()}<br/><span class="muted">{e.actor_kind.replace('_', " ")}
                                                {e.token_id.clone().map(|t| format!(" · token {t}"))}</span></td>
                                            <td><code>{e.action.clone()}</code></td>
                                            <td>{e.target_name.clone().unwrap_or_default()}</td>
                                            <td>{e.ip.clone().unwrap_or_default()}</td>
                                            <td>{match e.outcome.as_str() {
                                                "success" => view! { <span>"Success"</span> }.into_any(),
                                                "rate_limited" => view! { <span class="badge danger-badge">"Rate limited"</span> }.into_any(),
                                                _ => view! { <span class="badge danger-badge">"Failure"</span> }.into_any(),
                                            }}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <nav class="pager" aria-label="Pages">
                                <button type="button" class="secondary" disabled={move || page.get() <= 1} on:click={move |_| page.update(|p| *p -= 1)}>"Previous"</button>
                                <span>{format!("Page {} of {} · {}", list.page, last_page, count(list.total, "event", "events"))}</span>
                                <button type="button" class="secondary" disabled={move || page.get() >= last_page} on:click={move |_| page.update(|p| *p += 1)}>"Next"</button>
                            </nav>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
