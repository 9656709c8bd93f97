//! Trust relationships on an account's page: which identity tokens (GitHub Actions, GitLab CI,
//! Kubernetes, any OpenID Connect issuer) the account accepts in exchange for short-lived
//! tokens (docs/keyless.md). Shows each policy with its conditions and latest exchanges, adds
//! one from a template, removes one after a confirmation (removing revokes what it issued).

use crate::api::trust::{
    add_trust_policy, list_trust_policies, remove_trust_policy, trust_templates,
};
use crate::domain::{ClaimCondition, MatchKind, TrustExchange, TrustPolicy};
use crate::ui::widgets::confirm::ConfirmDialog;
use crate::ui::widgets::form::{FieldError, FormCall, FormDialog, TextField};
use crate::ui::widgets::format::{when, when_or};
use crate::ui::widgets::page::load_error;
use leptos::prelude::*;

/// A condition as the form writes it: `claim = value` (exact) or `claim ~ glob`.
fn condition_text(c: &ClaimCondition) -> String {
    match c.kind {
        MatchKind::Exact => format!("{} = {}", c.claim, c.value),
        MatchKind::Glob => format!("{} ~ {}", c.claim, c.value),
    }
}

/// The form's conditions, one per line; the server checks them (and names the field).
fn parse_condition_lines(text: &str) -> Vec<ClaimCondition> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (split, kind) = match (line.find('='), line.find('~')) {
                (Some(e), Some(g)) if g < e => (g, MatchKind::Glob),
                (Some(e), _) => (e, MatchKind::Exact),
                (None, Some(g)) => (g, MatchKind::Glob),
                (None, None) => (line.len(), MatchKind::Exact),
            };
            ClaimCondition {
                claim: line[..split].trim().to_string(),
                value: line.get(split + 1..).unwrap_or("").trim().to_string(),
                kind,
            }
        })
        .collect()
}

/// The Trust relationships section: one card per policy (its conditions and its latest
/// exchanges), Add from a template, Remove after a confirmation.
#[component]
pub fn AccountTrust(account_id: String, writable: bool) -> impl IntoView {
    let changed = RwSignal::new(0u32);
    let id = StoredValue::new(account_id);
    let policies = Resource::new(
        move || changed.get(),
        move |_| list_trust_policies(id.get_value()),
    );
    let adding = RwSignal::new(false);
    let removing = RwSignal::new(None::<TrustPolicy>);
    let reload = move || changed.update(|n| *n += 1);
    view! {
        <div class="section-head">
            <h2>"Trust relationships"</h2>
            {writable.then(|| view! {
                <button type="button" class="secondary" on:click=move |_| adding.set(true)>"Add trust relationship"</button>
            })}
        </div>
        <p class="hint">"CI jobs and workloads whose identity token matches exchange it at /oauth/token for a short-lived token of this account: no secret to store."</p>
        <Transition fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match policies.await {
                    Err(e) => load_error(&e),
                    Ok(list) if list.items.is_empty() => view! { <p class="muted">"No trust relationships."</p> }.into_any(),
                    Ok(list) => list.items.into_iter()
                        .map(|p| policy_card(p, writable, removing))
                        .collect_view()
                        .into_any(),
                }
            })}
        </Transition>
        {move || adding.get().then(|| view! {
            <AddTrustDialog account_id=id.get_value() on_close=Callback::new(move |added: bool| {
                adding.set(false);
                if added { reload(); }
            })/>
        })}
        {move || removing.get().map(|p| {
            let policy_id = p.id.clone();
            view! {
                <ConfirmDialog title="Remove trust relationship".to_string()
                    message=format!("Stop trusting identity tokens of {}? The tokens it issued are revoked at once; jobs that rely on it can no longer get a token.", p.issuer)
                    confirm_label="Remove trust".to_string()
                    confirm=move || { let id = policy_id.clone(); async move { remove_trust_policy(id).await.map(|_| ()) } }
                    on_close=Callback::new(move |done: bool| {
                        removing.set(None);
                        if done { reload(); }
                    })/>
            }
        })}
    }
}

