//! RFC 8693 token exchange: a CI job or workload presents the identity token its platform
//! gave it and names the service account it acts as; when a trust policy of that account
//! accepts the token, it gets an ordinary `stw_` token that lives minutes, narrowed and capped
//! as the policy says. The caller learns only that it was refused (RFC 6749 `invalid_grant`);
//! which check failed goes to the audit log.
//!
//! Longer than most files: the exchange is one sequence of checks (the request, the JWT, the
//! policy, replay, minting) whose order is the security argument, so it is kept in one file.

use crate::auth::random::{base62, new_id};
use crate::auth::token_secret;
use crate::domain::{claim_text, match_conditions, ClaimCondition, Scope};
use crate::services::audit::AuditAction;
use crate::services::clock::now_ms;
use crate::services::trust::exchange_writes::{ExchangeWrite, Written};
use crate::services::trust::issuers::KeyError;
use crate::services::RequestMeta;
use crate::state::AppState;
use crate::store::{AccountBasics, NewAuditEvent, Scopes, StoreError, TrustPolicyRow};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Clock skew allowed on `exp`, `nbf` and `iat`.
pub const SKEW_SECONDS: u64 = 60;

/// Claims recorded in the audit log when present: what identifies the job or workload.
const IDENTIFYING_CLAIMS: &[&str] = &[
    "sub",
    "repository",
    "repository_owner",
    "workflow",
    "job_workflow_ref",
    "ref",
    "sha",
    "environment",
    "run_id",
    "run_attempt",
    "actor",
    "project_path",
    "namespace_path",
    "pipeline_id",
    "job_id",
    "user_login",
];

/// What an exchange asks for, as the endpoint parsed it.
pub struct ExchangeRequest {
    pub subject_token: String,
    /// The service account (`sa_…`) the token is for, from RFC 8693's `audience` parameter.
    pub service_account_id: String,
    /// Space-separated scopes asked for (RFC 6749 3.3); `None`: the policy's.
    pub scope: Option<String>,
}

/// A successful exchange.
pub struct Exchanged {
    pub access_token: String,
    pub expires_in: i64,
    pub scopes: Vec<Scope>,
}

/// Why an exchange failed, as RFC 6749 5.2 names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeError {
    /// The request is malformed (the description says what is missing).
    InvalidRequest(String),
    /// The identity token is not accepted; never says why.
    InvalidGrant,
    /// The identity token named a service account and was refused for a reason now in the
    /// audit log. Answered as `InvalidGrant`; each one costs an audit record, so the sender's
    /// address is limited on how many it may cause.
    Refused,
    /// A scope the policy does not give.
    InvalidScope,
    /// The issuer or the database cannot be reached now; nothing was issued.
    Unavailable(String),
    Internal,
}

impl From<StoreError> for ExchangeError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => {
                ExchangeError::Unavailable("The database is unavailable.".into())
            }
            other => {
                tracing::error!(error = %other, "token exchange failed in the store");
                ExchangeError::Internal
            }
        }
    }
}

/// A refusal to record: the reason is for the audit log only.
struct Refusal<'a> {
    account: &'a AccountBasics,
    issuer: &'a str,
    subject: Option<String>,
    reason: String,
}

