//! Trust policies: which identity tokens (the OpenID Connect JWTs that CI systems and clusters
//! give every job or pod) a service account accepts in exchange for a short-lived Steward
//! token (RFC 8693, `POST /oauth/token`), and the rules their claim conditions follow. Shared
//! with the browser, so the form checks what the server checks.
//!
//! Glob rule: `*` matches any run of characters inside one `/`-separated segment, never a `/`
//! (so `acme/*` matches `acme/api` but not `acme/api/x`); nothing else is special. An exact
//! condition matches the whole value only: `acme/api` never matches `acme/api-evil`.

use crate::domain::ApiError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The lifetime of an exchanged token when the policy names none: a CI job's length.
pub const DEFAULT_LIFETIME_SECONDS: i64 = 15 * 60;
/// The longest an exchanged token may live: the point is that it is short-lived.
pub const MAX_LIFETIME_SECONDS: i64 = 12 * 3600;
/// The shortest, so a token can still make a few calls.
pub const MIN_LIFETIME_SECONDS: i64 = 60;
/// At most this many conditions per policy.
pub const MAX_CONDITIONS: usize = 16;
/// Longest issuer URL, audience or condition value.
pub const MAX_VALUE_CHARS: usize = 255;
/// Claims a policy checks by itself (issuer, audience, times, replay), never by a condition.
pub const RESERVED_CLAIMS: [&str; 6] = ["iss", "aud", "exp", "nbf", "iat", "jti"];

/// How a condition compares a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The whole value, character for character.
    #[default]
    Exact,
    /// `*` matches within one `/`-separated segment.
    Glob,
}

/// One claim the identity token must carry, with the value it must have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimCondition {
    /// A top-level claim of the token, e.g. `repository`, `ref`, `sub`: 1–64 of `A-Z a-z 0-9 _
    /// . : -`, not one the policy checks itself (`iss`, `aud`, `exp`, `nbf`, `iat`, `jti`).
    #[schema(pattern = r"^(?!(?:iss|aud|exp|nbf|iat|jti)$)[A-Za-z0-9_.:-]{1,64}$")]
    pub claim: String,
    /// The value, 1–255 characters without control characters, naming more than `*` and `/`;
    /// a string claim compares as is, `true`/`false` and numbers as written.
    #[schema(pattern = r"^(?=[\s\S]*[^*/])[^\u0000-\u001F\u007F-\u009F]{1,255}$")]
    pub value: String,
    /// `exact` (default) or `glob`.
    #[serde(default, rename = "match")]
    pub kind: MatchKind,
}

/// A service account's trust in an identity token issuer, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrustPolicy {
    pub id: String,
    pub service_account_id: String,
    /// The `iss` the identity token must carry; its keys are fetched from
    /// `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    /// The `aud` the identity token must carry (one of them, when it has several).
    pub audience: String,
    pub conditions: Vec<ClaimCondition>,
    /// The scopes of the tokens it issues.
    pub scopes: Vec<crate::domain::Scope>,
    /// The permissions those tokens are narrowed to (`None`: all the account holds).
    pub narrow_permissions: Option<Vec<String>>,
    /// The workspace ids those tokens are narrowed to (`None`: not narrowed).
    pub narrow_workspaces: Option<Vec<String>>,
    /// How long an exchanged token lives.
    pub lifetime_seconds: i64,
    pub created_at: String,
    pub created_by: String,
    /// The last successful exchange, if any, to the minute (`recent_exchanges` has exact times).
    pub last_exchange_at: Option<String>,
    /// The latest exchanges, newest first (at most `RECENT_EXCHANGES`; exchanged tokens are
    /// forgotten a day after they expire).
    pub recent_exchanges: Vec<TrustExchange>,
}

/// How many of a policy's latest exchanges its listing shows.
pub const RECENT_EXCHANGES: i64 = 5;

/// One exchange a policy made: when, the claims of the identity token that matched, and the
/// token it issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrustExchange {
    pub token_id: String,
    pub at: String,
    pub expires_at: Option<String>,
    /// Whether the issued token was revoked (or its policy removed) before it expired.
    pub revoked: bool,
    /// The identity token's claims the policy checked, and those that say which job it was
    /// (`run_id`, `sub`, …).
    pub claims: std::collections::BTreeMap<String, String>,
}

/// A ready-made starting point for a policy: the issuer (when it is fixed) and the claims
/// worth checking, with example values to replace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrustTemplate {
    /// `github-actions`, `gitlab-ci` or `kubernetes`.
    pub id: String,
    pub name: String,
    /// `None`: each installation has its own (a cluster's API server, a self-hosted GitLab).
    pub issuer: Option<String>,
    pub conditions: Vec<ClaimCondition>,
}

