//! The signing keys of identity token issuers: the discovery document
//! (`<issuer>/.well-known/openid-configuration`) names the JWKS, both fetched over https and
//! kept per issuer for as long as the JWKS answer's `Cache-Control: max-age` says (at least a
//! minute, at most a day; five minutes without one). A token whose `kid` is unknown makes one
//! fetch, at most once a minute per issuer, so a key rotation is picked up and a stream of
//! made-up `kid`s cannot make Steward hammer the issuer. An issuer that cannot be reached
//! fails the exchange (never a stale key past its time), and none of this is on the path of
//! `/auth/verify` or any other credential check.
//!
//! `STEWARD_OIDC_CA_FILE` (PEM, one or more certificates) adds trusted roots for these fetches
//! only, beside the public ones, for self-hosted issuers behind a private CA. Like webhooks,
//! these fetches reach only public addresses unless the operator allows internal ranges
//! (`STEWARD_OIDC_ALLOW_NETWORKS`, `services::outbound`): whoever may add a trust policy must
//! not be able to make the server probe its own network.

use crate::services::outbound::{refusal_in, OutboundPolicy};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The least time between two fetches of one issuer's keys.
pub const MIN_REFETCH: Duration = Duration::from_secs(60);
/// How long keys are kept when the issuer says nothing.
const DEFAULT_FRESH: Duration = Duration::from_secs(300);
/// The longest keys are kept, whatever the issuer says.
const MAX_FRESH: Duration = Duration::from_secs(86_400);
/// A discovery document or JWKS larger than this is refused.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// Why no key could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The issuer (or its JWKS) could not be fetched or read: the exchange fails closed.
    Unreachable(String),
    /// The issuer answered, but has no usable key with this `kid` for this algorithm.
    UnknownKey,
}

