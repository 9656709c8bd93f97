//! A service account's page: its details, its tokens, adding a token (secret shown once) and
//! revoking one.

use super::components::{FieldError, FormError, Modal};
use super::format::{when, when_or};
use crate::api::service_accounts::get_service_account;
use crate::api::tokens::{create_token, revoke_token, IssuedTokenResponse};
use crate::domain::{parse_description, ApiError, ResourceName, Token, TokenStatus, EXPIRY_PRESETS};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn AccountPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let detail = Resource::new(id, get_service_account);
    let adding = RwSignal::new(false);
    let issued = RwSignal::new(None::<IssuedTokenResponse>);
    let revoking = RwSignal::new(None::<Token>);
    view! {
        <p class="crumbs"><A href="/settings/service-accounts">"Service accounts"</A></p>
        <Transition fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let d = match detail.await {
                    Ok(d) => d,
                    Err(e) => return view! { <h1>"Service account"</h1><p class="form-error" role="alert">{e.message().to_string()}</p> }.into_any(),
                };
                let sa = d.service_account;
                let tokens = d.tokens;
                view! {
                    <Title text=sa.name.clone()/>
                    <div class="page-head">
                        <div>
                            <h1>{sa.name.clone()}</h1>
                            <p class="muted">{if sa.description.is_empty() { "No description".to_string() } else { sa.description.clone() }}</p>
                        </div>
                        <button type="button" on:click=move |_| adding.set(true)>"Add API token"</button>
                    </div>
                    <dl class="details">
                        <dt>"Role"</dt><dd>{sa.role.label()}</dd>
                        <dt>"Status"</dt><dd>{if sa.disabled { "Disabled" } else { "Active" }}</dd>
                        <dt>"Created"</dt><dd>{when(&sa.created_at)}</dd>
                        <dt>"Last used"</dt><dd>{when_or(&sa.last_used_at, "Never")}</dd>
                    </dl>
                    <h2>"API tokens"</h2>
                    {if tokens.is_empty() {
                        view! { <div class="empty">"No tokens yet. Use Add API token to create one for your automation."</div> }.into_any()
                    } else {
                        view! {
                            <table>
                                <caption class="visually-hidden">"API tokens"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Scopes"</th>
                                        <th scope="col">"Created"</th>
                                        <th scope="col">"Expires"</th>
                                        <th scope="col">"Last used"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {tokens.into_iter().map(|t| token_row(t, revoking)).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }}
                }.into_any()
            })}
        </Transition>
        <Show when=move || adding.get()>
            <AddTokenDialog
                account_id=id()
                on_close=Callback::new(move |_| adding.set(false))
                on_created=Callback::new(move |r: IssuedTokenResponse| {
                    adding.set(false);
                    issued.set(Some(r));
                    detail.refetch();
                })
            />
        </Show>
        {move || issued.get().map(|r| view! {
            <SecretDialog issued=r on_close=Callback::new(move |_| issued.set(None))/>
        })}
        {move || revoking.get().map(|t| view! {
            <RevokeDialog token=t on_close=Callback::new(move |done: bool| {
                revoking.set(None);
                if done { detail.refetch(); }
            })/>
        })}
    }
}

fn token_row(t: Token, revoking: RwSignal<Option<Token>>) -> impl IntoView {
    let scopes = t.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    let status = match t.status {
        TokenStatus::Expired => Some(view! { <span class="badge danger-badge">"Expired"</span> }.into_any()),
        TokenStatus::Suspended => Some(view! { <span class="badge muted-badge">"Suspended"</span> }.into_any()),
        TokenStatus::Active if t.expires_soon => Some(view! { <span class="badge warn-badge">"Expires soon"</span> }.into_any()),
        TokenStatus::Active => None,
    };
    let last_used = match (&t.last_used_at, &t.last_used_ip) {
        (Some(at), Some(ip)) => format!("{} from {ip}", when(at)),
        (Some(at), None) => when(at),
        _ => "Never".to_string(),
    };
    let label = format!("Revoke {}", t.name);
    let target = t.clone();
    view! {
        <tr>
            <td><strong>{t.name.clone()}</strong><br/><code class="hint-text">{t.hint.clone()}</code></td>
            <td>{scopes}</td>
            <td>{when(&t.created_at)}<br/><span class="muted">{format!("by {}", t.created_by)}</span></td>
            <td>{when_or(&t.expires_at, "Never")} {status}</td>
            <td>{last_used}</td>
            <td>
                <button type="button" class="danger" aria-label=label
                    on:click=move |_| revoking.set(Some(target.clone()))>"Revoke"</button>
            </td>
        </tr>
    }
}

const TOKEN_FIELDS: &[&str] = &["name", "description", "scopes", "expires_in_days"];

