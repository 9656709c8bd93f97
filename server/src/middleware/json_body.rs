//! Holds every JSON body of an API operation to the shape its OpenAPI document gives it, before
//! the operation reads it: the body is an object; a field the document does not name is
//! refused (400 naming it), so a typo is never silently ignored; text may not hold NUL (which
//! PostgreSQL cannot store, so both databases refuse it alike); and a whole number written
//! with a fraction or an exponent (`2.0`, `2e0`), which JSON Schema counts as an integer, is
//! read as that integer. Bodies that are not JSON at all are left to the operation's own 400.

use super::authenticate::{json_error, INTROSPECTION_PATH};
use crate::routes::whoami;
use app::domain::ApiError;
use axum::body::{to_bytes, Body};
use axum::http::{header, Method, Request};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Largest body read here; the body limit layer inside refuses anything larger anyway.
const MAX_BODY: usize = 64 * 1024;

/// Operations that read their own JSON body and refuse what this middleware would: RFC 7662's
/// introspection (which takes a form too) and `whoami` (which takes nothing).
const READS_OWN_BODY: [&str; 2] = [INTROSPECTION_PATH, whoami::PATH];

/// The JSON body schema of every POST operation, by path.
fn body_schemas() -> &'static HashMap<String, Value> {
    static SCHEMAS: OnceLock<HashMap<String, Value>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let doc = crate::openapi::document();
        let mut map = HashMap::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            if let Some(schema) = item.pointer("/post/requestBody/content/application~1json/schema")
            {
                map.insert(path.clone(), schema.clone());
            }
        }
        map
    })
}

fn components() -> &'static Value {
    &crate::openapi::document()["components"]["schemas"]
}

pub async fn check_json_body(req: Request<Body>, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    // The operations asked on every request a gateway forwards or a script makes read their
    // own bodies and hold them to the same rules (`routes::introspect`, `routes::whoami`), so
    // the body is not read twice.
    if READS_OWN_BODY.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    let Some(schema) = body_schemas().get(req.uri().path()) else {
        return next.run(req).await;
    };
    // A body that may be a list (leak reports, in the shapes GitHub and GitLab send) is read
    // by its operation, which names what is wrong with it.
    if takes_a_list(schema) {
        return next.run(req).await;
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if is_form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_BODY + 1).await {
        Ok(b) if b.len() <= MAX_BODY => b,
        _ => return json_error(&ApiError::bad_request("The request body is too large.")),
    };
    let body = match serde_json::from_slice::<Value>(&bytes) {
        // The operation itself says what is wrong with a body that is not JSON (or is empty).
        Err(_) => bytes,
        Ok(mut value) => {
            let Value::Object(fields) = &value else {
                return json_error(&ApiError::not_an_object());
            };
            if let Err(e) = check_fields(fields, schema, None) {
                return json_error(&e);
            }
            if whole_numbers(&mut value) {
                serde_json::to_vec(&value).map(Into::into).unwrap_or(bytes)
            } else {
                bytes
            }
        }
    };
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// Whether `schema` (or one of its `oneOf` / `anyOf` branches) is an array.
fn takes_a_list(schema: &Value) -> bool {
    schema["type"] == "array"
        || ["oneOf", "anyOf"].iter().any(|key| {
            schema[*key]
                .as_array()
                .is_some_and(|branches| branches.iter().any(|b| b["type"] == "array"))
        })
}

/// The object schemas `schema` stands for (through `$ref`, `allOf`, and the object branches of
/// `oneOf` / `anyOf`), so their properties can be collected.
fn objects<'a>(schema: &'a Value, out: &mut Vec<&'a Map<String, Value>>) {
    if let Some(target) = schema["$ref"].as_str() {
        let name = target.rsplit('/').next().unwrap_or_default();
        if let Some(resolved) = components().get(name) {
            objects(resolved, out);
        }
        return;
    }
    if let Some(props) = schema["properties"].as_object() {
        out.push(props);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema[key].as_array().into_iter().flatten() {
            objects(part, out);
        }
    }
}

/// Refuses fields no schema names and text with NUL, in `fields` and the objects inside them.
/// `top` is the body's field being checked, for the error.
fn check_fields(
    fields: &Map<String, Value>,
    schema: &Value,
    top: Option<&str>,
) -> Result<(), ApiError> {
    let mut known = Vec::new();
    objects(schema, &mut known);
    for (name, value) in fields {
        let field = top.unwrap_or(name);
        let Some(property) = known.iter().find_map(|props| props.get(name)) else {
            return Err(ApiError::unknown_field(field, name));
        };
        check_value(value, property, field)?;
    }
    Ok(())
}

