//! A service account's access on its page: its roles organization-wide (with Manage roles), its
//! groups, its roles in workspaces, and its effective access (the explain view as a table).

use crate::api::access::effective_access;
use crate::api::bindings::revoke_binding;
use crate::api::service_accounts::update_service_account;
use crate::domain::{Binding, NamedRef, Role, ServiceAccount, SubjectRef, SubjectType};
use crate::ui::access::dialogs::{CustomRolesPicker, GrantRoleDialog};
use crate::ui::widgets::form::{FormCall, FormDialog, FormError, RoleSelect};
use crate::ui::widgets::page::load_error;
use leptos::prelude::*;
use leptos_router::components::A;

#[derive(Clone, Copy, PartialEq)]
enum Dialog {
    Manage,
    Grant,
}

/// The Roles, Groups, Workspaces and Effective access sections of an account's page.
#[component]
pub fn AccountAccess(
    account: ServiceAccount,
    bindings: Vec<Binding>,
    groups: Vec<NamedRef>,
    /// Whether the signed-in person may change this account.
    writable: bool,
    /// Called after a change, so the page reloads.
    on_changed: Callback<()>,
) -> impl IntoView {
    let dialog = RwSignal::new(None::<Dialog>);
    let revocation = FormCall::new();
    let subject = SubjectRef {
        kind: SubjectType::ServiceAccount,
        id: account.id.clone(),
    };
    let effective = Resource::new(
        {
            let subject = subject.clone();
            move || subject.clone()
        },
        effective_access,
    );
    let (org_wide, in_workspaces): (Vec<Binding>, Vec<Binding>) =
        bindings.into_iter().partition(|b| b.workspace.is_none());
    let current_custom: Vec<String> = org_wide.iter().map(|b| b.role.id.clone()).collect();
    let revoke = move |id: String| revocation.run(revoke_binding(id), move |_| on_changed.run(()));
    let close = Callback::new(move |changed: bool| {
        dialog.set(None);
        if changed {
            on_changed.run(());
        }
    });
    let (account_for_dialog, name_for_grant) = (account.clone(), account.name.clone());
    view! {
        <FormError error=revocation.error() fields=&[]/>
        <div class="section-head">
            <h2>"Roles"</h2>
            {writable.then(|| view! {
                <button type="button" class="secondary" on:click=move |_| dialog.set(Some(Dialog::Manage))>"Manage roles"</button>
            })}
        </div>
        <ul class="chips">
            <li class="chip">{account.role.as_str()}<span class="badge muted-badge">"organization role"</span></li>
            {org_wide.into_iter().map(|b| view! { <li class="chip">{b.role.name}</li> }).collect_view()}
        </ul>
        <h2>"Groups"</h2>
        {if groups.is_empty() {
            view! { <p class="muted">"In no group."</p> }.into_any()
        } else {
            view! {
                <ul class="chips">
                    {groups.into_iter().map(|g| view! { <li class="chip"><A href="/settings/groups">{g.name}</A></li> }).collect_view()}
                </ul>
            }.into_any()
        }}
        <div class="section-head">
            <h2>"Workspaces"</h2>
            {writable.then(|| view! {
                <button type="button" class="secondary" on:click=move |_| dialog.set(Some(Dialog::Grant))>"Grant role"</button>
            })}
        </div>
        {if in_workspaces.is_empty() {
            view! { <p class="muted">"No roles in a workspace of its own (its groups may give some: see Effective access)."</p> }.into_any()
        } else {
            view! {
                <ul class="chips">
                    {in_workspaces.into_iter().map(|b| {
                        let text = format!("{} in {}", b.role.name, b.workspace.as_ref().map(|w| w.name.clone()).unwrap_or_default());
                        let label = format!("Revoke {text}");
                        let id = b.id.clone();
                        view! {
                            <li class="chip">{text.clone()}
                                {writable.then(|| view! {
                                    <button type="button" class="link" aria-label=label on:click=move |_| revoke(id.clone())>"×"</button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <h2>"Effective access"</h2>
        <Transition fallback=|| view! { <p aria-busy="true">"Working out what it may do…"</p> }>
            {move || Suspend::new(async move {
                match effective.await {
                    Err(e) => load_error(&e),
                    Ok(list) => view! {
                        <table>
                            <caption class="visually-hidden">"Effective access"</caption>
                            <thead><tr><th scope="col">"Permission"</th><th scope="col">"Where"</th><th scope="col">"Because"</th></tr></thead>
                            <tbody>
                                {list.items.into_iter().map(|row| view! {
                                    <tr>
                                        <td><code>{row.permission}</code></td>
                                        <td>{row.workspace.map(|w| format!("Workspace {w}")).unwrap_or_else(|| "Organization-wide".into())}</td>
                                        <td>{row.because.into_iter().map(|r| {
                                            let mut s = format!("role {}", r.role);
                                            if let Some(g) = r.via_group { s.push_str(&format!(" via group {g}")); }
                                            if r.binding_id.is_none() { s.push_str(" (organization role)"); }
                                            s
                                        }).collect::<Vec<_>>().join("; ")}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
        {move || dialog.get().map(|d| match d {
            Dialog::Manage => view! { <ManageRolesDialog account=account_for_dialog.clone() current=current_custom.clone() on_close=close/> }.into_any(),
            Dialog::Grant => view! { <GrantRoleDialog subject=subject.clone() subject_name=name_for_grant.clone() on_close=close/> }.into_any(),
        })}
    }
}

/// Manage roles: the organization role and the custom roles held organization-wide; Update
/// makes them exactly what is ticked.
#[component]
fn ManageRolesDialog(
    account: ServiceAccount,
    current: Vec<String>,
    on_close: Callback<bool>,
) -> impl IntoView {
    let role = RwSignal::new(account.role.as_str().to_string());
    let chosen = RwSignal::new(current);
    let form = FormCall::new();
    let id = StoredValue::new(account.id.clone());
    let submit = Callback::new(move |_| {
        let builtin = role.get_untracked();
        let mut roles = chosen.get_untracked();
        roles.push(builtin.clone());
        let call = update_service_account(id.get_value(), None, None, Some(builtin), Some(roles));
        form.run(call, move |_| on_close.run(true));
    });
    view! {
        <FormDialog title=format!("Manage roles of {}", account.name) form=form fields=&[]
            submit="Update" busy="Updating…" on_submit=submit on_close=Callback::new(move |_| on_close.run(false))>
                <label for="manage-role">"Organization role"</label>
                <RoleSelect id="manage-role" role=role/>
                <CustomRolesPicker chosen=chosen/>
                <p class="hint">{format!("Roles in a workspace and through groups are managed on their pages. {} is the least organization role.", Role::Viewer.label())}</p>
        </FormDialog>
    }
}
