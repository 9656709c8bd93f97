//! Every page as a lazy route: its code is split out of the main wasm into a chunk of its own
//! (`cargo leptos build --split`), so the first page downloads the shell and that page only.
//! The router loads a page's chunk before it navigates, and the server-rendered page tells the
//! browser which chunks to preload, so a page never appears half-loaded.

use super::{
    account_detail, account_settings, accounts, audit, groups, login, members, organization,
    roles, setup, stale, workspaces,
};
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

lazy_page!(LoginRoute, login::LoginPage);
lazy_page!(SetupRoute, setup::SetupPage);
lazy_page!(AccountsRoute, accounts::AccountsPage);
lazy_page!(StaleRoute, stale::StalePage);
lazy_page!(AccountRoute, account_detail::AccountPage);
lazy_page!(AuditRoute, audit::AuditPage);
lazy_page!(RolesRoute, roles::RolesPage);
lazy_page!(GroupsRoute, groups::GroupsPage);
lazy_page!(WorkspacesRoute, workspaces::WorkspacesPage);
lazy_page!(OrganizationRoute, organization::OrganizationPage);
lazy_page!(MembersRoute, members::MembersPage);
lazy_page!(AccountSettingsRoute, account_settings::AccountSettingsPage);