fn check_value(value: &Value, schema: &Value, field: &str) -> Result<(), ApiError> {
    match value {
        Value::String(s) if s.contains('\0') => Err(ApiError::holds_nul(field)),
        Value::Object(inner) => {
            let mut nested = Vec::new();
            objects(schema, &mut nested);
            // A free-form object (a map) names no properties: nothing to refuse there.
            if nested.is_empty() {
                return check_text(value, field);
            }
            check_fields(inner, schema, Some(field))
        }
        Value::Array(items) => {
            let item_schema = item_schema(schema);
            items
                .iter()
                .try_for_each(|item| check_value(item, &item_schema, field))
        }
        _ => Ok(()),
    }
}

/// The schema of an array's items, through a `$ref` or a nullable `oneOf`.
fn item_schema(schema: &Value) -> Value {
    if let Some(items) = schema.get("items") {
        return items.clone();
    }
    if let Some(target) = schema["$ref"].as_str() {
        let name = target.rsplit('/').next().unwrap_or_default();
        if let Some(resolved) = components().get(name) {
            return item_schema(resolved);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for part in schema[key].as_array().into_iter().flatten() {
            let found = item_schema(part);
            if !found.is_null() {
                return found;
            }
        }
    }
    Value::Null
}

/// NUL anywhere in a free-form value.
fn check_text(value: &Value, field: &str) -> Result<(), ApiError> {
    match value {
        Value::String(s) if s.contains('\0') => Err(ApiError::holds_nul(field)),
        Value::Array(items) => items.iter().try_for_each(|v| check_text(v, field)),
        Value::Object(map) => map.values().try_for_each(|v| check_text(v, field)),
        _ => Ok(()),
    }
}

/// Largest magnitude a double holds exactly as a whole number.
const EXACT: f64 = 9_007_199_254_740_992.0;

/// Rewrites whole numbers written as floats (`2.0`) as integers; whether anything changed.
fn whole_numbers(value: &mut Value) -> bool {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() <= EXACT => {
                *value = Value::from(f as i64);
                true
            }
            _ => false,
        },
        // Every element is visited (no short-circuit): each may need its number mended.
        Value::Array(items) => {
            items
                .iter_mut()
                .map(whole_numbers)
                .filter(|changed| *changed)
                .count()
                > 0
        }
        Value::Object(map) => {
            map.values_mut()
                .map(whole_numbers)
                .filter(|changed| *changed)
                .count()
                > 0
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_floats_become_integers_and_nothing_else_changes() {
        let mut v =
            json!({"page": 2.0, "per_page": 5e1, "f": 2.5, "n": [1.0, "2.0"], "big": 1e300});
        assert!(whole_numbers(&mut v));
        assert_eq!(
            v,
            json!({"page": 2, "per_page": 50, "f": 2.5, "n": [1, "2.0"], "big": 1e300})
        );
        let mut plain = json!({"page": 2, "name": "x"});
        assert!(!whole_numbers(&mut plain));
    }

    #[test]
    fn unknown_fields_and_nul_are_refused_by_name() {
        let schemas = body_schemas();
        let create = &schemas["/api/v1/service-accounts/create"];
        let check = |body: Value| {
            check_fields(body.as_object().unwrap(), create, None)
                .map_err(|e| (e.status_code(), e.field().unwrap_or_default().to_string()))
        };
        assert_eq!(check(json!({"name": "ci", "role": "viewer"})), Ok(()));
        assert_eq!(
            check(json!({"name": "ci", "rol": "viewer"})),
            Err((400, "rol".into()))
        );
        assert_eq!(check(json!({"name": "c\u{0}i"})), Err((400, "name".into())));
        assert_eq!(
            check(json!({"name": "ci", "roles": ["a", "b\u{0}"]})),
            Err((400, "roles".into()))
        );
        // Nested objects are held to their own schema.
        let grant = &schemas["/api/v1/bindings/grant"];
        let nested = json!({"subject": {"type": "group", "id": "g", "extra": 1}, "role": "viewer"});
        let e = check_fields(nested.as_object().unwrap(), grant, None).unwrap_err();
        assert_eq!(e.field(), Some("subject"));
    }
}
