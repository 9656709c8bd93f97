//! Settings › Service accounts › Stale: accounts nothing has used within the window (or ever),
//! and live tokens that are unused, never expire or expire within a week, each with its
//! one-click action: Disable an account (its tokens are suspended, and Undo enables it again),
//! Revoke a token (after the usual confirmation, since that cannot be undone); and tokens any
//! address may use though they were used from a few networks, with Allow only these networks;
//! and static tokens of accounts that went keyless, idle since, with Revoke.

use crate::api::service_accounts::stale_credentials;
use crate::api::tokens::update_token_guards;
use crate::domain::{
    Guards, KeylessStaticToken, NamedRef, Permission, StaleAccount, StaleReason, StaleToken, Token,
    UnguardedToken, DEFAULT_UNUSED_DAYS,
};
use crate::ui::may;
use crate::ui::service_accounts::actions::suspend_account;
use crate::ui::service_accounts::tokens::RevokeTokenDialog;
use crate::ui::widgets::format::{when, when_or};
use crate::ui::widgets::page::{load_error, PageHead};
use crate::ui::widgets::toast::toaster;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn StalePage() -> impl IntoView {
    let days = RwSignal::new(DEFAULT_UNUSED_DAYS);
    let report = Resource::new(move || days.get(), |d| stale_credentials(Some(d)));
    let revoking = RwSignal::new(None::<Token>);
    let toaster = toaster();
    let can_disable = may(Permission::ServiceAccountsWrite);
    let can_revoke = may(Permission::TokensWrite);
    let disable = Callback::new(move |(id, name): (String, String)| {
        suspend_account(toaster, id, name, move || report.refetch());
    });
    let closed = Callback::new(move |revoked: bool| {
        if revoked {
            if let Some(t) = revoking.get_untracked() {
                toaster.say(format!("Revoked {}.", t.name));
            }
            report.refetch();
        }
        revoking.set(None);
    });
    view! {
        <p class="crumbs"><A href="/settings/service-accounts">"Service accounts"</A></p>
        <PageHead title="Stale credentials" intro="Accounts and tokens nothing uses, tokens that never expire, and tokens about to expire."/>
        <div class="filters">
            <label for="unused-days">"Not used for"</label>
            <select id="unused-days" on:change=move |ev| {
                days.set(event_target_value(&ev).parse().unwrap_or(DEFAULT_UNUSED_DAYS));
            }>
                {[7, 30, 90].into_iter().map(|d| view! {
                    <option value=d.to_string() selected=d == DEFAULT_UNUSED_DAYS>{format!("{d} days")}</option>
                }).collect_view()}
            </select>
        </div>
        <Transition fallback=|| view! { <p aria-busy="true">"Looking for stale credentials…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Err(e) => load_error(&e),
                    Ok(r) => {
                        let unused = |t: &StaleToken| t.reasons.iter().any(|x| matches!(x, StaleReason::NeverUsed | StaleReason::Unused));
                        let with = |reason: StaleReason| move |t: &StaleToken| t.reasons.contains(&reason);
                        let tokens = r.tokens;
                        let pick = |keep: &dyn Fn(&StaleToken) -> bool| tokens.iter().filter(|t| keep(t)).cloned().collect::<Vec<_>>();
                        let (idle, forever, soon) = (pick(&unused), pick(&with(StaleReason::NeverExpires)), pick(&with(StaleReason::ExpiresSoon)));
                        view! {
                            {r.truncated.then(|| view! { <p class="hint">"Showing the first 500 of each kind."</p> })}
                            <AccountSection title=format!("Service accounts not used for {} days", r.unused_days) accounts=r.accounts
                                can_disable=can_disable disable=disable/>
                            <TokenSection title=format!("Tokens not used for {} days", r.unused_days) tokens=idle can_revoke=can_revoke revoking=revoking/>
                            <TokenSection title="Tokens that never expire".to_string() tokens=forever can_revoke=can_revoke revoking=revoking/>
                            <TokenSection title="Tokens expiring within 7 days".to_string() tokens=soon can_revoke=can_revoke revoking=revoking/>
                            <UnguardedSection tokens=r.unguarded can_change=can_revoke
                                changed=Callback::new(move |_| report.refetch())/>
                            <KeylessSection tokens=r.replaced_by_keyless can_revoke=can_revoke revoking=revoking/>
                        }.into_any()
                    }
                }
            })}
        </Transition>
        {move || revoking.get().map(|t| view! { <RevokeTokenDialog token=t on_close=closed/> })}
    }
}

/// An id for a section's heading, from its title.
fn section_id(title: &str) -> String {
    title
        .to_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
}

fn account_link(id: &str, name: String) -> impl IntoView {
    view! { <A href=format!("/settings/service-accounts/{id}")>{name}</A> }
}

