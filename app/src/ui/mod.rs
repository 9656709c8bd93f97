//! The web UI: the HTML shell, the router, and the pages. Pages call the same server functions
//! as scripts do.

mod access;
mod audit;
mod bundle;
mod organization;
mod people;
mod routes;
mod service_accounts;
mod widgets;

use crate::api::auth::{logout, whoami, WhoamiResponse};
use crate::domain::ApiError;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, MetaTags, Stylesheet, Title};
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::hooks::use_location;
use leptos_router::{path, Lazy, SsrMode};

pub use widgets::posted::PostedForm;

/// Marks the document as one whose scripts run (`html.js`), and as one whose code failed
/// (`html.code-failed`) when the page's JS or wasm does not load or start before it has
/// hydrated: the import of the JS, the wasm's fetch and instantiation and the hydration itself
/// all run in promises nobody awaits, so a failure surfaces as an unhandled rejection; a
/// preload that fails fires `error` on its `<link>`. The stylesheet shows `CodeNotice` for
/// either class (or for neither, when scripts are off).
const CODE_WATCH: &str = "document.documentElement.classList.add('js');\
(function () {\
  var d = document.documentElement;\
  function failed() {\
    if (!document.body || document.body.dataset.hydrated !== 'true') d.classList.add('code-failed');\
  }\
  addEventListener('error', function (e) {\
    var t = e.target;\
    if (t && (t.tagName === 'SCRIPT' || (t.tagName === 'LINK' && /preload/.test(t.rel)))) failed();\
  }, true);\
  addEventListener('unhandledrejection', failed);\
})();";

