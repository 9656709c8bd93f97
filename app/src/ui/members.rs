//! Settings › Members (admins): people, their roles, adding and disabling them; and the
//! password change every person can make for themself.

use super::components::{run_call, FieldError, FormError, Modal};
use super::format::when;
use crate::api::members::{
    change_password, invite_member, list_members, update_member, Invitation,
};
use crate::domain::{ApiError, Role, User};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MembersPage() -> impl IntoView {
    let members = Resource::new(|| (), |_| list_members(None, Some(200)));
    let adding = RwSignal::new(false);
    let invited = RwSignal::new(None::<Invitation>);
    let row_error = RwSignal::new(None::<ApiError>);
    let change = move |id: String, role: Option<String>, disabled: Option<bool>| {
        row_error.set(None);
        leptos::task::spawn_local(async move {
            match update_member(id, role, disabled).await {
                Ok(_) => members.refetch(),
                Err(e) => {
                    row_error.set(Some(e));
                    members.refetch();
                }
            }
        });
    };
    view! {
        <Title text="Members"/>
        <div class="page-head">
            <div>
                <h1>"Members"</h1>
                <p class="muted">"People who can sign in to Steward in your organization."</p>
            </div>
            <button type="button" on:click=move |_| adding.set(true)>"Add member"</button>
        </div>
        <FormError error=row_error.into() fields=&[]/>
        <Transition fallback=|| view! { <p aria-busy="true">"Loading members…"</p> }>
            {move || Suspend::new(async move {
                match members.await {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message().to_string()}</p> }.into_any(),
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
        <Show when=move || adding.get()>
            <AddMemberDialog
                on_close=Callback::new(move |_| adding.set(false))
                on_added=Callback::new(move |i: Invitation| {
                    adding.set(false);
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
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        run_call(
            pending,
            error,
            invite_member(
                email.get_untracked(),
                name.get_untracked(),
                role.get_untracked(),
                None,
            ),
            move |i| on_added.run(i),
        );
    };
    view! {
        <Modal title="Add member".to_string() on_close=on_close>
            <form on:submit=submit novalidate>
                <FormError error=error.into() fields=FIELDS/>
                <label for="member-email">"Email"</label>
                <input id="member-email" type="email" prop:value=email on:input=move |ev| email.set(event_target_value(&ev))/>
                <FieldError error=error.into() field="email"/>
                <label for="member-name">"Name"</label>
                <input id="member-name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                <FieldError error=error.into() field="name"/>
                <label for="member-role">"Role"</label>
                <select id="member-role" on:change=move |ev| role.set(event_target_value(&ev))>
                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == Role::Viewer>{r.label()}</option> }).collect_view()}
                </select>
                <FieldError error=error.into() field="role"/>
                <div class="actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" disabled=move || pending.get()>"Add member"</button>
                </div>
            </form>
        </Modal>
    }
}

/// Your account: change your own password.
#[component]
pub fn AccountSettingsPage() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        run_call(
            pending,
            error,
            change_password(current.get_untracked(), new.get_untracked()),
            move |_| {
                saved.set(true);
                current.set(String::new());
                new.set(String::new());
            },
        );
    };
    view! {
        <Title text="Your account"/>
        <h1>"Your account"</h1>
        <form class="card" on:submit=submit novalidate>
            <h2>"Change password"</h2>
            <FormError error=error.into() fields=&["current_password", "new_password"]/>
            <label for="current-password">"Current password"</label>
            <input id="current-password" type="password" autocomplete="current-password" prop:value=current on:input=move |ev| current.set(event_target_value(&ev))/>
            <FieldError error=error.into() field="current_password"/>
            <label for="new-password">"New password"</label>
            <input id="new-password" type="password" autocomplete="new-password" prop:value=new on:input=move |ev| new.set(event_target_value(&ev))/>
            <p class="hint">"At least 12 characters."</p>
            <FieldError error=error.into() field="new_password"/>
            <div class="actions left"><button type="submit" disabled=move || pending.get()>"Change password"</button></div>
            <p class="muted" aria-live="polite">{move || saved.get().then_some("Password changed.")}</p>
        </form>
    }
}
