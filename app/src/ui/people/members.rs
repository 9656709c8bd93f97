//! Settings › Members (admins): people, their roles, adding and disabling them, and a tab with
//! the service accounts, so every identity is in one place.

use crate::api::members::{invite_member, list_members, update_member, Invitation};
use crate::api::service_accounts::list_service_accounts;
use crate::domain::{DisplayName, EmailAddress, Role, User};
use crate::ui::widgets::form::{FieldError, FormCall, FormDialog, FormError};
use crate::ui::widgets::format::{when, when_or};
use crate::ui::widgets::modal::Modal;
use crate::ui::widgets::page::load_error;
use crate::ui::widgets::page::PageHead;
use crate::ui::widgets::toast::toaster;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn MembersPage() -> impl IntoView {
    let members = Resource::new(|| (), |_| list_members(None, Some(200)));
    let tab = RwSignal::new(MembersTab::People);
    let adding = RwSignal::new(false);
    let invited = RwSignal::new(None::<Invitation>);
    let row_change = FormCall::new();
    let toaster = toaster();
    let change = move |id: String, role: Option<String>, disabled: Option<bool>| {
        // Reloaded whatever the answer: a refused change puts the row back as it is.
        let call = async move {
            let answer = update_member(id, role, disabled).await;
            members.refetch();
            answer
        };
        row_change.run(call, move |r| {
            let who = r.member.email;
            toaster.say(match disabled {
                Some(true) => format!("Disabled {who}; their sessions have ended."),
                Some(false) => format!("Enabled {who}."),
                None => format!("{who} is now {}.", r.member.role.label()),
            });
        });
    };
    view! {
        <PageHead title="Members" intro="Everyone and everything that acts in your organization: people who sign in, and service accounts.">
            <button type="button" on:click=move |_| adding.set(true)>"Add member"</button>
        </PageHead>
        <div role="tablist" aria-label="Kinds of member">
            {[MembersTab::People, MembersTab::ServiceAccounts].into_iter().map(|t| view! {
                <button type="button" role="tab" id=t.tab_id() aria-controls=t.panel_id()
                    aria-selected=move || (tab.get() == t).to_string()
                    tabindex=move || if tab.get() == t { "0" } else { "-1" }
                    on:click=move |_| tab.set(t)
                    on:keydown=move |ev| if matches!(ev.key().as_str(), "ArrowRight" | "ArrowLeft") {
                        let other = t.other();
                        tab.set(other);
                        if let Some(el) = document().get_element_by_id(other.tab_id()) {
                            use wasm_bindgen::JsCast;
                            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() { let _ = el.focus(); }
                        }
                    }>
                    {t.label()}
                </button>
            }).collect_view()}
        </div>
        <Show when=move || tab.get() == MembersTab::ServiceAccounts>
            <div role="tabpanel" id=MembersTab::ServiceAccounts.panel_id() aria-labelledby=MembersTab::ServiceAccounts.tab_id()>
                <ServiceAccountMembers/>
            </div>
        </Show>
        <div role="tabpanel" id=MembersTab::People.panel_id() aria-labelledby=MembersTab::People.tab_id()
            hidden=move || tab.get() != MembersTab::People>
        <FormError error=row_change.error() fields=&[]/>
        <Transition fallback=|| view! { <p aria-busy="true">"Loading members…"</p> }>
            {move || Suspend::new(async move {
                match members.await {
                    Err(e) => load_error(&e),
                    Ok(list) => view! {
                        <table>
                            <caption class="visually-hidden">"Members"</caption>
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                                <th scope="col">"Status"</th><th scope="col">"Added"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {list.items.into_iter().map(|m| member_row(m, change)).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
        </div>
        <Show when=move || adding.get()>
            <AddMemberDialog
                on_close=Callback::new(move |_| adding.set(false))
                on_added=Callback::new(move |i: Invitation| {
                    adding.set(false);
                    toaster.say(format!("Added {}.", i.member.email));
                    invited.set(Some(i));
                    members.refetch();
                })/>
        </Show>
        {move || invited.get().map(|i| view! {
            <Modal title="Member added".to_string() on_close=Callback::new(move |_| invited.set(None))>
                <p>{format!("Send {} this one-time link to set a password. It works once, for 7 days, and is not shown again.", i.member.email)}</p>
                <label for="setup-url">"Setup link"</label>
                <input id="setup-url" class="secret" readonly prop:value=i.setup_url.clone()/>
                <div class="actions"><button type="button" on:click=move |_| invited.set(None)>"Done"</button></div>
            </Modal>
        })}
    }
}

/// The two tabs of the Members page.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MembersTab {
    People,
    ServiceAccounts,
}

impl MembersTab {
    fn label(self) -> &'static str {
        match self {
            MembersTab::People => "People",
            MembersTab::ServiceAccounts => "Service accounts",
        }
    }
    fn tab_id(self) -> &'static str {
        match self {
            MembersTab::People => "tab-people",
            MembersTab::ServiceAccounts => "tab-service-accounts",
        }
    }
    fn panel_id(self) -> &'static str {
        match self {
            MembersTab::People => "panel-people",
            MembersTab::ServiceAccounts => "panel-service-accounts",
        }
    }
    fn other(self) -> Self {
        match self {
            MembersTab::People => MembersTab::ServiceAccounts,
            MembersTab::ServiceAccounts => MembersTab::People,
        }
    }
}

/// The organization's service accounts as members: name with a "service account" badge, role,
/// status, last use; each opens its page, where it is managed.
#[component]
fn ServiceAccountMembers() -> impl IntoView {
    let accounts = Resource::new(
        || (),
        |_| list_service_accounts(None, None, None, None, Some(1), Some(200)),
    );
    view! {
        <Transition fallback=|| view! { <p aria-busy="true">"Loading service accounts…"</p> }>
            {move || Suspend::new(async move {
                match accounts.await {
                    Err(e) => load_error(&e),
                    Ok(list) if list.items.is_empty() => view! {
                        <div class="empty">"No service accounts yet. Create them under Service accounts."</div>
                    }.into_any(),
                    Ok(list) => view! {
                        <table>
                            <caption class="visually-hidden">"Service accounts"</caption>
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Role"</th><th scope="col">"Status"</th>
                                <th scope="col">"Last used"</th><th scope="col">"Added"</th>
                            </tr></thead>
                            <tbody>
                                {list.items.into_iter().map(|sa| view! {
                                    <tr>
                                        <td>
                                            <A href=format!("/settings/service-accounts/{}", sa.id)>{sa.name.clone()}</A>
                                            <span class="badge muted-badge">"service account"</span>
                                        </td>
                                        <td>{sa.role.label()}</td>
                                        <td>{if sa.disabled { "Disabled" } else { "Active" }}</td>
                                        <td>{when_or(&sa.last_used_at, "Never")}</td>
                                        <td>{when(&sa.created_at)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        {(list.total > list.per_page).then(|| view! {
                            <p class="hint">{format!("Showing {} of {}; the Service accounts page searches them all.", list.per_page, list.total)}</p>
                        })}
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

fn member_row(
    m: User,
    change: impl Fn(String, Option<String>, Option<bool>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let role_label = format!("Role of {}", m.email);
    let toggle_label = format!(
        "{} {}",
        if m.disabled { "Enable" } else { "Disable" },
        m.email
    );
    let (id_role, id_toggle) = (m.id.clone(), m.id.clone());
    let disabled = m.disabled;
    view! {
        <tr>
            <td>{m.name.clone()}</td>
            <td>{m.email.clone()}</td>
            <td>
                <select aria-label=role_label on:change=move |ev| change(id_role.clone(), Some(event_target_value(&ev)), None)>
                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == m.role>{r.label()}</option> }).collect_view()}
                </select>
            </td>
            <td>{if disabled { "Disabled" } else { "Active" }}</td>
            <td>{when(&m.created_at)}</td>
            <td>
                <button type="button" class=if disabled { "secondary" } else { "danger" } aria-label=toggle_label
                    on:click=move |_| change(id_toggle.clone(), None, Some(!disabled))>
                    {if disabled { "Enable" } else { "Disable" }}
                </button>
            </td>
        </tr>
    }
}

const FIELDS: &[&str] = &["email", "name", "role"];

#[component]
fn AddMemberDialog(on_close: Callback<()>, on_added: Callback<Invitation>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new("viewer".to_string());
    let form = FormCall::new();
    let error = form.error();
    let submit = Callback::new(move |_| {
        // The same rules as the server, before any request.
        let checked = EmailAddress::parse("email", &email.get_untracked())
            .and_then(|_| DisplayName::parse("name", &name.get_untracked()));
        if form.check(checked).is_none() {
            return;
        }
        form.run(
            invite_member(
                email.get_untracked(),
                name.get_untracked(),
                role.get_untracked(),
                None,
            ),
            move |i| on_added.run(i),
        );
    });
    view! {
        <FormDialog title="Add member".to_string() form=form fields=FIELDS
            submit="Add member" busy="Adding…" on_submit=submit on_close=on_close>
                <label for="member-email">"Email"</label>
                <input id="member-email" type="email" prop:value=email on:input=move |ev| email.set(event_target_value(&ev))/>
                <FieldError error=error field="email"/>
                <label for="member-name">"Name"</label>
                <input id="member-name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                <FieldError error=error field="name"/>
                <label for="member-role">"Role"</label>
                <select id="member-role" on:change=move |ev| role.set(event_target_value(&ev))>
                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == Role::Viewer>{r.label()}</option> }).collect_view()}
                </select>
                <FieldError error=error field="role"/>
        </FormDialog>
    }
}
