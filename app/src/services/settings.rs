//! Organization settings (admins): the maximum token lifetime and a webhook URL.

use super::audit::{event, Target};
use super::Caller;
use crate::domain::{ApiError, OrganizationSettings, MAX_EXPIRY_DAYS};
use crate::state::AppState;

fn to_api(row: crate::store::OrganizationRow) -> OrganizationSettings {
    OrganizationSettings {
        organization_id: row.id,
        slug: row.slug,
        name: row.name,
        max_token_lifetime_days: row.max_token_lifetime_days,
        webhook_url: row.webhook_url,
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

/// Sets both settings; `None` clears one (no maximum lifetime, no webhook).
pub async fn update(
    state: &AppState,
    caller: &Caller,
    max_token_lifetime_days: Option<i64>,
    webhook_url: Option<String>,
) -> Result<OrganizationSettings, ApiError> {
    if let Some(d) = max_token_lifetime_days {
        if !(1..=MAX_EXPIRY_DAYS).contains(&d) {
            return Err(ApiError::invalid(
                "max_token_lifetime_days",
                format!("Maximum lifetime must be between 1 and {MAX_EXPIRY_DAYS} days."),
            ));
        }
    }
    let webhook_url = webhook_url
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    if let Some(u) = &webhook_url {
        if !(u.starts_with("https://") || u.starts_with("http://"))
            || u.len() > 500
            || u.contains(char::is_whitespace)
        {
            return Err(ApiError::invalid(
                "webhook_url",
                "Webhook URL must be an http(s) URL.",
            ));
        }
    }
    let org = caller.principal.organization.id.clone();
    let mut tx = state.db.begin().await?;
    tx.update_organization_settings(&org, max_token_lifetime_days, webhook_url.as_deref())
        .await?;
    let mut record = event(
        caller,
        "settings.update",
        Some(Target {
            kind: "organization",
            id: &org,
            name: &caller.principal.organization.slug,
        }),
    );
    record.details =
        Some(serde_json::json!({ "max_token_lifetime_days": max_token_lifetime_days }).to_string());
    tx.insert_audit(&record).await?;
    let row = tx
        .organization(&org)
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