/// Name, Description, Expiration, Scopes → a new token.
#[component]
fn AddTokenDialog(account_id: String, on_close: Callback<()>, on_created: Callback<IssuedTokenResponse>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let expiration = RwSignal::new("30".to_string());
    let read = RwSignal::new(true);
    let write = RwSignal::new(true);
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let account_id = StoredValue::new(account_id);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Err(e) = ResourceName::parse("name", &name.get_untracked()) {
            error.set(Some(e));
            return;
        }
        let scopes: Vec<String> = [(read, "read"), (write, "write")]
            .into_iter()
            .filter(|(on, _)| on.get_untracked())
            .map(|(_, s)| s.to_string())
            .collect();
        if scopes.is_empty() {
            error.set(Some(ApiError::invalid("scopes", "Choose at least one scope.")));
            return;
        }
        let exp = expiration.get_untracked();
        let (days, never) = if exp == "never" { (None, Some(true)) } else { (exp.parse::<i64>().ok(), None) };
        pending.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let r = create_token(
                account_id.get_value(),
                name.get_untracked(),
                Some(description.get_untracked()),
                Some(scopes),
                days,
                never,
            )
            .await;
            pending.set(false);
            match r {
                Ok(r) => on_created.run(r),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <Modal title="Add API token".to_string() on_close=on_close>
            <form on:submit=submit novalidate>
                <FormError error=error.into() fields=TOKEN_FIELDS/>
                <label for="token-name">"Name"</label>
                <input id="token-name" autofocus prop:value=name
                    on:input=move |ev| {
                        name.set(event_target_value(&ev));
                        error.set(ResourceName::parse("name", &name.get_untracked()).err());
                    }/>
                <FieldError error=error.into() field="name"/>
                <label for="token-description">"Description"</label>
                <textarea id="token-description" prop:value=description
                    on:input=move |ev| {
                        description.set(event_target_value(&ev));
                        error.set(parse_description("description", Some(&description.get_untracked())).err());
                    }/>
                <FieldError error=error.into() field="description"/>
                <label for="token-expiration">"Expiration"</label>
                <select id="token-expiration" on:change=move |ev| expiration.set(event_target_value(&ev))>
                    {EXPIRY_PRESETS.into_iter().map(|d| view! {
                        <option value=d.to_string() selected=d == 30>{format!("{d} days")}</option>
                    }).collect_view()}
                    <option value="never">"Never"</option>
                </select>
                <FieldError error=error.into() field="expires_in_days"/>
                <fieldset>
                    <legend>"Scopes"</legend>
                    <label class="check"><input type="checkbox" prop:checked=read on:change=move |ev| read.set(event_target_checked(&ev))/>" read"</label>
                    <label class="check"><input type="checkbox" prop:checked=write on:change=move |ev| write.set(event_target_checked(&ev))/>" write"</label>
                </fieldset>
                <FieldError error=error.into() field="scopes"/>
                <div class="actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" disabled=move || pending.get()>
                        {move || if pending.get() { "Creating…" } else { "Create token" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// Shows a new secret once, with Copy token and Download session.json. Closing it drops the
/// secret from memory: there is no way back to it.
#[component]
fn SecretDialog(issued: IssuedTokenResponse, on_close: Callback<()>) -> impl IntoView {
    let copied = RwSignal::new(false);
    let secret = StoredValue::new(issued.secret.clone());
    let json = serde_json::to_string_pretty(&issued.session_json).unwrap_or_default();
    let json = StoredValue::new(json);
    let copy = move |_| {
        let text = secret.get_value();
        leptos::task::spawn_local(async move {
            let clipboard = window().navigator().clipboard();
            if wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text)).await.is_ok() {
                copied.set(true);
            }
        });
    };
    let download = move |_| download_text("session.json", &json.get_value());
    view! {
        <Modal title="Copy your new token".to_string() on_close=on_close>
            <p class="warning" role="note">
                <strong>"This token will not be shown again."</strong>
                " Copy it or download session.json now and store it somewhere safe."
            </p>
            <label for="new-token">{format!("Token {}", issued.token.name)}</label>
            <input id="new-token" class="secret" readonly prop:value=issued.secret.clone()/>
            <div class="actions left">
                <button type="button" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy token" }}</button>
                <button type="button" class="secondary" on:click=download>"Download session.json"</button>
            </div>
            <p class="muted" aria-live="polite">{move || copied.get().then_some("Token copied to the clipboard.")}</p>
            <div class="actions">
                <button type="button" on:click=move |_| on_close.run(())>"Done"</button>
            </div>
        </Modal>
    }
}

/// Asks before revoking: revocation is permanent.
#[component]
fn RevokeDialog(token: Token, on_close: Callback<bool>) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let id = StoredValue::new(token.id.clone());
    let confirm = move |_| {
        pending.set(true);
        leptos::task::spawn_local(async move {
            match revoke_token(id.get_value()).await {
                Ok(_) => on_close.run(true),
                Err(e) => {
                    error.set(Some(e));
                    pending.set(false);
                }
            }
        });
    };
    view! {
        <Modal title="Revoke token".to_string() on_close=Callback::new(move |_| on_close.run(false))>
            <p>{format!("Revoke the token {}? Anything using it stops working at once. This cannot be undone.", token.name)}</p>
            <FormError error=error.into() fields=&[]/>
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| on_close.run(false)>"Cancel"</button>
                <button type="button" class="danger" on:click=confirm disabled=move || pending.get()>"Revoke token"</button>
            </div>
        </Modal>
    }
}

/// Offers `text` as a file download, without a server round trip.
fn download_text(filename: &str, text: &str) {
    use wasm_bindgen::JsCast;
    {
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/json");
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
        if let Ok(a) = document().create_element("a") {
            if let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() {
                a.set_href(&url);
                a.set_download(filename);
                a.click();
            }
        }
        // Revoking at once can cancel the download in some browsers; give it a moment.
        gloo_timers::callback::Timeout::new(10_000, move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        })
        .forget();
    }
}
