//! Verifying a presented API token: format and checksum, SHA-256, one indexed lookup, then the
//! token's state. Never a slow KDF: tokens are 190-bit random secrets, and a slow hash would
//! only turn every API call into a denial-of-service lever.

use crate::auth::random::{new_id, sha256_hex};
use crate::auth::token_secret;
use crate::domain::SubjectType;
use crate::domain::{ApiError, OrganizationRef, Principal, PrincipalKind, PrincipalToken, Role};
use crate::metrics::METRICS;
use crate::services::access::{self, list_from_text, Access, TokenLimits};
use crate::services::audit::AuditAction;
use crate::services::clock::{now_ms, rfc3339_opt};
use crate::services::people::sessions::unavailable;
use crate::services::tokens::credential_cache::Credential;
use crate::services::{Authenticated, RequestMeta};
use crate::state::AppState;
use crate::store::{CredentialRow, NewAuditEvent};
use std::sync::Arc;

/// Why a token Steward knows was refused; recorded in the audit log, never told to the caller.
fn refusal(row: &CredentialRow, is_current: bool, now: i64) -> Option<&'static str> {
    if row.revoked_at.is_some() {
        Some("revoked")
    } else if row.disabled {
        Some("suspended")
    } else if row.leaked_at.is_some() {
        Some("leaked")
    } else if row.expires_at.is_some_and(|at| at <= now) {
        Some("expired")
    } else if !is_current && row.previous_valid_until.is_none_or(|until| until <= now) {
        Some("replaced")
    } else {
        None
    }
}

/// A token's power: the lower of its account's role and the role of whoever minted it.
pub fn effective_role(account_role: Role, role_cap: Role) -> Role {
    account_role.min(role_cap)
}

/// Resolves a Bearer token to its service account and what the token may do: `Ok(None)` for
/// anything that must not authenticate (malformed, unknown, expired, revoked, suspended,
/// replaced); `Err` when one of the token's guards refuses this request (403
/// `network_not_allowed` or `uses_exhausted`, 429 `rate_limited`: the caller holds the token,
/// so it may learn why) or (503) when the database cannot answer, which says nothing about the
/// token. Records the use for last-used tracking without writing to the database here.
pub async fn principal_from_token(
    state: &AppState,
    secret: &str,
    meta: &RequestMeta,
) -> Result<Option<Authenticated>, ApiError> {
    let Some(hash) = hash_of(secret) else {
        METRICS.refused("malformed");
        return Ok(None);
    };
    match credential(state, &hash).await? {
        Some(found) => authenticate_credential(state, &found, &hash, meta).await,
        None => {
            METRICS.refused("unknown");
            Ok(None)
        }
    }
}

/// The credential stored under `hash`: from the credential cache when it is on and nothing it
/// depends on has changed, otherwise from the database (and then kept).
async fn credential(state: &AppState, hash: &str) -> Result<Option<Arc<Credential>>, ApiError> {
    if let Some(found) = state.credentials.get(hash) {
        return Ok(Some(found));
    }
    let read = state.credentials.start_read();
    let row = state.db.credential(hash).await.map_err(unavailable)?;
    Ok(row.map(|row| {
        let found = Credential::new(row);
        state.credentials.put(hash, &found, read);
        found
    }))
}

/// A presented token after the lookup, before deciding whether it authenticates.
#[derive(Debug, Clone, Default)]
pub struct Presented {
    hash: Option<String>,
    found: Option<Arc<Credential>>,
}

impl Presented {
    /// Whether it authenticates now, as `principal_from_token` would answer (recording the use,
    /// or auditing a refused token Steward knows).
    pub async fn authenticate(
        self,
        state: &AppState,
        meta: &RequestMeta,
    ) -> Result<Option<Authenticated>, ApiError> {
        match (self.found, self.hash) {
            (Some(found), Some(hash)) => authenticate_credential(state, &found, &hash, meta).await,
            (None, hash) => {
                METRICS.refused(if hash.is_some() {
                    "unknown"
                } else {
                    "malformed"
                });
                Ok(None)
            }
            (Some(_), None) => Ok(None),
        }
    }
}

