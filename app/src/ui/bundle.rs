//! The rest of the app as one lazily loaded wasm chunk: every page but sign-in, setup and the
//! service-account list, and what the list shows only when asked (its dialogs, its row
//! actions, an expanded row's tokens). The first visit to any of them, or the list's first
//! dialog, downloads the bundle once; after that nothing else of the app needs a download.
//!
//! Why one bundle and not a chunk per page: cargo-leptos's splitter writes a file for every set
//! of lazy functions that shares code, and brotli compresses each file on its own. With a lazy
//! function per page, dialog and token table, the list page's first visit fetched many small
//! files that compress badly alone; with the bundle it fetches a few larger ones that compress
//! together, fewer bytes in all (figures in docs/benchmarks.md, Browser).
//!
//! One lazy function with an enum of what to show, rather than several, because the splitter
//! gives every lazy function a chunk of its own; and the dispatch has to live here, inside the
//! split function: a closure passed in would keep its code in the caller's chunk.

use crate::ui::access::{groups, roles, workspaces};
use crate::ui::people::{members, your_account};
use crate::ui::service_accounts::list::{self, ListDialog};
use crate::ui::service_accounts::row::{self, RowRequest};
use crate::ui::service_accounts::{detail, stale};
use crate::ui::widgets::toast::Toaster;
use crate::ui::{audit, organization};
use leptos::prelude::*;

/// A page whose code is in the bundle.
#[derive(Clone, Copy)]
pub enum Page {
    Account,
    Stale,
    Audit,
    Roles,
    Groups,
    Workspaces,
    Organization,
    Members,
    AccountSettings,
}

/// What to show from the bundle; the fields are the arguments of the function that shows it
/// (a dialog and a row's request boxed: each holds a whole account or token).
pub enum Part {
    Page(Page),
    /// A dialog over the service-account list (`list::list_dialog`).
    ListDialog {
        dialog: Box<ListDialog>,
        open: RwSignal<Option<ListDialog>>,
        changed: Callback<()>,
        close: Callback<bool>,
    },
    /// What a list row's button or menu item asked for (`list::act_on_row`); shows nothing
    /// itself, most requests open a dialog.
    RowAction {
        request: Box<RowRequest>,
        open: RwSignal<Option<ListDialog>>,
        changed: Callback<()>,
        toaster: Toaster,
    },
    /// An expanded list row's tokens (`row::account_tokens`).
    AccountTokens {
        account_id: String,
        writable: bool,
        request: Callback<RowRequest>,
        tokens_changed: ReadSignal<u64>,
    },
}

/// Fetches the bundle's chunk without showing anything: the router calls this before it
/// navigates to a bundled page, so the page never appears half-loaded. `#[lazy]` generates
/// the preload function for `rest_of_app` under a name of its own making
/// (`__preload_rest_of_app`); this is the one place that names it. On the server the bundle is
/// linked in, so there is nothing to fetch.
pub async fn preload() {
    #[cfg(target_arch = "wasm32")]
    __preload_rest_of_app().await;
}

/// Shows `part`, loading the bundle first if this is the first time anything from it is needed.
#[lazy]
pub fn rest_of_app(part: Part) -> AnyView {
    match part {
        Part::Page(page) => page_view(page),
        Part::ListDialog {
            dialog,
            open,
            changed,
            close,
        } => list::list_dialog(*dialog, open, changed, close),
        Part::RowAction {
            request,
            open,
            changed,
            toaster,
        } => {
            list::act_on_row(*request, open, changed, toaster);
            ().into_any()
        }
        Part::AccountTokens {
            account_id,
            writable,
            request,
            tokens_changed,
        } => row::account_tokens(account_id, writable, request, tokens_changed),
    }
}

fn page_view(page: Page) -> AnyView {
    match page {
        Page::Account => view! { <detail::AccountPage/> }.into_any(),
        Page::Stale => view! { <stale::StalePage/> }.into_any(),
        Page::Audit => view! { <audit::AuditPage/> }.into_any(),
        Page::Roles => view! { <roles::RolesPage/> }.into_any(),
        Page::Groups => view! { <groups::GroupsPage/> }.into_any(),
        Page::Workspaces => view! { <workspaces::WorkspacesPage/> }.into_any(),
        Page::Organization => view! { <organization::OrganizationPage/> }.into_any(),
        Page::Members => view! { <members::MembersPage/> }.into_any(),
        Page::AccountSettings => view! { <your_account::AccountSettingsPage/> }.into_any(),
    }
}
