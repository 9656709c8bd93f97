//! Holds every answer the suite receives to the OpenAPI document: the status must be one the
//! operation documents, and the body must match the documented schema exactly (a field the
//! document does not name fails too). `Client` calls `check` on every reply, so each of the
//! suite's requests doubles as a test of the document.

use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

/// The components' schemas, made strict: every object schema refuses fields it does not name
/// (`unevaluatedProperties: false`), except the parts of an `allOf`, whose holder is strict.
fn strict_components() -> &'static Value {
    static STRICT: OnceLock<Value> = OnceLock::new();
    STRICT.get_or_init(|| {
        let doc = server::openapi::document();
        let mut components = doc["components"].clone();
        let in_all_of = referenced_in_all_of(&components["schemas"]);
        if let Some(schemas) = components["schemas"].as_object_mut() {
            for (name, schema) in schemas.iter_mut() {
                make_strict(schema, in_all_of.contains(name));
            }
        }
        components
    })
}

/// Names of schemas an `allOf` refers to: making those strict would refuse their siblings'
/// fields.
fn referenced_in_all_of(schemas: &Value) -> HashSet<String> {
    let mut names = HashSet::new();
    fn walk(v: &Value, names: &mut HashSet<String>) {
        match v {
            Value::Object(m) => {
                if let Some(parts) = m.get("allOf").and_then(Value::as_array) {
                    for part in parts {
                        if let Some(r) = part.get("$ref").and_then(Value::as_str) {
                            names.insert(r.rsplit('/').next().unwrap().to_string());
                        }
                    }
                }
                m.values().for_each(|c| walk(c, names));
            }
            Value::Array(a) => a.iter().for_each(|c| walk(c, names)),
            _ => {}
        }
    }
    walk(schemas, &mut names);
    names
}

fn make_strict(schema: &mut Value, part_of_all_of: bool) {
    let Value::Object(m) = schema else { return };
    let is_object = m.contains_key("properties") || m.contains_key("allOf");
    if is_object && !part_of_all_of && !m.contains_key("additionalProperties") {
        m.insert("unevaluatedProperties".into(), json!(false));
    }
    for (key, child) in m.iter_mut() {
        match (key.as_str(), child) {
            ("allOf", Value::Array(parts)) => parts.iter_mut().for_each(|p| make_strict(p, true)),
            ("properties", Value::Object(props)) => {
                props.values_mut().for_each(|p| make_strict(p, false))
            }
            ("items" | "additionalProperties", c) => make_strict(c, false),
            ("oneOf" | "anyOf", Value::Array(options)) => {
                options.iter_mut().for_each(|o| make_strict(o, false))
            }
            _ => {}
        }
    }
}

/// A validator for `schema` (inline or a `$ref`), with the components beside it.
fn validator(schema: &Value) -> jsonschema::Validator {
    let mut strict = schema.clone();
    make_strict(&mut strict, false);
    let mut root: Map<String, Value> = strict.as_object().cloned().unwrap_or_default();
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("components".into(), strict_components().clone());
    jsonschema::draft202012::new(&Value::Object(root)).expect("the document's schemas compile")
}

/// What the document says about one operation: its statuses, and a validator per JSON answer.
struct Documented {
    statuses: HashSet<String>,
    success: Option<jsonschema::Validator>,
    /// Errors with a schema of their own (RFC 6749's at `/oauth/token`); others are `ApiError`.
    errors: HashMap<String, jsonschema::Validator>,
}

fn documented(path: &str, method: &str) -> Option<&'static Documented> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<&'static Documented>>>> = OnceLock::new();
    let key = format!("{method} {path}");
    let cache = CACHE.get_or_init(Default::default);
    if let Some(d) = cache.lock().unwrap().get(&key) {
        return *d;
    }
    let op = server::openapi::document()["paths"]
        .get(path)
        .and_then(|item| item.get(method));
    let found = op.map(|op| {
        let responses = op["responses"].as_object().unwrap();
        let success = op
            .pointer("/responses/200/content/application~1json/schema")
            .map(validator);
        let errors = responses
            .iter()
            .filter(|(status, _)| status.as_str() != "200")
            .filter_map(|(status, r)| {
                r.pointer("/content/application~1json/schema")
                    .map(|s| (status.clone(), validator(s)))
            })
            .collect();
        &*Box::leak(Box::new(Documented {
            statuses: responses.keys().cloned().collect(),
            success,
            errors,
        }))
    });
    cache.lock().unwrap().insert(key, found);
    found
}

fn error_validator() -> &'static jsonschema::Validator {
    static ERROR: OnceLock<jsonschema::Validator> = OnceLock::new();
    ERROR.get_or_init(|| validator(&json!({"$ref": "#/components/schemas/ApiError"})))
}

/// Fails the test when an answer to a documented operation is not what the document says.
/// Paths the document does not know (probes of unknown operations) are not checked here; the
/// completeness test covers the real ones.
pub fn check(method: &str, path: &str, status: u16, body: &Value, text: &str) {
    let path = path.split('?').next().unwrap_or(path);
    let Some(doc) = documented(path, method) else {
        return;
    };
    assert!(
        doc.statuses.contains(&status.to_string()),
        "{method} {path} answered {status}, which its OpenAPI operation does not document: {text}"
    );
    let validator = match status {
        200 => match &doc.success {
            Some(v) => v,
            None => return,
        },
        _ if body.is_null() => return,
        _ => doc
            .errors
            .get(&status.to_string())
            .unwrap_or_else(|| error_validator()),
    };
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} answered {status} with a body its OpenAPI schema refuses:\n{}\nbody: {text}",
        errors.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::check;
    use serde_json::json;

    const LIST: &str = "/api/v1/permissions/list";

    #[test]
    fn a_documented_answer_passes() {
        check("post", LIST, 200, &json!({"items": []}), "");
        let error = json!({"error": {"code": "forbidden", "message": "No."}});
        check("post", LIST, 403, &error, "");
    }

    #[test]
    #[should_panic(expected = "refuses")]
    fn a_field_the_document_does_not_name_fails() {
        check("post", LIST, 200, &json!({"items": [], "surprise": 1}), "");
    }

    #[test]
    #[should_panic(expected = "refuses")]
    fn a_field_of_the_wrong_type_fails() {
        check("post", LIST, 200, &json!({"items": "all of them"}), "");
    }

    #[test]
    #[should_panic(expected = "does not document")]
    fn an_undocumented_status_fails() {
        let error = json!({"error": {"code": "conflict", "message": "No."}});
        check("post", LIST, 409, &error, "");
    }
}