/// One section of the view: a heading with the count, then the rows in a table (with the given
/// column headings and an actions column), or a line saying there is nothing.
#[component]
fn StaleTable(
    title: String,
    count: usize,
    empty: &'static str,
    columns: &'static [&'static str],
    children: Children,
) -> impl IntoView {
    let id = section_id(&title);
    let labelled_by = id.clone();
    view! {
        <section class="stale-section" aria-labelledby=labelled_by>
            <h2 id=id>{format!("{title} ({count})")}</h2>
            {if count == 0 {
                view! { <p class="empty">{empty}</p> }.into_any()
            } else {
                view! {
                    <table>
                        <caption class="visually-hidden">{title}</caption>
                        <thead><tr>
                            {columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr></thead>
                        <tbody>{children()}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn AccountSection(
    title: String,
    accounts: Vec<StaleAccount>,
    can_disable: Signal<bool>,
    disable: Callback<(String, String)>,
) -> impl IntoView {
    let count = accounts.len();
    let rows = accounts
        .into_iter()
        .map(|a| {
            let target = (a.id.clone(), a.name.clone());
            let label = format!("Disable {}", a.name);
            view! {
                <tr>
                    <td>{account_link(&a.id, a.name.clone())}</td>
                    <td>{a.role.label()}</td>
                    <td>{when(&a.created_at)}</td>
                    <td>{when_or(&a.last_used_at, "Never")}</td>
                    <td>{a.reason.label()}</td>
                    <td class="row-actions">
                        {move || can_disable.get().then(|| {
                            let target = target.clone();
                            view! { <button type="button" class="secondary" aria-label=label.clone()
                                on:click=move |_| disable.run(target.clone())>"Disable"</button> }
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <StaleTable title=title count=count empty="Every account has been used recently."
            columns=&["Name", "Role", "Created", "Last used", "Why"]>
            {rows}
        </StaleTable>
    }
}

/// A token's row: its name and hint, its account, `cells`, and Revoke (which asks first).
fn revocable_row(
    t: Token,
    account: &NamedRef,
    cells: Vec<String>,
    can_revoke: Signal<bool>,
    revoking: RwSignal<Option<Token>>,
) -> impl IntoView {
    let label = format!("Revoke {} of {}", t.name, account.name);
    let (name, hint) = (t.name.clone(), t.hint.clone());
    view! {
        <tr>
            <td><code>{name}</code>" "<span class="muted">{hint}</span></td>
            <td>{account_link(&account.id, account.name.clone())}</td>
            {cells.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}
            <td class="row-actions">
                {move || can_revoke.get().then(|| {
                    let row_token = t.clone();
                    view! { <button type="button" class="danger" aria-label=label.clone()
                        on:click=move |_| revoking.set(Some(row_token.clone()))>"Revoke"</button> }
                })}
            </td>
        </tr>
    }
}

#[component]
fn TokenSection(
    title: String,
    tokens: Vec<StaleToken>,
    can_revoke: Signal<bool>,
    revoking: RwSignal<Option<Token>>,
) -> impl IntoView {
    let count = tokens.len();
    let rows = tokens
        .into_iter()
        .map(|s| {
            let t = s.token;
            let cells = vec![
                when(&t.created_at),
                when_or(&t.last_used_at, "Never"),
                when_or(&t.expires_at, "Never"),
            ];
            revocable_row(t, &s.service_account, cells, can_revoke, revoking)
        })
        .collect_view();
    view! {
        <StaleTable title=title count=count empty="Nothing here."
            columns=&["Token", "Service account", "Created", "Last used", "Expires"]>
            {rows}
        </StaleTable>
    }
}

/// Tokens usable from anywhere that were used from a few networks, with those networks as the
/// allow-list to set (their other guards stay as they are).
#[component]
fn UnguardedSection(
    tokens: Vec<UnguardedToken>,
    can_change: Signal<bool>,
    changed: Callback<()>,
) -> impl IntoView {
    let toaster = toaster();
    let count = tokens.len();
    let rows = tokens
        .into_iter()
        .map(|u| {
            let t = u.token;
            let networks: Vec<String> = u.networks.iter().map(|n| n.network.clone()).collect();
            let used_from = u
                .networks
                .iter()
                .map(|n| format!("{} ({})", n.network, n.requests))
                .collect::<Vec<_>>()
                .join(", ");
            let label = format!("Allow only these networks for {} of {}", t.name, u.service_account.name);
            let guards = Guards {
                allowed_networks: Some(networks.clone()),
                ..t.guards.clone()
            };
            let (id, name) = (t.id.clone(), t.name.clone());
            let apply = move |_| {
                let name = name.clone();
                toaster.run(update_token_guards(id.clone(), guards.clone()), move |_| {
                    toaster.say(format!("{name} now works only from the networks it was used from."));
                    changed.run(());
                });
            };
            view! {
                <tr>
                    <td><code>{t.name.clone()}</code>" "<span class="muted">{t.hint.clone()}</span></td>
                    <td>{account_link(&u.service_account.id, u.service_account.name.clone())}</td>
                    <td>{used_from}</td>
                    <td><code>{networks.join(", ")}</code></td>
                    <td class="row-actions">
                        {move || can_change.get().then(|| {
                            let apply = apply.clone();
                            view! { <button type="button" class="secondary" aria-label=label.clone()
                                on:click=apply>"Allow only these"</button> }
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <StaleTable title="Tokens usable from anywhere".to_string() count=count
            empty="No token without allowed networks was used from only a few networks in the last 30 days."
            columns=&["Token", "Service account", "Used from (last 30 days)", "Suggested allowed networks"]>
            {rows}
        </StaleTable>
    }
}

/// Static tokens of accounts that have exchanged identity tokens for `KEYLESS_DAYS` (30) days and
/// that nothing has used since the first exchange: the keyless way replaced them.
#[component]
fn KeylessSection(
    tokens: Vec<KeylessStaticToken>,
    can_revoke: Signal<bool>,
    revoking: RwSignal<Option<Token>>,
) -> impl IntoView {
    let count = tokens.len();
    let rows = tokens
        .into_iter()
        .map(|k| {
            let cells = vec![
                when(&k.keyless_since),
                when_or(&k.token.last_used_at, "Never"),
            ];
            revocable_row(k.token, &k.service_account, cells, can_revoke, revoking)
        })
        .collect_view();
    view! {
        <StaleTable title="Static tokens replaced by keyless exchanges".to_string() count=count
            empty="No account that has exchanged identity tokens for 30 days holds a static token idle since."
            columns=&["Token", "Service account", "Keyless since", "Last used"]>
            {rows}
        </StaleTable>
    }
}
