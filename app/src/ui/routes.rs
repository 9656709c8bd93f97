//! Every page as a lazy route, so its code is split out of the main wasm (`cargo leptos build
//! --split`) and the first page downloads the shell and what that page needs. Sign-in, setup
//! and the service-account list (the pages people land on) each have a chunk of their own; the
//! other pages share the rest-of-the-app bundle (`crate::ui::bundle`). The router loads a page's
//! chunk before it navigates, and the server-rendered page tells the browser which chunks to
//! preload, so a page never appears half-loaded.

use crate::ui::bundle::{self, Page, Part};
use crate::ui::people::{setup, sign_in};
use crate::ui::service_accounts::list;
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// Declares a route type whose view is the given page component, loaded from its own chunk.
/// The pages load their own data, so the route's data half is empty.
macro_rules! lazy_page {
    ($route:ident, $page:path) => {
        #[doc = concat!("The lazily loaded route for `", stringify!($page), "`.")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

/// Declares a route type for a page in the rest-of-the-app bundle. What `#[lazy_route]` would
/// write, except that the view comes from the bundle's one lazy function instead of a lazy
/// function (and so a chunk) of its own.
macro_rules! bundled_page {
    ($route:ident, $page:ident) => {
        #[doc = concat!("The route for `bundle::Page::", stringify!($page), "`.")]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                bundle::rest_of_app(Part::Page(Page::$page)).await
            }

            async fn preload() {
                bundle::preload().await;
            }
        }
    };
}

lazy_page!(LoginRoute, sign_in::LoginPage);
lazy_page!(SetupRoute, setup::SetupPage);
lazy_page!(AccountsRoute, list::AccountsPage);
bundled_page!(StaleRoute, Stale);
bundled_page!(AccountRoute, Account);
bundled_page!(AuditRoute, Audit);
bundled_page!(RolesRoute, Roles);
bundled_page!(GroupsRoute, Groups);
bundled_page!(WorkspacesRoute, Workspaces);
bundled_page!(OrganizationRoute, Organization);
bundled_page!(MembersRoute, Members);
bundled_page!(AccountSettingsRoute, AccountSettings);