/// The document around the app, rendered on the server only. Also sets the Content Security
/// Policy, because only here is the per-response script nonce known.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <script nonce=nonce>{CODE_WATCH}</script>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use leptos::nonce::use_nonce;
    let (Some(nonce), Some(options)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        options.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The signed-in principal, loaded once per page load and shared with every page.
#[derive(Clone, Copy)]
pub struct CurrentPrincipal(pub Resource<Result<WhoamiResponse, ApiError>>);

/// Whether the signed-in principal may do `permission` (to offer only what the server allows).
pub fn may(permission: crate::domain::Permission) -> Signal<bool> {
    let CurrentPrincipal(me) = expect_context::<CurrentPrincipal>();
    Signal::derive(move || {
        me.get()
            .and_then(|r| r.ok())
            .is_some_and(|w| w.principal.can(permission))
    })
}

/// The application: header and routes. (The browser entry point marks the page interactive.)
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let me = Resource::new(|| (), |_| whoami());
    provide_context(CurrentPrincipal(me));
    let toaster = widgets::toast::Toaster::provide();
    // A page's code loads on the first visit to it; until it is there the old page stays and a
    // bar under the header says the next one is on its way.
    let (routing, set_routing) = signal(false);
    view! {
        <Stylesheet id="leptos" href="/pkg/steward.css"/>
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Title formatter=|page: String| if page.is_empty() { "Steward".to_string() } else { format!("{page} · Steward") }/>
        <Router set_is_routing=set_routing>
            <CodeNotice/>
            <Header/>
            <Show when=move || routing.get()>
                <div class="route-progress" role="progressbar" aria-label="Loading the page"></div>
            </Show>
            <main id="main">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=|| view! { <Redirect path="/settings/service-accounts"/> }/>
                    // The pages whose forms work without the page's code are rendered whole before
                    // they are sent (in order), since filling in a `Suspense` later takes a script.
                    <Route path=path!("/login") view={Lazy::<routes::LoginRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/setup") view={Lazy::<routes::SetupRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/settings/service-accounts") view={Lazy::<routes::AccountsRoute>::new()}/>
                    <Route path=path!("/settings/stale") view={Lazy::<routes::StaleRoute>::new()}/>
                    <Route path=path!("/settings/service-accounts/:id") view={Lazy::<routes::AccountRoute>::new()}/>
                    <Route path=path!("/settings/audit-log") view={Lazy::<routes::AuditRoute>::new()}/>
                    <Route path=path!("/settings/roles") view={Lazy::<routes::RolesRoute>::new()}/>
                    <Route path=path!("/settings/groups") view={Lazy::<routes::GroupsRoute>::new()}/>
                    <Route path=path!("/settings/workspaces") view={Lazy::<routes::WorkspacesRoute>::new()}/>
                    <Route path=path!("/settings/organization") view={Lazy::<routes::OrganizationRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/settings/members") view={Lazy::<routes::MembersRoute>::new()}/>
                    <Route path=path!("/settings/account") view={Lazy::<routes::AccountSettingsRoute>::new()} ssr=SsrMode::InOrder/>
                </Routes>
            </main>
            <widgets::toast::ToastRegion toaster=toaster/>
        </Router>
    }
}

/// Says so when the page's code cannot run (scripts off, or its JS or wasm blocked or failed to
/// load; see `CODE_WATCH`), instead of leaving buttons that do nothing. Hidden by the
/// stylesheet otherwise. Sign-in, setup and Your account work without their code (their forms
/// post to the server), so they show none.
#[component]
fn CodeNotice() -> impl IntoView {
    let location = use_location();
    let needs_code = move || {
        !matches!(
            location.pathname.get().as_str(),
            "/login" | "/setup" | "/settings/account"
        )
    };
    view! {
        <Show when=needs_code>
            <div class="code-notice" role="alert">
                <strong>"This page needs JavaScript, and its code did not run."</strong>
                " JavaScript is off, or the page's files were blocked or did not load, so its buttons and menus do nothing. \
                Reload the page, or turn JavaScript on for this site. Without it you can still change your password and \
                sign out under "
                <a href="/settings/account">"Your account"</a>
                ", and an administrator can save the "
                <a href="/settings/organization">"organization settings"</a>
                "."
            </div>
        </Show>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <h1>"Page not found"</h1>
        <p><A href="/settings/service-accounts">"Go to service accounts"</A></p>
    }
}

/// The bar at the top: product name, navigation, the signed-in person and Sign out.
#[component]
fn Header() -> impl IntoView {
    let CurrentPrincipal(me) = expect_context::<CurrentPrincipal>();
    let signing_out = RwSignal::new(false);
    // A form, so signing out works without the page's code too (`POST /logout`).
    let sign_out = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        signing_out.set(true);
        leptos::task::spawn_local(async move {
            let _ = logout().await;
            let _ = window().location().set_href("/login");
        });
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/settings/service-accounts">"Steward"</a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(WhoamiResponse { principal, .. }) => view! {
                            <nav aria-label="Settings">
                                <A href="/settings/service-accounts">"Service accounts"</A>
                                <A href="/settings/roles">"Roles"</A>
                                <A href="/settings/groups">"Groups"</A>
                                <A href="/settings/workspaces">"Workspaces"</A>
                                {principal.can(crate::domain::Permission::MembersRead).then(|| view! {
                                    <A href="/settings/members">"Members"</A>
                                })}
                                {principal.can(crate::domain::Permission::AuditRead).then(|| view! {
                                    <A href="/settings/audit-log">"Audit log"</A>
                                })}
                                {principal.can(crate::domain::Permission::SettingsRead).then(|| view! {
                                    <A href="/settings/organization">"Organization"</A>
                                })}
                            </nav>
                            <div class="who">
                                <a href="/api/reference" rel="external">"API reference"</a>
                                <a class="person" href="/settings/account" title="Your account">{principal.name.clone()}</a>
                                <span class="org">{principal.organization.name.clone()}</span>
                                <form class="sign-out" method="post" action="/logout" on:submit=sign_out>
                                    <button type="submit" class="secondary" disabled=move || signing_out.get()>
                                        "Sign out"
                                    </button>
                                </form>
                            </div>
                        }
                        .into_any(),
                        Err(_) => ().into_any(),
                    }
                })}
            </Transition>
        </header>
    }
}
