//! Settings › Service accounts: the tenant URL, the searchable, paginated list with each row's
//! actions, and the dialogs those open (new account and its first token, add token, disable,
//! delete, revoke).

use crate::api::service_accounts::{get_service_account, list_service_accounts};
use crate::domain::IssuedToken;
use crate::domain::{AccountSort, Permission, Role, ServiceAccount, Token};
use crate::ui::bundle::{self, Part};
use crate::ui::service_accounts::actions::enable_account;
use crate::ui::service_accounts::dialogs::{DeleteAccountDialog, DisableAccountDialog};
use crate::ui::service_accounts::new_account::NewAccountDialog;
use crate::ui::service_accounts::row::{AccountRow, Expanded, RowRequest};
use crate::ui::service_accounts::tokens::{AddTokenDialog, RevokeTokenDialog, TokenSecretDialog};
use crate::ui::widgets::copy::CopyButton;
use crate::ui::widgets::format::count;
use crate::ui::widgets::page::load_error;
use crate::ui::widgets::page::PageHead;
use crate::ui::widgets::toast::{toaster, Toaster};
use crate::ui::CurrentPrincipal;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// The dialog open over the list, if any.
#[derive(Clone)]
pub(crate) enum ListDialog {
    NewAccount,
    /// `first`: right after the account was created (Skip instead of Cancel).
    AddToken {
        account: ServiceAccount,
        max_days: Option<i64>,
        first: bool,
    },
    /// The one-time secret; after Done, the account's page when it was its first token.
    Secret {
        issued: IssuedToken,
        then_open: Option<String>,
    },
    Disable(ServiceAccount),
    Delete(ServiceAccount),
    Revoke(Token),
}

const PER_PAGE: i64 = 50;