/// Exchanges an identity token for a short-lived Steward token.
#[tracing::instrument(skip_all, fields(account = %req.service_account_id))]
pub async fn exchange(
    state: &AppState,
    meta: &RequestMeta,
    req: ExchangeRequest,
) -> Result<Exchanged, ExchangeError> {
    let token = req.subject_token.trim();
    // Only RS256 and ES256: never `none`, never an HMAC whose "secret" is a public key.
    let header = decode_header(token).map_err(|_| ExchangeError::InvalidGrant)?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
        return Err(ExchangeError::InvalidGrant);
    }
    let unverified = unverified_claims(token).ok_or(ExchangeError::InvalidGrant)?;
    let issuer = unverified
        .get("iss")
        .and_then(Value::as_str)
        .ok_or(ExchangeError::InvalidGrant)?
        .to_string();
    let account = state
        .db
        .account_basics(&req.service_account_id)
        .await?
        .ok_or(ExchangeError::InvalidGrant)?;
    let subject = unverified.get("sub").and_then(claim_text);
    let refuse = |reason: &str| Refusal {
        account: &account,
        issuer: &issuer,
        subject: subject.clone(),
        reason: reason.to_string(),
    };
    let policies = state.db.trust_policies_for(&account.id, &issuer).await?;
    if policies.is_empty() {
        audit_refusal(
            state,
            meta,
            refuse("no trust policy of the account names this issuer"),
        )
        .await;
        return Err(ExchangeError::Refused);
    }
    if account.disabled {
        audit_refusal(state, meta, refuse("the service account is disabled")).await;
        return Err(ExchangeError::Refused);
    }
    let key = match state
        .issuer_keys
        .key(&issuer, header.kid.as_deref(), header.alg)
        .await
    {
        Ok(k) => k,
        Err(KeyError::UnknownKey) => {
            audit_refusal(state, meta, refuse("no key of the issuer has this kid")).await;
            return Err(ExchangeError::Refused);
        }
        Err(KeyError::Unreachable(why)) => {
            audit_refusal(state, meta, refuse(&why)).await;
            return Err(ExchangeError::Unavailable(
                "The identity token's issuer cannot be reached; try again later.".into(),
            ));
        }
    };
    let claims = match verified_claims(token, &key, header.alg, &issuer) {
        Ok(c) => c,
        Err(why) => {
            audit_refusal(state, meta, refuse(&why)).await;
            return Err(ExchangeError::Refused);
        }
    };
    let (policy, matched) = match choose_policy(&policies, &claims) {
        Ok(found) => found,
        Err(why) => {
            audit_refusal(state, meta, refuse(&why)).await;
            return Err(ExchangeError::Refused);
        }
    };
    let scopes = requested_scopes(req.scope.as_deref(), &policy.scopes)?;
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    let replay_key = replay_key(&issuer, claims.get("jti").and_then(Value::as_str), token);
    issue(
        state,
        meta,
        &account,
        policy,
        &claims,
        matched,
        scopes,
        (&replay_key, exp),
    )
    .await
}

/// The claims before the signature is checked: only to find the issuer whose keys check it.
fn unverified_claims(token: &str) -> Option<Map<String, Value>> {
    let mut v = Validation::new(Algorithm::RS256);
    v.insecure_disable_signature_validation();
    v.validate_exp = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    decode::<Map<String, Value>>(token, &DecodingKey::from_secret(&[]), &v)
        .ok()
        .map(|d| d.claims)
}

/// The claims once the signature, `iss`, `exp`, `nbf` and `iat` are checked.
fn verified_claims(
    token: &str,
    key: &DecodingKey,
    alg: Algorithm,
    issuer: &str,
) -> Result<Map<String, Value>, String> {
    let mut v = Validation::new(alg);
    v.leeway = SKEW_SECONDS;
    v.validate_nbf = true;
    v.validate_aud = false; // per policy, below
    v.set_issuer(&[issuer]);
    v.set_required_spec_claims(&["exp", "iss"]);
    let claims = decode::<Map<String, Value>>(token, key, &v)
        .map_err(|e| format!("the identity token is not valid: {e}"))?
        .claims;
    let now = (now_ms() / 1000) as u64;
    if let Some(iat) = claims.get("iat") {
        match iat.as_u64() {
            Some(t) if t <= now + SKEW_SECONDS => {}
            _ => return Err("the identity token's iat is in the future".into()),
        }
    }
    Ok(claims)
}

/// The first policy (oldest first) whose audience and conditions the token meets, with the
/// claims that matched; otherwise the reason the first policy refused it.
fn choose_policy<'p>(
    policies: &'p [TrustPolicyRow],
    claims: &Map<String, Value>,
) -> Result<
    (
        &'p TrustPolicyRow,
        std::collections::BTreeMap<String, String>,
    ),
    String,
