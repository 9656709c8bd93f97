//! Dialogs the access pages share: naming a new workspace or group, granting a role (optionally
//! in a workspace), and confirming a deletion.

use crate::api::bindings::grant_binding;
use crate::api::roles::list_roles;
use crate::api::workspaces::list_workspaces;
use crate::domain::{ApiError, SubjectRef};
use crate::ui::widgets::form::{FieldError, FormCall, FormDialog, TextField};
use leptos::prelude::*;
use std::future::Future;
use std::pin::Pin;

/// A call that creates something from a name and a description.
pub type CreateCall =
    fn(String, Option<String>) -> Pin<Box<dyn Future<Output = Result<(), ApiError>>>>;

/// "New workspace" / "New group": a name and a description.
#[component]
pub fn NameDialog(
    title: &'static str,
    button: &'static str,
    create: CreateCall,
    on_close: Callback<bool>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let form = FormCall::new();
    let submit = Callback::new(move |_| {
        let call = create(name.get_untracked(), Some(description.get_untracked()));
        form.run(call, move |_| on_close.run(true));
    });
    view! {
        <FormDialog title=title.to_string() form=form fields=&["name", "description"]
            submit=button busy="Creating…" on_submit=submit on_close=Callback::new(move |_| on_close.run(false))>
                <TextField id="named-name" label="Name" value=name error=form.error() field="name"
                    hint="Lowercase letters, digits, - and _."/>
                <TextField id="named-description" label="Description" value=description error=form.error() field="description"/>
        </FormDialog>
    }
}

/// Grant a role to a subject, organization-wide or in one workspace.
#[component]
pub fn GrantRoleDialog(
    subject: SubjectRef,
    /// Who it is, for the heading.
    subject_name: String,
    on_close: Callback<bool>,
) -> impl IntoView {
    let roles = Resource::new(|| (), |_| list_roles());
    let workspaces = Resource::new(|| (), |_| list_workspaces());
    let role = RwSignal::new(String::new());
    let workspace = RwSignal::new(String::new());
    let form = FormCall::new();
    let error = form.error();
    let subject = StoredValue::new(subject);
    let submit = Callback::new(move |_| {
        let ws = Some(workspace.get_untracked()).filter(|w| !w.is_empty());
        let call = grant_binding(subject.get_value(), role.get_untracked(), ws);
        form.run(call, move |_| on_close.run(true));
    });
    view! {
        <FormDialog title=format!("Grant a role to {subject_name}") form=form fields=&["role", "workspace"]
            submit="Grant" busy="Granting…" on_submit=submit on_close=Callback::new(move |_| on_close.run(false))>
                <label for="grant-role">"Role"</label>
                <Transition fallback=|| view! { <p aria-busy="true">"Loading roles…"</p> }>
                    {move || Suspend::new(async move {
                        let items = roles.await.map(|r| r.items).unwrap_or_default();
                        if role.get_untracked().is_empty() {
                            if let Some(first) = items.first() { role.set(first.id.clone()); }
                        }
                        view! {
                            <select id="grant-role" on:change=move |ev| role.set(event_target_value(&ev))>
                                {items.into_iter().map(|r| view! { <option value=r.id.clone()>{r.name}</option> }).collect_view()}
                            </select>
                        }
                    })}
                </Transition>
                <FieldError error=error field="role"/>
                <label for="grant-workspace">"Where"</label>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let items = workspaces.await.map(|w| w.items).unwrap_or_default();
                        view! {
                            <select id="grant-workspace" on:change=move |ev| workspace.set(event_target_value(&ev))>
                                <option value="">"Organization-wide"</option>
                                {items.into_iter().map(|w| view! { <option value=w.id.clone()>{format!("Workspace {}", w.name)}</option> }).collect_view()}
                            </select>
                        }
                    })}
                </Transition>
                <FieldError error=error field="workspace"/>
        </FormDialog>
    }
}

/// Checkboxes for the organization's custom roles (the built-in one is chosen separately), bound
/// to `chosen` (role ids). Shows nothing while the organization has none.
#[component]
pub fn CustomRolesPicker(chosen: RwSignal<Vec<String>>) -> impl IntoView {
    let roles = Resource::new(|| (), |_| list_roles());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let custom: Vec<_> = roles.await.map(|r| r.items).unwrap_or_default()
                    .into_iter().filter(|r| !r.builtin).collect();
                (!custom.is_empty()).then(|| view! {
                    <fieldset>
                        <legend>"More roles"</legend>
                        {custom.into_iter().map(|r| {
                            let id = r.id.clone();
                            let checked = { let id = id.clone(); move || chosen.get().contains(&id) };
                            let toggle = move |ev: leptos::ev::Event| {
                                let on = event_target_checked(&ev);
                                chosen.update(|c| { c.retain(|x| x != &id); if on { c.push(id.clone()); } });
                            };
                            view! {
                                <label class="check">
                                    <input type="checkbox" prop:checked=checked on:change=toggle/>
                                    {r.name}" "<span class="muted">{r.description}</span>
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                })
            })}
        </Transition>
    }
}
