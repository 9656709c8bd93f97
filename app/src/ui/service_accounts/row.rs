//! One row of the Service accounts list: the name with Add API token beside it, the ⋮ menu
//! (Manage, Disable or Enable, Delete service account), and the tokens, shown when the row is
//! expanded, each with its own ⋮ › Revoke.

use crate::api::service_accounts::get_service_account;
use crate::domain::{ServiceAccount, Token, TokenStatus};
use crate::ui::bundle::{self, Part};
use crate::ui::widgets::format::{when, when_or};
use crate::ui::widgets::menu::{MenuItem, RowMenu};
use crate::ui::widgets::page::load_error;
use leptos::prelude::*;
use leptos_router::components::A;
use std::collections::HashSet;

/// What a row asks the list page to do (the page owns the dialogs).
#[derive(Clone)]
pub enum RowRequest {
    AddToken(ServiceAccount),
    Disable(ServiceAccount),
    Enable(ServiceAccount),
    Delete(ServiceAccount),
    /// Boxed: a token is far larger than an account id.
    Revoke(Box<Token>),
}

/// Columns of the list, so the expanded tokens span the whole row.
pub const COLUMNS: usize = 8;

/// Which rows show their tokens, by account id: kept by the page, so a row stays open when the
/// list reloads after a change.
pub type Expanded = RwSignal<HashSet<String>>;

/// A service account's row, and its tokens below it when expanded. `writable` says whether the
/// signed-in person may change this account; `tokens_changed` grows when a token of any row
/// was revoked, so an open token list reloads.
#[component]
pub fn AccountRow(
    sa: ServiceAccount,
    writable: bool,
    request: Callback<RowRequest>,
    tokens_changed: ReadSignal<u64>,
    expanded_rows: Expanded,
) -> impl IntoView {
    let row_id = StoredValue::new(sa.id.clone());
    let expanded =
        Memo::new(move |_| row_id.with_value(|id| expanded_rows.with(|rows| rows.contains(id))));
    let toggle = move |_| {
        let id = row_id.get_value();
        expanded_rows.update(|rows| {
            if !rows.remove(&id) {
                rows.insert(id);
            }
        });
    };
    let panel_id = format!("tokens-{}", sa.id);
    let href = format!("/settings/service-accounts/{}", sa.id);
    let mut items = vec![MenuItem::link("Manage", href.clone())];
    if writable {
        let target = sa.clone();
        items.push(if sa.disabled {
            MenuItem::run("Enable", move || {
                request.run(RowRequest::Enable(target.clone()))
            })
        } else {
            MenuItem::run("Disable", move || {
                request.run(RowRequest::Disable(target.clone()))
            })
            .danger()
        });
        let target = sa.clone();
        items.push(
            MenuItem::run("Delete service account", move || {
                request.run(RowRequest::Delete(target.clone()))
            })
            .danger(),
        );
    }
    let add_for = sa.clone();
    let add_label = format!("Add API token to {}", sa.name);
    // The visible count, then " of <name>" for screen readers (the accessible name keeps the
    // visible text, so voice control users can say what they see).
    let tokens_label = format!(" of {}", sa.name);
    let menu_label = format!("Actions for {}", sa.name);
    let noun = if sa.token_count == 1 {
        "token"
    } else {
        "tokens"
    };
    view! {
        <tr>
            <td class="name-column">
                <div class="name-cell">
                    <A href=href>{sa.name.clone()}</A>
                    {sa.disabled.then(|| view! { <span class="badge muted-badge">"Disabled"</span> })}
                    {sa.keyless.then(|| view! { <span class="badge muted-badge" title="Trusts identity tokens of CI jobs or workloads: see its Trust relationships.">"keyless"</span> })}
                    {(writable && !sa.disabled).then(|| view! {
                        <button type="button" class="small secondary" aria-label=add_label.clone()
                            on:click=move |_| request.run(RowRequest::AddToken(add_for.clone()))>"Add API token"</button>
                    })}
                </div>
            </td>
            <td data-label="Description">{sa.description.clone()}</td>
            <td data-label="Role">{sa.role.label()}</td>
            <td data-label="Tokens">
                <button type="button" class="link disclosure" aria-expanded=move || expanded.get().to_string()
                    aria-controls=panel_id.clone() on:click=toggle>
                    {format!("{} {noun}", sa.token_count)}
                    <span class="visually-hidden">{tokens_label}</span>
                    <span aria-hidden="true">{move || if expanded.get() { " ▾" } else { " ▸" }}</span>
                </button>
            </td>
            <td data-label="Requests (7 days)">{sa.requests_7d}</td>
            <td data-label="Last used">{when_or(&sa.last_used_at, "Never")}</td>
            <td data-label="Created">{when(&sa.created_at)}</td>
            <td class="row-actions"><RowMenu label=menu_label items=items/></td>
        </tr>
        <Show when=move || expanded.get()>
            <tr class="expanded">
                <td colspan=COLUMNS.to_string() id=panel_id.clone()>
                    // The token table's code is in the bundle, loaded the first time a row opens.
                    <Suspense fallback=|| view! { <p aria-busy="true">"Loading tokens…"</p> }>
                        {Suspend::new(bundle::rest_of_app(Part::AccountTokens {
                            account_id: row_id.get_value(), writable, request, tokens_changed,
                        }))}
                    </Suspense>
                </td>
            </tr>
        </Show>
    }
}

