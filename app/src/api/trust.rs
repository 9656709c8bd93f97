//! `service-accounts/trust/*`: the trust policies that let CI jobs and workloads exchange their
//! own identity token for a short-lived token of a service account (the exchange itself is
//! `POST /oauth/token`, `server/src/routes/oauth_token.rs`).

use crate::api::tokens::RevokedCount;
use crate::api::Items;
use crate::domain::{ApiError, ClaimCondition, TrustPolicy, TrustTemplate};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Answer of `service-accounts/trust/add`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrustPolicyResponse {
    pub trust_policy: TrustPolicy,
}

/// Lets a service account trust identity tokens of an issuer whose claims meet the
/// conditions: such a token can then be exchanged at `POST /oauth/token` for a short-lived
/// token of the account. The caller must be able to create tokens for the account; the policy
/// never issues more than the caller could.
// Each argument is a field of the JSON body scripts send, so there are as many as it has.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "v1/service-accounts/trust/add", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn add_trust_policy(
    /// The account the exchanged tokens act as.
    service_account_id: String,
    /// The identity tokens' `iss`: an https URL serving `/.well-known/openid-configuration`.
    issuer: String,
    /// The `aud` the identity tokens must carry.
    audience: String,
    /// 1–16 claims the identity token must carry, each exact (default) or a glob whose `*`
    /// stays inside one `/`-separated segment.
    conditions: Vec<ClaimCondition>,
    /// The exchanged tokens' scopes: `read`, `write` or both; default both.
    scopes: Option<Vec<String>>,
    /// Narrow the exchanged tokens to these permissions (each held by the account and caller).
    permissions: Option<Vec<String>>,
    /// Narrow the exchanged tokens to these workspaces (by name).
    workspaces: Option<Vec<String>>,
    /// How long an exchanged token lives: 60–43200 seconds (12 hours); default 900.
    lifetime_seconds: Option<i64>,
) -> Result<TrustPolicyResponse, ApiError> {
    use crate::api::prelude::*;
    use crate::services::trust::policies::{add, NewTrustInput};
    let (state, caller) = authorized(Permission::ServiceAccountsWrite)?;
    let input = NewTrustInput {
        service_account_id,
        issuer,
        audience,
        conditions,
        scopes,
        permissions,
        workspaces,
        lifetime_seconds,
    };
    let trust_policy = add(&state, &caller, input).await?;
    Ok(TrustPolicyResponse { trust_policy })
}

/// The trust policies of a service account.
#[server(endpoint = "v1/service-accounts/trust/list", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_trust_policies(
    service_account_id: String,
) -> Result<Items<TrustPolicy>, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsRead)?;
    let items =
        crate::services::trust::policies::list(&state, &caller, &service_account_id).await?;
    Ok(Items { items })
}

/// Removes a trust policy and revokes the tokens it issued.
#[server(endpoint = "v1/service-accounts/trust/remove", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn remove_trust_policy(id: String) -> Result<RevokedCount, ApiError> {
    use crate::api::prelude::*;
    let (state, caller) = authorized(Permission::ServiceAccountsWrite)?;
    let revoked = crate::services::trust::policies::remove(&state, &caller, &id).await?;
    Ok(RevokedCount { revoked })
}

/// Ready-made starting points: GitHub Actions, GitLab CI and Kubernetes, with the issuer
/// (when it is fixed) and the claims worth checking.
#[server(endpoint = "v1/service-accounts/trust/templates", input = Json, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn trust_templates() -> Result<Items<TrustTemplate>, ApiError> {
    use crate::api::prelude::*;
    let _ = authorized(Permission::ServiceAccountsRead)?;
    Ok(Items {
        items: crate::domain::trust_templates(),
    })
}
