//! `POST /api/v1/tokens/introspect`: whether a token is good and whose it is (RFC 7662), for
//! services that accept Steward's tokens. A plain handler rather than a server function so
//! that a gateway's own token and the token it asks about are read with one lookup: the
//! middleware hands this route's Bearer (or HTTP Basic) token on unverified (`DeferredBearer`).
//! The body is RFC 7662's form (`token=…&token_type_hint=…`) or the same as JSON.

use crate::middleware::authenticate::{json_error, AcceptedBearer, DeferredBearer, RejectedBearer};
use app::domain::{ApiError, IntrospectionRequest};
use app::services::tokens::introspection::{introspect_as, introspect_pair};
use app::services::tokens::verification::look_up_pair;
use app::services::{Authenticated, RequestMeta};
use app::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

pub async fn introspect(
    State(state): State<AppState>,
    session: Option<Extension<Authenticated>>,
    bearer: Option<Extension<DeferredBearer>>,
    meta: Option<Extension<RequestMeta>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut res = answer(state, session, bearer, meta, &headers, &body).await;
    if res.status() == StatusCode::UNAUTHORIZED {
        // RFC 6749 (5.2), which RFC 7662 defers to: a 401 names the scheme the caller used.
        let basic = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("basic"));
        let challenge = if basic {
            r#"Basic realm="Steward""#
        } else {
            r#"Bearer realm="Steward""#
        };
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    res
}

async fn answer(
    state: AppState,
    session: Option<Extension<Authenticated>>,
    bearer: Option<Extension<DeferredBearer>>,
    meta: Option<Extension<RequestMeta>>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let meta = meta.map(|m| m.0).unwrap_or_default();
    let request = match parse_body(headers, body) {
        Ok(r) => r,
        Err(e) => return json_error(&e),
    };
    let answer = match (bearer, session) {
        (Some(Extension(DeferredBearer(secret))), _) => {
            let presented = match look_up_pair(&state, [&secret, request.token.trim()]).await {
                Ok(p) => p,
                Err(e) => return json_error(&e),
            };
            let [caller, target] = presented;
            match introspect_pair(&state, caller, target, &meta).await {
                Ok(answer) => {
                    let mut res = Json(answer).into_response();
                    res.extensions_mut().insert(AcceptedBearer);
                    return res;
                }
                Err((e, refused_bearer)) => {
                    let mut res = json_error(&e);
                    if refused_bearer {
                        res.extensions_mut().insert(RejectedBearer);
                    }
                    return res;
                }
            }
        }
        (None, Some(Extension(auth))) => introspect_as(&state, auth, &request.token, &meta).await,
        (None, None) => Err(ApiError::unauthenticated()),
    };
    match answer {
        Ok(a) => Json(a).into_response(),
        Err(e) => json_error(&e),
    }
}

/// The body, by its `Content-Type`: RFC 7662's form, or JSON (anything else is read as JSON,
/// as every other operation reads it).
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<IntrospectionRequest, ApiError> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if form {
        parse_form(body)
    } else {
        parse(body).and_then(without_nul)
    }
}

/// JSON text may not hold NUL, as in every operation's JSON body (the document's pattern);
/// RFC 7662's form takes any text, and a token holding NUL is simply not a token.
fn without_nul(request: IntrospectionRequest) -> Result<IntrospectionRequest, ApiError> {
    for (name, value) in [
        ("token", Some(&request.token)),
        ("token_type_hint", request.token_type_hint.as_ref()),
    ] {
        if value.is_some_and(|v| v.contains('\0')) {
            return Err(ApiError::holds_nul(name));
        }
    }
    Ok(request)
}

/// `token=…&token_type_hint=…` (RFC 7662, 2.1): 422 naming `token` when it is missing or
/// empty; 400 naming a parameter that is unknown or given twice, so a typo is not ignored.
fn parse_form(body: &[u8]) -> Result<IntrospectionRequest, ApiError> {
    let mut token = None;
    let mut token_type_hint = None;
    for (name, value) in form_urlencoded::parse(body) {
        let slot = match name.as_ref() {
            "token" => &mut token,
            "token_type_hint" => &mut token_type_hint,
            other => {
                return Err(ApiError::bad_parameter(
                    other,
                    format!(
                        "Unknown parameter '{other}': send token and, optionally, token_type_hint."
                    ),
                ))
            }
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(ApiError::bad_parameter(
                &name,
                format!("The parameter '{name}' is given more than once."),
            ));
        }
    }
    match token {
        Some(token) if !token.is_empty() => Ok(IntrospectionRequest {
            token,
            token_type_hint,
        }),
        _ => Err(ApiError::invalid("token", "token is required.")),
    }
}