/// The live tokens of one account, loaded when its row is expanded. In the bundle
/// (`bundle::Part::AccountTokens`), fetched the first time a row opens, so the list page loads
/// without it.
pub(crate) fn account_tokens(
    account_id: String,
    writable: bool,
    request: Callback<RowRequest>,
    tokens_changed: ReadSignal<u64>,
) -> AnyView {
    let detail = Resource::new(
        move || tokens_changed.get(),
        move |_| get_service_account(account_id.clone()),
    );
    view! {
        <Transition fallback=|| view! { <p aria-busy="true">"Loading tokens…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(e) => load_error(&e),
                    Ok(d) if d.tokens.is_empty() => view! { <p class="muted">"No tokens."</p> }.into_any(),
                    Ok(d) => {
                        let caption = format!("Tokens of {}", d.service_account.name);
                        view! {
                            <table class="nested">
                                <caption class="visually-hidden">{caption}</caption>
                                <thead><tr>
                                    <th scope="col">"Token"</th>
                                    <th scope="col">"Scopes"</th>
                                    <th scope="col">"Expires"</th>
                                    <th scope="col">"Last used"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr></thead>
                                <tbody>
                                    {d.tokens.into_iter().map(|t| token_row(t, writable, request)).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
    .into_any()
}

fn token_row(t: Token, writable: bool, request: Callback<RowRequest>) -> impl IntoView {
    let scopes = crate::ui::widgets::format::scopes(&t.scopes);
    let state = match t.status {
        TokenStatus::Expired => " (expired)",
        TokenStatus::Suspended => " (suspended)",
        TokenStatus::Active => "",
    };
    let menu = writable.then(|| {
        let target = t.clone();
        let items = vec![MenuItem::run("Revoke", move || {
            request.run(RowRequest::Revoke(Box::new(target.clone())))
        })
        .danger()];
        view! { <RowMenu label=format!("Actions for token {}", t.name) items=items/> }
    });
    view! {
        <tr>
            <td><strong>{t.name.clone()}</strong>" "<code class="hint-text">{t.hint.clone()}</code></td>
            <td>{scopes}</td>
            <td>{when_or(&t.expires_at, "Never")}{state}</td>
            <td>{when_or(&t.last_used_at, "Never")}</td>
            <td class="row-actions">{menu}</td>
        </tr>
    }
}
