//! The one error type every server function returns, serialized as the API contract's
//! `{"error": {"code", "message", "field"}}` body.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// Machine-readable error kinds; each maps to exactly one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    /// The path exists but does not take this method; `Allow` lists the ones it takes.
    MethodNotAllowed,
    Conflict,
    Invalid,
    RateLimited,
    /// A valid token used from an address outside the networks it is allowed from.
    NetworkNotAllowed,
    /// A valid token whose allowed number of uses is spent.
    UsesExhausted,
    Internal,
    /// The server cannot answer right now (database unreachable, too busy); retrying later helps.
    Unavailable,
}

impl ErrorCode {
    /// The HTTP status the API answers with for this kind of error.
    pub fn status_code(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict => 409,
            ErrorCode::Invalid => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::NetworkNotAllowed | ErrorCode::UsesExhausted => 403,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }
}

/// The inner object of an error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds to wait before trying again (429 and 503); also sent as `Retry-After`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// An error as the API reports it. The message is always safe to show a user: internal
/// details are logged on the server and replaced by a generic text.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, utoipa::ToSchema,
)]
#[error("{}", error.message)]
pub struct ApiError {
    pub error: ErrorBody,
}

impl ApiError {
    fn new(code: ErrorCode, message: impl Into<String>, field: Option<String>) -> Self {
        ApiError {
            error: ErrorBody {
                code,
                message: message.into(),
                field,
                retry_after: None,
            },
        }
    }

    /// A request body that is not the JSON the operation expects.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message, None)
    }

    /// A request that names a parameter wrongly (unknown, repeated, or missing where the
    /// server's setup needs it): 400 naming the parameter.
    pub fn bad_parameter(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message, Some(field.to_string()))
    }

    /// 400 for text holding NUL, which PostgreSQL cannot store: refused on both databases
    /// alike, wherever a JSON body is read.
    pub fn holds_nul(field: &str) -> Self {
        Self::bad_parameter(
            field,
            format!("{field} holds the NUL character, which cannot be stored."),
        )
    }

    /// 400 for a JSON body that is not an object, wherever the body is read.
    pub fn not_an_object() -> Self {
        Self::bad_request("The request body must be a JSON object.")
    }

    /// 400 for a field the operation does not take; `field` is the body's field it is in
    /// (`name` itself, or the top-level field of an object holding it).
    pub fn unknown_field(field: &str, name: &str) -> Self {
        Self::bad_parameter(
            field,
            format!("Unknown field '{name}': this operation does not take it."),
        )
    }

    /// The one answer to a body that does not decode, whether a server function or a plain
    /// handler read it.
    pub fn body_not_json() -> Self {
        Self::bad_request("The request body is not valid JSON for this operation.")
    }

    /// One message for every kind of bad credential, so a caller learns nothing about which.
    pub fn unauthenticated() -> Self {
        Self::new(
            ErrorCode::Unauthenticated,
            "Authentication required: sign in or send a valid API token.",
            None,
        )
    }

    /// A 401 with a specific text, for the sign-in form (which must still not say which part was wrong).
    pub fn unauthenticated_with(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthenticated, message, None)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message, None)
    }

    /// Also used for other organizations' objects, which must look as if they did not exist.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found."), None)
    }

    /// Something the body names (a role, workspace, account, member, permission or one-time
    /// link, by id or by name) that the organization does not have: 404 like an unknown id,
    /// with the field that named it.
    pub fn unknown(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message, Some(field.to_string()))
    }

    /// A method the path does not take (the answer also carries `Allow`).
    pub fn method_not_allowed() -> Self {
        Self::new(
            ErrorCode::MethodNotAllowed,
            "This operation does not take that HTTP method; Allow lists the ones it takes.",
            None,
        )
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message, Some(field.to_string()))
    }

    /// A value that parsed but breaks a rule; `field` names the offending input.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid, message, Some(field.to_string()))
    }

    pub fn rate_limited() -> Self {
        Self::new(
            ErrorCode::RateLimited,
            "Too many attempts. Wait a minute and try again.",
            None,
        )
    }

    /// A 429 that says how long to wait.
    pub fn rate_limited_for(message: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut e = Self::new(ErrorCode::RateLimited, message, None);
        e.error.retry_after = Some(retry_after_secs.max(1));
        e
    }

    /// A token used from outside its allowed networks: the caller holds the token, so saying
    /// which guard refused it tells them nothing they could not learn, and lets them act.
    pub fn network_not_allowed() -> Self {
        Self::new(
            ErrorCode::NetworkNotAllowed,
            "This token may not be used from this address: it is limited to some networks.",
            None,
        )
    }

    /// A token whose uses are spent.
    pub fn uses_exhausted() -> Self {
        Self::new(
            ErrorCode::UsesExhausted,
            "This token has been used as many times as it allows.",
            None,
        )
    }

    /// A 503: the database is unreachable or the server is saturated; the caller should retry.
    pub fn unavailable(message: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut e = Self::new(ErrorCode::Unavailable, message, None);
        e.error.retry_after = Some(retry_after_secs.max(1));
        e
    }

    /// Never carries the cause: that goes to the server log only.
    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "Something went wrong on the server. Try again later.",
            None,
        )
    }

    pub fn code(&self) -> ErrorCode {
        self.error.code
    }

    pub fn field(&self) -> Option<&str> {
        self.error.field.as_deref()
    }

    pub fn message(&self) -> &str {
        &self.error.message
    }

    pub fn retry_after(&self) -> Option<u64> {
        self.error.retry_after
    }

    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        self.error.code.status_code()
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Serde names the missing field in backticks; surface it as a field error.
            // The server reports a body it cannot decode as Deserialization or Args depending on the codec.
            ServerFnErrorErr::Args(msg)
            | ServerFnErrorErr::MissingArg(msg)
            | ServerFnErrorErr::Deserialization(msg) => match missing_field(&msg) {
                Some(field) => ApiError::invalid(&field, format!("{field} is required.")),
                None => ApiError::body_not_json(),
            },
            ServerFnErrorErr::Request(_) => ApiError::new(
                ErrorCode::Internal,
                "Could not reach the server. Check your connection and try again.",
                None,
            ),
            _ => ApiError::internal(),
        }
    }
}

fn missing_field(msg: &str) -> Option<String> {
    let rest = msg.split("missing field `").nth(1)?;
    let name = rest.split('`').next()?;
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_contract_body() {
        let json = serde_json::to_value(ApiError::invalid("name", "bad")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "invalid", "message": "bad", "field": "name"}})
        );
        let json = serde_json::to_value(ApiError::not_found("Service account")).unwrap();
        assert_eq!(json["error"].get("field"), None);
    }

    #[test]
    fn missing_argument_names_the_field() {
        let e = ApiError::from_server_fn_error(ServerFnErrorErr::Args(
            "missing field `name` at line 1 column 2".into(),
        ));
        assert_eq!(e.code(), ErrorCode::Invalid);
        assert_eq!(e.field(), Some("name"));
        let e = ApiError::from_server_fn_error(ServerFnErrorErr::Args(
            "expected value at line 1".into(),
        ));
        assert_eq!(e.code(), ErrorCode::BadRequest);
    }
}
