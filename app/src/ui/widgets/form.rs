//! What every form shares: its server call ([`FormCall`]), the dialog around it
//! ([`FormDialog`]), errors next to their field or at the top, a labelled text field, and the
//! role select.

use crate::domain::{ApiError, Role};
use crate::ui::widgets::modal::Modal;
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

/// A form's server call and what the form shows of it: busy while the call runs, and the
/// last error (the server's, or the form's own check before sending) next to its field or at
/// the top. Every form and confirmation holds one, so they all behave alike.
#[derive(Clone, Copy)]
pub struct FormCall {
    pending: RwSignal<bool>,
    error: RwSignal<Option<ApiError>>,
}

impl Default for FormCall {
    fn default() -> Self {
        Self::new()
    }
}

impl FormCall {
    pub fn new() -> Self {
        Self::showing(None)
    }

    /// A form that opens showing `error`: the server's answer to the same form posted before
    /// its code ran (`widgets::posted`).
    pub fn showing(error: Option<ApiError>) -> Self {
        FormCall {
            pending: RwSignal::new(false),
            error: RwSignal::new(error),
        }
    }

    /// Whether the call is running (tracked: a view using it follows).
    pub fn pending(&self) -> bool {
        self.pending.get()
    }

    /// The last error, for [`FieldError`] and [`FormError`].
    pub fn error(&self) -> Signal<Option<ApiError>> {
        self.error.into()
    }

    /// Shows the form's own finding (a check while typing or before sending), or clears it.
    pub fn show(&self, error: Option<ApiError>) {
        self.error.set(error);
    }

    /// Shows `checked`'s error and gives back its value when there is none: the form's own
    /// checks before it sends anything.
    pub fn check<T>(&self, checked: Result<T, ApiError>) -> Option<T> {
        checked.map_err(|e| self.error.set(Some(e))).ok()
    }

    /// Runs `call` in the browser: busy and no error while it runs; then its error is shown,
    /// or `done` gets the answer.
    pub fn run<T: 'static>(
        &self,
        call: impl std::future::Future<Output = Result<T, ApiError>> + 'static,
        done: impl FnOnce(T) + 'static,
    ) {
        let (pending, error) = (self.pending, self.error);
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
}

/// A dialog holding one form: the heading, the error that belongs to no field at the top,
/// the fields (`children`), then Cancel and the submit button, which says `busy` and is
/// disabled while the call runs. Escape and Cancel call `on_close`.
#[component]
pub fn FormDialog(
    title: String,
    form: FormCall,
    /// The fields whose errors show next to them; any other error shows at the top.
    fields: &'static [&'static str],
    /// The submit button's text, and its text while the call runs.
    submit: &'static str,
    busy: &'static str,
    /// Checks the fields and runs the call (the browser's submit is already prevented).
    on_submit: Callback<()>,
    on_close: Callback<()>,
    /// The dismiss button's text, when "Cancel" is not the word.
    #[prop(optional)]
    cancel: Option<&'static str>,
    /// While true the submit button is disabled too (nothing chosen yet).
    #[prop(optional, into)]
    incomplete: Option<Signal<bool>>,
    children: Children,
) -> impl IntoView {
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_submit.run(());
    };
    view! {
        <Modal title=title on_close=on_close>
            <form on:submit=send novalidate>
                <FormError error=form.error() fields=fields/>
                {children()}
                <div class="actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>{cancel.unwrap_or("Cancel")}</button>
                    <button type="submit" disabled=move || form.pending() || incomplete.is_some_and(|i| i.get())>
                        {move || if form.pending() { busy } else { submit }}
                    </button>
                </div>
            </form>
        </Modal>
    }
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
