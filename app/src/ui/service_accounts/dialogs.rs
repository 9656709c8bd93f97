//! The account dialogs: edit, disable (revoke or suspend tokens), delete (type the name).

use crate::api::service_accounts::{
    delete_service_account, disable_service_account, update_service_account,
};
use crate::domain::{parse_description, ResourceName, ServiceAccount};
use crate::ui::service_accounts::actions::report_disabled;
use crate::ui::widgets::confirm::ConfirmDialog;
use crate::ui::widgets::form::{FieldError, FormCall, FormDialog, FormError, RoleSelect};
use crate::ui::widgets::modal::Modal;
use crate::ui::widgets::toast::toaster;
use leptos::prelude::*;

const FIELDS: &[&str] = &["name", "description", "role"];

/// Edit name, description and role.
#[component]
pub fn EditAccountDialog(account: ServiceAccount, on_close: Callback<bool>) -> impl IntoView {
    let name = RwSignal::new(account.name.clone());
    let description = RwSignal::new(account.description.clone());
    let role = RwSignal::new(account.role.as_str().to_string());
    let form = FormCall::new();
    let error = form.error();
    let id = StoredValue::new(account.id.clone());
    let submit = Callback::new(move |_| {
        let checked = ResourceName::parse("name", &name.get_untracked())
            .and_then(|_| parse_description("description", Some(&description.get_untracked())));
        if form.check(checked).is_none() {
            return;
        }
        let call = update_service_account(
            id.get_value(),
            Some(name.get_untracked()),
            Some(description.get_untracked()),
            Some(role.get_untracked()),
            None,
        );
        form.run(call, move |_| on_close.run(true));
    });
    view! {
        <FormDialog title="Edit service account".to_string() form=form fields=FIELDS
            submit="Save" busy="Saving…" on_submit=submit on_close=Callback::new(move |_| on_close.run(false))>
            <label for="edit-name">"Name"</label>
            <input id="edit-name" prop:value=name on:input=move |ev| {
                name.set(event_target_value(&ev));
                form.show(ResourceName::parse("name", &name.get_untracked()).err());
            }/>
            <FieldError error=error field="name"/>
            <label for="edit-description">"Description"</label>
            <textarea id="edit-description" prop:value=description on:input=move |ev| {
                description.set(event_target_value(&ev));
                form.show(parse_description("description", Some(&description.get_untracked())).err());
            }/>
            <FieldError error=error field="description"/>
            <label for="edit-role">"Role"</label>
            <RoleSelect id="edit-role" role=role/>
            <FieldError error=error field="role"/>
        </FormDialog>
    }
}

/// Disable: by default revokes every token for good; can keep them suspended instead (and
/// then the toast offers Undo).
#[component]
pub fn DisableAccountDialog(account: ServiceAccount, on_close: Callback<bool>) -> impl IntoView {
    let keep = RwSignal::new(false);
    let form = FormCall::new();
    let id = StoredValue::new(account.id.clone());
    let name = StoredValue::new(account.name.clone());
    let toaster = toaster();
    let confirm = move |_| {
        let kept = keep.get_untracked();
        form.run(
            disable_service_account(id.get_value(), Some(!kept)),
            move |_| {
                report_disabled(toaster, id.get_value(), name.get_value(), kept, move || {
                    let _ = on_close.try_run(true);
                });
                on_close.run(true);
            },
        );
    };
    let count = account.token_count;
    view! {
        <Modal title="Disable service account".to_string() on_close=Callback::new(move |_| on_close.run(false))>
            <p>{format!("Disable {}? Its tokens stop working at once.", account.name)}</p>
            <p>{move || if keep.get() {
                format!("Its {count} token(s) will be suspended and work again if you enable the account.")
            } else {
                format!("Its {count} token(s) will also be revoked permanently.")
            }}</p>
            <label class="check">
                <input type="checkbox" prop:checked=keep on:change=move |ev| keep.set(event_target_checked(&ev))/>
                " Keep tokens suspended instead of revoking them"
            </label>
            <FormError error=form.error() fields=&[]/>
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| on_close.run(false)>"Cancel"</button>
                <button type="button" class="danger" on:click=confirm disabled=move || form.pending()>"Disable account"</button>
            </div>
        </Modal>
    }
}

/// Delete: permanent, only after typing the account's name.
#[component]
pub fn DeleteAccountDialog(account: ServiceAccount, on_close: Callback<bool>) -> impl IntoView {
    let id = account.id.clone();
    view! {
        <ConfirmDialog
            title="Delete service account".to_string()
            message=format!("This permanently deletes {} and its {} token(s). The audit log keeps their record.", account.name, account.token_count)
            confirm_label="Delete account".to_string()
            type_to_confirm=account.name.clone()
            confirm=move || { let id = id.clone(); async move { delete_service_account(id).await.map(|_| ()) } }
            on_close=on_close/>
    }
}