#[component]
pub fn AccountsPage() -> impl IntoView {
    let CurrentPrincipal(me) = expect_context::<CurrentPrincipal>();
    let search = RwSignal::new(String::new());
    let applied_search = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let sort = RwSignal::new("name".to_string());
    let page = RwSignal::new(1i64);
    let dialog = RwSignal::new(None::<ListDialog>);
    let (tokens_changed, set_tokens_changed) = signal(0u64);
    let expanded_rows: Expanded = RwSignal::new(Default::default());
    let toaster = toaster();
    // Search as you type, but ask the server only once typing pauses: each keystroke bumps a
    // counter, and only the timer of the latest keystroke applies the search.
    let keystrokes = RwSignal::new(0u64);
    let on_search = move |ev| {
        search.set(event_target_value(&ev));
        keystrokes.update(|n| *n += 1);
        let mine = keystrokes.get_untracked();
        set_timeout(
            // The page may be gone by then (the person followed a link): then do nothing.
            move || {
                if keystrokes.try_get_untracked() == Some(mine) {
                    page.set(1);
                    applied_search.set(search.get_untracked());
                }
            },
            std::time::Duration::from_millis(250),
        );
    };
    let accounts = Resource::new(
        move || {
            (
                applied_search.get(),
                role.get(),
                status.get(),
                sort.get(),
                page.get(),
            )
        },
        |(query, role, status, sort, page)| async move {
            list_service_accounts(
                (!query.is_empty()).then_some(query),
                (!role.is_empty()).then_some(role),
                (!status.is_empty()).then_some(status),
                Some(sort),
                Some(page),
                Some(PER_PAGE),
            )
            .await
        },
    );
    // After a change: reload the list and any open token list.
    let changed = Callback::new(move |_: ()| {
        accounts.refetch();
        set_tokens_changed.update(|n| *n += 1);
    });
    // Closing a dialog that changed something reloads. Made here, not with the dialog: a
    // toast's Undo calls it after the dialog is gone.
    let close = Callback::new(move |did: bool| {
        dialog.set(None);
        if did {
            changed.run(());
        }
    });
    let on_row = Callback::new(move |r: RowRequest| {
        let action = Part::RowAction {
            request: Box::new(r),
            open: dialog,
            changed,
            toaster,
        };
        leptos::task::spawn_local(async move {
            bundle::rest_of_app(action).await;
        });
    });
    view! {
        <PageHead title="Service accounts" intro="Non-human identities for automation. Each has its own API tokens.">
            <div class="head-actions">
                <A href="/settings/stale" attr:class="button secondary">"Stale"</A>
                // Viewers cannot create; they do not get the button.
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let can_create = me.await.ok().is_some_and(|w| w.principal.can(Permission::ServiceAccountsWrite));
                        can_create.then(|| view! {
                            <button type="button" on:click=move |_| dialog.set(Some(ListDialog::NewAccount))>"New service account"</button>
                        })
                    })}
                </Transition>
            </div>
        </PageHead>
        <TenantUrl/>
        <div class="filters" role="search">
            <label for="search">"Search by name"</label>
            <input id="search" type="search" prop:value=search on:input=on_search placeholder="e.g. ci-deploy"/>
            <label for="role-filter">"Role"</label>
            <select id="role-filter" on:change=move |ev| { page.set(1); role.set(event_target_value(&ev)); }>
                <option value="">"All roles"</option>
                {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
            </select>
            <label for="status-filter">"Status"</label>
            <select id="status-filter" on:change=move |ev| { page.set(1); status.set(event_target_value(&ev)); }>
                <option value="">"Any status"</option>
                <option value="active">"Active"</option>
                <option value="disabled">"Disabled"</option>
            </select>
            <label for="sort">"Sort by"</label>
            <select id="sort" on:change=move |ev| { page.set(1); sort.set(event_target_value(&ev)); }>
                {AccountSort::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
            </select>
        </div>
        <Transition fallback=|| view! { <p aria-busy="true">"Loading service accounts…"</p> }>
            {move || Suspend::new(async move {
                match accounts.await {
                    Err(e) => load_error(&e),
                    Ok(list) if list.items.is_empty() => {
                        let filtered = !applied_search.get_untracked().is_empty() || !role.get_untracked().is_empty() || !status.get_untracked().is_empty();
                        view! {
                            <div class="empty">
                                {if filtered {
                                    "No service accounts match this search."
                                } else {
                                    "No service accounts yet. Create one with New service account, then add an API token to it."
                                }}
                            </div>
                        }.into_any()
                    }
                    Ok(list) => {
                        let last_page = list.last_page();
                        let me = me.await.ok().map(|w| w.principal);
                        view! {
                            // Below 700 px each row is a card (style/main.css), so its actions stay on screen.
                            <table class="account-list">
                                <caption class="visually-hidden">"Service accounts"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Description"</th>
                                        <th scope="col">"Role"</th>
                                        <th scope="col">"Tokens"</th>
                                        <th scope="col">"Requests (7 days)"</th>
                                        <th scope="col">"Last used"</th>
                                        <th scope="col">"Created"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.items.into_iter().map(|sa| {
                                        let writable = me.as_ref().is_some_and(|p| p.may_change_account(sa.role));
                                        view! { <AccountRow sa=sa writable=writable request=on_row tokens_changed=tokens_changed expanded_rows=expanded_rows/> }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <nav class="pager" aria-label="Pages">
                                <button type="button" class="secondary" disabled={move || page.get() <= 1}
                                    on:click={move |_| page.update(|p| *p -= 1)}>"Previous"</button>
                                <span>{format!("Page {} of {} · {}", list.page, last_page, count(list.total, "account", "accounts"))}</span>
                                <button type="button" class="secondary" disabled={move || page.get() >= last_page}
                                    on:click={move |_| page.update(|p| *p += 1)}>"Next"</button>
                            </nav>
                        }.into_any()
                    }
                }
            })}
        </Transition>
        // The dialogs' code is in the rest-of-the-app bundle, loaded the first time one opens:
        // the list page is the first most people see, and it shows no dialog until asked.
        <Suspense fallback=|| ()>
            {move || dialog.get().map(|d| Suspend::new(bundle::rest_of_app(Part::ListDialog { dialog: Box::new(d), open: dialog, changed, close })))}
        </Suspense>
    }
}

/// The organization's tenant URL, with a copy button: what goes into `session.json`.
#[component]
fn TenantUrl() -> impl IntoView {
    let CurrentPrincipal(me) = expect_context::<CurrentPrincipal>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                me.await.ok().map(|w| view! {
                    <div class="tenant-url">
                        <span id="tenant-url-label">"Tenant URL"</span>
                        <code aria-labelledby="tenant-url-label">{w.tenant_url.clone()}</code>
                        <CopyButton text=w.tenant_url label="Copy" aria_label="Copy tenant URL"
                            announcement="Tenant URL copied to the clipboard." secondary=true/>
                        <span class="muted">"Put it in session.json as tenantURL, beside the token."</span>
                    </div>
                })
            })}
        </Transition>
    }
}

