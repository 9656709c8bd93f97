//! A service account's page: details, its tokens, and every action on both.

use crate::api::service_accounts::get_service_account;
use crate::domain::IssuedToken;
use crate::domain::{Role, ServiceAccount, Token, TokenStatus};
use crate::ui::service_accounts::access::AccountAccess;
use crate::ui::service_accounts::actions::enable_account;
use crate::ui::service_accounts::dialogs::{
    DeleteAccountDialog, DisableAccountDialog, EditAccountDialog,
};
use crate::ui::service_accounts::guards::{
    leak_line, token_guards_line, DefaultGuardsDialog, RestoreTokenDialog, TokenGuardsDialog,
};
use crate::ui::service_accounts::report_only::{proposal_line, ReportOnlySection};
use crate::ui::service_accounts::tokens::{
    AddTokenDialog, RefreshTokenDialog, RevokeAllTokensDialog, RevokeTokenDialog, TokenSecretDialog,
};
use crate::ui::service_accounts::trust::AccountTrust;
use crate::ui::service_accounts::usage_chart::UsageChart;
use crate::ui::widgets::format::{when, when_or};
use crate::ui::widgets::menu::{MenuItem, RowMenu};
use crate::ui::widgets::page::load_error;
use crate::ui::widgets::toast::toaster;
use crate::ui::CurrentPrincipal;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

/// Which dialog is open, if any.
#[derive(Clone)]
enum Dialog {
    AddToken,
    Secret(IssuedToken),
    Refresh(Token),
    Guards(Token),
    DefaultGuards,
    Restore(Token),
    Revoke(Token),
    RevokeAll(usize),
    Edit,
    Disable,
    Delete,
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let detail = Resource::new(id, get_service_account);
    let CurrentPrincipal(me) = expect_context::<CurrentPrincipal>();
    let dialog = RwSignal::new(None::<Dialog>);
    let navigate = use_navigate();
    // Closing a dialog that changed something reloads the page's data.
    let close = Callback::new(move |changed: bool| {
        dialog.set(None);
        if changed {
            detail.refetch();
        }
    });
    let toaster = toaster();
    let enable = move |_| {
        if let Some(sa) = detail.get_untracked().and_then(|r| r.ok()) {
            let sa = sa.service_account;
            enable_account(toaster, sa.id, sa.name, move || detail.refetch());
        }
    };
    let current = move || detail.get().and_then(|r| r.ok());
    let account = move || current().map(|d| d.service_account);
    let max_days = move || current().and_then(|d| d.max_token_lifetime_days);
    view! {
        <p class="crumbs"><A href="/settings/service-accounts">"Service accounts"</A></p>
        <Transition fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let d = match detail.await {
                    Ok(d) => d,
                    Err(e) => return view! { <h1>"Service account"</h1>{load_error(&e)} }.into_any(),
                };
                let sa = d.service_account;
                let access_account = sa.clone();
                let usage_account_id = sa.id.clone();
                let trust_account_id = sa.id.clone();
                let tokens = d.tokens;
                let tried = tokens.clone();
                // Only offer what the server would allow.
                let writable = me.await.ok().is_some_and(|w| w.principal.may_change_account(sa.role));
                let token_count = tokens.len();
                view! {
                    <Title text=sa.name.clone()/>
                    <div class="page-head">
                        <div>
                            <h1>{sa.name.clone()} {sa.disabled.then(|| view! { <span class="badge muted-badge">"Disabled"</span> })}</h1>
                            <p class="muted">{if sa.description.is_empty() { "No description".to_string() } else { sa.description.clone() }}</p>
                        </div>
                        {writable.then(|| view! { <div class="actions top">
                            <button type="button" class="secondary" on:click=move |_| dialog.set(Some(Dialog::Edit))>"Edit"</button>
                            {if sa.disabled {
                                view! { <button type="button" class="secondary" on:click=enable>"Enable"</button> }.into_any()
                            } else {
                                view! { <button type="button" class="danger" on:click=move |_| dialog.set(Some(Dialog::Disable))>"Disable"</button> }.into_any()
                            }}
                            <button type="button" class="danger" on:click=move |_| dialog.set(Some(Dialog::Delete))>"Delete account"</button>
                        </div> })}
                    </div>
                    {sa.disabled.then(|| view! {
                        <p class="warning" role="note">"This account is disabled: its tokens do not work. Suspended tokens work again after Enable."</p>
                    })}
                    <dl class="details">
                        <dt>"Role"</dt><dd>{sa.role.label()}</dd>
                        <dt>"Status"</dt><dd>{if sa.disabled { "Disabled" } else { "Active" }}</dd>
                        <dt>"Created"</dt><dd>{when(&sa.created_at)}</dd>
                        <dt>"Last used"</dt><dd>{when_or(&sa.last_used_at, "Never")}</dd>
                        <dt>"New tokens' guards"</dt><dd>{sa.default_guards.summary()}</dd>
                    </dl>
                    <div class="section-head">
                        <h2>"API tokens"</h2>
                        {writable.then(|| view! { <div class="actions top">
                            {(token_count > 0).then(|| view! {
                                <RowMenu label="More".to_string() text="More" items=vec![
                                    MenuItem::run("Delete all tokens", move || dialog.set(Some(Dialog::RevokeAll(token_count)))).danger(),
                                ]/>
                            })}
                            <button type="button" class="secondary" on:click=move |_| dialog.set(Some(Dialog::DefaultGuards))>"Default guards"</button>
                            <button type="button" on:click=move |_| dialog.set(Some(Dialog::AddToken))>"Add API token"</button>
                        </div> })}
                    </div>
                    {if tokens.is_empty() {
                        view! { <div class="empty">"No tokens yet. Use Add API token to create one for your automation."</div> }.into_any()
                    } else {
                        view! {
                            <table>
                                <caption class="visually-hidden">"API tokens"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Scopes"</th>
                                        <th scope="col">"Created"</th>
                                        <th scope="col">"Expires"</th>
                                        <th scope="col">"Last used"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {tokens.into_iter().map(|t| token_row(t, sa.role, writable, dialog)).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }}
                    <ReportOnlySection tokens=tried writable=writable on_changed=Callback::new(move |_| detail.refetch())/>
                    <AccountTrust account_id=trust_account_id writable=writable/>
                    <UsageChart account_id=usage_account_id/>
                    <AccountAccess account=access_account bindings=d.bindings groups=d.groups writable=writable
                        on_changed=Callback::new(move |_| detail.refetch())/>
                }.into_any()
            })}
        </Transition>
        {move || dialog.get().map(|d| dialog_view(d, account(), max_days(), dialog, close, navigate.clone()))}
    }
}