/// One usable key: which algorithm it verifies, and the key.
#[derive(Clone)]
struct Key {
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

struct Entry {
    keys: Vec<Key>,
    fetched_at: Instant,
    fresh_until: Instant,
}

/// The key cache and the HTTP client it fetches with; one per process.
pub struct IssuerKeys {
    client: reqwest::Client,
    policy: OutboundPolicy,
    entries: Mutex<HashMap<String, std::sync::Arc<Entry>>>,
}

impl IssuerKeys {
    /// A cache whose client trusts the public roots plus `extra_roots_pem` (the contents of
    /// `STEWARD_OIDC_CA_FILE`) and reaches only the addresses `policy` allows. Fails on a PEM
    /// holding no certificate.
    pub fn new(
        extra_roots_pem: Option<&[u8]>,
        policy: &OutboundPolicy,
    ) -> Result<IssuerKeys, String> {
        // A redirect may name an address outright, which no resolver sees: check it here.
        let redirects = {
            let policy = policy.clone();
            reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= 3 {
                    attempt.error("too many redirects")
                } else if let Err(refused) = policy.check_literal_host(attempt.url()) {
                    attempt.error(refused)
                } else {
                    attempt.follow()
                }
            })
        };
        let mut builder = policy
            .client_builder()
            .https_only(true)
            .redirect(redirects)
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(5));
        if let Some(pem) = extra_roots_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("reading STEWARD_OIDC_CA_FILE: {e}"))?;
            if certs.is_empty() {
                return Err("STEWARD_OIDC_CA_FILE holds no certificate".into());
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| format!("building the OIDC client: {e}"))?;
        Ok(IssuerKeys {
            client,
            policy: policy.clone(),
            entries: Mutex::default(),
        })
    }

    /// The key that verifies a token of `issuer` signed with `algorithm` under `kid`.
    pub async fn key(
        &self,
        issuer: &str,
        kid: Option<&str>,
        algorithm: Algorithm,
    ) -> Result<DecodingKey, KeyError> {
        let now = Instant::now();
        let cached = self.entries.lock().unwrap().get(issuer).cloned();
        if let Some(entry) = &cached {
            if now < entry.fresh_until {
                if let Some(k) = pick(&entry.keys, kid, algorithm) {
                    return Ok(k);
                }
                if now.duration_since(entry.fetched_at) < MIN_REFETCH {
                    return Err(KeyError::UnknownKey);
                }
            }
        }
        let entry = std::sync::Arc::new(self.fetch(issuer).await?);
        let found = pick(&entry.keys, kid, algorithm);
        self.entries
            .lock()
            .unwrap()
            .insert(issuer.to_string(), entry);
        found.ok_or(KeyError::UnknownKey)
    }

    /// Moves this process's last fetch of `issuer`'s keys `by` into the past, as if that much
    /// time had gone by: a test shows what a key rotation does once the one-minute floor has
    /// passed without waiting that minute. Nothing else calls it.
    #[doc(hidden)]
    pub fn backdate(&self, issuer: &str, by: Duration) {
        let mut entries = self.entries.lock().unwrap();
        if let Some(e) = entries.get(issuer) {
            let earlier = |t: Instant| t.checked_sub(by).unwrap_or(t);
            let aged = Entry {
                keys: e.keys.clone(),
                fetched_at: earlier(e.fetched_at),
                fresh_until: earlier(e.fresh_until),
            };
            entries.insert(issuer.to_string(), std::sync::Arc::new(aged));
        }
    }

    async fn fetch(&self, issuer: &str) -> Result<Entry, KeyError> {
        let unreachable = |what: &str, e: &dyn std::fmt::Display| {
            tracing::warn!(%issuer, error = %e, "could not fetch the issuer's {what}");
            KeyError::Unreachable(format!("could not fetch the issuer's {what}"))
        };
        let discovery_url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let (discovery, _) = self
            .get_json(&discovery_url)
            .await
            .map_err(|e| unreachable("discovery document", &e))?;
        // OpenID Connect Discovery 4.3: the document must name the issuer it was fetched for.
        if discovery.get("issuer").and_then(|v| v.as_str()) != Some(issuer) {
            return Err(unreachable(
                "discovery document",
                &"its issuer is not the one asked for",
            ));
        }
        let jwks_uri = discovery
            .get("jwks_uri")
            .and_then(|v| v.as_str())
            .ok_or_else(|| unreachable("discovery document", &"it names no jwks_uri"))?;
        let fetched_at = Instant::now();
        let (jwks, max_age) = self
            .get_json(jwks_uri)
            .await
            .map_err(|e| unreachable("keys", &e))?;
        let keys = jwks
            .get("keys")
            .and_then(|k| k.as_array())
            .ok_or_else(|| unreachable("keys", &"the JWKS has no keys array"))?
            .iter()
            .filter_map(usable_key)
            .collect();
        let fresh = max_age
            .unwrap_or(DEFAULT_FRESH)
            .clamp(MIN_REFETCH, MAX_FRESH);
        Ok(Entry {
            keys,
            fetched_at,
            fresh_until: fetched_at + fresh,
        })
    }

    /// A JSON document and its `Cache-Control: max-age`.
    async fn get_json(&self, url: &str) -> Result<(serde_json::Value, Option<Duration>), String> {
        let parsed = url::Url::parse(url).map_err(|e| e.to_string())?;
        self.policy
            .check_literal_host(&parsed)
            .map_err(|refused| refused.to_string())?;
        let res = self.client.get(parsed).send().await.map_err(|e| {
            refusal_in(&e).map_or_else(|| e.without_url().to_string(), |r| r.to_string())
        })?;
        if !res.status().is_success() {
            return Err(format!("status {}", res.status()));
        }
        let max_age = res
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(max_age);
        let body = res.bytes().await.map_err(|e| e.to_string())?;
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err("the document is too large".into());
        }
        let json = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        Ok((json, max_age))
    }
}

/// `max-age` of a `Cache-Control` value; `no-cache`/`no-store` count as zero (then the
/// one-minute floor applies).
fn max_age(value: &str) -> Option<Duration> {
    let mut found = None;
    for part in value.split(',') {
        let part = part.trim().to_ascii_lowercase();
        if part == "no-cache" || part == "no-store" {
            return Some(Duration::ZERO);
        }
        if let Some(secs) = part.strip_prefix("max-age=") {
            found = secs
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    found
}

/// A JWKS entry Steward can verify with: RSA for RS256, P-256 for ES256, not for encryption.
fn usable_key(value: &serde_json::Value) -> Option<Key> {
    let jwk: Jwk = serde_json::from_value(value.clone()).ok()?;
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return None;
    }
    let algorithm = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        _ => return None,
    };
    let key = DecodingKey::from_jwk(&jwk).ok()?;
    Some(Key {
        kid: jwk.common.key_id.clone(),
        algorithm,
        key,
    })
}

/// The key for `kid` and `algorithm`; a token without a `kid` is verified only when the
/// issuer has exactly one key for its algorithm.
fn pick(keys: &[Key], kid: Option<&str>, algorithm: Algorithm) -> Option<DecodingKey> {
    let mut candidates = keys.iter().filter(|k| k.algorithm == algorithm);
    match kid {
        Some(kid) => candidates
            .find(|k| k.kid.as_deref() == Some(kid))
            .map(|k| k.key.clone()),
        None => {
            let first = candidates.next()?;
            candidates.next().is_none().then(|| first.key.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_max_age_is_read() {
        assert_eq!(
            max_age("public, max-age=600"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=abc"), None);
    }
}
