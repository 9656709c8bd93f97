//! `settings/*`: organization settings, for admins.

use crate::domain::{ApiError, OrganizationSettings, SettingsChanges};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Answer of `settings/get` and `settings/update`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SettingsResponse {
    pub settings: OrganizationSettings,
}

/// The organization's settings.
#[server(endpoint = "v1/settings/get", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_settings() -> Result<SettingsResponse, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::SettingsRead)?;
    let settings = crate::services::settings::get(&state, &caller).await?;
    Ok(SettingsResponse { settings })
}

/// Changes the settings that were sent. People only: a token cannot change the policies that
/// bound tokens.
#[server(endpoint = "v1/settings/update", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn update_settings(
    #[server(flatten)] changes: SettingsChanges,
) -> Result<SettingsResponse, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized_person(Permission::SettingsWrite)?;
    let settings = crate::services::settings::update(&state, &caller, changes).await?;
    Ok(SettingsResponse { settings })
}

/// The organization's last 50 expiry notices and how their delivery went.
#[server(endpoint = "v1/settings/deliveries", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_deliveries() -> Result<crate::api::Items<crate::domain::Delivery>, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::SettingsRead)?;
    let items = crate::services::notices::deliveries(&state, &caller).await?;
    Ok(crate::api::Items { items })
}

/// Sends a test notice to the webhook now and reports how it went.
#[server(endpoint = "v1/settings/test-webhook", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn test_webhook() -> Result<crate::domain::Delivery, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized_person(Permission::SettingsWrite)?;
    crate::services::notices::send_test(&state, &caller).await
}