fn suggest(claim: &str, value: &str, kind: MatchKind) -> ClaimCondition {
    ClaimCondition {
        claim: claim.into(),
        value: value.into(),
        kind,
    }
}

/// The templates the UI offers and `service-accounts/trust/templates` lists.
pub fn trust_templates() -> Vec<TrustTemplate> {
    use MatchKind::Exact;
    vec![
        TrustTemplate {
            id: "github-actions".into(),
            name: "GitHub Actions".into(),
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            conditions: vec![
                suggest("repository", "acme/api", Exact),
                suggest("ref", "refs/heads/main", Exact),
                suggest("environment", "production", Exact),
            ],
        },
        TrustTemplate {
            id: "gitlab-ci".into(),
            name: "GitLab CI".into(),
            issuer: Some("https://gitlab.com".into()),
            conditions: vec![
                suggest("project_path", "acme/api", Exact),
                suggest("ref", "main", Exact),
                suggest("ref_protected", "true", Exact),
            ],
        },
        TrustTemplate {
            id: "kubernetes".into(),
            name: "Kubernetes".into(),
            issuer: None,
            conditions: vec![suggest("sub", "system:serviceaccount:ci:deployer", Exact)],
        },
    ]
}

/// Whether `value` matches `pattern` under the glob rule (module comment).
pub fn glob_matches(pattern: &str, value: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let value: Vec<&str> = value.split('/').collect();
    pattern.len() == value.len()
        && pattern
            .iter()
            .zip(&value)
            .all(|(p, v)| segment_matches(p.as_bytes(), v.as_bytes()))
}

/// One segment (no `/` in either): `*` matches any run of bytes. The usual greedy walk that
/// returns to the last `*` on a mismatch, which is exact when `*` is the only wildcard.
fn segment_matches(p: &[u8], v: &[u8]) -> bool {
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, vi));
            pi += 1;
        } else if pi < p.len() && p[pi] == v[vi] {
            pi += 1;
            vi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// A claim's value as conditions compare it: strings as they are, booleans and numbers as
/// JSON writes them; anything else (arrays, objects, null) matches nothing.
pub fn claim_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl ClaimCondition {
    /// Whether the token's claims satisfy this condition.
    pub fn holds(&self, claims: &serde_json::Map<String, serde_json::Value>) -> bool {
        let Some(actual) = claims.get(&self.claim).and_then(claim_text) else {
            return false;
        };
        match self.kind {
            MatchKind::Exact => actual == self.value,
            MatchKind::Glob => glob_matches(&self.value, &actual),
        }
    }
}

/// The claims that matched every condition (recorded on the exchanged token), or the first
/// condition's claim that did not (for the audit log only; the caller is never told).
pub fn match_conditions(
    conditions: &[ClaimCondition],
    claims: &serde_json::Map<String, serde_json::Value>,
) -> Result<BTreeMap<String, String>, String> {
    let mut matched = BTreeMap::new();
    for c in conditions {
        if !c.holds(claims) {
            return Err(c.claim.clone());
        }
        if let Some(v) = claims.get(&c.claim).and_then(claim_text) {
            matched.insert(c.claim.clone(), v);
        }
    }
    Ok(matched)
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// An issuer URL: `https://host[:port][/path]`, without query, fragment or credentials, at
/// most 255 characters; trimmed, and taken exactly as the token's `iss` must be.
pub fn parse_issuer(input: &str) -> Result<String, ApiError> {
    let s = input.trim();
    let bad = |m: &str| Err(ApiError::invalid("issuer", m));
    let Some(rest) = s.strip_prefix("https://") else {
        return bad(
            "The issuer must be an https URL, such as https://token.actions.githubusercontent.com.",
        );
    };
    let host = rest.split('/').next().unwrap_or("");
    if s.chars().count() > MAX_VALUE_CHARS {
        return bad("The issuer URL is longer than 255 characters.");
    }
    if host.is_empty()
        || host.starts_with(':')
        || s.contains(['?', '#', '@', ' ', '\\'])
        || has_control(s)
    {
        return bad(
            "The issuer must be an https URL with a host and no query, fragment or user name.",
        );
    }
    Ok(s.to_string())
}

/// An audience: 1–255 characters without control characters, trimmed.
pub fn parse_audience(input: &str) -> Result<String, ApiError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(ApiError::invalid(
            "audience",
            "Name the audience the identity token carries.",
        ));
    }
    if s.chars().count() > MAX_VALUE_CHARS || has_control(s) {
        return Err(ApiError::invalid(
            "audience",
            "The audience must be at most 255 characters without control characters.",
        ));
    }
    Ok(s.to_string())
}