/// Opens Add API token for `account`, once the organization's longest token lifetime is known
/// (the form offers only allowed expirations).
fn open_add_token(dialog: RwSignal<Option<ListDialog>>, account: ServiceAccount, first: bool) {
    leptos::task::spawn_local(async move {
        let max_days = get_service_account(account.id.clone())
            .await
            .ok()
            .and_then(|d| d.max_token_lifetime_days);
        dialog.set(Some(ListDialog::AddToken {
            account,
            max_days,
            first,
        }));
    });
}

/// What a row's button or menu item asks for: most open a dialog. In the bundle
/// (`bundle::Part::RowAction`), like the dialogs, so the list page loads without the code of
/// what only a click needs.
pub(crate) fn act_on_row(
    r: RowRequest,
    dialog: RwSignal<Option<ListDialog>>,
    changed: Callback<()>,
    toaster: Toaster,
) {
    match r {
        RowRequest::AddToken(account) => open_add_token(dialog, account, false),
        RowRequest::Disable(sa) => dialog.set(Some(ListDialog::Disable(sa))),
        RowRequest::Delete(sa) => dialog.set(Some(ListDialog::Delete(sa))),
        RowRequest::Revoke(t) => dialog.set(Some(ListDialog::Revoke(*t))),
        RowRequest::Enable(sa) => enable_account(toaster, sa.id, sa.name, move || {
            let _ = changed.try_run(());
        }),
    }
}

/// The dialog for `d`; closing one that changed something reloads the list. In the bundle
/// (`bundle::Part::ListDialog`): its code is fetched the first time a dialog opens.
pub(crate) fn list_dialog(
    d: ListDialog,
    dialog: RwSignal<Option<ListDialog>>,
    changed: Callback<()>,
    close: Callback<bool>,
) -> AnyView {
    let toaster: Toaster = toaster();
    let navigate = use_navigate();
    match d {
        ListDialog::NewAccount => view! {
            <NewAccountDialog on_close=Callback::new(move |_| dialog.set(None))
                on_created=Callback::new(move |sa: ServiceAccount| {
                    toaster.say(format!("Created {}.", sa.name));
                    changed.run(());
                    open_add_token(dialog, sa, true);
                })/>
        }
        .into_any(),
        ListDialog::AddToken {
            account,
            max_days,
            first,
        } => {
            let account_page = format!("/settings/service-accounts/{}", account.id);
            let skip_to = account_page.clone();
            let navigate = navigate.clone();
            view! {
                <AddTokenDialog account_id=account.id max_days=max_days default_guards=account.default_guards first=first
                    on_close=Callback::new(move |_| {
                        dialog.set(None);
                        if first {
                            navigate(&skip_to, Default::default());
                        }
                    })
                    on_created=Callback::new(move |issued: IssuedToken| {
                        changed.run(());
                        dialog.set(Some(ListDialog::Secret { issued, then_open: first.then(|| account_page.clone()) }));
                    })/>
            }.into_any()
        }
        ListDialog::Secret { issued, then_open } => view! {
            <TokenSecretDialog issued=issued on_close=Callback::new(move |_| {
                dialog.set(None);
                if let Some(page) = &then_open {
                    navigate(page, Default::default());
                }
            })/>
        }
        .into_any(),
        ListDialog::Disable(sa) => {
            view! { <DisableAccountDialog account=sa on_close=close/> }.into_any()
        }
        ListDialog::Delete(sa) => {
            let deleted = toaster.after(close, format!("Deleted {}.", sa.name));
            view! { <DeleteAccountDialog account=sa on_close=deleted/> }.into_any()
        }
        ListDialog::Revoke(t) => {
            let revoked = toaster.after(close, format!("Revoked {}.", t.name));
            view! { <RevokeTokenDialog token=t on_close=revoked/> }.into_any()
        }
    }
}
