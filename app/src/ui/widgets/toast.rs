//! The toast: one short message after a mutation, with Undo when the change can be undone.
//! One region for the whole app (a polite live region), so every page reports alike.

use leptos::prelude::*;
use std::sync::Arc;
use std::time::Duration;

/// How long a toast stays: long enough to reach Undo with the keyboard.
const SHOWN_FOR: Duration = Duration::from_secs(10);

/// One message, and what Undo does, if anything.
#[derive(Clone)]
struct Toast {
    message: String,
    undo: Option<Arc<dyn Fn() + Send + Sync>>,
    /// Which toast this is, so an older one's timer does not hide a newer one.
    serial: u64,
}

/// The app's toast region, provided once by the app and used by every page.
#[derive(Clone, Copy)]
pub struct Toaster(RwSignal<Option<Toast>>);

impl Toaster {
    /// Creates the region's state and offers it to every page.
    pub fn provide() -> Self {
        let toaster = Toaster(RwSignal::new(None));
        provide_context(toaster);
        toaster
    }

    /// Says that something was done.
    pub fn say(self, message: impl Into<String>) {
        self.show(message.into(), None);
    }

    /// Says that something was done and offers to take it back.
    pub fn say_with_undo(
        self,
        message: impl Into<String>,
        undo: impl Fn() + Send + Sync + 'static,
    ) {
        self.show(message.into(), Some(Arc::new(undo)));
    }

    /// Runs a one-click action, which has no form to show a refusal in: a refusal is said
    /// here, and `done` gets the answer (and says what was done).
    pub fn run<T: 'static>(
        self,
        call: impl std::future::Future<Output = Result<T, crate::domain::ApiError>> + 'static,
        done: impl FnOnce(T) + 'static,
    ) {
        leptos::task::spawn_local(async move {
            match call.await {
                Ok(answer) => done(answer),
                Err(e) => self.say(e.message().to_string()),
            }
        });
    }

    /// A dialog's `on_close` that first says `message` when the dialog made its change.
    pub fn after(self, close: Callback<bool>, message: String) -> Callback<bool> {
        Callback::new(move |did: bool| {
            if did {
                self.say(message.clone());
            }
            close.run(did);
        })
    }

    fn show(self, message: String, undo: Option<Arc<dyn Fn() + Send + Sync>>) {
        let serial = self
            .0
            .with_untracked(|t| t.as_ref().map_or(0, |t| t.serial + 1));
        self.0.set(Some(Toast {
            message,
            undo,
            serial,
        }));
        set_timeout(
            move || {
                let current = self.0.try_with_untracked(|t| t.as_ref().map(|t| t.serial));
                if current == Some(Some(serial)) {
                    self.0.set(None);
                }
            },
            SHOWN_FOR,
        );
    }
}

/// The toaster of the app, for a page that reports what it did.
pub fn toaster() -> Toaster {
    expect_context::<Toaster>()
}

/// Where toasts appear: fixed at the bottom of the window, announced politely.
#[component]
pub fn ToastRegion(toaster: Toaster) -> impl IntoView {
    let Toaster(current) = toaster;
    view! {
        <div class="toast-region" role="status" aria-live="polite">
            {move || current.get().map(|t| {
                let undo = t.undo.map(|undo| view! {
                    <button type="button" class="secondary" on:click=move |_| {
                        current.set(None);
                        undo();
                    }>"Undo"</button>
                });
                view! {
                    <div class="toast">
                        <span>{t.message}</span>
                        {undo}
                        <button type="button" class="link" aria-label="Dismiss" on:click=move |_| current.set(None)>"×"</button>
                    </div>
                }
            })}
        </div>
    }
}