/// A claim name: 1–64 of `A-Z a-z 0-9 _ . : -`, not one of the claims a policy checks itself.
fn parse_claim(name: &str) -> Result<String, ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'));
    if !ok {
        return Err(ApiError::invalid(
            "conditions",
            format!(
                "'{name}' is not a claim name: use 1–64 letters, digits, '_', '.', ':' or '-'."
            ),
        ));
    }
    if RESERVED_CLAIMS.contains(&name) {
        return Err(ApiError::invalid(
            "conditions",
            format!("'{name}' is checked by the policy itself; it cannot be a condition."),
        ));
    }
    Ok(name.to_string())
}

/// Claim conditions: 1–16, values 1–255 characters without control characters, each with a
/// character other than `*` and `/` (a glob of only those matches any value). Conditions on
/// one claim all apply.
pub fn parse_conditions(list: &[ClaimCondition]) -> Result<Vec<ClaimCondition>, ApiError> {
    if list.is_empty() {
        return Err(ApiError::invalid(
            "conditions",
            "Add at least one claim condition (such as repository), or any job of the issuer could use this account.",
        ));
    }
    if list.len() > MAX_CONDITIONS {
        return Err(ApiError::invalid(
            "conditions",
            format!("A policy has at most {MAX_CONDITIONS} conditions."),
        ));
    }
    let mut out: Vec<ClaimCondition> = Vec::new();
    for c in list {
        let claim = parse_claim(&c.claim)?;
        let value = &c.value;
        if value.is_empty() || value.chars().count() > MAX_VALUE_CHARS || has_control(value) {
            return Err(ApiError::invalid(
                "conditions",
                format!(
                    "The value for '{claim}' must be 1–255 characters without control characters."
                ),
            ));
        }
        if value.chars().all(|ch| ch == '*' || ch == '/') {
            return Err(ApiError::invalid(
                "conditions",
                format!("The value for '{claim}' must name more than '*' and '/'."),
            ));
        }
        out.push(ClaimCondition {
            claim,
            value: value.clone(),
            kind: c.kind,
        });
    }
    Ok(out)
}

