//! Settings › Groups: named sets of members and service accounts, their roles, adding members
//! with search, removing them, and granting the group roles (organization-wide or in a
//! workspace).

use crate::api::bindings::{list_bindings, revoke_binding};
use crate::api::groups::{
    add_group_members, create_group, delete_group, list_groups, remove_group_members,
};
use crate::api::members::list_members;
use crate::api::service_accounts::list_service_accounts;
use crate::domain::{Binding, Group, Permission, SubjectRef, SubjectType};
use crate::ui::access::dialogs::{GrantRoleDialog, NameDialog};
use crate::ui::may;
use crate::ui::widgets::confirm::ConfirmDialog;
use crate::ui::widgets::form::{FormCall, FormDialog, FormError};
use crate::ui::widgets::page::load_error;
use crate::ui::widgets::page::PageHead;
use crate::ui::widgets::toast::toaster;
use leptos::prelude::*;

#[derive(Clone)]
enum Dialog {
    New,
    Add(Group),
    Grant(Group),
    Delete(Group),
}

#[component]
pub fn GroupsPage() -> impl IntoView {
    let groups = Resource::new(|| (), |_| list_groups());
    let bindings = Resource::new(|| (), |_| list_bindings(None, None, None));
    let dialog = RwSignal::new(None::<Dialog>);
    let row_change = FormCall::new();
    let can_edit = may(Permission::GroupsWrite);
    let reload = move || {
        groups.refetch();
        bindings.refetch();
    };
    let toaster = toaster();
    let close = Callback::new(move |changed: bool| {
        let done = dialog.get_untracked();
        dialog.set(None);
        if changed {
            toaster.say(match done {
                Some(Dialog::Add(g)) => format!("Added members to {}.", g.name),
                Some(Dialog::Grant(g)) => format!("Granted the role to {}.", g.name),
                Some(Dialog::Delete(g)) => format!("Deleted the group {}.", g.name),
                _ => "Created the group.".to_string(),
            });
            reload();
        }
    });
    let remove = move |group: String, who: SubjectRef| {
        let (sa, m) = match who.kind {
            SubjectType::Member => (None, Some(vec![who.id])),
            _ => (Some(vec![who.id]), None),
        };
        row_change.run(remove_group_members(group, sa, m), move |_| reload());
    };
    let revoke = move |id: String| row_change.run(revoke_binding(id), move |_| reload());
    view! {
        <PageHead title="Groups" intro="Members and service accounts that share roles. A group's roles apply to everyone in it.">
            <Show when=move || can_edit.get()>
                <button type="button" on:click=move |_| dialog.set(Some(Dialog::New))>"New group"</button>
            </Show>
        </PageHead>
        <FormError error=row_change.error() fields=&[]/>
        <Transition fallback=|| view! { <p aria-busy="true">"Loading groups…"</p> }>
            {move || Suspend::new(async move {
                let (list, held) = match (groups.await, bindings.await) {
                    (Ok(g), Ok(b)) => (g.items, b.items),
                    (Err(e), _) | (_, Err(e)) => return load_error(&e),
                };
                if list.is_empty() {
                    return view! { <div class="empty">"No groups yet. Create one, add members and service accounts, then grant it roles."</div> }.into_any();
                }
                view! {
                    <table>
                        <caption class="visually-hidden">"Groups"</caption>
                        <thead><tr>
                            <th scope="col">"Group"</th><th scope="col">"Members"</th><th scope="col">"Roles"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|g| group_row(g, &held, can_edit, dialog, remove, revoke)).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </Transition>
        {move || dialog.get().map(|d| match d {
            Dialog::New => view! {
                <NameDialog title="New group" button="Create group" on_close=close
                    create=|name, description| Box::pin(async move { create_group(name, description).await.map(|_| ()) })/>
            }.into_any(),
            Dialog::Add(g) => view! { <AddMembersDialog group=g on_close=close/> }.into_any(),
            Dialog::Grant(g) => view! {
                <GrantRoleDialog subject=SubjectRef { kind: SubjectType::Group, id: g.id.clone() } subject_name=g.name.clone() on_close=close/>
            }.into_any(),
            Dialog::Delete(g) => {
                let id = g.id.clone();
                view! {
                    <ConfirmDialog title=format!("Delete {}", g.name) confirm_label="Delete group".to_string() on_close=close
                        message=format!("{} member(s) lose the roles they had through this group at once.", g.members.len())
                        confirm=move || { let id = id.clone(); async move { delete_group(id).await.map(|_| ()) } }/>
                }.into_any()
            }
        })}
    }
}

fn group_row(
    g: Group,
    held: &[Binding],
    can_edit: Signal<bool>,
    dialog: RwSignal<Option<Dialog>>,
    remove: impl Fn(String, SubjectRef) + Copy + Send + Sync + 'static,
    revoke: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let roles: Vec<Binding> = held
        .iter()
        .filter(|b| b.subject.kind == SubjectType::Group && b.subject.id == g.id)
        .cloned()
        .collect();
    let group_id = g.id.clone();
    let (for_add, for_grant, for_delete) = (g.clone(), g.clone(), g.clone());
    view! {
        <tr>
            <td><strong>{g.name.clone()}</strong><br/><span class="muted">{g.description.clone()}</span></td>
            <td>
                <ul class="chips">
                    {g.members.into_iter().map(|m| {
                        let label = format!("Remove {} from {}", m.name, g.name);
                        let who = SubjectRef { kind: m.kind, id: m.id.clone() };
                        let group_id = group_id.clone();
                        view! {
                            <li class="chip">
                                {m.name.clone()}
                                {(m.kind == SubjectType::ServiceAccount).then(|| view! { <span class="badge muted-badge">"service account"</span> })}
                                <Show when=move || can_edit.get()>
                                    <button type="button" class="link" aria-label=label.clone()
                                        on:click={let who = who.clone(); let group_id = group_id.clone(); move |_| remove(group_id.clone(), who.clone())}>"×"</button>
                                </Show>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </td>
            <td>
                <ul class="chips">
                    {roles.into_iter().map(|b| {
                        let text = match &b.workspace { Some(w) => format!("{} in {}", b.role.name, w.name), None => b.role.name.clone() };
                        let label = format!("Revoke {text} from {}", b.subject_name);
                        let id = b.id.clone();
                        view! {
                            <li class="chip">{text}
                                <Show when=move || can_edit.get()>
                                    <button type="button" class="link" aria-label=label.clone() on:click={let id = id.clone(); move |_| revoke(id.clone())}>"×"</button>
                                </Show>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </td>
            <td class="row-actions">
                <Show when=move || can_edit.get()>
                    <button type="button" class="secondary" on:click={let g = for_add.clone(); move |_| dialog.set(Some(Dialog::Add(g.clone())))}
                        aria-label=format!("Add members to {}", for_add.name)>"Add members"</button>
                    <button type="button" class="secondary" on:click={let g = for_grant.clone(); move |_| dialog.set(Some(Dialog::Grant(g.clone())))}
                        aria-label=format!("Grant a role to {}", for_grant.name)>"Grant role"</button>
                    <button type="button" class="danger" on:click={let g = for_delete.clone(); move |_| dialog.set(Some(Dialog::Delete(g.clone())))}
                        aria-label=format!("Delete {}", for_delete.name)>"Delete"</button>
                </Show>
            </td>
        </tr>
    }
}

/// Pick members and service accounts to add, found by searching their names.
#[component]
fn AddMembersDialog(group: Group, on_close: Callback<bool>) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let picked = RwSignal::new(Vec::<SubjectRef>::new());
    let form = FormCall::new();
    let accounts = Resource::new(
        move || search.get(),
        |q| async move {
            let q = (!q.trim().is_empty()).then(|| q.trim().to_lowercase());
            list_service_accounts(q, None, None, None, None, Some(20)).await
        },
    );
    let people = Resource::new(|| (), |_| list_members(None, Some(200)));
    let group_id = StoredValue::new(group.id.clone());
    let submit = Callback::new(move |_| {
        let chosen = picked.get_untracked();
        let ids = |kind| {
            chosen
                .iter()
                .filter(|s| s.kind == kind)
                .map(|s| s.id.clone())
                .collect::<Vec<_>>()
        };
        let call = add_group_members(
            group_id.get_value(),
            Some(ids(SubjectType::ServiceAccount)),
            Some(ids(SubjectType::Member)),
        );
        form.run(call, move |_| on_close.run(true));
    });
    let option = move |kind: SubjectType, id: String, name: String, note: &'static str| {
        let who = SubjectRef { kind, id };
        let checked = {
            let who = who.clone();
            move || picked.get().contains(&who)
        };
        let toggle = move |ev: leptos::ev::Event| {
            let on = event_target_checked(&ev);
            picked.update(|p| {
                p.retain(|x| x != &who);
                if on {
                    p.push(who.clone());
                }
            });
        };
        view! {
            <label class="check"><input type="checkbox" prop:checked=checked on:change=toggle/>{name}" "<span class="muted">{note}</span></label>
        }
    };
    view! {
        <FormDialog title=format!("Add members to {}", group.name) form=form fields=&[]
            submit="Add" busy="Adding…" on_submit=submit on_close=Callback::new(move |_| on_close.run(false))
            incomplete=Signal::derive(move || picked.with(|p| p.is_empty()))>
                <label for="member-search">"Search"</label>
                <input id="member-search" type="search" prop:value=search on:input=move |ev| search.set(event_target_value(&ev))/>
                <fieldset>
                    <legend>"Service accounts and members"</legend>
                    <Transition fallback=|| view! { <p aria-busy="true">"Searching…"</p> }>
                        {move || Suspend::new(async move {
                            let q = search.get_untracked().trim().to_lowercase();
                            let sas = accounts.await.map(|a| a.items).unwrap_or_default();
                            let ms = people.await.map(|m| m.items).unwrap_or_default();
                            let ms: Vec<_> = ms.into_iter().filter(|m| q.is_empty() || m.email.contains(&q) || m.name.to_lowercase().contains(&q)).take(20).collect();
                            view! {
                                {sas.into_iter().map(|a| option(SubjectType::ServiceAccount, a.id, a.name, "service account")).collect_view()}
                                {ms.into_iter().map(|m| option(SubjectType::Member, m.id, m.email, "member")).collect_view()}
                            }
                        })}
                    </Transition>
                </fieldset>
        </FormDialog>
    }
}
