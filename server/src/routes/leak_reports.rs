//! Where leaked tokens are reported, without credentials (holding the token is the proof):
//! `POST /api/v1/tokens/report-leak` takes what GitHub's secret scanning partner programme
//! sends (a JSON array of `{token, type, url, source}`) or a plain `{"token": …}`, and answers
//! GitHub's feedback labels; `GET /api/v1/leaks/gitlab/revocable_token_types` and `POST
//! /api/v1/leaks/gitlab/revoke_tokens` are GitLab's token revocation API for self-managed
//! secret detection. Each address may report a few times a minute (`middleware::rate_limits`).

use crate::middleware::authenticate::json_error;
use app::domain::{ApiError, GitLabRevocation, LeakedToken, STEWARD_TOKEN_TYPE};
use app::services::tokens::leaks;
use app::services::RequestMeta;
use app::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The paths, for the per-address limit and for skipping credential checks.
pub const REPORT_PATH: &str = "/api/v1/tokens/report-leak";
pub const GITLAB_TYPES_PATH: &str = "/api/v1/leaks/gitlab/revocable_token_types";
pub const GITLAB_REVOKE_PATH: &str = "/api/v1/leaks/gitlab/revoke_tokens";

/// The type GitLab gives findings of the detection rule docs/leaks.md ships
/// (`gitleaks_rule_id` and the rule's name, lowercased, spaces as underscores).
pub fn gitlab_token_type() -> String {
    format!("gitleaks_rule_id_{STEWARD_TOKEN_TYPE}")
}

pub async fn report_leak(
    State(state): State<AppState>,
    meta: Option<Extension<RequestMeta>>,
    body: Bytes,
) -> Response {
    let meta = meta.map(|m| m.0).unwrap_or_default();
    let reported = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .map(decode::<LeakedToken>)
            .collect::<Result<Vec<_>, _>>(),
        Ok(one @ Value::Object(_)) => decode::<LeakedToken>(one).map(|t| vec![t]),
        _ => Err(ApiError::bad_request(
            "The body must be a JSON array of {token, type, url, source}, or {\"token\": …}.",
        )),
    };
    let answer = match reported {
        Ok(tokens) => leaks::report(&state, tokens, &meta).await,
        Err(e) => Err(e),
    };
    match answer {
        Ok(labels) => Json(labels).into_response(),
        Err(e) => json_error(&e),
    }
}

pub async fn gitlab_revocable_token_types() -> Response {
    Json(serde_json::json!({ "types": [gitlab_token_type()] })).into_response()
}

/// GitLab sends an array of `{type, token, location}`; 204 once each is handled (GitLab only
/// sends types `revocable_token_types` lists, and retries anything but a 2xx).
pub async fn gitlab_revoke_tokens(
    State(state): State<AppState>,
    meta: Option<Extension<RequestMeta>>,
    body: Bytes,
) -> Response {
    let meta = meta.map(|m| m.0).unwrap_or_default();
    let reported = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .map(|item| decode::<GitLabRevocation>(item).map(LeakedToken::from))
            .collect::<Result<Vec<_>, _>>(),
        _ => Err(ApiError::bad_request(
            "The body must be a JSON array of {type, token, location}.",
        )),
    };
    match reported {
        Ok(tokens) => match leaks::report(&state, tokens, &meta).await {
            Ok(_) => StatusCode::NO_CONTENT.into_response(),
            Err(e) => json_error(&e),
        },
        Err(e) => json_error(&e),
    }
}

/// One entry of a report, or a 400 naming the field at fault (a field the entry does not take,
/// or one of the wrong type) or a 422 naming one that is missing.
fn decode<T: DeserializeOwned>(item: Value) -> Result<T, ApiError> {
    // As for every other body: text the database cannot store is refused, naming its field.
    if let Value::Object(fields) = &item {
        if let Some((name, _)) = fields
            .iter()
            .find(|(_, v)| v.as_str().is_some_and(|s| s.contains('\0')))
        {
            return Err(ApiError::bad_parameter(
                name,
                format!("{name} holds the NUL character, which cannot be stored."),
            ));
        }
    }
    serde_json::from_value(item).map_err(|e| {
        let text = e.to_string();
        let named = |marker: &str| {
            text.split(marker)
                .nth(1)
                .and_then(|rest| rest.split('`').next())
                .map(str::to_string)
        };
        if let Some(field) = named("unknown field `") {
            ApiError::bad_parameter(
                &field,
                format!("Unknown field '{field}' in a reported token."),
            )
        } else if let Some(field) = named("missing field `") {
            ApiError::invalid(
                &field,
                format!("{field} is required for each reported token."),
            )
        } else {
            ApiError::bad_request(format!(
                "A reported token is not in the expected shape: {}",
                text.split(" at line").next().unwrap_or_default()
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_name_the_field_at_fault() {
        let e = decode::<LeakedToken>(serde_json::json!({"token": "x", "tokn": 1})).unwrap_err();
        assert_eq!((e.status_code(), e.field()), (400, Some("tokn")));
        let e = decode::<LeakedToken>(serde_json::json!({"url": "x"})).unwrap_err();
        assert_eq!((e.status_code(), e.field()), (422, Some("token")));
        let e = decode::<LeakedToken>(serde_json::json!({"token": 7})).unwrap_err();
        assert_eq!(e.status_code(), 400);
        let e =
            decode::<LeakedToken>(serde_json::json!({"token": "x", "url": "a\u{0}b"})).unwrap_err();
        assert_eq!((e.status_code(), e.field()), (400, Some("url")));
        assert_eq!(gitlab_token_type(), "gitleaks_rule_id_steward_api_token");
    }
}