/// The exchanged token's lifetime in seconds: default 15 minutes, 60 seconds to 12 hours.
pub fn parse_lifetime(input: Option<i64>) -> Result<i64, ApiError> {
    match input {
        None => Ok(DEFAULT_LIFETIME_SECONDS),
        Some(s) if (MIN_LIFETIME_SECONDS..=MAX_LIFETIME_SECONDS).contains(&s) => Ok(s),
        Some(_) => Err(ApiError::invalid(
            "lifetime_seconds",
            format!("The lifetime must be {MIN_LIFETIME_SECONDS} to {MAX_LIFETIME_SECONDS} seconds (12 hours)."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(claim: &str, value: &str, kind: MatchKind) -> ClaimCondition {
        ClaimCondition {
            claim: claim.into(),
            value: value.into(),
            kind,
        }
    }

    #[test]
    fn a_star_stays_inside_one_segment() {
        assert!(glob_matches("acme/*", "acme/api"));
        assert!(glob_matches("acme/*", "acme/"));
        assert!(!glob_matches("acme/*", "acme/api/extra"));
        assert!(!glob_matches("acme/*", "acme"));
        assert!(glob_matches(
            "refs/heads/release-*",
            "refs/heads/release-1.2"
        ));
        assert!(!glob_matches("refs/heads/*", "refs/heads/feature/x"));
        assert!(glob_matches("refs/*/main", "refs/heads/main"));
        assert!(glob_matches("*-bot", "deploy-bot"));
        assert!(glob_matches("a*b*c", "a-x-b-y-c"));
        assert!(!glob_matches("a*b*c", "a-x-b-y-c-d"));
        assert!(glob_matches(
            "system:serviceaccount:ci:*",
            "system:serviceaccount:ci:deployer"
        ));
    }

    #[test]
    fn a_glob_without_a_star_is_exact() {
        assert!(glob_matches("acme/api", "acme/api"));
        assert!(!glob_matches("acme/api", "acme/api-evil"));
        assert!(!glob_matches("acme/api", "acme/ap"));
    }

    #[test]
    fn exact_never_matches_a_prefix_or_a_glob() {
        let claims = json!({"repository": "acme/api-evil", "x": "acme/*"});
        let claims = claims.as_object().unwrap();
        assert!(!cond("repository", "acme/api", MatchKind::Exact).holds(claims));
        assert!(!cond("repository", "acme/*", MatchKind::Exact).holds(claims));
        assert!(cond("x", "acme/*", MatchKind::Exact).holds(claims));
        assert!(cond("repository", "acme/*", MatchKind::Glob).holds(claims));
        assert!(!cond("repository", "acme/api", MatchKind::Glob).holds(claims));
    }

    #[test]
    fn booleans_and_numbers_compare_as_written_and_objects_never() {
        let claims = json!({"ref_protected": true, "run_id": 42, "nested": {"a": "b"}, "n": null});
        let claims = claims.as_object().unwrap();
        assert!(cond("ref_protected", "true", MatchKind::Exact).holds(claims));
        assert!(!cond("ref_protected", "false", MatchKind::Exact).holds(claims));
        assert!(cond("run_id", "42", MatchKind::Exact).holds(claims));
        assert!(!cond("nested", "*", MatchKind::Glob).holds(claims));
        assert!(!cond("n", "null", MatchKind::Exact).holds(claims));
        assert!(!cond("missing", "x", MatchKind::Exact).holds(claims));
    }

    #[test]
    fn every_condition_must_hold_and_the_first_failure_is_named() {
        let claims = json!({"repository": "acme/api", "ref": "refs/heads/dev"});
        let claims = claims.as_object().unwrap();
        let conditions = [
            cond("repository", "acme/api", MatchKind::Exact),
            cond("ref", "refs/heads/main", MatchKind::Exact),
        ];
        assert_eq!(
            match_conditions(&conditions, claims),
            Err("ref".to_string())
        );
        let matched = match_conditions(&conditions[..1], claims).unwrap();
        assert_eq!(
            matched.get("repository").map(String::as_str),
            Some("acme/api")
        );
    }

    #[test]
    fn issuers_are_https_urls_without_query_or_credentials() {
        assert_eq!(
            parse_issuer(" https://gitlab.example.com ").unwrap(),
            "https://gitlab.example.com"
        );
        assert!(parse_issuer("https://127.0.0.1:8443/realms/ci").is_ok());
        for bad in [
            "http://gitlab.com",
            "gitlab.com",
            "https://",
            "https:///path",
            "https://a.com/?x=1",
            "https://a.com/#f",
            "https://user@a.com",
            "https://a b.com",
        ] {
            assert_eq!(
                parse_issuer(bad).unwrap_err().field(),
                Some("issuer"),
                "{bad}"
            );
        }
    }

    #[test]
    fn conditions_are_checked() {
        let ok = [cond("repository", "acme/*", MatchKind::Glob)];
        assert!(parse_conditions(&ok).is_ok());
        assert!(parse_conditions(&[]).is_err());
        assert!(parse_conditions(&[cond("aud", "x", MatchKind::Exact)]).is_err());
        assert!(parse_conditions(&[cond("repo sitory", "x", MatchKind::Exact)]).is_err());
        assert!(parse_conditions(&[cond("repository", "", MatchKind::Exact)]).is_err());
        assert!(parse_conditions(&[cond("repository", "*/*", MatchKind::Glob)]).is_err());
        assert!(parse_conditions(&[cond("repository", "*", MatchKind::Exact)]).is_err());
        assert!(parse_conditions(&[cond("repository", "a*", MatchKind::Glob)]).is_ok());
    }

    #[test]
    fn lifetimes_default_to_fifteen_minutes_and_stop_at_twelve_hours() {
        assert_eq!(parse_lifetime(None).unwrap(), 900);
        assert_eq!(parse_lifetime(Some(43_200)).unwrap(), 43_200);
        assert!(parse_lifetime(Some(43_201)).is_err());
        assert!(parse_lifetime(Some(59)).is_err());
    }

    #[test]
    fn the_templates_name_their_issuers() {
        let t = trust_templates();
        assert_eq!(
            t[0].issuer.as_deref(),
            Some("https://token.actions.githubusercontent.com")
        );
        assert_eq!(t[1].issuer.as_deref(), Some("https://gitlab.com"));
        assert_eq!(t[2].issuer, None);
        for template in &t {
            assert!(parse_conditions(&template.conditions).is_ok());
            if let Some(i) = &template.issuer {
                assert!(parse_issuer(i).is_ok());
            }
        }
    }
}
