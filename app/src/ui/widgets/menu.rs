//! The ⋮ menu of a table row: a button that opens a short list of actions. It follows the
//! WAI-ARIA menu button pattern: the first item takes the focus, the arrow keys move between
//! items, Escape closes it and returns the focus to the button, a click elsewhere closes it.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// What choosing an item does.
#[derive(Clone)]
pub enum MenuAction {
    /// Goes to a page of the app.
    Link(String),
    /// Runs something on this page (usually opens a dialog).
    Run(Callback<()>),
}

/// One entry of a row menu.
#[derive(Clone)]
pub struct MenuItem {
    pub label: String,
    pub action: MenuAction,
    /// Shown in the danger colour: the action removes or stops something.
    pub danger: bool,
}

impl MenuItem {
    /// An item that goes to `href`.
    pub fn link(label: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            action: MenuAction::Link(href.into()),
            danger: false,
        }
    }

    /// An item that runs `action`.
    pub fn run(label: impl Into<String>, action: impl Fn() + Send + Sync + 'static) -> Self {
        Self {
            label: label.into(),
            action: MenuAction::Run(Callback::new(move |_| action())),
            danger: false,
        }
    }

    /// The same item, marked as destructive.
    pub fn danger(self) -> Self {
        Self {
            danger: true,
            ..self
        }
    }
}

/// The menu's items, in order.
fn items_of(menu: &web_sys::Element) -> Vec<web_sys::HtmlElement> {
    crate::ui::widgets::modal::elements_in(menu, "[role=menuitem]")
}

/// A ⋮ button named `label` (e.g. "Actions for ci-deploy") and the menu it opens; with `text`,
/// a button showing that text instead (e.g. More).
#[component]
pub fn RowMenu(
    label: String,
    items: Vec<MenuItem>,
    #[prop(optional)] text: Option<&'static str>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let root = NodeRef::<html::Div>::new();
    let list = NodeRef::<html::Div>::new();
    let button = NodeRef::<html::Button>::new();
    let items = StoredValue::new(items);
    Effect::new(move |_| {
        if let Some(first) = list.get().and_then(|m| items_of(&m).into_iter().next()) {
            let _ = first.focus();
        }
    });
    let outside = window_event_listener(leptos::ev::click, move |ev| {
        let inside = root.get_untracked().zip(ev.target()).is_some_and(|(r, t)| {
            t.dyn_ref::<web_sys::Node>()
                .is_some_and(|n| r.contains(Some(n)))
        });
        if !inside && open.get_untracked() {
            open.set(false);
        }
    });
    on_cleanup(move || outside.remove());
    let close_to_button = move || {
        open.set(false);
        if let Some(b) = button.get_untracked() {
            let _ = b.focus();
        }
    };
    // A dialog opened from an item gives the focus back to where it was opened from, and the
    // item is gone by then: so the focus goes back to the ⋮ button first.
    let keys = move |ev: leptos::ev::KeyboardEvent| {
        let Some(menu) = list.get_untracked() else {
            return;
        };
        let entries = items_of(&menu);
        let active = document().active_element();
        let at = entries
            .iter()
            .position(|e| active.as_ref() == Some(e.unchecked_ref()));
        let step = |by: isize| {
            let n = entries.len() as isize;
            let next = at.map_or(0, |i| (i as isize + by).rem_euclid(n.max(1)));
            if let Some(e) = entries.get(next as usize) {
                let _ = e.focus();
            }
        };
        match ev.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                ev.stop_propagation();
                close_to_button();
            }
            "ArrowDown" => {
                ev.prevent_default();
                step(1);
            }
            "ArrowUp" => {
                ev.prevent_default();
                step(-1);
            }
            "Home" => {
                ev.prevent_default();
                step(-(at.unwrap_or(0) as isize));
            }
            "Tab" => open.set(false),
            _ => {}
        }
    };
    let menu_label = label.clone();
    view! {
        <div class="menu" node_ref=root>
            <button type="button" class=if text.is_some() { "secondary" } else { "secondary icon" }
                aria-haspopup="menu" node_ref=button
                aria-expanded=move || open.get().to_string() aria-label=label
                on:click=move |_| open.update(|o| *o = !*o)>
                {match text { Some(t) => format!("{t} ▾"), None => "⋮".to_string() }}
            </button>
            <Show when=move || open.get()>
                <div class="menu-list" role="menu" aria-label=menu_label.clone() node_ref=list on:keydown=keys>
                    {items.get_value().into_iter().map(|item| {
                        let class = if item.danger { "menu-item danger-text" } else { "menu-item" };
                        match item.action {
                            MenuAction::Link(href) => view! {
                                <a role="menuitem" class=class href=href tabindex="-1"
                                    on:click=move |_| open.set(false)>{item.label}</a>
                            }.into_any(),
                            MenuAction::Run(run) => view! {
                                <button type="button" role="menuitem" class=class tabindex="-1"
                                    on:click=move |_| { close_to_button(); run.run(()); }>{item.label}</button>
                            }.into_any(),
                        }
                    }).collect_view()}
                </div>
            </Show>
        </div>
    }
}