fn dialog_view(
    d: Dialog,
    account: Option<ServiceAccount>,
    max_days: Option<i64>,
    dialog: RwSignal<Option<Dialog>>,
    close: Callback<bool>,
    navigate: impl Fn(&str, leptos_router::NavigateOptions) + Clone + Send + Sync + 'static,
) -> AnyView {
    let Some(sa) = account else {
        return ().into_any();
    };
    // A new secret replaces the form with the one-time display, and the list reloads behind it.
    let issued = Callback::new(move |r: IssuedToken| {
        close.run(true);
        dialog.set(Some(Dialog::Secret(r)));
    });
    match d {
        Dialog::AddToken => view! {
            <AddTokenDialog account_id=sa.id max_days=max_days default_guards=sa.default_guards on_close=Callback::new(move |_| close.run(false)) on_created=issued/>
        }.into_any(),
        Dialog::Refresh(t) => view! {
            <RefreshTokenDialog token=t max_days=max_days on_close=Callback::new(move |_| close.run(false)) on_refreshed=issued/>
        }.into_any(),
        // The dialog says what it saved: guards, or changes tried report-only.
        Dialog::Guards(t) => view! { <TokenGuardsDialog token=t on_close=close/> }.into_any(),
        Dialog::Restore(t) => {
            let done = toaster().after(close, format!("Restored {}.", t.name));
            view! { <RestoreTokenDialog token=t on_close=done/> }.into_any()
        }
        Dialog::DefaultGuards => view! { <DefaultGuardsDialog account=sa on_close=close/> }.into_any(),
        Dialog::Secret(r) => view! { <TokenSecretDialog issued=r on_close=Callback::new(move |_| dialog.set(None))/> }.into_any(),
        Dialog::Revoke(t) => {
            let done = toaster().after(close, format!("Revoked {}.", t.name));
            view! { <RevokeTokenDialog token=t on_close=done/> }.into_any()
        }
        Dialog::RevokeAll(n) => {
            let done = toaster().after(close, format!("Revoked every token of {}.", sa.name));
            view! { <RevokeAllTokensDialog account_id=sa.id account_name=sa.name count=n on_close=done/> }.into_any()
        }
        Dialog::Edit => {
            let done = toaster().after(close, "Saved the service account.".to_string());
            view! { <EditAccountDialog account=sa on_close=done/> }.into_any()
        }
        Dialog::Disable => view! { <DisableAccountDialog account=sa on_close=close/> }.into_any(),
        Dialog::Delete => {
            let done = Callback::new(move |deleted: bool| {
                if deleted {
                    navigate("/settings/service-accounts", Default::default());
                } else {
                    close.run(false);
                }
            });
            view! { <DeleteAccountDialog account=sa on_close=done/> }.into_any()
        }
    }
}