/// Looks up two tokens in one round trip: introspection's caller and the token it asks about.
/// Nothing is decided or recorded yet, so the second is only touched once the first may ask.
pub async fn look_up_pair(
    state: &AppState,
    secrets: [&str; 2],
) -> Result<[Presented; 2], ApiError> {
    let hashes = secrets.map(hash_of);
    let cached = hashes
        .each_ref()
        .map(|h| h.as_deref().and_then(|h| state.credentials.get(h)));
    if hashes
        .iter()
        .zip(&cached)
        .all(|(h, row)| h.is_none() || row.is_some())
    {
        return Ok(Presented::pair(hashes, cached));
    }
    let read = state.credentials.start_read();
    let rows = match &hashes {
        [Some(a), Some(b)] => state.db.credential_pair(a, b).await,
        [Some(one), None] | [None, Some(one)] => state.db.credential(one).await.map(Vec::from_iter),
        [None, None] => Ok(Vec::new()),
    }
    .map_err(unavailable)?;
    let found = hashes.each_ref().map(|hash| {
        let hash = hash.as_deref()?;
        let row = rows
            .iter()
            .find(|r| r.secret_hash == hash || r.previous_secret_hash.as_deref() == Some(hash))?;
        let found = Credential::new(row.clone());
        state.credentials.put(hash, &found, read);
        Some(found)
    });
    Ok(Presented::pair(hashes, found))
}

impl Presented {
    fn pair(hashes: [Option<String>; 2], found: [Option<Arc<Credential>>; 2]) -> [Presented; 2] {
        let [h0, h1] = hashes;
        let [f0, f1] = found;
        [
            Presented {
                hash: h0,
                found: f0,
            },
            Presented {
                hash: h1,
                found: f1,
            },
        ]
    }
}

/// SHA-256 of a token that has the right shape and checksum; `None` for anything else, which
/// is refused without a lookup.
fn hash_of(secret: &str) -> Option<String> {
    token_secret::is_well_formed(secret).then(|| sha256_hex(secret))
}

/// What the token stored in `found` (under `hash`) may do, if it may authenticate now. Whether
/// it may is decided on every request; what it may do is built once per credential read.
async fn authenticate_credential(
    state: &AppState,
    found: &Arc<Credential>,
    hash: &str,
    meta: &RequestMeta,
) -> Result<Option<Authenticated>, ApiError> {
    let row = &found.row;
    let now = now_ms();
    if let Some(reason) = refusal(row, row.secret_hash == hash, now) {
        METRICS.refused(reason);
        state
            .usage
            .record_refused(&row.token_id, &row.account_id, now);
        audit_refused_token(state, row, reason, meta, now).await;
        return Ok(None);
    }
    if let Some(guards) = &found.guards {
        let admitted = guards
            .admit(&state.db, &state.rate_windows, &row.token_id, &meta.ip, now)
            .await?;
        if let Some(refused) = admitted {
            METRICS.refused(refused.reason());
            state
                .usage
                .record_refused(&row.token_id, &row.account_id, now);
            audit_refused_token(state, row, refused.reason(), meta, now).await;
            return Err(refused.to_error());
        }
    }
    if let Some(checks) = &found.report_only {
        super::report_only::observe(state, checks, &row.token_id, meta, now).await;
    }
    state
        .usage
        .record(&row.token_id, &row.account_id, now, &meta.ip);
    if let Some(auth) = found.built() {
        return Ok(Some(auth));
    }
    let mut auth = build_principal(state, row, row.secret_hash != hash).await?;
    found.keep_built(&auth);
    auth.credential = Some(found.clone());
    Ok(Some(auth))
}

