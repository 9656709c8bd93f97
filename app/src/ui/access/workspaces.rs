//! Settings › Workspaces: named scopes inside the organization, and who holds which role in each.

use crate::api::bindings::list_bindings;
use crate::api::workspaces::{create_workspace, delete_workspace, list_workspaces};
use crate::domain::{Binding, Permission, Workspace};
use crate::ui::access::dialogs::NameDialog;
use crate::ui::may;
use crate::ui::widgets::confirm::ConfirmDialog;
use crate::ui::widgets::page::load_error;
use crate::ui::widgets::page::PageHead;
use crate::ui::widgets::toast::toaster;
use leptos::prelude::*;

#[derive(Clone)]
enum Dialog {
    New,
    Delete(Workspace),
}

#[component]
pub fn WorkspacesPage() -> impl IntoView {
    let workspaces = Resource::new(|| (), |_| list_workspaces());
    let bindings = Resource::new(|| (), |_| list_bindings(None, None, None));
    let dialog = RwSignal::new(None::<Dialog>);
    let can_edit = may(Permission::WorkspacesWrite);
    let toaster = toaster();
    let close = Callback::new(move |changed: bool| {
        let done = dialog.get_untracked();
        dialog.set(None);
        if changed {
            toaster.say(match done {
                Some(Dialog::Delete(w)) => format!("Deleted the workspace {}.", w.name),
                _ => "Created the workspace.".to_string(),
            });
            workspaces.refetch();
            bindings.refetch();
        }
    });
    view! {
        <PageHead title="Workspaces" intro="Scopes inside your organization, like prod or ml-research. A role bound in a workspace applies only there.">
            <Show when=move || can_edit.get()>
                <button type="button" on:click=move |_| dialog.set(Some(Dialog::New))>"New workspace"</button>
            </Show>
        </PageHead>
        <Transition fallback=|| view! { <p aria-busy="true">"Loading workspaces…"</p> }>
            {move || Suspend::new(async move {
                let (list, held) = match (workspaces.await, bindings.await) {
                    (Ok(w), Ok(b)) => (w.items, b.items),
                    (Err(e), _) | (_, Err(e)) => return load_error(&e),
                };
                if list.is_empty() {
                    return view! { <div class="empty">"No workspaces yet. Create one, then bind roles in it to members, service accounts or groups."</div> }.into_any();
                }
                view! {
                    <table>
                        <caption class="visually-hidden">"Workspaces"</caption>
                        <thead><tr>
                            <th scope="col">"Workspace"</th><th scope="col">"Roles held here"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|w| workspace_row(w, &held, can_edit, dialog)).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </Transition>
        {move || dialog.get().map(|d| match d {
            Dialog::New => view! {
                <NameDialog title="New workspace" button="Create workspace" on_close=close
                    create=|name, description| Box::pin(async move { create_workspace(name, description).await.map(|_| ()) })/>
            }.into_any(),
            Dialog::Delete(w) => {
                let id = w.id.clone();
                view! {
                    <ConfirmDialog title=format!("Delete {}", w.name) confirm_label="Delete workspace".to_string() on_close=close
                        message="Every role bound in this workspace is removed with it, at once.".to_string()
                        confirm=move || { let id = id.clone(); async move { delete_workspace(id).await.map(|_| ()) } }/>
                }.into_any()
            }
        })}
    }
}

fn workspace_row(
    w: Workspace,
    held: &[Binding],
    can_edit: Signal<bool>,
    dialog: RwSignal<Option<Dialog>>,
) -> impl IntoView {
    let here: Vec<String> = held
        .iter()
        .filter(|b| b.workspace.as_ref().is_some_and(|x| x.id == w.id))
        .map(|b| format!("{}: {}", b.subject_name, b.role.name))
        .collect();
    let label = format!("Delete {}", w.name);
    let for_delete = w.clone();
    view! {
        <tr>
            <td><strong>{w.name.clone()}</strong><br/><span class="muted">{w.description.clone()}</span></td>
            <td>{if here.is_empty() { "—".to_string() } else { here.join(", ") }}</td>
            <td class="row-actions">
                <Show when=move || can_edit.get()>
                    <button type="button" class="danger" aria-label=label.clone()
                        on:click={let w = for_delete.clone(); move |_| dialog.set(Some(Dialog::Delete(w.clone())))}>"Delete"</button>
                </Show>
            </td>
        </tr>
    }
}