/// The JSON body: 400 when it is not a JSON object or names a field that is unknown or given
/// twice, 422 naming the field that is missing or not a string. A good body is read once;
/// only a bad one is read again to tell which error it is.
fn parse(body: &[u8]) -> Result<IntrospectionRequest, ApiError> {
    // Only an object: serde would also read a struct from an array (`["stw_…"]`).
    let is_object = body.trim_ascii_start().first() == Some(&b'{');
    let first = match is_object.then(|| serde_json::from_slice::<IntrospectionRequest>(body)) {
        Some(Ok(request)) => return Ok(request),
        Some(Err(e)) => Some(e),
        None => None,
    };
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| ApiError::body_not_json())?;
    let Some(fields) = value.as_object() else {
        return Err(ApiError::body_not_json());
    };
    if let Some(other) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::bad_parameter(
            other,
            format!("Unknown field '{other}': send token and, optionally, token_type_hint."),
        ));
    }
    if !value["token"].is_string() {
        return Err(ApiError::invalid("token", "token is required."));
    }
    if !(value["token_type_hint"].is_string() || value["token_type_hint"].is_null()) {
        return Err(ApiError::invalid(
            "token_type_hint",
            "token_type_hint must be a string.",
        ));
    }
    // Every field is known and of its type, so serde refused a field given twice.
    let repeated = first
        .map(|e| e.to_string())
        .filter(|e| e.contains("`token_type_hint`"))
        .map_or("token", |_| "token_type_hint");
    Err(ApiError::bad_parameter(
        repeated,
        format!("The field '{repeated}' is given more than once."),
    ))
}

/// The fields the body may hold (RFC 7662, 2.1).
const FIELDS: [&str; 2] = ["token", "token_type_hint"];

#[cfg(test)]
mod tests {
    use super::{parse, parse_body, parse_form};
    use axum::http::{header, HeaderMap, HeaderValue};

    #[test]
    fn reads_rfc_7662_forms_and_names_what_is_wrong() {
        let good = parse_form(b"token=stw_x%2By&token_type_hint=access_token").unwrap();
        assert_eq!(good.token, "stw_x+y");
        assert_eq!(good.token_type_hint.as_deref(), Some("access_token"));
        assert_eq!(parse_form(b"token=stw_x").unwrap().token_type_hint, None);
        for (body, status, field) in [
            (&b""[..], 422, "token"),
            (b"token=", 422, "token"),
            (b"token_type_hint=access_token", 422, "token"),
            (b"token=a&token=b", 400, "token"),
            (b"token=a&client_secret=b", 400, "client_secret"),
        ] {
            let e = parse_form(body).unwrap_err();
            assert_eq!(
                (e.status_code(), e.field()),
                (status, Some(field)),
                "{body:?}"
            );
        }
    }

    #[test]
    fn refuses_nul_in_json_and_takes_it_in_a_form() {
        let json = HeaderMap::new();
        for (body, field) in [
            (&br#"{"token": "stw_\u0000"}"#[..], "token"),
            (
                br#"{"token": "stw_x", "token_type_hint": "\u0000"}"#,
                "token_type_hint",
            ),
        ] {
            let e = parse_body(&json, body).unwrap_err();
            assert_eq!((e.status_code(), e.field()), (400, Some(field)), "{body:?}");
        }
        let mut form = HeaderMap::new();
        form.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let taken = parse_body(&form, b"token=stw_%00&token_type_hint=%00").unwrap();
        assert_eq!(taken.token, "stw_\0");
    }

    #[test]
    fn reads_an_object_naming_the_token_and_refuses_anything_else() {
        let good = parse(br#" {"token": "stw_x"}"#).unwrap();
        assert_eq!(good.token, "stw_x");
        for (body, field) in [
            (&br#"{"token": "stw_x", "extra": 1}"#[..], "extra"),
            (br#"{"tokens": "stw_x"}"#, "tokens"),
            (br#"{"token": "stw_x", "token": "stw_y"}"#, "token"),
            (
                br#"{"token": "stw_x", "token_type_hint": "a", "token_type_hint": "b"}"#,
                "token_type_hint",
            ),
        ] {
            let e = parse(body).unwrap_err();
            assert_eq!((e.status_code(), e.field()), (400, Some(field)), "{body:?}");
        }
        for not_an_object in [&br#"["stw_x"]"#[..], b"\"stw_x\"", b"{", b"", b"null"] {
            let e = parse(not_an_object).unwrap_err();
            assert_eq!(e.status_code(), 400, "{not_an_object:?}");
        }
        let hint = parse(br#"{"token": "stw_x", "token_type_hint": "access_token"}"#).unwrap();
        assert_eq!(hint.token_type_hint.as_deref(), Some("access_token"));
        let e = parse(br#"{"token": "stw_x", "token_type_hint": 1}"#).unwrap_err();
        assert_eq!(e.field(), Some("token_type_hint"));
        for no_token in [&br#"{}"#[..], br#"{"token": 7}"#, br#"{"token": null}"#] {
            let e = parse(no_token).unwrap_err();
            assert_eq!(
                (e.status_code(), e.field()),
                (422, Some("token")),
                "{no_token:?}"
            );
        }
    }
}
