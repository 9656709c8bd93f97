//! Settings › Service accounts: the searchable, paginated list and the New service account form.

use super::access_dialogs::CustomRolesPicker;
use super::components::{run_call, FieldError, FormError, Modal, RoleSelect};
use super::format::{when, when_or};
use super::CurrentPrincipal;
use crate::api::service_accounts::{create_service_account, list_service_accounts};
use crate::domain::{parse_description, ApiError, ResourceName, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

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
    let creating = RwSignal::new(false);
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
    view! {
        <Title text="Service accounts"/>
        <div class="page-head">
            <div>
                <h1>"Service accounts"</h1>
                <p class="muted">"Non-human identities for automation. Each has its own API tokens."</p>
            </div>
            <div class="head-actions">
                <A href="/settings/stale" attr:class="button secondary">"Stale"</A>
                // Viewers cannot create; they do not get the button.
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let can_create = me.await.ok().is_some_and(|w| w.principal.role >= Role::Editor);
                        can_create.then(|| view! {
                            <button type="button" on:click=move |_| creating.set(true)>"New service account"</button>
                        })
                    })}
                </Transition>
            </div>
        </div>
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
                <option value="name">"Name (A–Z)"</option>
                <option value="-name">"Name (Z–A)"</option>
                <option value="-created">"Newest first"</option>
                <option value="created">"Oldest first"</option>
                <option value="-requests">"Most used (7 days)"</option>
            </select>
        </div>
        <Transition fallback=|| view! { <p aria-busy="true">"Loading service accounts…"</p> }>
            {move || Suspend::new(async move {
                match accounts.await {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message().to_string()}</p> }.into_any(),
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
                        let last_page = ((list.total + list.per_page - 1) / list.per_page).max(1);
                        view! {
                            <table>
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
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.items.into_iter().map(|sa| view! {
                                        <tr>
                                            <td>
                                                <A href=format!("/settings/service-accounts/{}", sa.id)>{sa.name.clone()}</A>
                                                {sa.disabled.then(|| view! { <span class="badge muted-badge">"Disabled"</span> })}
                                            </td>
                                            <td>{sa.description.clone()}</td>
                                            <td>{sa.role.label()}</td>
                                            <td>{sa.token_count}</td>
                                            <td>{sa.requests_7d}</td>
                                            <td>{when_or(&sa.last_used_at, "Never")}</td>
                                            <td>{when(&sa.created_at)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <nav class="pager" aria-label="Pages">
                                <button type="button" class="secondary" disabled={move || page.get() <= 1}
                                    on:click={move |_| page.update(|p| *p -= 1)}>"Previous"</button>
                                <span>{format!("Page {} of {} · {} accounts", list.page, last_page, list.total)}</span>
                                <button type="button" class="secondary" disabled={move || page.get() >= last_page}
                                    on:click={move |_| page.update(|p| *p += 1)}>"Next"</button>
                            </nav>
                        }.into_any()
                    }
                }
            })}
        </Transition>
        <Show when=move || creating.get()>
            <NewAccountDialog on_close=Callback::new(move |_| creating.set(false))/>
        </Show>
    }
}

const FIELDS: &[&str] = &["name", "description", "role", "roles"];

/// The New service account form: instant validation with the shared rules, then the server's.
#[component]
fn NewAccountDialog(on_close: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer.as_str().to_string());
    let more_roles = RwSignal::new(Vec::<String>::new());
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let navigate = use_navigate();
    let check = move || -> Result<(), ApiError> {
        ResourceName::parse("name", &name.get_untracked())?;
        parse_description("description", Some(&description.get_untracked()))?;
        Ok(())
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Err(e) = check() {
            error.set(Some(e));
            return;
        }
        let navigate = navigate.clone();
        let call = create_service_account(
            name.get_untracked(),
            Some(description.get_untracked()),
            Some(role.get_untracked()),
            Some(more_roles.get_untracked()),
        );
        run_call(pending, error, call, move |r| {
            navigate(
                &format!("/settings/service-accounts/{}", r.service_account.id),
                Default::default(),
            )
        });
    };
    view! {
        <Modal title="New service account".to_string() on_close=on_close>
            <form on:submit=submit novalidate>
                <FormError error=error.into() fields=FIELDS/>
                <label for="sa-name">"Name"</label>
                <input id="sa-name" autofocus prop:value=name aria-describedby="name-hint"
                    on:input=move |ev| {
                        name.set(event_target_value(&ev));
                        error.set(ResourceName::parse("name", &name.get_untracked()).err());
                    }/>
                <p class="hint" id="name-hint">"Lowercase letters, digits, - and _; unique in your organization."</p>
                <FieldError error=error.into() field="name"/>
                <label for="sa-description">"Description"</label>
                <textarea id="sa-description" prop:value=description
                    on:input=move |ev| {
                        description.set(event_target_value(&ev));
                        error.set(parse_description("description", Some(&description.get_untracked())).err());
                    }/>
                <FieldError error=error.into() field="description"/>
                <label for="sa-role">"Role"</label>
                <RoleSelect id="sa-role" role=role/>
                <FieldError error=error.into() field="role"/>
                <CustomRolesPicker chosen=more_roles/>
                <FieldError error=error.into() field="roles"/>
                <div class="actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" disabled=move || pending.get()>
                        {move || if pending.get() { "Creating…" } else { "Create" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