fn token_row(
    t: Token,
    account_role: Role,
    writable: bool,
    dialog: RwSignal<Option<Dialog>>,
) -> impl IntoView {
    // Minted by someone below the account's role: the token acts at the minter's role.
    let capped = (t.role_cap < account_role).then(|| {
        view! { <span class="badge muted-badge" title="Minted by someone with a lower role: the token never acts above it.">{format!("capped at {}", t.role_cap)}</span> }
    });
    let scopes = crate::ui::widgets::format::scopes(&t.scopes);
    // A token a CI job or workload got by exchanging its identity token (docs/keyless.md).
    let exchanged = t.exchanged_from.clone().map(|issuer| {
        let claims = t
            .exchanged_claims
            .iter()
            .flatten()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        view! {
            <br/><span class="muted">{format!("exchanged from {issuer}")}</span>
            {(!claims.is_empty()).then(|| view! { <br/><span class="muted">{claims}</span> })}
        }
    });
    let status = match t.status {
        TokenStatus::Expired => {
            Some(view! { <span class="badge danger-badge">"Expired"</span> }.into_any())
        }
        TokenStatus::Suspended if t.leak.is_some() => {
            Some(view! { <span class="badge danger-badge">"Reported leaked"</span> }.into_any())
        }
        TokenStatus::Suspended => {
            Some(view! { <span class="badge muted-badge">"Suspended"</span> }.into_any())
        }
        TokenStatus::Active if t.expires_soon => {
            Some(view! { <span class="badge warn-badge">"Expires soon"</span> }.into_any())
        }
        TokenStatus::Active => None,
    };
    let last_used = match (&t.last_used_at, &t.last_used_ip) {
        (Some(at), Some(ip)) => format!("{} from {ip}", when(at)),
        (Some(at), None) => when(at),
        _ => "Never".to_string(),
    };
    let (refresh_label, guards_label, revoke_label) = (
        format!("Refresh {}", t.name),
        format!("Guards of {}", t.name),
        format!("Revoke {}", t.name),
    );
    let (for_refresh, for_guards, for_revoke) = (t.clone(), t.clone(), t.clone());
    let guards = token_guards_line(&t).map(|line| view! { <br/><span class="muted">{line}</span> });
    let trying = t.report_only.as_ref().map(|r| {
        view! { <br/><span class="muted">{format!("report-only: {}", proposal_line(r))}</span> }
    });
    let leak = leak_line(&t).map(|line| view! { <br/><span class="leak-report">{line}</span> });
    let restore = (writable && t.leak.is_some()).then(|| {
        let (label, for_restore) = (format!("Restore {}", t.name), t.clone());
        view! {
            <button type="button" class="secondary" aria-label=label
                on:click=move |_| dialog.set(Some(Dialog::Restore(for_restore.clone())))>"Restore"</button>
        }
    });
    view! {
        <tr>
            <td><strong>{t.name.clone()}</strong><br/><code class="hint-text">{t.hint.clone()}</code></td>
            <td>{scopes} {capped}{guards}{trying}</td>
            <td>{when(&t.created_at)}<br/><span class="muted">{format!("by {}", t.created_by)}</span>{exchanged}</td>
            <td>{when_or(&t.expires_at, "Never")} {status}{leak}</td>
            <td>{last_used}</td>
            <td class="row-actions">
                {restore}
                {writable.then(|| view! {
                    <button type="button" class="secondary" aria-label=refresh_label
                        on:click=move |_| dialog.set(Some(Dialog::Refresh(for_refresh.clone())))>"Refresh"</button>
                    <button type="button" class="secondary" aria-label=guards_label
                        on:click=move |_| dialog.set(Some(Dialog::Guards(for_guards.clone())))>"Guards"</button>
                    <button type="button" class="danger" aria-label=revoke_label
                        on:click=move |_| dialog.set(Some(Dialog::Revoke(for_revoke.clone())))>"Revoke"</button>
                })}
            </td>
        </tr>
    }
}