/// One policy: what it checks, and the exchanges it made lately with the claims that matched.
fn policy_card(
    p: TrustPolicy,
    writable: bool,
    removing: RwSignal<Option<TrustPolicy>>,
) -> impl IntoView {
    let label = format!("Remove trust in {}", p.issuer);
    let name = format!("Trust in {}", p.issuer);
    let exchanges = p.recent_exchanges.clone();
    let for_removal = p.clone();
    view! {
        <article class="trust-policy" aria-label=name>
            <div class="trust-head">
                <h3><code>{p.issuer.clone()}</code></h3>
                {writable.then(|| view! {
                    <button type="button" class="danger" aria-label=label
                        on:click=move |_| removing.set(Some(for_removal.clone()))>"Remove"</button>
                })}
            </div>
            <dl class="details">
                <dt>"Audience"</dt><dd><code>{p.audience.clone()}</code></dd>
                <dt>"Conditions"</dt>
                <dd>{p.conditions.iter().map(|c| view! { <code>{condition_text(c)}</code><br/> }).collect_view()}</dd>
                <dt>"Token lifetime"</dt><dd>{format!("{} min", p.lifetime_seconds / 60)}</dd>
                <dt>"Last exchange"</dt><dd>{when_or(&p.last_exchange_at, "Never")}</dd>
            </dl>
            {(!exchanges.is_empty()).then(|| view! {
                <h4>"Last exchanges"</h4>
                <table>
                    <caption class="visually-hidden">{format!("Last exchanges of trust in {}", p.issuer)}</caption>
                    <thead><tr>
                        <th scope="col">"When"</th><th scope="col">"Claims"</th><th scope="col">"Token"</th>
                    </tr></thead>
                    <tbody>
                        {exchanges.into_iter().map(|e| view! {
                            <tr>
                                <td>{when(&e.at)}</td>
                                <td>{e.claims.iter().map(|(k, v)| view! { <code>{format!("{k} = {v}")}</code><br/> }).collect_view()}</td>
                                <td>{exchange_state(&e)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </article>
    }
}

/// What became of the token an exchange issued.
fn exchange_state(e: &TrustExchange) -> String {
    if e.revoked {
        return "Revoked".to_string();
    }
    match &e.expires_at {
        Some(at) => format!("Valid until {}", when(at)),
        None => "Never expires".to_string(),
    }
}

/// Add trust relationship: a template fills the issuer and the conditions to edit.
#[component]
fn AddTrustDialog(account_id: String, on_close: Callback<bool>) -> impl IntoView {
    let templates = Resource::new(|| (), |_| trust_templates());
    let issuer = RwSignal::new(String::new());
    let audience = RwSignal::new(String::new());
    let conditions = RwSignal::new(String::new());
    let minutes = RwSignal::new("15".to_string());
    let form = FormCall::new();
    let id = StoredValue::new(account_id);
    let choose = move |template_id: String| {
        let Some(Ok(list)) = templates.get_untracked() else {
            return;
        };
        if let Some(t) = list.items.into_iter().find(|t| t.id == template_id) {
            issuer.set(t.issuer.unwrap_or_default());
            conditions.set(
                t.conditions
                    .iter()
                    .map(condition_text)
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
    };
    let submit = Callback::new(move |_| {
        let lifetime = minutes
            .get_untracked()
            .trim()
            .parse::<i64>()
            .ok()
            .map(|m| m * 60);
        let call = add_trust_policy(
            id.get_value(),
            issuer.get_untracked(),
            audience.get_untracked(),
            parse_condition_lines(&conditions.get_untracked()),
            None,
            None,
            None,
            lifetime,
        );
        form.run(call, move |_| on_close.run(true));
    });
    let err = form.error();
    view! {
        <FormDialog title="Add trust relationship".to_string() form=form
            fields=&["issuer", "audience", "conditions", "lifetime_seconds"]
            submit="Add" busy="Adding…" on_submit=submit on_close=Callback::new(move |_| on_close.run(false))>
                <label for="trust-template">"Template"</label>
                <select id="trust-template" on:change=move |ev| choose(event_target_value(&ev))>
                    <option value="">"Custom"</option>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            templates.await.map(|list| list.items.into_iter().map(|t| view! {
                                <option value=t.id.clone()>{t.name.clone()}</option>
                            }).collect_view()).unwrap_or_default()
                        })}
                    </Suspense>
                </select>
                <TextField id="trust-issuer" label="Issuer" value=issuer error=err field="issuer"
                    hint="The identity token's iss: an https URL."/>
                <TextField id="trust-audience" label="Audience" value=audience error=err field="audience"
                    hint="The aud the job asks its platform for, such as this server's URL."/>
                <label for="trust-conditions">"Conditions"</label>
                <textarea id="trust-conditions" rows="4" prop:value=conditions
                    on:input=move |ev| conditions.set(event_target_value(&ev))></textarea>
                <p class="hint">"One per line: claim = value, or claim ~ glob (* stays within one / segment)."</p>
                <FieldError error=err field="conditions"/>
                <label for="trust-minutes">"Token lifetime (minutes)"</label>
                <input id="trust-minutes" type="number" min="1" max="720" prop:value=minutes
                    on:input=move |ev| minutes.set(event_target_value(&ev))/>
                <FieldError error=err field="lifetime_seconds"/>
        </FormDialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_lines_read_exact_and_glob() {
        let c =
            parse_condition_lines("repository = acme/api\n\nref ~ refs/heads/release-*\nsub=a=b");
        assert_eq!(c.len(), 3);
        assert_eq!(
            (c[0].claim.as_str(), c[0].value.as_str(), c[0].kind),
            ("repository", "acme/api", MatchKind::Exact)
        );
        assert_eq!(
            (c[1].claim.as_str(), c[1].value.as_str(), c[1].kind),
            ("ref", "refs/heads/release-*", MatchKind::Glob)
        );
        assert_eq!((c[2].claim.as_str(), c[2].value.as_str()), ("sub", "a=b"));
        assert_eq!(condition_text(&c[1]), "ref ~ refs/heads/release-*");
    }
}