/// The principal a token's row describes, with its grants and limits; `replaced_secret` when it
/// was presented with the secret a refresh replaced.
async fn build_principal(
    state: &AppState,
    row: &CredentialRow,
    replaced_secret: bool,
) -> Result<Authenticated, ApiError> {
    let (role, account_role) = (effective_role(row.role, row.role_cap), row.role);
    let grants = access::grants(
        state,
        &row.org_id,
        SubjectType::ServiceAccount,
        &row.account_id,
        row.access_version,
    )
    .await
    .map_err(unavailable)?;
    let access = Access {
        role: account_role,
        grants,
        limits: Some(TokenLimits {
            role_cap: Some(row.role_cap),
            cap_extra: list_from_text(row.cap_permissions.as_deref()),
            permissions: list_from_text(row.narrow_permissions.as_deref()),
            workspaces: list_from_text(row.narrow_workspaces.as_deref()),
            scopes: Some(row.scopes.0.clone()),
            replaced_secret,
        }),
        version: row.access_version,
    };
    let principal = Principal {
        kind: PrincipalKind::ServiceAccount,
        id: row.account_id.clone(),
        name: row.account_name.clone(),
        role,
        scopes: row.scopes.0.clone(),
        organization: OrganizationRef {
            id: row.org_id.clone(),
            slug: row.org_slug.clone(),
            name: row.org_name.clone(),
        },
        token: Some(PrincipalToken {
            id: row.token_id.clone(),
            name: row.token_name.clone(),
            expires_at: rfc3339_opt(row.expires_at),
            created_at: Some(crate::services::clock::rfc3339(row.token_created_at)),
        }),
        permissions: Default::default(),
        workspaces: Default::default(),
    };
    let mut auth = Authenticated {
        principal,
        access: Arc::new(access),
        credential: None,
        report_only: None,
    };
    auth.report_only = super::report_only::narrowed(&auth, &row.report_only);
    Ok(auth)
}

/// Records a refused use of a token Steward knows, at most once a minute per token, so a
/// misconfigured job cannot flood the audit log.
async fn audit_refused_token(
    state: &AppState,
    row: &CredentialRow,
    reason: &str,
    meta: &RequestMeta,
    now: i64,
) {
    // A client hammering a refused token (rate-limited, say) must not cost a write per request:
    // this process asks the database at most once a minute per token.
    if !state.refusal_audits.may_claim(&row.token_id, now) {
        return;
    }
    match state.db.claim_refused_audit(&row.token_id, now).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(error = %e, "could not throttle refused-token audit");
            return;
        }
    }
    let record = NewAuditEvent {
        id: new_id("aud"),
        organization_id: Some(row.org_id.clone()),
        at: now,
        actor_kind: "service_account".into(),
        actor_id: Some(row.account_id.clone()),
        actor_name: row.account_name.clone(),
        token_id: Some(row.token_id.clone()),
        action: AuditAction::TokenRefused.as_str().into(),
        target_kind: Some("token".into()),
        target_id: Some(row.token_id.clone()),
        target_name: Some(row.token_name.clone()),
        ip: Some(meta.ip.clone()),
        user_agent: meta.user_agent.clone(),
        outcome: "failure".into(),
        details: Some(serde_json::json!({ "reason": reason }).to_string()),
    };
    if let Err(e) = state.db.insert_audit(&record).await {
        tracing::warn!(error = %e, "could not audit a refused token");
    }
}

/// When this process last asked to audit a refused use of each token, so a flood of refused
/// requests asks the database once a minute per token, not once per request.
#[derive(Default)]
pub struct RefusalAudits {
    last: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

/// Tokens remembered at most; past it, entries older than a minute are dropped.
const REMEMBERED_REFUSALS: usize = 10_000;

impl RefusalAudits {
    /// Whether to ask the database now: true at most once a minute per token.
    pub fn may_claim(&self, token_id: &str, now: i64) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.get(token_id).is_some_and(|at| now - at < 60_000) {
            return false;
        }
        if last.len() >= REMEMBERED_REFUSALS {
            last.retain(|_, at| now - *at < 60_000);
        }
        last.insert(token_id.to_string(), now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_token_is_claimed_for_audit_once_a_minute_per_process() {
        let audits = RefusalAudits::default();
        assert!(audits.may_claim("tok_a", 0));
        assert!(!audits.may_claim("tok_a", 59_999));
        assert!(audits.may_claim("tok_b", 1));
        assert!(audits.may_claim("tok_a", 60_000));
    }

    #[test]
    fn a_token_never_acts_above_its_minter_or_its_account() {
        assert_eq!(effective_role(Role::Admin, Role::Editor), Role::Editor);
        assert_eq!(effective_role(Role::Viewer, Role::Admin), Role::Viewer);
        assert_eq!(effective_role(Role::Editor, Role::Editor), Role::Editor);
    }
}
