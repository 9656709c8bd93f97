//! The New service account dialog: name, description, role and custom roles, checked with the
//! same rules as the server while typing.

use crate::api::service_accounts::create_service_account;
use crate::domain::{parse_description, ApiError, ResourceName, Role, ServiceAccount};
use crate::ui::access::dialogs::CustomRolesPicker;
use crate::ui::widgets::form::{FieldError, FormCall, FormDialog, RoleSelect};
use leptos::prelude::*;

const FIELDS: &[&str] = &["name", "description", "role", "roles"];

/// The New service account form: instant validation with the shared rules, then the server's.
/// `on_created` gets the new account (the list then asks for its first token).
#[component]
pub fn NewAccountDialog(
    on_close: Callback<()>,
    on_created: Callback<ServiceAccount>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer.as_str().to_string());
    let more_roles = RwSignal::new(Vec::<String>::new());
    let form = FormCall::new();
    let error = form.error();
    let check = move || -> Result<(), ApiError> {
        ResourceName::parse("name", &name.get_untracked())?;
        parse_description("description", Some(&description.get_untracked()))?;
        Ok(())
    };
    let submit = Callback::new(move |_| {
        if form.check(check()).is_none() {
            return;
        }
        let call = create_service_account(
            name.get_untracked(),
            Some(description.get_untracked()),
            Some(role.get_untracked()),
            Some(more_roles.get_untracked()),
        );
        form.run(call, move |r| on_created.run(r.service_account));
    });
    view! {
        <FormDialog title="New service account".to_string() form=form fields=FIELDS
            submit="Create" busy="Creating…" on_submit=submit on_close=on_close>
            <label for="sa-name">"Name"</label>
            <input id="sa-name" autofocus prop:value=name aria-describedby="name-hint"
                on:input=move |ev| {
                    name.set(event_target_value(&ev));
                    form.show(ResourceName::parse("name", &name.get_untracked()).err());
                }/>
            <p class="hint" id="name-hint">"Lowercase letters, digits, - and _; unique in your organization."</p>
            <FieldError error=error field="name"/>
            <label for="sa-description">"Description"</label>
            <textarea id="sa-description" prop:value=description
                on:input=move |ev| {
                    description.set(event_target_value(&ev));
                    form.show(parse_description("description", Some(&description.get_untracked())).err());
                }/>
            <FieldError error=error field="description"/>
            <label for="sa-role">"Role"</label>
            <RoleSelect id="sa-role" role=role/>
            <FieldError error=error field="role"/>
            <CustomRolesPicker chosen=more_roles/>
            <FieldError error=error field="roles"/>
        </FormDialog>
    }
}
