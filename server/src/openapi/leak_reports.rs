//! The leak report operations: plain handlers whose bodies are lists in the shapes GitHub's and
//! GitLab's secret scanners send (`routes::leak_reports`).

use super::document::{operation, schema_of, Components, Operation};
use super::Needs;
use crate::routes::leak_reports::{GITLAB_REVOKE_PATH, GITLAB_TYPES_PATH, REPORT_PATH};
use app::domain::{GitLabRevocation, LeakLabel, LeakedToken};
use serde_json::json;

/// The three operations.
pub fn all(components: &mut Components) -> Vec<Operation> {
    let leaked = schema_of::<LeakedToken>(components);
    let label = schema_of::<LeakLabel>(components);
    let mut report = operation(
        "tokens/report-leak",
        "Tokens",
        "Reports tokens found where they should not be; no credentials needed, since holding a \
         token is the proof. The body is what GitHub's secret scanning partner programme sends \
         (a JSON array of `{token, type, url, source}`, at most 100) or one `{\"token\": …}`. \
         Each token Steward would accept is suspended at once on every replica (an admin \
         restores it with `tokens/restore` or revokes it), the report is audited \
         (`token.leaked`, with the URL and source) and the organization's webhook gets a signed \
         `token.leaked` notice. The answer labels each token as GitHub takes feedback, by its \
         SHA-256, never saying whose it is: `true_positive` for a token that was live, \
         `false_positive` for anything else. Each address may report 30 times a minute.",
        Needs::Nothing,
        &[],
    );
    report["requestBody"] = json!({
        "required": true,
        "content": {"application/json": {
            "schema": {"oneOf": [
                {"type": "array", "minItems": 1, "maxItems": 100, "items": leaked.clone()},
                leaked,
            ]},
            "example": [{"token": "stw_…", "type": "steward_api_token", "url": "https://github.com/acme/api/blob/3f1c…/deploy.sh", "source": "content"}],
        }},
    });
    report["responses"]["200"] = json!({
        "description": "One label per reported token, in the order reported.",
        "content": {"application/json": {"schema": {"type": "array", "items": label}}},
    });

    let mut types = operation(
        "leaks/gitlab/revocable_token_types",
        "Tokens",
        "GitLab's token revocation API for self-managed secret detection: the finding types \
         Steward revokes (its `secret_detection_revocation_token_types_url`). GitLab's \
         `Authorization` value is not checked.",
        Needs::Nothing,
        &[],
    );
    types["responses"]["200"] = json!({
        "description": "`{\"types\": [\"gitleaks_rule_id_steward_api_token\"]}`.",
        "content": {"application/json": {"schema": {
            "type": "object",
            "required": ["types"],
            "properties": {"types": {"type": "array", "items": {"type": "string"}}},
            "additionalProperties": false,
        }}},
    });

    let gitlab = schema_of::<GitLabRevocation>(components);
    let mut revoke = operation(
        "leaks/gitlab/revoke_tokens",
        "Tokens",
        "GitLab's token revocation API (its `secret_detection_token_revocation_url`): a JSON \
         array of `{type, token, location}`, each handled as `tokens/report-leak` handles a \
         report (the location kept as the report's URL). 204 once done; GitLab retries \
         anything else. GitLab's `Authorization` value is not checked: holding a token is the \
         proof.",
        Needs::Nothing,
        &[],
    );
    revoke["requestBody"] = json!({
        "required": true,
        "content": {"application/json": {
            "schema": {"type": "array", "minItems": 1, "maxItems": 100, "items": gitlab},
            "example": [{"type": "gitleaks_rule_id_steward_api_token", "token": "stw_…", "location": "https://gitlab.example.com/acme/api/-/blob/3f1c…/deploy.sh"}],
        }},
    });
    if let Some(responses) = revoke["responses"].as_object_mut() {
        responses.remove("200");
    }
    revoke["responses"]["204"] = json!({"description": "Every token was handled."});

    let at = |path: &str, method, body| Operation {
        path: path.to_string(),
        method,
        body,
    };
    vec![
        at(REPORT_PATH, "post", report),
        at(GITLAB_TYPES_PATH, "get", types),
        at(GITLAB_REVOKE_PATH, "post", revoke),
    ]
}