> {
    let mut first_reason = None;
    for p in policies {
        let audience_ok = match claims.get("aud") {
            Some(Value::String(a)) => a == &p.audience,
            Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(&p.audience)),
            _ => false,
        };
        let result = if !audience_ok {
            Err(format!("policy {}: the audience does not match", p.id))
        } else {
            let conditions: Vec<ClaimCondition> =
                serde_json::from_str(&p.conditions).unwrap_or_default();
            if conditions.is_empty() {
                Err(format!("policy {}: it has no conditions", p.id))
            } else {
                match_conditions(&conditions, claims)
                    .map_err(|claim| format!("policy {}: the claim '{claim}' does not match", p.id))
            }
        };
        match result {
            Ok(matched) => return Ok((p, matched)),
            Err(why) => {
                first_reason.get_or_insert(why);
            }
        }
    }
    Err(first_reason.unwrap_or_else(|| "no policy".into()))
}

/// The scopes asked for (space-separated), each one the policy gives; default all of them.
fn requested_scopes(asked: Option<&str>, policy: &[Scope]) -> Result<Vec<Scope>, ExchangeError> {
    let Some(asked) = asked.filter(|s| !s.trim().is_empty()) else {
        return Ok(policy.to_vec());
    };
    let mut scopes = Vec::new();
    for s in asked.split(' ').filter(|s| !s.is_empty()) {
        let scope = Scope::parse(s).ok_or(ExchangeError::InvalidScope)?;
        if !policy.contains(&scope) {
            return Err(ExchangeError::InvalidScope);
        }
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes.sort();
    Ok(scopes)
}

/// What identifies an identity token for replay: its issuer and `jti`, or the whole token.
fn replay_key(issuer: &str, jti: Option<&str>, token: &str) -> String {
    let mut h = Sha256::new();
    match jti {
        Some(jti) => {
            h.update(b"jti\0");
            h.update(issuer.as_bytes());
            h.update(b"\0");
            h.update(jti.as_bytes());
        }
        None => {
            h.update(b"jwt\0");
            h.update(token.as_bytes());
        }
    }
    hex::encode(h.finalize())
}

fn truncated(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Mints the token. Its rows are written in one transaction with the exchanges made at the
/// same moment ([`ExchangeWrite`]); the claim on the identity token is made there, so a replay
/// (here or on another replica) finds it claimed.
#[allow(clippy::too_many_arguments)]
async fn issue(
    state: &AppState,
    meta: &RequestMeta,
    account: &AccountBasics,
    policy: &TrustPolicyRow,
    claims: &Map<String, Value>,
    matched: std::collections::BTreeMap<String, String>,
    scopes: Vec<Scope>,
    (replay, exp): (&str, i64),
) -> Result<Exchanged, ExchangeError> {
    let now = now_ms();
    let subject = claims.get("sub").and_then(claim_text);
    let issued = token_secret::generate();
    let id = new_id("tok");
    let name = format!("exchanged-{}", base62(12).to_lowercase());
    let identifying: Map<String, Value> = IDENTIFYING_CLAIMS
        .iter()
        .filter_map(|c| {
            claims
                .get(*c)
                .and_then(claim_text)
                .map(|v| (c.to_string(), Value::String(truncated(&v, 200))))
        })
        .collect();
    let audit = NewAuditEvent {
        id: new_id("aud"),
        organization_id: Some(account.organization_id.clone()),
        at: now,
        actor_kind: "service_account".into(),
        actor_id: Some(account.id.clone()),
        actor_name: account.name.clone(),
        token_id: Some(id.clone()),
        action: AuditAction::TokenExchange.as_str().into(),
        target_kind: Some("token".into()),
        target_id: Some(id.clone()),
        target_name: Some(name.clone()),
        ip: Some(meta.ip.clone()),
        user_agent: meta.user_agent.clone(),
        outcome: "success".into(),
        details: Some(
            serde_json::json!({
                "policy_id": policy.id,
                "issuer": policy.issuer,
                "subject": subject,
                "claims": identifying,
                "matched": matched,
            })
            .to_string(),
        ),
    };
    let write = ExchangeWrite {
        replay_key: replay.to_string(),
        replay_until: (exp + SKEW_SECONDS as i64) * 1000,
        description: truncated(
            &format!(
                "Exchanged from {} ({})",
                policy.issuer,
                subject.as_deref().unwrap_or("no subject")
            ),
            500,
        ),
        created_by: truncated(&format!("trust policy {}", policy.id), 100),
        scopes: Scopes::to_text(&scopes),
        matched: serde_json::to_string(&matched).map_err(|_| ExchangeError::Internal)?,
        secret_hash: issued.hash,
        hint: issued.hint,
        account: account.clone(),
        policy: policy.clone(),
        id,
        name,
        now,
        audit,
    };
    match state.exchange_writes.write(&state.db, write).await? {
        Written::Issued => Ok(Exchanged {
            access_token: issued.secret,
            expires_in: policy.lifetime_seconds,
            scopes,
        }),
        Written::AccountDisabled => Err(ExchangeError::InvalidGrant),
        Written::Replayed => {
            audit_refusal(
                state,
                meta,
                Refusal {
                    account,
                    issuer: &policy.issuer,
                    subject,
                    reason: "the identity token was already exchanged (replay)".into(),
                },
            )
            .await;
            Err(ExchangeError::Refused)
        }
    }
}

/// Records a refused exchange (`token.exchange`, failure) with its reason.
async fn audit_refusal(state: &AppState, meta: &RequestMeta, r: Refusal<'_>) {
    tracing::info!(account = %r.account.id, issuer = %r.issuer, reason = %r.reason, "token exchange refused");
    let record = NewAuditEvent {
        id: new_id("aud"),
        organization_id: Some(r.account.organization_id.clone()),
        at: now_ms(),
        actor_kind: "service_account".into(),
        actor_id: Some(r.account.id.clone()),
        actor_name: r.account.name.clone(),
        token_id: None,
        action: AuditAction::TokenExchange.as_str().into(),
        target_kind: Some("service_account".into()),
        target_id: Some(r.account.id.clone()),
        target_name: Some(r.account.name.clone()),
        ip: Some(meta.ip.clone()),
        user_agent: meta.user_agent.clone(),
        outcome: "failure".into(),
        details: Some(
            serde_json::json!({
                "issuer": truncated(r.issuer, 255),
                "subject": r.subject.map(|s| truncated(&s, 200)),
                "reason": r.reason,
            })
            .to_string(),
        ),
    };
    if let Err(e) = state.db.insert_audit(&record).await {
        tracing::warn!(error = %e, "could not audit a refused exchange");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_asked_for_must_be_the_policys() {
        let policy = [Scope::Read];
        assert_eq!(requested_scopes(None, &policy).unwrap(), vec![Scope::Read]);
        assert_eq!(
            requested_scopes(Some("read"), &policy).unwrap(),
            vec![Scope::Read]
        );
        assert_eq!(
            requested_scopes(Some("write"), &policy),
            Err(ExchangeError::InvalidScope)
        );
        assert_eq!(
            requested_scopes(Some("admin"), &policy),
            Err(ExchangeError::InvalidScope)
        );
    }

    #[test]
    fn replay_keys_use_the_jti_within_its_issuer() {
        assert_eq!(
            replay_key("https://a", Some("1"), "x"),
            replay_key("https://a", Some("1"), "y")
        );
        assert_ne!(
            replay_key("https://a", Some("1"), "x"),
            replay_key("https://b", Some("1"), "x")
        );
        assert_ne!(
            replay_key("https://a", None, "x"),
            replay_key("https://a", None, "y")
        );
    }
}
