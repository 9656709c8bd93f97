//! Leak reports: what a secret scanner (GitHub's partner programme, GitLab's token revocation
//! API) or anyone who found a token sends to say it leaked, and the answer GitHub expects.
//! Holding the token is the only proof needed, so whoever reports learns nothing they could not
//! learn by using it.

use super::ApiError;
use serde::{Deserialize, Serialize};

/// The most tokens one report may name.
pub const MAX_REPORTED_TOKENS: usize = 100;
/// Longer URLs and sources are cut to this many characters when stored.
pub const MAX_REPORT_TEXT: usize = 1000;
/// The type Steward's tokens go by in answers and in GitLab's list of revocable types.
pub const STEWARD_TOKEN_TYPE: &str = "steward_api_token";

/// One leaked token, as GitHub's secret scanning sends it (`{token, type, url, source}`);
/// `{"token": "…"}` alone is enough.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeakedToken {
    /// The token as found.
    pub token: String,
    /// The scanner's name for the kind of secret (GitHub: the pattern's registered name).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Where it was found, e.g. a file in a public repository (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What kind of place it was found in (GitHub: `content`, `commit`, `issue_comment`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One leaked token as GitLab's secret detection sends it to a token revocation API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GitLabRevocation {
    /// GitLab's name for the detection rule, e.g. `gitleaks_rule_id_steward_api_token`.
    #[serde(rename = "type")]
    pub token_type: String,
    pub token: String,
    /// A link to the file at the commit where it was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The finding as GitLab recorded it; not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub vulnerability: Option<serde_json::Map<String, serde_json::Value>>,
}

impl From<GitLabRevocation> for LeakedToken {
    fn from(g: GitLabRevocation) -> LeakedToken {
        LeakedToken {
            token: g.token,
            token_type: Some(g.token_type),
            url: g.location,
            source: Some("gitlab".into()),
        }
    }
}

/// Whether a reported token was one of Steward's live tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeakVerdict {
    /// A live token: it is now suspended.
    TruePositive,
    /// Not a token Steward would accept: unknown, malformed, revoked or expired.
    FalsePositive,
}

/// The answer about one reported token, in the shape GitHub's secret scanning takes as
/// feedback: the SHA-256 (hex) of the token, never whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LeakLabel {
    pub token_hash: String,
    pub token_type: String,
    pub label: LeakVerdict,
}

/// A report on a token as the token shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LeakReport {
    /// When it was reported (RFC 3339).
    pub reported_at: String,
    /// Where it was found, as the report said.
    #[serde(default)]
    pub url: Option<String>,
    /// Who or what reported it (`github`'s source, `gitlab`, or as sent).
    #[serde(default)]
    pub source: Option<String>,
}

/// Checks a report's size (an entry whose token is not one is simply a false positive).
pub fn check_report(tokens: &[LeakedToken]) -> Result<(), ApiError> {
    if tokens.is_empty() {
        return Err(ApiError::invalid("token", "Report at least one token."));
    }
    if tokens.len() > MAX_REPORTED_TOKENS {
        return Err(ApiError::invalid(
            "token",
            format!(
                "Report at most {MAX_REPORTED_TOKENS} tokens at once (this report has {}).",
                tokens.len()
            ),
        ));
    }
    Ok(())
}

/// Text from a report as it is kept: at most `MAX_REPORT_TEXT` characters, control characters
/// dropped, nothing when empty.
pub fn report_text(text: Option<&str>) -> Option<String> {
    let kept: String = text?
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_REPORT_TEXT)
        .collect();
    let kept = kept.trim().to_string();
    (!kept.is_empty()).then_some(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_and_plain_reports_read_alike() {
        let github: Vec<LeakedToken> = serde_json::from_str(
            r#"[{"token":"stw_x","type":"steward_api_token","url":"https://github.com/a/b/blob/1/f","source":"content"}]"#,
        )
        .unwrap();
        assert_eq!(
            github[0].url.as_deref(),
            Some("https://github.com/a/b/blob/1/f")
        );
        let plain: LeakedToken = serde_json::from_str(r#"{"token":"stw_x"}"#).unwrap();
        assert_eq!(plain.token, "stw_x");
        assert!(serde_json::from_str::<LeakedToken>(r#"{"token":"x","tokn":"y"}"#).is_err());
        let gitlab: GitLabRevocation = serde_json::from_str(
            r#"{"type":"gitleaks_rule_id_steward_api_token","token":"stw_x","location":"https://gitlab.example/f","vulnerability":null}"#,
        )
        .unwrap();
        assert_eq!(
            LeakedToken::from(gitlab).url.as_deref(),
            Some("https://gitlab.example/f")
        );
    }

    #[test]
    fn reports_are_bounded_and_their_text_kept_short() {
        assert!(check_report(&[]).is_err());
        let one = LeakedToken {
            token: "stw_x".into(),
            token_type: None,
            url: None,
            source: None,
        };
        assert!(check_report(std::slice::from_ref(&one)).is_ok());
        assert!(check_report(&vec![one; MAX_REPORTED_TOKENS + 1]).is_err());
        assert_eq!(report_text(Some("  ")), None);
        assert_eq!(report_text(Some("a\u{0}b")).as_deref(), Some("ab"));
        assert_eq!(
            report_text(Some(&"x".repeat(5000))).unwrap().len(),
            MAX_REPORT_TEXT
        );
        let label = serde_json::to_value(LeakLabel {
            token_hash: "ab".into(),
            token_type: STEWARD_TOKEN_TYPE.into(),
            label: LeakVerdict::TruePositive,
        })
        .unwrap();
        assert_eq!(label["label"], "true_positive");
    }
}
