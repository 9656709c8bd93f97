//! Organization settings (admins): the maximum token lifetime, and the webhook expiry notices
//! go to with the secret they are signed with. Updates are partial: a field left out stays as it
//! is, `null` clears it.

use crate::auth::sealing::SealingKey;
use crate::domain::{ApiError, OrganizationSettings, Patch, SettingsChanges, MAX_EXPIRY_DAYS};
use crate::services::audit::{event, AuditAction, Target};
use crate::services::notices::webhook_policy::{origin_of, parse_webhook_url};
use crate::services::Caller;
use crate::state::AppState;
use crate::store::{Lock, OrganizationRow};

fn to_api(row: OrganizationRow) -> OrganizationSettings {
    OrganizationSettings {
        organization_id: row.id,
        slug: row.slug,
        name: row.name,
        max_token_lifetime_days: row.max_token_lifetime_days,
        webhook_origin: row.webhook_url.as_deref().map(origin_of),
        webhook_url_set: row.webhook_url.is_some(),
        webhook_secret_set: row.webhook_secret.is_some(),
    }
}

pub async fn get(state: &AppState, caller: &Caller) -> Result<OrganizationSettings, ApiError> {
    let row = state
        .db
        .organization(&caller.principal.organization.id)
        .await?
        .ok_or_else(|| ApiError::not_found("Organization"))?;
    Ok(to_api(row))
}

fn check_lifetime(days: &Patch<i64>) -> Result<(), ApiError> {
    match days {
        Patch::Set(d) if !(1..=MAX_EXPIRY_DAYS).contains(d) => Err(ApiError::invalid(
            "max_token_lifetime_days",
            format!("Maximum lifetime must be between 1 and {MAX_EXPIRY_DAYS} days."),
        )),
        _ => Ok(()),
    }
}

/// An empty URL clears it, like `null`; anything else must be an https URL, or http to this
/// machine by name (for trying a receiver out), without credentials (`webhook_policy`).
fn check_webhook(url: Patch<String>) -> Result<Patch<String>, ApiError> {
    let Patch::Set(u) = url else { return Ok(url) };
    let u = u.trim();
    if u.is_empty() {
        return Ok(Patch::Clear);
    }
    let parsed = parse_webhook_url(u).map_err(|why| ApiError::invalid("webhook_url", why))?;
    Ok(Patch::Set(parsed.to_string()))
}

/// Seals a new signing secret with the server's key, bound to its organization; an empty one
/// clears it.
fn sealed_secret(
    state: &AppState,
    secret: Patch<String>,
    organization_id: &str,
) -> Result<Patch<String>, ApiError> {
    let Patch::Set(s) = secret else {
        return Ok(secret);
    };
    if s.trim().is_empty() {
        return Ok(Patch::Clear);
    }
    if s.chars().count() < 16 || s.chars().count() > 200 {
        return Err(ApiError::invalid(
            "webhook_secret",
            "The signing secret must be 16 to 200 characters.",
        ));
    }
    let key = state.config.secret_key.as_ref().ok_or_else(|| {
        ApiError::invalid(
            "webhook_secret",
            "This server has no STEWARD_SECRET_KEY to keep a secret with: ask its operator to set one.",
        )
    })?;
    Ok(Patch::Set(key.seal(&s, organization_id)))
}

/// A webhook URL as the audit log records it: its origin, then `/…`.
fn origin_only(url: &str) -> String {
    format!("{}/…", origin_of(url))
}

/// Re-seals signing secrets sealed before they were bound to their organization, once, at
/// start (`server` runs it after migrating). Without the server's key nothing can be opened,
/// so nothing changes; a value that does not open with this key is left for the operator.
pub async fn upgrade_sealed_secrets(state: &AppState) -> Result<usize, ApiError> {
    let Some(key) = state.config.secret_key.as_ref() else {
        return Ok(0);
    };
    let mut upgraded = 0;
    for (organization_id, stored) in state.db.sealed_webhook_secrets().await? {
        if !SealingKey::is_unbound(&stored) {
            continue;
        }
        let Some(plain) = key.open_unbound(&stored) else {
            tracing::warn!(organization = %organization_id, "a webhook signing secret does not open with this STEWARD_SECRET_KEY; left as it is");
            continue;
        };
        let mut tx = state.db.begin().await?;
        if tx
            .replace_webhook_secret(
                &organization_id,
                &stored,
                &key.seal(&plain, &organization_id),
            )
            .await?
        {
            upgraded += 1;
        }
        tx.commit().await?;
    }
    Ok(upgraded)
}

/// Applies the changes that were sent; audited with each setting's old and new value.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    changes: SettingsChanges,
) -> Result<OrganizationSettings, ApiError> {
    check_lifetime(&changes.max_token_lifetime_days)?;
    let webhook = check_webhook(changes.webhook_url)?;
    let secret_changed = !changes.webhook_secret.is_unchanged();
    let org = caller.principal.organization.id.clone();
    let secret = sealed_secret(state, changes.webhook_secret, &org)?;
    let mut tx = state.db.begin().await?;
    let current = tx
        .organization(&org, Lock::ForUpdate)
        .await?
        .ok_or_else(|| ApiError::not_found("Organization"))?;
    let days = changes
        .max_token_lifetime_days
        .apply(current.max_token_lifetime_days);
    let url = webhook.apply(current.webhook_url.clone());
    let sealed = secret.apply(current.webhook_secret.clone());
    if days == current.max_token_lifetime_days && url == current.webhook_url && !secret_changed {
        // Nothing changes, so nothing is written or audited.
        return Ok(to_api(current));
    }
    tx.update_organization_settings(&org, days, url.as_deref(), sealed.as_deref())
        .await?;
    let mut record = event(
        caller,
        AuditAction::SettingsUpdate,
        Some(Target::organization(&org, &current.slug)),
    );
    record.details = Some(
        serde_json::json!({
            "max_token_lifetime_days": {"old": current.max_token_lifetime_days, "new": days},
            "webhook_url": {
                "old": current.webhook_url.as_deref().map(origin_only),
                "new": url.as_deref().map(origin_only),
            },
            "webhook_secret": {"changed": secret_changed, "set": sealed.is_some()},
        })
        .to_string(),
    );
    tx.insert_audit(&record).await?;
    let row = tx
        .organization(&org, Lock::ForUpdate)
        .await?
        .ok_or_else(ApiError::internal)?;
    tx.commit().await?;
    Ok(to_api(row))
}

/// The maximum token lifetime, which everyone who may create tokens needs to know.
pub async fn token_lifetime_limit(
    state: &AppState,
    caller: &Caller,
) -> Result<Option<i64>, ApiError> {
    Ok(state
        .db
        .organization(&caller.principal.organization.id)
        .await?
        .and_then(|o| o.max_token_lifetime_days))
}

#[cfg(test)]
mod tests {
    #[test]
    fn audited_webhook_urls_keep_no_path_or_credentials() {
        assert_eq!(
            super::origin_only("https://hooks.example.com/T0/B0/secret?x=1"),
            "https://hooks.example.com/…"
        );
    }
}
