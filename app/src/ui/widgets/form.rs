//! What every form shares: errors next to their field or at the top, a labelled text field,
//! the role select, and running the form's server call.

use crate::domain::{ApiError, Role};
use crate::ui::CurrentPrincipal;
use leptos::prelude::*;

/// The error for one field, shown next to it, when the last error names that field.
#[component]
pub fn FieldError(error: Signal<Option<ApiError>>, field: &'static str) -> impl IntoView {
    let message = move || {
        error
            .get()
            .filter(|e| e.field() == Some(field))
            .map(|e| e.message().to_string())
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="field-error" id=format!("{field}-error") role="alert">{message}</p>
        </Show>
    }
}

/// An error that belongs to no single field, shown at the top of a form.
#[component]
pub fn FormError(
    error: Signal<Option<ApiError>>,
    fields: &'static [&'static str],
) -> impl IntoView {
    let message = move || {
        error
            .get()
            .filter(|e| e.field().is_none_or(|f| !fields.contains(&f)))
            .map(|e| e.message().to_string())
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="form-error" role="alert">{message}</p>
        </Show>
    }
}

/// Runs a form's server call in the browser: marks the form busy and clears the last error;
/// when the call fails its error is shown (next to its field), when it succeeds `done` gets
/// the answer. Every form and confirmation uses this, so they all behave alike.
pub fn run_call<T: 'static>(
    pending: RwSignal<bool>,
    error: RwSignal<Option<ApiError>>,
    call: impl std::future::Future<Output = Result<T, ApiError>> + 'static,
    done: impl FnOnce(T) + 'static,
) {
    pending.set(true);
    error.set(None);
    leptos::task::spawn_local(async move {
        let result = call.await;
        pending.set(false);
        match result {
            Ok(value) => done(value),
            Err(e) => error.set(Some(e)),
        }
    });
}

/// The Role select of the account forms: offers only roles up to the signed-in person's own,
/// since nobody may grant more than they hold (the server refuses it too).
#[component]
pub fn RoleSelect(id: &'static str, role: RwSignal<String>) -> impl IntoView {
    let CurrentPrincipal(me) = expect_context::<CurrentPrincipal>();
    let offered = move |role: Role| {
        me.get()
            .and_then(|r| r.ok())
            .map_or(role == Role::Viewer, |w| w.principal.may_change(role))
    };
    view! {
        <select id=id on:change=move |ev| role.set(event_target_value(&ev))>
            {move || Role::ALL.into_iter().filter(|r| offered(*r)).map(|r| view! {
                <option value=r.as_str() selected=move || role.get() == r.as_str()>{r.label()}</option>
            }).collect_view()}
        </select>
    }
}

/// A labelled text input bound to `value`, with an optional hint, and the server's or the
/// form's error for `field` shown right under it.
#[component]
pub fn TextField(
    /// The input's id (the label points at it).
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<ApiError>>,
    /// The API field whose errors belong here.
    field: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input id=id type="text" placeholder=placeholder prop:value=value
            on:input=move |ev| value.set(event_target_value(&ev))/>
        {hint.map(|h| view! { <p class="hint">{h}</p> })}
        <FieldError error=error field=field/>
    }
}
