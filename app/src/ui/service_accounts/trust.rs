//! Trust relationships on an account's page: which identity tokens (GitHub Actions, GitLab CI,
//! Kubernetes, any OpenID Connect issuer) the account accepts in exchange for short-lived
//! tokens (docs/keyless.md). Lists the policies with their conditions and last exchange, adds
//! one from a template, removes one (which revokes what it issued).

use crate::api::trust::{
    add_trust_policy, list_trust_policies, remove_trust_policy, trust_templates,
};
use crate::domain::{ClaimCondition, MatchKind, TrustPolicy};
use crate::ui::widgets::form::{FieldError, FormCall, FormDialog, FormError, TextField};
use crate::ui::widgets::format::when_or;
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

/// The Trust relationships section.
#[component]
pub fn AccountTrust(account_id: String, writable: bool) -> impl IntoView {
    let changed = RwSignal::new(0u32);
    let id = StoredValue::new(account_id);
    let policies = Resource::new(
        move || changed.get(),
        move |_| list_trust_policies(id.get_value()),
    );
    let adding = RwSignal::new(false);
    let removal = FormCall::new();
    let remove = move |policy: String| {
        removal.run(remove_trust_policy(policy), move |_| {
            changed.update(|n| *n += 1)
        });
    };
    view! {
        <div class="section-head">
            <h2>"Trust relationships"</h2>
            {writable.then(|| view! {
                <button type="button" class="secondary" on:click=move |_| adding.set(true)>"Add trust relationship"</button>
            })}
        </div>
        <p class="hint">"CI jobs and workloads whose identity token matches exchange it at /oauth/token for a short-lived token of this account: no secret to store."</p>
        <FormError error=removal.error() fields=&[]/>
        <Transition fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match policies.await {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message().to_string()}</p> }.into_any(),
                    Ok(list) if list.items.is_empty() => view! { <p class="muted">"No trust relationships."</p> }.into_any(),
                    Ok(list) => view! {
                        <table>
                            <caption class="visually-hidden">"Trust relationships"</caption>
                            <thead><tr>
                                <th scope="col">"Issuer"</th><th scope="col">"Audience"</th>
                                <th scope="col">"Conditions"</th><th scope="col">"Token lifetime"</th>
                                <th scope="col">"Last exchange"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {list.items.into_iter().map(|p: TrustPolicy| {
                                    let label = format!("Remove trust in {}", p.issuer);
                                    let policy_id = p.id.clone();
                                    view! {
                                        <tr>
                                            <td><code>{p.issuer.clone()}</code></td>
                                            <td><code>{p.audience.clone()}</code></td>
                                            <td>{p.conditions.iter().map(|c| view! { <code>{condition_text(c)}</code><br/> }).collect_view()}</td>
                                            <td>{format!("{} min", p.lifetime_seconds / 60)}</td>
                                            <td>{when_or(&p.last_exchange_at, "Never")}</td>
                                            <td class="row-actions">{writable.then(|| view! {
                                                <button type="button" class="danger" aria-label=label
                                                    disabled=move || removal.pending()
                                                    on:click=move |_| remove(policy_id.clone())>"Remove"</button>
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
        {move || adding.get().then(|| view! {
            <AddTrustDialog account_id=id.get_value() on_close=Callback::new(move |added: bool| {
                adding.set(false);
                if added { changed.update(|n| *n += 1); }
            })/>
        })}
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
