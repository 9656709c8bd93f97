//! Settings › Roles: the built-in roles and the organization's own, who holds each, creating and
//! editing a role by ticking permissions grouped by resource, and declaring the organization's
//! application permissions.

use crate::api::bindings::list_bindings;
use crate::api::permissions::{declare_permission, list_permissions};
use crate::api::roles::{create_role, delete_role, list_roles, update_role};
use crate::domain::{ApiError, Binding, Permission, PermissionInfo, RoleInfo};
use crate::ui::may;
use crate::ui::widgets::form::{FieldError, FormCall, FormDialog, FormError, TextField};
use crate::ui::widgets::modal::Modal;
use crate::ui::widgets::page::load_error;
use crate::ui::widgets::page::PageHead;
use crate::ui::widgets::toast::toaster;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// Which dialog is open.
#[derive(Clone)]
enum Dialog {
    New,
    Edit(RoleInfo),
    Delete(RoleInfo),
    Declare,
}

#[component]
pub fn RolesPage() -> impl IntoView {
    let roles = Resource::new(|| (), |_| list_roles());
    let permissions = Resource::new(|| (), |_| list_permissions());
    let bindings = Resource::new(|| (), |_| list_bindings(None, None, None));
    let dialog = RwSignal::new(None::<Dialog>);
    let can_edit = may(Permission::RolesWrite);
    let toaster = toaster();
    let close = Callback::new(move |changed: bool| {
        let done = dialog.get_untracked();
        dialog.set(None);
        if changed {
            toaster.say(match done {
                Some(Dialog::New) => "Created the role.".to_string(),
                Some(Dialog::Edit(r)) => format!("Saved the role {}.", r.name),
                Some(Dialog::Delete(r)) => format!("Deleted the role {}.", r.name),
                Some(Dialog::Declare) | None => "Declared the permission.".to_string(),
            });
            roles.refetch();
            permissions.refetch();
            bindings.refetch();
        }
    });
    view! {
        <PageHead title="Roles" intro="Named sets of permissions. Bind them to members, service accounts and groups, organization-wide or in one workspace.">
            <Show when=move || can_edit.get()>
                <div class="actions top">
                    <button type="button" class="secondary" on:click=move |_| dialog.set(Some(Dialog::Declare))>"Declare permission"</button>
                    <button type="button" on:click=move |_| dialog.set(Some(Dialog::New))>"New role"</button>
                </div>
            </Show>
        </PageHead>
        <Transition fallback=|| view! { <p aria-busy="true">"Loading roles…"</p> }>
            {move || Suspend::new(async move {
                let (list, held) = match (roles.await, bindings.await) {
                    (Ok(r), Ok(b)) => (r.items, b.items),
                    (Err(e), _) | (_, Err(e)) => return load_error(&e),
                };
                view! {
                    <table>
                        <caption class="visually-hidden">"Roles"</caption>
                        <thead><tr>
                            <th scope="col">"Role"</th><th scope="col">"Permissions"</th>
                            <th scope="col">"Held by"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|r| role_row(r, &held, can_edit, dialog)).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </Transition>
        {move || dialog.get().map(|d| match d {
            Dialog::New => view! { <RoleDialog role=None permissions=permissions on_close=close/> }.into_any(),
            Dialog::Edit(r) => view! { <RoleDialog role=Some(r) permissions=permissions on_close=close/> }.into_any(),
            Dialog::Delete(r) => view! { <DeleteRoleDialog role=r on_close=close/> }.into_any(),
            Dialog::Declare => view! { <DeclarePermissionDialog on_close=close/> }.into_any(),
        })}
        <h2>"Application permissions"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let items: Vec<PermissionInfo> = permissions.await.map(|p| p.items).unwrap_or_default()
                    .into_iter().filter(|p| p.kind == crate::domain::PermissionKind::Application).collect();
                if items.is_empty() {
                    view! { <div class="empty">"None yet. Declare the permissions your other systems check, like deploy:production, and Steward will grant and report them."</div> }.into_any()
                } else {
                    view! {
                        <ul class="plain-list">
                            {items.into_iter().map(|p| view! { <li><code>{p.name}</code>" "<span class="muted">{p.description}</span></li> }).collect_view()}
                        </ul>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// Who holds a role, in a few words.
fn holders(role_id: &str, held: &[Binding]) -> String {
    let names: Vec<String> = held
        .iter()
        .filter(|b| b.role.id == role_id)
        .map(|b| match &b.workspace {
            Some(w) => format!("{} (in {})", b.subject_name, w.name),
            None => b.subject_name.clone(),
        })
        .collect();
    match names.len() {
        0 => "—".to_string(),
        1..=4 => names.join(", "),
        n => format!("{} and {} more", names[..3].join(", "), n - 3),
    }
}

fn role_row(
    r: RoleInfo,
    held: &[Binding],
    can_edit: Signal<bool>,
    dialog: RwSignal<Option<Dialog>>,
) -> impl IntoView {
    let permissions = if r.all_permissions {
        "Every permission, including every application permission".to_string()
    } else {
        r.permissions.join(", ")
    };
    let who = holders(&r.id, held);
    let builtin = r.builtin;
    let (for_edit, for_delete) = (r.clone(), r.clone());
    let (edit_label, delete_label) = (format!("Edit {}", r.name), format!("Delete {}", r.name));
    view! {
        <tr>
            <td>
                <strong>{r.name.clone()}</strong>
                {builtin.then(|| view! { <span class="badge muted-badge">"built-in"</span> })}
                <br/><span class="muted">{r.description.clone()}</span>
            </td>
            <td>{permissions}</td>
            <td>{who}</td>
            <td class="row-actions">
                <Show when=move || can_edit.get() && !builtin>
                    <button type="button" class="secondary" aria-label=edit_label.clone()
                        on:click={let r = for_edit.clone(); move |_| dialog.set(Some(Dialog::Edit(r.clone())))}>"Edit"</button>
                    <button type="button" class="danger" aria-label=delete_label.clone()
                        on:click={let r = for_delete.clone(); move |_| dialog.set(Some(Dialog::Delete(r.clone())))}>"Delete"</button>
                </Show>
            </td>
        </tr>
    }
}

const ROLE_FIELDS: &[&str] = &["name", "description", "permissions"];

/// Create or edit a custom role: name, description, and permissions ticked by resource.
#[component]
fn RoleDialog(
    role: Option<RoleInfo>,
    permissions: Resource<Result<crate::api::Items<PermissionInfo>, ApiError>>,
    on_close: Callback<bool>,
) -> impl IntoView {
    let editing = role.clone();
    let editing_role = role.is_some();
    let name = RwSignal::new(role.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let description = RwSignal::new(
        role.as_ref()
            .map(|r| r.description.clone())
            .unwrap_or_default(),
    );
    let chosen = RwSignal::new(
        role.as_ref()
            .map(|r| r.permissions.clone())
            .unwrap_or_default(),
    );
    let form = FormCall::new();
    let error = form.error();
    let title = if role.is_some() {
        "Edit role"
    } else {
        "New role"
    };
    let submit = Callback::new(move |_| {
        let perms = chosen.get_untracked();
        let done = move |_| on_close.run(true);
        match &editing {
            Some(r) => form.run(
                update_role(
                    r.id.clone(),
                    Some(name.get_untracked()),
                    Some(description.get_untracked()),
                    Some(perms),
                ),
                done,
            ),
            None => form.run(
                create_role(
                    name.get_untracked(),
                    Some(description.get_untracked()),
                    perms,
                ),
                done,
            ),
        }
    });
    let (save, saving) = if editing_role {
        ("Save role", "Saving…")
    } else {
        ("Create role", "Creating…")
    };
    view! {
        <FormDialog title=title.to_string() form=form fields=ROLE_FIELDS submit=save busy=saving
            on_submit=submit on_close=Callback::new(move |_| on_close.run(false))>
                <TextField id="role-name" label="Name" value=name error=error field="name"
                    hint="Lowercase letters, digits, - and _, e.g. ci-cd-read-only."/>
                <TextField id="role-description" label="Description" value=description error=error field="description"/>
                <fieldset>
                    <legend>"Permissions"</legend>
                    <Transition fallback=|| view! { <p aria-busy="true">"Loading permissions…"</p> }>
                        {move || Suspend::new(async move {
                            let all = permissions.await.map(|p| p.items).unwrap_or_default();
                            let mut by_resource: BTreeMap<String, Vec<PermissionInfo>> = BTreeMap::new();
                            for p in all {
                                let resource = p.name.split(':').next().unwrap_or("").to_string();
                                by_resource.entry(resource).or_default().push(p);
                            }
                            by_resource.into_iter().map(|(resource, items)| view! {
                                <div class="permission-group">
                                    <p class="permission-resource">{resource.replace('_', " ")}</p>
                                    {items.into_iter().map(|p| {
                                        let name = p.name.clone();
                                        let checked = { let name = name.clone(); move || chosen.get().contains(&name) };
                                        let toggle = { let name = name.clone(); move |ev: leptos::ev::Event| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|c| { c.retain(|x| x != &name); if on { c.push(name.clone()); } });
                                        }};
                                        view! {
                                            <label class="check">
                                                <input type="checkbox" prop:checked=checked on:change=toggle/>
                                                <code>{p.name.clone()}</code>" "<span class="muted">{p.description.clone()}</span>
                                            </label>
                                        }
                                    }).collect_view()}
                                </div>
                            }).collect_view()
                        })}
                    </Transition>
                </fieldset>
                <FieldError error=error field="permissions"/>
        </FormDialog>
    }
}

/// Deleting a role says who holds it; with holders the button also removes their bindings.
#[component]
fn DeleteRoleDialog(role: RoleInfo, on_close: Callback<bool>) -> impl IntoView {
    let form = FormCall::new();
    let bound = role.bindings;
    let id = StoredValue::new(role.id.clone());
    let confirm = move |_| {
        form.run(delete_role(id.get_value(), Some(bound > 0)), move |_| {
            on_close.run(true)
        })
    };
    view! {
        <Modal title=format!("Delete {}", role.name) on_close=Callback::new(move |_| on_close.run(false))>
            <p>{if bound > 0 {
                format!("{} binding(s) name this role. Deleting it removes them too: whoever held it loses its permissions at once.", bound)
            } else {
                "Nobody holds this role.".to_string()
            }}</p>
            <FormError error=form.error() fields=&[]/>
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| on_close.run(false)>"Cancel"</button>
                <button type="button" class="danger" disabled=move || form.pending() on:click=confirm>
                    {if bound > 0 { "Delete role and bindings" } else { "Delete role" }}
                </button>
            </div>
        </Modal>
    }
}

/// Declare an application permission, e.g. `deploy:production`.
#[component]
fn DeclarePermissionDialog(on_close: Callback<bool>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let form = FormCall::new();
    let submit = Callback::new(move |_| {
        let call = declare_permission(name.get_untracked(), Some(description.get_untracked()));
        form.run(call, move |_| on_close.run(true));
    });
    view! {
        <FormDialog title="Declare permission".to_string() form=form fields=&["name", "description"]
            submit="Declare" busy="Declaring…" on_submit=submit on_close=Callback::new(move |_| on_close.run(false))>
                <TextField id="permission-name" label="Permission" value=name error=form.error() field="name"
                    placeholder="deploy:production" hint="resource:action, as your other systems will ask for it."/>
                <TextField id="permission-description" label="Description" value=description error=form.error() field="description"/>
        </FormDialog>
    }
}
